package browsertest

import (
	"bytes"
	"encoding/base64"
	"errors"
	"html"
	"image/png"
	"io/fs"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/chromedp/chromedp/kb"
)

func TestMain(m *testing.M) { os.Exit(Main(m)) }

func TestFind(t *testing.T) {
	files := fstest.MapFS{
		"usr/bin/chromium": {Data: []byte("#!")},
		"opt/chrome":       {Data: []byte("#!")},
		"opt/dir":          {Mode: fs.ModeDir},
	}
	stat := func(p string) (fs.FileInfo, error) { return fs.Stat(files, strings.TrimPrefix(p, "/")) }
	noDefault := func(p string) (fs.FileInfo, error) {
		if p == DefaultPath {
			return nil, fs.ErrNotExist
		}
		return stat(p)
	}
	tests := []struct {
		name, env string
		stat      func(string) (fs.FileInfo, error)
		want      string
		skip      bool // errAbsent: the test skips
		fail      bool // another error: the test fails
	}{
		{name: "default installed", stat: stat, want: DefaultPath},
		{name: "override", env: "/opt/chrome", stat: stat, want: "/opt/chrome"},
		{name: "not installed: skip", stat: noDefault, skip: true},
		{name: "override missing: fail", env: "/opt/none", stat: noDefault, fail: true},
		{name: "override is a directory: fail", env: "/opt/dir", stat: stat, fail: true},
		{name: "default unreadable: fail", stat: func(string) (fs.FileInfo, error) { return nil, fs.ErrPermission }, fail: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := find(tc.env, tc.stat)
			if got != tc.want || errors.Is(err, errAbsent) != tc.skip || (err != nil && !errors.Is(err, errAbsent)) != tc.fail {
				t.Fatalf("find(%q) = %q, %v", tc.env, got, err)
			}
		})
	}
}

// site serves the test pages on loopback, reachable as localhost.
func site(t *testing.T) string {
	t.Helper()
	mux := http.NewServeMux()
	mux.Handle("GET /", http.FileServerFS(os.DirFS("testdata")))
	mux.HandleFunc("POST /echo", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusAccepted)
		_, _ = w.Write([]byte(`<!doctype html><html lang="en"><title>Echo</title><p id="got">` +
			html.EscapeString(r.PostFormValue("name")+"|"+r.PostFormValue("city")) + `</p></html>`))
	})
	mux.HandleFunc("GET /cookie", func(w http.ResponseWriter, r *http.Request) {
		if v := r.URL.Query().Get("set"); v != "" {
			http.SetCookie(w, &http.Cookie{Name: "who", Value: v, Path: "/"})
		}
		c, _ := r.Cookie("who")
		v := "nobody"
		if c != nil {
			v = c.Value
		}
		_, _ = w.Write([]byte(`<!doctype html><html lang="en"><title>Cookie</title><p id="who">` + html.EscapeString(v) + `</p></html>`))
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	return "http://localhost:" + port
}

// TestForms fills and submits a form with the mouse, then with the
// keyboard alone.
func TestForms(t *testing.T) {
	base := site(t)
	p := New(t, "ana")
	if st := p.Go(base + "/form.html"); st != http.StatusOK {
		t.Fatalf("status %d", st)
	}
	if p.Lang() != "es" || !strings.Contains(p.PageText(), "Nombre") || !p.Has("#send") || p.Has("#nothing") {
		t.Fatalf("the page: lang %q, text %q", p.Lang(), p.PageText())
	}
	p.Fill("#name", "Ana María")
	p.Fill("#city", "Cádiz")
	if st := p.Submit("#send"); st != http.StatusAccepted {
		t.Fatalf("submit: status %d", st)
	}
	if got := p.Text("#got"); got != "Ana María|Cádiz" || !strings.HasSuffix(p.URL(), "/echo") {
		t.Fatalf("posted %q, at %s", got, p.URL())
	}

	// Keyboard only: Tab past the link to the fields, type, Enter submits.
	p.Go(base + "/form.html")
	p.TabTo("#name", 5)
	p.Type(strings.Repeat(kb.Backspace, len("borrar")) + "Eva")
	p.TabTo("#city", 1)
	p.Type("Vigo")
	if st := p.TypeAndWait(kb.Enter); st != http.StatusAccepted || p.Text("#got") != "Eva|Vigo" {
		t.Fatalf("keyboard submit: %d %q", st, p.Text("#got"))
	}
}

// TestTabToFailsWhenUnreachable: an element the keyboard cannot reach
// fails the test rather than passing by accident.
func TestTabToFailsWhenUnreachable(t *testing.T) {
	base := site(t)
	p := New(t, "ana")
	p.Go(base + "/form.html")
	var failed bool
	ft := &fatalRecorder{TB: t, failed: &failed}
	q := &Person{t: ft, name: p.name, ctx: p.ctx}
	func() {
		defer func() { _ = recover() }()
		q.TabTo("#missing", 6)
	}()
	if !failed {
		t.Fatal("TabTo to a missing element did not fail")
	}
}

// fatalRecorder records Fatalf instead of ending the test, and panics to
// stop the helper as FailNow would.
type fatalRecorder struct {
	testing.TB
	failed *bool
}

func (f *fatalRecorder) Fatalf(string, ...any) { *f.failed = true; panic("fatal") }
func (f *fatalRecorder) Helper()               {}

// TestPeopleAreIsolated: two people in the same browser share no cookies.
func TestPeopleAreIsolated(t *testing.T) {
	base := site(t)
	ana, ben := New(t, "ana"), New(t, "ben")
	ana.Go(base + "/cookie?set=ana")
	ben.Go(base + "/cookie")
	if got := ben.Text("#who"); got != "nobody" {
		t.Fatalf("ben sees ana's cookie: %q", got)
	}
	ana.Go(base + "/cookie")
	if got := ana.Text("#who"); got != "ana" {
		t.Fatalf("ana lost her cookie: %q", got)
	}
}

// TestVirtualAuthenticator registers a passkey with a virtual platform
// authenticator and signs in with it, on http://localhost.
func TestVirtualAuthenticator(t *testing.T) {
	base := site(t)
	p := New(t, "olena")
	p.Go(base + "/webauthn.html")
	a := p.AddAuthenticator(PlatformAuthenticator())
	type result struct {
		Created, Asserted, User string
		UP, UV                  bool
	}
	got := Eval[result](p, `check()`)
	if got.Created == "" || got.Asserted != got.Created || got.User != "X1234567L" || !got.UP || !got.UV {
		t.Fatalf("WebAuthn in the page: %+v", got)
	}
	creds := a.Credentials()
	if len(creds) != 1 {
		t.Fatalf("the authenticator holds %d credentials", len(creds))
	}
	c := creds[0]
	if base64.RawURLEncoding.EncodeToString(c.CredentialID) != got.Created || c.RpID != "localhost" || !c.IsResidentCredential ||
		string(c.UserHandle) != "X1234567L" || c.SignCount < 1 {
		t.Fatalf("credential %+v", c)
	}

	// A phone whose owner fails the fingerprint: the page's get() with
	// userVerification "required" must not succeed.
	a.SetUserVerified(false)
	failed := Eval[bool](p, `navigator.credentials.get({publicKey: {rpId: "localhost", challenge: new Uint8Array(32),
		userVerification: "required", timeout: 3000}}).then(() => false, () => true)`)
	if !failed {
		t.Fatal("an unverified user got an assertion")
	}
	// And with no authenticator at all, nothing answers.
	a.Remove()
	start := time.Now()
	failed = Eval[bool](p, `navigator.credentials.get({publicKey: {rpId: "localhost", challenge: new Uint8Array(32), timeout: 1000}}).then(() => false, () => true)`)
	if !failed {
		t.Fatalf("an assertion with no authenticator (after %v)", time.Since(start))
	}
}

func TestScreenshot(t *testing.T) {
	t.Setenv(EnvArtifacts, t.TempDir())
	base := site(t)
	p := New(t, "ana")
	p.Go(base + "/form.html")
	path := p.Screenshot("form")
	b, err := os.ReadFile(path)
	if err != nil || !bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")) {
		t.Fatalf("%s: %v, % x", path, err, b[:min(8, len(b))])
	}
	os.Remove(path)
}

