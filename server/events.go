package server

import (
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/loamcms/cms/audit"
	"github.com/loamcms/cms/models"
	"github.com/loamcms/cms/webhooks"
)

// Webhooks (admin).

func (s *Server) listWebhooks(c echo.Context) error {
	hooks, err := s.webhooks.List(c.Request().Context(), principal(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"data": hooks})
}

func (s *Server) createWebhook(c echo.Context) error {
	var in webhooks.Input
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	v, err := s.webhooks.Create(c.Request().Context(), principal(c), in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, v)
}

func (s *Server) getWebhook(c echo.Context) error {
	v, err := s.webhooks.Get(c.Request().Context(), principal(c), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, v)
}

func (s *Server) updateWebhook(c echo.Context) error {
	var in webhooks.Input
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	v, err := s.webhooks.Update(c.Request().Context(), principal(c), c.Param("id"), in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, v)
}

func (s *Server) deleteWebhook(c echo.Context) error {
	if err := s.webhooks.Delete(c.Request().Context(), principal(c), c.Param("id")); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (s *Server) rotateWebhookSecret(c echo.Context) error {
	v, err := s.webhooks.RotateSecret(c.Request().Context(), principal(c), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, v)
}

func (s *Server) testWebhook(c echo.Context) error {
	id, err := s.webhooks.Test(c.Request().Context(), principal(c), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusAccepted, map[string]string{"event_id": id})
}

func (s *Server) listDeliveries(c echo.Context) error {
	limit, offset, err := pageParams(c)
	if err != nil {
		return err
	}
	ds, err := s.webhooks.Deliveries(c.Request().Context(), principal(c), c.Param("id"), limit, offset)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"data": ds})
}

func (s *Server) redeliver(c echo.Context) error {
	if err := s.webhooks.Redeliver(c.Request().Context(), principal(c), c.Param("id"), c.Param("delivery")); err != nil {
		return err
	}
	return c.NoContent(http.StatusAccepted)
}

// The audit log (admin).

func auditQuery(c echo.Context) (audit.Query, error) {
	limit, offset, err := pageParams(c)
	if err != nil {
		return audit.Query{}, err
	}
	q := audit.Query{Actor: c.QueryParam("actor"), Action: c.QueryParam("action"), ObjectType: c.QueryParam("object_type"),
		ObjectID: c.QueryParam("object_id"), Limit: limit, Offset: offset}
	for name, dst := range map[string]**time.Time{"from": &q.From, "to": &q.To} {
		if v := c.QueryParam(name); v != "" {
			t, err := parseTime(v)
			if err != nil {
				return q, models.Errorf(models.CodeBadRequest, "%s must be a date (2026-12-03) or a time (2026-12-03T10:42:00Z)", name)
			}
			*dst = &t
		}
	}
	return q, nil
}

// parseTime reads an RFC 3339 time or a plain date (midnight UTC).
func parseTime(v string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
		return t, nil
	}
	return time.Parse(time.DateOnly, v)
}

func (s *Server) listAudit(c echo.Context) error {
	q, err := auditQuery(c)
	if err != nil {
		return err
	}
	if strings.EqualFold(c.QueryParam("format"), "csv") {
		return s.exportAudit(c, q)
	}
	rs, total, capped, err := s.audit.List(c.Request().Context(), principal(c), q)
	if err != nil {
		return err
	}
	type meta struct {
		listMeta
		Capped bool `json:"capped"` // more than total match: total is a lower bound
	}
	return c.JSON(http.StatusOK, map[string]any{"data": rs, "meta": meta{listMeta{Total: total, Limit: q.Limit, Offset: q.Offset}, capped}})
}

// exportAudit streams the matching records as CSV. The status and headers
// go out with the first bytes, so an error before them (a refusal, a bad
// filter, a failed first query) is still the contract's JSON error.
func (s *Server) exportAudit(c echo.Context, q audit.Query) error {
	if err := s.audit.CanExport(principal(c), q); err != nil {
		return err
	}
	w := &csvAnswer{c: c, name: "audit-" + time.Now().UTC().Format("2006-01-02") + ".csv"}
	err := s.audit.Export(c.Request().Context(), principal(c), q, w)
	if err != nil && !w.started {
		return err
	}
	if err != nil {
		s.log.WarnContext(c.Request().Context(), "audit export cut short", "error", err)
	}
	return nil
}

// csvAnswer starts a CSV download at its first write.
type csvAnswer struct {
	c       echo.Context
	name    string
	started bool
}

func (w *csvAnswer) Write(p []byte) (int, error) {
	if !w.started {
		w.started = true
		h := w.c.Response().Header()
		h.Set(echo.HeaderContentType, "text/csv; charset=utf-8")
		h.Set(echo.HeaderContentDisposition, `attachment; filename="`+w.name+`"`)
		w.c.Response().WriteHeader(http.StatusOK)
	}
	return w.c.Response().Write(p)
}

// Notifications (one's own).

func (s *Server) listNotifications(c echo.Context) error {
	limit, offset, err := pageParams(c)
	if err != nil {
		return err
	}
	notes, unread, err := s.audit.Notifications(c.Request().Context(), principal(c), limit, offset)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"data": notes, "meta": map[string]any{"unread": unread, "limit": limit, "offset": offset}})
}

func (s *Server) readNotifications(c echo.Context) error {
	var in struct {
		IDs *[]string `json:"ids"`
	}
	if err := bindOptionalJSON(c, &in); err != nil {
		return err
	}
	var ids []string
	if in.IDs != nil {
		ids = append([]string{}, *in.IDs...)
	}
	if err := s.audit.MarkRead(c.Request().Context(), principal(c), ids); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
