package server

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/loamcms/cms/media"
	"github.com/loamcms/cms/models"
)

func (s *Server) listMedia(c echo.Context) error {
	limit, offset, err := pageParams(c)
	if err != nil {
		return err
	}
	q := media.Query{Search: c.QueryParam("search"), Kind: c.QueryParam("type"), Sort: c.QueryParam("sort"), Limit: limit, Offset: offset}
	items, total, capped, err := s.media.List(c.Request().Context(), principal(c), q)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, listBody[media.Item]{Data: items, Meta: listMeta{Total: total, Limit: limit, Offset: offset, Capped: capped}})
}

func (s *Server) getMedia(c echo.Context) error {
	item, err := s.media.Get(c.Request().Context(), principal(c), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, item)
}

func (s *Server) updateMedia(c echo.Context) error {
	var in media.Patch
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	item, err := s.media.Update(c.Request().Context(), principal(c), c.Param("id"), in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, item)
}

func (s *Server) deleteMedia(c echo.Context) error {
	if err := s.media.Delete(c.Request().Context(), principal(c), c.Param("id")); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (s *Server) mediaUsage(c echo.Context) error {
	uses, err := s.content.MediaUsage(c.Request().Context(), principal(c), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"data": uses})
}

func (s *Server) uploadMedia(c echo.Context) error {
	// Permission first: a caller who may not upload never streams a file.
	if err := s.media.CheckUpload(principal(c)); err != nil {
		return err
	}
	form, err := s.readUpload(c, "alt", "title", "focal_x", "focal_y")
	if err != nil {
		return err
	}
	defer form.file.Close()
	meta, err := form.meta()
	if err != nil {
		return err
	}
	item, err := s.media.Create(c.Request().Context(), principal(c), form.file, meta)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, item)
}

func (s *Server) replaceMedia(c echo.Context) error {
	ctx, p, id := c.Request().Context(), principal(c), c.Param("id")
	if err := s.media.CheckReplace(ctx, p, id); err != nil {
		return err
	}
	form, err := s.readUpload(c, "version")
	if err != nil {
		return err
	}
	defer form.file.Close()
	var version *int
	if v, ok := form.values["version"]; ok {
		n, err := strconv.Atoi(v)
		if err != nil {
			return models.Invalid(map[string]string{"version": "must be a whole number"})
		}
		version = &n
	}
	item, err := s.media.Replace(ctx, p, id, form.file, version)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, item)
}

// uploadForm is a parsed multipart upload: one spooled file and small fields.
type uploadForm struct {
	file   *media.Spooled
	values map[string]string
}

// maxFormValue bounds each non-file part of an upload.
const maxFormValue = 4 << 10

// readUpload streams a multipart body: the "file" part goes to a temporary
// file (never into memory), the named small fields are read; anything else
// is refused. On any error nothing is kept.
func (s *Server) readUpload(c echo.Context, fields ...string) (form *uploadForm, err error) {
	ct, _, _ := mime.ParseMediaType(c.Request().Header.Get(echo.HeaderContentType))
	if ct != "multipart/form-data" {
		return nil, models.Errorf(models.CodeUnsupportedMedia, "send the file as multipart/form-data with a part named file")
	}
	mr, err := c.Request().MultipartReader()
	if err != nil {
		return nil, models.Errorf(models.CodeBadRequest, "the multipart body cannot be read")
	}
	f := &uploadForm{values: map[string]string{}}
	defer func() {
		if err != nil {
			f.file.Close()
		}
	}()
	form = f
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, uploadReadError(err)
		}
		name := part.FormName()
		switch {
		case name == "file":
			if form.file != nil {
				return nil, models.Errorf(models.CodeBadRequest, "send one file per upload")
			}
			if form.file, err = s.media.Spool(part, part.FileName(), part.Header.Get(echo.HeaderContentType)); err != nil {
				return nil, uploadReadError(err)
			}
		case slices.Contains(fields, name):
			if _, dup := form.values[name]; dup {
				return nil, models.Errorf(models.CodeBadRequest, "the field %s is sent twice", name)
			}
			b, err := io.ReadAll(io.LimitReader(part, maxFormValue+1))
			if err != nil {
				return nil, uploadReadError(err)
			}
			if len(b) > maxFormValue {
				return nil, models.Invalid(map[string]string{name: "is too long"})
			}
			form.values[name] = string(b)
		default:
			return nil, models.Errorf(models.CodeBadRequest, "unknown upload field %q; send file, %s", name, strings.Join(fields, ", "))
		}
		part.Close()
	}
	if form.file == nil {
		return nil, models.Invalid(map[string]string{"file": "is required"})
	}
	return form, nil
}

// uploadReadError names why a body could not be read: too large (413),
// or malformed or cut off (400).
func uploadReadError(err error) error {
	var me *models.Error
	if errors.As(err, &me) {
		return err
	}
	if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
		return models.Errorf(models.CodePayloadTooLarge, "the upload is larger than the limit")
	}
	return models.Errorf(models.CodeBadRequest, "the multipart body is malformed or was cut off")
}

