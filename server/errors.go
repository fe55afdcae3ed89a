package server

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/loamcms/cms/models"
)

// statusOf is the one mapping from error codes to HTTP statuses. Two answers
// keep a code of the contract but a more exact status: a wrong method is 405
// with bad_request (see methodNotAllowed), and /readyz without its database
// is 503 with internal (see ops.go).
var statusOf = map[models.Code]int{
	models.CodeBadRequest:        http.StatusBadRequest,
	models.CodeUnauthorized:      http.StatusUnauthorized,
	models.CodeForbidden:         http.StatusForbidden,
	models.CodeNotFound:          http.StatusNotFound,
	models.CodeVersionConflict:   http.StatusConflict,
	models.CodeInvalidTransition: http.StatusConflict,
	models.CodeConflict:          http.StatusConflict,
	models.CodePayloadTooLarge:   http.StatusRequestEntityTooLarge,
	models.CodeUnsupportedMedia:  http.StatusUnsupportedMediaType,
	models.CodeValidationFailed:  http.StatusUnprocessableEntity,
	models.CodeRateLimited:       http.StatusTooManyRequests,
	models.CodeInternal:          http.StatusInternalServerError,
}

// codeOfStatus reads echo's own errors (unknown route, wrong method, …) as contract codes.
var codeOfStatus = map[int]models.Code{
	http.StatusBadRequest:            models.CodeBadRequest,
	http.StatusUnauthorized:          models.CodeUnauthorized,
	http.StatusForbidden:             models.CodeForbidden,
	http.StatusNotFound:              models.CodeNotFound,
	http.StatusRequestEntityTooLarge: models.CodePayloadTooLarge,
	http.StatusUnsupportedMediaType:  models.CodeUnsupportedMedia,
	http.StatusTooManyRequests:       models.CodeRateLimited,
}

type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code    models.Code       `json:"code"`
	Message string            `json:"message"`
	Fields  map[string]string `json:"fields,omitempty"`
}

// toModelError turns any error into the contract's shape. Anything unknown is
// internal, and its text never reaches the client.
func toModelError(err error) (*models.Error, bool) {
	var me *models.Error
	if errors.As(err, &me) {
		return me, me.Code == models.CodeInternal && me.Status == 0
	}
	var he *echo.HTTPError
	if errors.As(err, &he) && he.Code == http.StatusMethodNotAllowed {
		return &models.Error{Code: models.CodeBadRequest, Message: "this method is not allowed here", Status: http.StatusMethodNotAllowed}, false
	}
	if errors.As(err, &he) {
		if code, ok := codeOfStatus[he.Code]; ok {
			msg := http.StatusText(he.Code)
			if s, ok := he.Message.(string); ok && he.Code != http.StatusInternalServerError {
				msg = s
			}
			return &models.Error{Code: code, Message: msg}, false
		}
	}
	return &models.Error{Code: models.CodeInternal, Message: "internal error"}, true
}

// errorStatus is the HTTP status of an error's answer.
func errorStatus(me *models.Error) int {
	if me.Status != 0 {
		return me.Status
	}
	if status, ok := statusOf[me.Code]; ok {
		return status
	}
	return http.StatusInternalServerError
}

// errorHandler writes every error of every route with the contract's body.
func (s *Server) errorHandler(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	me, internal := toModelError(err)
	if internal {
		s.log.Error("request failed",
			"request_id", c.Response().Header().Get(echo.HeaderXRequestID),
			"method", c.Request().Method, "path", c.Request().URL.Path, "error", err)
		me = &models.Error{Code: models.CodeInternal, Message: "internal error"}
	}
	status := errorStatus(me)
	h := c.Response().Header()
	if me.RetryAfter > 0 {
		h.Set("Retry-After", strconv.Itoa(me.RetryAfter))
	}
	if status == http.StatusUnauthorized {
		h.Set("WWW-Authenticate", `Bearer realm="cms"`)
	}
	h.Set("Cache-Control", "no-store")
	body := errorBody{Error: errorDetail{Code: me.Code, Message: me.Message}}
	if me.Code == models.CodeValidationFailed {
		body.Error.Fields = me.Fields
	}
	if werr := c.JSON(status, body); werr != nil {
		s.log.Warn("writing error response", "error", werr)
	}
}
