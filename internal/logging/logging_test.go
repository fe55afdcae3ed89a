package logging

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"

	"github.com/loamcms/cms/models"
)

func TestJSONLinesCarryTheRequestID(t *testing.T) {
	var buf bytes.Buffer
	log, err := New(&buf, "json", "info")
	if err != nil {
		t.Fatal(err)
	}
	ctx := models.WithRequest(context.Background(), models.RequestInfo{ID: "req-1"})
	log.DebugContext(ctx, "hidden below the level")
	log.With("part", "x").InfoContext(ctx, "hello")
	var line map[string]any
	if err := json.Unmarshal(buf.Bytes(), &line); err != nil {
		t.Fatalf("%q: %v", buf.String(), err)
	}
	if line["msg"] != "hello" || line["request_id"] != "req-1" || line["part"] != "x" {
		t.Fatalf("line %v", line)
	}
	for _, bad := range [][2]string{{"xml", "info"}, {"json", "loud"}} {
		if _, err := New(&buf, bad[0], bad[1]); err == nil {
			t.Errorf("format %q level %q accepted", bad[0], bad[1])
		}
	}
}
