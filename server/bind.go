package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"reflect"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/loamcms/cms/models"
)

// bindJSON decodes the request body into dst, strictly: the body must be
// declared JSON, be one well-formed JSON value within the size limit, and
// name only fields that dst knows.
func bindJSON(c echo.Context, dst any) error {
	req := c.Request()
	mt, _, err := mime.ParseMediaType(req.Header.Get(echo.HeaderContentType))
	if err != nil || mt != echo.MIMEApplicationJSON {
		return models.Errorf(models.CodeUnsupportedMedia, "send the body as application/json")
	}
	body, err := io.ReadAll(req.Body)
	if err != nil {
		return decodeError(err)
	}
	// No text we store may hold a NUL character (PostgreSQL's text cannot).
	if bytes.Contains(body, []byte(`\u0000`)) {
		return models.Errorf(models.CodeBadRequest, "text may not contain NUL characters")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return decodeError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return models.Errorf(models.CodeBadRequest, "malformed JSON: unexpected data after the body")
	}
	return nil
}

func decodeError(err error) error {
	var mbe *http.MaxBytesError
	var typeErr *json.UnmarshalTypeError
	switch {
	case errors.As(err, &mbe):
		return models.Errorf(models.CodePayloadTooLarge, "the body is larger than %d bytes", mbe.Limit)
	case errors.Is(err, io.EOF):
		return models.Errorf(models.CodeBadRequest, "the body must be a JSON object")
	case errors.As(err, &typeErr) && typeErr.Field != "":
		return models.Invalid(map[string]string{typeErr.Field: "must be a JSON " + jsonKind(typeErr.Type.Kind())})
	case errors.As(err, &typeErr):
		return models.Errorf(models.CodeBadRequest, "the body must be a JSON object")
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name, _ := strconv.Unquote(strings.TrimPrefix(err.Error(), "json: unknown field "))
		return models.Invalid(map[string]string{name: "is not a known field"})
	default:
		return models.Errorf(models.CodeBadRequest, "malformed JSON: %s", strings.TrimPrefix(err.Error(), "json: "))
	}
}

// jsonKind names a Go kind the way a JSON client thinks of it.
func jsonKind(k reflect.Kind) string {
	switch k {
	case reflect.String:
		return "string"
	case reflect.Bool:
		return "boolean"
	case reflect.Slice, reflect.Array:
		return "array"
	case reflect.Map, reflect.Struct:
		return "object"
	case reflect.Pointer, reflect.Interface:
		return "value of the right type"
	}
	return "number"
}

// pageParams reads limit (1–100, default 20) and offset (≥ 0) from the query.
func pageParams(c echo.Context) (limit, offset int, err error) {
	limit, offset = 20, 0
	if v := c.QueryParam("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100 {
			return 0, 0, models.Errorf(models.CodeBadRequest, "limit must be an integer from 1 to 100")
		}
		limit = n
	}
	if v := c.QueryParam("offset"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return 0, 0, models.Errorf(models.CodeBadRequest, "offset must be a non-negative integer")
		}
		offset = n
	}
	return limit, offset, nil
}

// listMeta is the "meta" of every list response.
type listMeta struct {
	Total  int64 `json:"total"`
	Limit  int   `json:"limit"`
	Offset int   `json:"offset"`
	Capped bool  `json:"capped,omitempty"` // more than Total match (database.CountCap)
}

type listBody[T any] struct {
	Data []T      `json:"data"`
	Meta listMeta `json:"meta"`
}

// bindOptionalJSON binds a body that may be left out entirely.
func bindOptionalJSON(c echo.Context, dst any) error {
	if c.Request().ContentLength == 0 {
		return nil
	}
	return bindJSON(c, dst)
}
