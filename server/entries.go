package server

import (
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/loamcms/cms/content"
	"github.com/loamcms/cms/models"
)

func (s *Server) listEntries(c echo.Context) error {
	limit, offset, err := pageParams(c)
	if err != nil {
		return err
	}
	q := content.EntryQuery{
		Type: c.QueryParam("type"), Status: c.QueryParam("status"), Author: c.QueryParam("author"),
		Locale: c.QueryParam("locale"), Search: c.QueryParam("search"), Sort: c.QueryParam("sort"), Limit: limit, Offset: offset,
	}
	entries, total, capped, err := s.content.ListEntries(c.Request().Context(), principal(c), q)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, listBody[content.EntryView]{Data: entries, Meta: listMeta{Total: total, Limit: limit, Offset: offset, Capped: capped}})
}

func (s *Server) createEntry(c echo.Context) error {
	var in content.NewEntry
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	e, err := s.content.CreateEntry(c.Request().Context(), principal(c), in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, e)
}

func (s *Server) getEntry(c echo.Context) error {
	return entryResult(c)(s.content.GetEntry(c.Request().Context(), principal(c), c.Param("id")))
}

func (s *Server) updateEntry(c echo.Context) error {
	var in content.EntryPatch
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	return entryResult(c)(s.content.UpdateEntry(c.Request().Context(), principal(c), c.Param("id"), in))
}

func (s *Server) deleteEntry(c echo.Context) error {
	if err := s.content.DeleteEntry(c.Request().Context(), principal(c), c.Param("id")); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// transitionBody is the optional body of a workflow action. A client that
// sends the version it looked at gets version_conflict if the entry changed
// since: a reviewer approves exactly what they read.
type transitionBody struct {
	Version *int       `json:"version"`
	Comment string     `json:"comment"` // approve, request-changes
	At      *time.Time `json:"at"`      // publish
}

// transition binds the body of a workflow action and runs it.
func (s *Server) transition(c echo.Context, action models.Action) error {
	var in transitionBody
	if err := bindOptionalJSON(c, &in); err != nil {
		return err
	}
	if in.Comment != "" && action != models.ActionApprove && action != models.ActionRequestChanges {
		return models.Invalid(map[string]string{"comment": "only approve and request-changes take a comment; use the comments"})
	}
	if in.At != nil && action != models.ActionPublish {
		return models.Invalid(map[string]string{"at": "only publish takes a time"})
	}
	return entryResult(c)(s.content.Act(c.Request().Context(), principal(c), c.Param("id"), content.Act{
		Action: action, Version: in.Version, Comment: in.Comment, At: in.At,
	}))
}

func (s *Server) submitEntry(c echo.Context) error   { return s.transition(c, models.ActionSubmit) }
func (s *Server) withdrawEntry(c echo.Context) error { return s.transition(c, models.ActionWithdraw) }
func (s *Server) approveEntry(c echo.Context) error  { return s.transition(c, models.ActionApprove) }
func (s *Server) requestChanges(c echo.Context) error {
	return s.transition(c, models.ActionRequestChanges)
}
func (s *Server) publishEntry(c echo.Context) error   { return s.transition(c, models.ActionPublish) }
func (s *Server) unpublishEntry(c echo.Context) error { return s.transition(c, models.ActionUnpublish) }
func (s *Server) cancelSchedule(c echo.Context) error {
	return s.transition(c, models.ActionCancelSchedule)
}

func (s *Server) listRevisions(c echo.Context) error {
	revs, err := s.content.Revisions(c.Request().Context(), principal(c), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, revs)
}

func revisionNumber(c echo.Context) (int, error) {
	n, err := strconv.ParseInt(c.Param("n"), 10, 32)
	if err != nil || n < 1 {
		return 0, models.Errorf(models.CodeBadRequest, "revision must be a positive number")
	}
	return int(n), nil
}

func (s *Server) getRevision(c echo.Context) error {
	n, err := revisionNumber(c)
	if err != nil {
		return err
	}
	rev, err := s.content.Revision(c.Request().Context(), principal(c), c.Param("id"), n)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, rev)
}

func (s *Server) restoreRevision(c echo.Context) error {
	n, err := revisionNumber(c)
	if err != nil {
		return err
	}
	var in struct {
		Version *int `json:"version"`
	}
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	return entryResult(c)(s.content.RestoreRevision(c.Request().Context(), principal(c), c.Param("id"), n, in.Version))
}

func (s *Server) listComments(c echo.Context) error {
	cs, err := s.content.Comments(c.Request().Context(), principal(c), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, cs)
}

func (s *Server) addComment(c echo.Context) error {
	var in content.NewComment
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	cm, err := s.content.AddComment(c.Request().Context(), principal(c), c.Param("id"), in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, cm)
}

func (s *Server) updateComment(c echo.Context) error {
	var in content.CommentPatch
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	cm, err := s.content.UpdateComment(c.Request().Context(), principal(c), c.Param("id"), c.Param("comment"), in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, cm)
}

func (s *Server) entryHistory(c echo.Context) error {
	evs, err := s.content.History(c.Request().Context(), principal(c), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, evs)
}

// entryResult writes an entry, or returns the error.
func entryResult(c echo.Context) func(*content.EntryView, error) error {
	return func(e *content.EntryView, err error) error {
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, e)
	}
}

// previewLink makes a short-lived link to the site's preview of an entry.
func (s *Server) previewLink(c echo.Context) error {
	e, t, err := s.content.PreviewTarget(c.Request().Context(), principal(c), c.Param("id"))
	if err != nil {
		return err
	}
	token, exp, err := s.accounts.IssuePreview(e.ID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, map[string]any{"token": token, "expires_at": exp.UTC(), "url": content.PreviewURL(t, e, token)})
}
