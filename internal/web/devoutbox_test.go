package web

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/llavero/llavero/internal/store"
	"github.com/llavero/llavero/internal/store/sqlite"
)

// TestDevOutboxOnlyInDemo: without MountDevOutbox (every deployment but a
// demonstration) the outbox page, its letters and the home page's link
// do not exist.
func TestDevOutboxOnlyInDemo(t *testing.T) {
	s, _ := newTestServer(t, Config{})
	for _, p := range []string{"/dev/outbox", "/dev/outbox?to=X1234567L", "/dev/outbox/letters/l1"} {
		if resp := do(t, s.Handler(), http.MethodGet, p, nil); resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s outside a demo: %d, want 404", p, resp.StatusCode)
		}
	}
	if b := body(t, do(t, s.Handler(), http.MethodGet, "/", nil)); strings.Contains(b, "/dev/outbox") {
		t.Error("the home page links to the outbox outside a demo")
	}
}

type devEnv struct {
	h       http.Handler
	letters string
}

func newDevEnv(t *testing.T) *devEnv {
	t.Helper()
	dir := t.TempDir()
	st, err := sqlite.Open(context.Background(), filepath.Join(dir, "dev.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	letters := filepath.Join(dir, "letters")
	if err := os.MkdirAll(letters, 0o700); err != nil {
		t.Fatal(err)
	}
	pdf := filepath.Join(letters, "l1.pdf")
	if err := os.WriteFile(pdf, []byte("%PDF-1.4 a letter"), 0o600); err != nil {
		t.Fatal(err)
	}
	outside := filepath.Join(dir, "secret.pdf")
	if err := os.WriteFile(outside, []byte("not a letter"), 0o600); err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	for _, m := range []store.Message{
		{ID: "e1", Kind: store.KindEmail, To: "olena@example.org", PersonID: "X1234567L", Lang: "en", Subject: "Your application code", Body: "Your code is ABCD-1234.", CreatedAt: t0},
		{ID: "s1", Kind: store.KindSMS, To: "+34612345678", PersonID: "X1234567L", Lang: "es", Body: "llavero: su PIN es 482913", CreatedAt: t0.Add(time.Minute)},
		{ID: "l1", Kind: store.KindLetter, To: "Calle Mayor 1, 28013 Madrid", PersonID: "12345678Z", Lang: "es", Subject: "Carta de invitación", Body: "Código CSV: K7Q2-MW9P", Path: pdf, CreatedAt: t0.Add(2 * time.Minute)},
		{ID: "l2", Kind: store.KindLetter, To: "Calle Real 3, 08001 Barcelona", PersonID: "12345678Z", Lang: "es", Subject: "Otra", Body: "…", Path: outside, CreatedAt: t0.Add(3 * time.Minute)},
		{ID: "s2", Kind: store.KindSMS, To: "+447400123456", Lang: "en", Body: "llavero: your PIN is 118822", CreatedAt: t0.Add(4 * time.Minute)},
	} {
		if err := st.AddOutbox(context.Background(), m); err != nil {
			t.Fatal(err)
		}
	}
	s, _ := newTestServer(t, Config{})
	s.MountDevOutbox(DevOutboxDeps{Outbox: st, LetterDir: letters})
	return &devEnv{h: s.Handler(), letters: letters}
}

func TestDevOutboxPage(t *testing.T) {
	e := newDevEnv(t)
	tests := []struct {
		name, target, lang string
		want, not          []string
	}{
		{"everything, newest first, codes visible", "/dev/outbox", "en",
			[]string{`<html lang="en">`, "Outbox (demonstration)", "118822", "K7Q2-MW9P", "482913", "ABCD-1234", "Messages shown: 5.",
				`href="/dev/outbox/letters/l1"`, `href="/dev/outbox?auto=1"`, "Refresh"}, []string{`http-equiv="refresh"`}},
		{"in Spanish", "/dev/outbox", "es", []string{`<html lang="es">`, "Bandeja de salida", "Actualizar", "Abrir la carta (PDF)"}, nil},
		{"a person, typed loosely", "/dev/outbox?to=x-1234567-l", "en", []string{"482913", "ABCD-1234", "Messages shown: 2.", `value="X1234567L"`},
			[]string{"K7Q2-MW9P", "118822"}},
		{"a foreign mobile, typed loosely", "/dev/outbox?to=0044+7400+123456", "en", []string{"118822", "Messages shown: 1."}, []string{"482913"}},
		{"an email address", "/dev/outbox?to=olena@example.org", "en", []string{"ABCD-1234", "Messages shown: 1."}, []string{"482913"}},
		{"a kind", "/dev/outbox?kind=letter", "en", []string{"K7Q2-MW9P", "Messages shown: 2.", `<option value="letter" selected>`}, []string{"482913"}},
		{"an unknown kind is every kind", "/dev/outbox?kind=fax", "en", []string{"Messages shown: 5."}, nil},
		{"nobody", "/dev/outbox?to=99999999R", "en", []string{"There are no messages for this filter.", "Clear the filter"}, []string{"482913"}},
		{"auto refresh, asked for", "/dev/outbox?to=X1234567L&auto=1", "en", []string{`<meta http-equiv="refresh" content="15">`,
			`href="/dev/outbox?to=X1234567L"`, "Stop refreshing by itself", `name="auto" value="1"`}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp := do(t, e.h, http.MethodGet, tc.target, map[string]string{"Accept-Language": tc.lang})
			b := body(t, resp)
			if resp.StatusCode != http.StatusOK || resp.Header.Get("Cache-Control") != "no-store" {
				t.Fatalf("%d, Cache-Control %q", resp.StatusCode, resp.Header.Get("Cache-Control"))
			}
			for _, w := range tc.want {
				if !strings.Contains(b, w) {
					t.Errorf("missing %q", w)
				}
			}
			for _, n := range tc.not {
				if strings.Contains(b, n) {
					t.Errorf("unexpected %q", n)
				}
			}
		})
	}
	// Newest first: the foreign SMS (last sent) before the email (first).
	b := body(t, do(t, e.h, http.MethodGet, "/dev/outbox", nil))
	if strings.Index(b, "118822") > strings.Index(b, "ABCD-1234") {
		t.Error("the outbox is not newest first")
	}
}

func TestDevOutboxLetter(t *testing.T) {
	e := newDevEnv(t)
	resp := do(t, e.h, http.MethodGet, "/dev/outbox/letters/l1", nil)
	if b := body(t, resp); resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/pdf" || b != "%PDF-1.4 a letter" {
		t.Errorf("letter: %d %s %q", resp.StatusCode, resp.Header.Get("Content-Type"), b)
	}
	// A letter whose path leaves the letters directory, a message that is
	// not a letter, and one that does not exist.
	for _, id := range []string{"l2", "s1", "nope"} {
		resp := do(t, e.h, http.MethodGet, "/dev/outbox/letters/"+id, nil)
		if b := body(t, resp); resp.StatusCode != http.StatusNotFound || strings.Contains(b, "not a letter") {
			t.Errorf("letter %s: %d", id, resp.StatusCode)
		}
	}
}

func TestDevOutboxLinkedFromHome(t *testing.T) {
	e := newDevEnv(t)
	for lang, want := range map[string]string{"en": "Open the outbox", "es": "Abrir la bandeja de salida"} {
		b := body(t, do(t, e.h, http.MethodGet, "/", map[string]string{"Accept-Language": lang}))
		if !strings.Contains(b, `href="/dev/outbox"`) || !strings.Contains(b, want) {
			t.Errorf("%s: the home page does not link the outbox", lang)
		}
	}
}

func TestInDir(t *testing.T) {
	for _, tc := range []struct {
		dir, path string
		want      bool
	}{
		{"/data/letters", "/data/letters/a.pdf", true},
		{"/data/letters", "/data/letters/sub/a.pdf", true},
		{"/data/letters", "/data/letters", false},
		{"/data/letters", "/data/letters/../secrets/key", false},
		{"/data/letters", "/data/letters-other/a.pdf", false},
		{"/data/letters", "/etc/passwd", false},
		{"", "/data/letters/a.pdf", false},
		{"/data/letters", "", false},
	} {
		if got := inDir(tc.dir, tc.path); got != tc.want {
			t.Errorf("inDir(%q, %q) = %v", tc.dir, tc.path, got)
		}
	}
}
