package server

import (
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/llavero/llavero/internal/config"
)

func testConfig(t *testing.T) *config.Config {
	t.Helper()
	cfg := &config.Config{Data: t.TempDir(), Outbox: true, LogLevel: "warn", LogFormat: "json", Lang: "es",
		Listen: "127.0.0.1:0", CertListen: "127.0.0.1:0", CAKeys: "file", CAOrganization: "llavero (test)",
		CodeTTL: 30 * 24 * time.Hour, ShutdownTimeout: 5 * time.Second}
	if err := cfg.Validate(nil); err != nil {
		t.Fatal(err)
	}
	return cfg
}

func get(t *testing.T, url, lang string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	if lang != "" {
		req.Header.Set("Accept-Language", lang)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestServeAndShutDown starts the real listener on the embedded default,
// checks what an operator and a load balancer look at, and shuts down.
func TestServeAndShutDown(t *testing.T) {
	cfg := testConfig(t)
	p, err := New(context.Background(), cfg, NewLogger(cfg), "test")
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	ctx, cancel := context.WithCancel(context.Background())
	addrc := make(chan Addrs, 1)
	done := make(chan error, 1)
	go func() { done <- p.Serve(ctx, func(a Addrs) { addrc <- a }) }()
	var base string
	select {
	case a := <-addrc:
		base = "http://" + a.Main.String()
	case err := <-done:
		t.Fatal(err)
	}

	cases := []struct {
		path, lang string
		status     int
		contains   string
	}{
		{"/healthz", "", 200, "ok"},
		{"/readyz", "", 200, ""},
		{"/", "es-ES,es;q=0.9", 200, "El orden correcto"},
		{"/", "en-GB,en;q=0.9", 200, "The right order"},
		{"/metrics", "", 200, "llavero_http_requests_total"},
		{"/certificates/nothing-here", "en", 404, "home"},
		{"/login", "en", 200, "PIN"},
		{"/account/register", "es", 200, "certificado"},
		{"/account", "en", 200, "PIN"}, // redirected to the login page
	}
	for _, tc := range cases {
		status, body := get(t, base+tc.path, tc.lang)
		if status != tc.status || !strings.Contains(body, tc.contains) {
			t.Errorf("GET %s (%s): %d, body lacks %q", tc.path, tc.lang, status, tc.contains)
		}
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("shutdown: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("server did not shut down")
	}
	if _, err := http.Get(base + "/healthz"); err == nil {
		t.Fatal("still answering after shutdown")
	}
}

func TestReadyzFailsWhenDatabaseCloses(t *testing.T) {
	cfg := testConfig(t)
	p, err := New(context.Background(), cfg, NewLogger(cfg), "test")
	if err != nil {
		t.Fatal(err)
	}
	h := p.Web.Handler()
	p.Close()
	srv := &http.Server{Handler: h}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	defer srv.Close()
	status, body := get(t, "http://"+ln.Addr().String()+"/readyz", "")
	if status != http.StatusServiceUnavailable || strings.Contains(body, "sql") {
		t.Fatalf("readyz on a closed database: %d %q", status, body)
	}
}

func TestListenConflictNamesTheSetting(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	cfg := testConfig(t)
	cfg.Listen = ln.Addr().String()
	p, err := New(context.Background(), cfg, NewLogger(cfg), "test")
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	err = p.Serve(context.Background(), nil)
	if err == nil || !strings.Contains(err.Error(), "setting --listen") {
		t.Fatalf("err = %v", err)
	}
}