// TestPressAndWait: a button a script handles, its effect later on the
// same page and then on the next page, which WaitFor follows.
func TestPressAndWait(t *testing.T) {
	base := site(t)
	p := New(t, "ana")
	p.Go(base + "/later.html")
	p.Press("#go")
	p.WaitFor("the status", `document.getElementById("status").textContent === "Done"`)
	p.WaitFor("the next page", `location.pathname === "/form.html" && document.readyState === "complete"`)
	if !p.Has("#send") {
		t.Fatalf("not on the form: %s", p.URL())
	}
}

// TestWaitForFails: a condition that never holds fails the test.
func TestWaitForFails(t *testing.T) {
	base := site(t)
	p := New(t, "ana")
	p.Go(base + "/later.html")
	old := Timeout
	Timeout = 500 * time.Millisecond
	defer func() { Timeout = old }()
	var failed bool
	q := &Person{t: &fatalRecorder{TB: t, failed: &failed}, name: p.name, ctx: p.ctx}
	func() {
		defer func() { _ = recover() }()
		q.WaitFor("nothing", `document.getElementById("status").textContent === "Done"`)
	}()
	if !failed {
		t.Fatal("WaitFor for a condition that never holds did not fail")
	}
}

// TestCapture: a picture of one element, at its size on the screen.
func TestCapture(t *testing.T) {
	base := site(t)
	p := New(t, "ana")
	p.Go(base + "/later.html")
	img, err := png.Decode(bytes.NewReader(p.Capture("#box")))
	if err != nil {
		t.Fatal(err)
	}
	b := img.Bounds()
	if b.Dx() != 120 || b.Dy() != 80 {
		t.Fatalf("the picture is %v", b)
	}
	if r, g, bl, _ := img.At(60, 40).RGBA(); r|g|bl != 0 {
		t.Fatalf("the box is not black in the picture: %v", img.At(60, 40))
	}
}

// TestOwn: a browser of a test's own with extra switches, here the fake
// camera, which the shared browser has not.
func TestOwn(t *testing.T) {
	base := site(t)
	b := Own(t, FakeMedia)
	p := b.NewPerson(t, "ana")
	p.Go(base + "/later.html")
	const camera = `navigator.mediaDevices.getUserMedia({video: true}).then(
		s => { const t = s.getVideoTracks()[0]; const l = t.label; t.stop(); return l }, e => "refused: " + e.name)`
	if got := Eval[string](p, camera); got == "" || strings.HasPrefix(got, "refused") {
		t.Fatalf("the fake camera: %q", got)
	}
	// The shared browser has none.
	q := New(t, "ben")
	q.Go(base + "/later.html")
	if got := Eval[string](q, camera); !strings.HasPrefix(got, "refused") {
		t.Fatalf("the shared browser has a camera: %q", got)
	}
}
