package server

import (
	"fmt"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"
)

// The contract: every response the tests get is checked against the
// served OpenAPI document, so the document cannot drift from the code.
var contract = sync.OnceValues(func() (validator.Validator, error) {
	spec, err := os.ReadFile("openapi.json")
	if err != nil {
		return nil, err
	}
	doc, err := libopenapi.NewDocument(spec)
	if err != nil {
		return nil, err
	}
	v, errs := validator.NewValidator(doc)
	if len(errs) > 0 {
		return nil, fmt.Errorf("openapi.json: %v", errs)
	}
	return v, nil
})

// checkContract fails the test when res does not match what the document
// says req's operation answers.
func checkContract(t testing.TB, req *http.Request, res *http.Response) {
	t.Helper()
	v, err := contract()
	if err != nil {
		t.Fatal(err)
	}
	if req.Method == http.MethodOptions || !isAPIPath(req.URL.Path) {
		return // CORS preflights, the admin UI and its redirects are not API operations
	}
	if ok, errs := v.ValidateHttpResponse(req, res); !ok {
		var msgs []string
		for _, e := range errs {
			// A path or method the document lacks is no route (a 404 or 405),
			// or a route a test made for itself: TestOpenAPIDescribesEveryRoute
			// keeps every route of the server described.
			if e.IsPathMissingError() || e.IsOperationMissingError() {
				continue
			}
			msg := e.Message
			if e.Reason != "" {
				msg += ": " + e.Reason
			}
			for _, se := range e.SchemaValidationErrors {
				msg += fmt.Sprintf("\n\t\t%s: %s", se.FieldPath, se.Reason)
			}
			msgs = append(msgs, msg)
		}
		if len(msgs) == 0 {
			return
		}
		t.Errorf("CONTRACT %s %s → %d does not match openapi.json:\n\t%s", req.Method, req.URL.RequestURI(), res.StatusCode, strings.Join(msgs, "\n\t"))
	}
}

func isAPIPath(p string) bool {
	return strings.HasPrefix(p, "/api/") || strings.HasPrefix(p, "/media/") || p == "/healthz" || p == "/readyz"
}
