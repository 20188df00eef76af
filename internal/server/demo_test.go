package server

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestDevOutboxOnlyInDemoMode: the platform mounts /dev/outbox for a
// demonstration and for nothing else.
func TestDevOutboxOnlyInDemoMode(t *testing.T) {
	for _, demo := range []bool{false, true} {
		cfg := testConfig(t)
		cfg.Demo.Enabled = demo
		p, err := New(context.Background(), cfg, NewLogger(cfg), "test")
		if err != nil {
			t.Fatal(err)
		}
		want := http.StatusNotFound
		if demo {
			want = http.StatusOK
		}
		w := httptest.NewRecorder()
		p.Web.Handler().ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/dev/outbox", nil))
		if w.Code != want {
			t.Errorf("demo %v: GET /dev/outbox = %d, want %d", demo, w.Code, want)
		}
		p.Close()
	}
}
