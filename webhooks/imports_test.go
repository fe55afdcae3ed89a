package webhooks_test

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// webhooks and audit read the outbox and speak models; it never imports a service
// package or a transport (DESIGN.md, dependency direction).
func TestImportsStayBelowServices(t *testing.T) {
	for _, dir := range []string{".", "../internal/outbox", "../audit"} {
		files, _ := filepath.Glob(filepath.Join(dir, "*.go"))
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			file, err := parser.ParseFile(token.NewFileSet(), f, nil, parser.ImportsOnly)
			if err != nil {
				t.Fatal(err)
			}
			for _, imp := range file.Imports {
				p, _ := strconv.Unquote(imp.Path.Value)
				for _, bad := range []string{"/content", "/server", "/media", "/accounts", "/audit", "/delivery", "/webhooks"} {
					if strings.HasPrefix(p, "github.com/loamcms/cms"+bad) {
						t.Errorf("%s imports %s", f, p)
					}
				}
				if strings.Contains(p, "labstack/echo") || strings.Contains(p, "casbin") {
					t.Errorf("%s imports %s", f, p)
				}
			}
		}
	}
}
