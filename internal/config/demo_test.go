package config

import (
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/llavero/llavero/internal/i18n"
	"github.com/llavero/llavero/internal/i18n/i18ntest"
)

var templates = map[string]*i18n.Error{
	"ErrDemoDatabase": ErrDemoDatabase,
	"ErrDemoExposed":  ErrDemoExposed,
}

func TestEveryExportedErrorIsListed(t *testing.T) {
	i18ntest.CheckListed(t, ".", templates)
	i18ntest.CheckBilingual(t, templates, regexp.MustCompile(`^[a-z]+\.[a-z_]+$`))
}

// TestDemoStaysOnThisComputer: a demo runs on SQLite and loopback unless
// --demo-public says a shared demonstration is meant; the refusal names
// the setting at fault.
func TestDemoStaysOnThisComputer(t *testing.T) {
	pg := "postgres://llavero@db.example.org/llavero"
	cases := []struct {
		name string
		args []string
		want *i18n.Error // nil: accepted
		says string
	}{
		{"defaults", []string{"--demo"}, nil, ""},
		{"localhost and other loopback ports", []string{"--demo", "--listen", "localhost:8000", "--cert-listen", "127.0.0.2:8443",
			"--demo-offices-listen", "127.0.0.1:1,[::1]:2,localhost:3"}, nil, ""},
		{"PostgreSQL", []string{"--demo", "--database", pg}, ErrDemoDatabase, "--database postgres"},
		{"every interface", []string{"--demo", "--listen", "0.0.0.0:8080"}, ErrDemoExposed, "--listen 0.0.0.0:8080"},
		{"an empty host is every interface", []string{"--demo", "--listen", ":8080"}, ErrDemoExposed, "--listen :8080"},
		{"a LAN address", []string{"--demo", "--cert-listen", "192.168.1.10:8443"}, ErrDemoExposed, "--cert-listen"},
		{"a sample office outside", []string{"--demo", "--demo-offices-listen", "127.0.0.1:9090,0.0.0.0:9091,127.0.0.1:9092"}, ErrDemoExposed, "--demo-offices-listen 0.0.0.0:9091"},
		{"a public URL", []string{"--demo", "--public-url", "https://id.example.org"}, ErrDemoExposed, "--public-url https://id.example.org"},
		{"a shared demo on purpose", []string{"--demo", "--demo-public", "--database", pg, "--listen", "0.0.0.0:8080",
			"--public-url", "https://demo.example.org"}, nil, ""},
		{"PostgreSQL without --demo", []string{"--database", pg, "--listen", "0.0.0.0:8080"}, nil, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fs, c := newFlags(t)
			if err := fs.Parse(tc.args); err != nil {
				t.Fatal(err)
			}
			err := Load(fs, c)
			if tc.want == nil {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			e, ok := i18n.As(err)
			if !ok || !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %s", err, tc.want.Code)
			}
			for _, l := range i18n.Langs {
				if !strings.Contains(e.Message(l), tc.says) || !strings.Contains(e.Hint(l), "--demo-public") {
					t.Errorf("%s: %q / %q does not name %q and the way out", l, e.Message(l), e.Hint(l), tc.says)
				}
			}
		})
	}
}

func TestDemoNeedsTheOutbox(t *testing.T) {
	fs, c := newFlags(t)
	if err := fs.Parse([]string{"--demo", "--outbox=false", "--smtp-host", "mail.example.org", "--sms-webhook-url", "https://sms.example.org",
		"--sms-webhook-secret-file", "/dev/null"}); err != nil {
		t.Fatal(err)
	}
	if err := Load(fs, c); err == nil || !strings.Contains(err.Error(), "setting --outbox") {
		t.Fatalf("got %v", err)
	}
}