func (f *uploadForm) meta() (media.Meta, error) {
	var m media.Meta
	fields := map[string]string{}
	if v, ok := f.values["alt"]; ok {
		m.Alt = &v
	}
	if v, ok := f.values["title"]; ok {
		m.Title = &v
	}
	for name, dst := range map[string]**float64{"focal_x": &m.FocalX, "focal_y": &m.FocalY} {
		if v, ok := f.values[name]; ok {
			n, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if err != nil {
				fields[name] = "must be a number between 0 and 1"
				continue
			}
			*dst = &n
		}
	}
	if len(fields) > 0 {
		return m, models.Invalid(fields)
	}
	return m, nil
}

// variantParams are the query parameters of GET /media/…; any other is 400.
var variantParams = map[string]bool{"w": true, "h": true, "fit": true, "fm": true, "q": true, "v": true}

// parseVariant reads the query of a media file request: nil when it asks
// for the original.
func parseVariant(q url.Values) (*media.VariantRequest, error) {
	bad := func(format string, args ...any) error { return models.Errorf(models.CodeBadRequest, format, args...) }
	for k, vs := range q {
		if !variantParams[k] {
			return nil, bad("unknown parameter %q; use w, h, fit, fm, q", k)
		}
		if len(vs) > 1 {
			return nil, bad("the parameter %s is given twice", k)
		}
	}
	number := func(name string, lo, hi int) (int, error) {
		v := q.Get(name)
		if v == "" {
			return 0, nil
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < lo || n > hi || strings.HasPrefix(v, "+") {
			return 0, bad("%s must be a whole number from %d to %d", name, lo, hi)
		}
		return n, nil
	}
	var r media.VariantRequest
	var err error
	if r.W, err = number("w", 1, media.MaxVariantSide); err != nil {
		return nil, err
	}
	if r.H, err = number("h", 1, media.MaxVariantSide); err != nil {
		return nil, err
	}
	if r.Quality, err = number("q", 1, 100); err != nil {
		return nil, err
	}
	switch r.Fit = q.Get("fit"); r.Fit {
	case "", "cover", "contain":
	default:
		return nil, bad("fit must be cover or contain")
	}
	switch r.Format = q.Get("fm"); r.Format {
	case "", "webp", "avif", "jpeg", "png":
	default:
		return nil, bad("fm must be webp, avif, jpeg or png")
	}
	if r == (media.VariantRequest{}) {
		return nil, nil
	}
	return &r, nil
}

// Cache lifetimes of media files. A URL whose ?v= names the current bytes
// never changes meaning, so it is cached for a year.
const (
	cacheForever = "public, max-age=31536000, immutable"
	cacheCurrent = "public, max-age=3600"
	cacheStale   = "public, max-age=60" // a ?v= of bytes since replaced
)

// serveMedia sends a media file or an image variant. Every answer is
// nosniff (global) and sandboxed; only raster images, audio and video are
// shown inline, everything else downloads.
func (s *Server) serveMedia(c echo.Context) error {
	req, err := parseVariant(c.QueryParams())
	if err != nil {
		return err
	}
	f, err := s.media.Open(c.Request().Context(), c.Param("id"), req)
	if err != nil {
		return err
	}
	defer f.Close()
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, f.Mime)
	h.Set("ETag", f.ETag)
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; sandbox")
	h.Set("Cross-Origin-Resource-Policy", "cross-origin")
	h.Set(echo.HeaderAccessControlAllowOrigin, "*")
	disposition := "attachment"
	if f.Inline {
		disposition = "inline"
	}
	h.Set(echo.HeaderContentDisposition, mime.FormatMediaType(disposition, map[string]string{"filename": f.Filename}))
	switch v := c.QueryParam("v"); {
	case v == f.Tag:
		h.Set("Cache-Control", cacheForever)
	case v == "":
		h.Set("Cache-Control", cacheCurrent)
	default:
		h.Set("Cache-Control", cacheStale)
	}
	http.ServeContent(fastWriter{c.Response()}, c.Request(), "", f.ModTime(), f.Content())
	return nil
}

// fastWriter gives http.ServeContent the shortest way to the socket: a
// file goes to the connection's ReadFrom (sendfile on Linux), which echo's
// Response does not offer, and bytes held in memory go in one write.
type fastWriter struct{ *echo.Response }

func (w fastWriter) ReadFrom(r io.Reader) (int64, error) {
	if !w.Committed {
		w.WriteHeader(http.StatusOK)
	}
	if lr, ok := r.(*io.LimitedReader); ok {
		if mem, ok := lr.R.(interface{ Next(n int64) []byte }); ok {
			n, err := w.Response.Write(mem.Next(lr.N))
			lr.N -= int64(n)
			return int64(n), err
		}
	}
	if rf, ok := w.Writer.(io.ReaderFrom); ok {
		n, err := rf.ReadFrom(r)
		w.Size += n
		return n, err
	}
	return io.Copy(w.Response, r)
}
