package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/llavero/llavero/internal/demo"
	"github.com/llavero/llavero/internal/keystore"
	"github.com/llavero/llavero/internal/sampleoffice"
	"github.com/llavero/llavero/internal/store/sqlite"
)

// lockedBuffer is a command's output, read by the test while the command
// still writes.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// demoRun is a running "llavero serve --demo".
type demoRun struct {
	stdout, stderr *lockedBuffer
	stop           func() error
}

// startDemo runs the command in-process until it has printed its summary
// (so llavero and the sample offices answer), and returns how long that
// took.
func startDemo(t *testing.T, args []string) (*demoRun, time.Duration) {
	t.Helper()
	r := &demoRun{stdout: &lockedBuffer{}, stderr: &lockedBuffer{}}
	root := newRoot(r.stdout, r.stderr)
	root.SetArgs(args)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	start := time.Now()
	go func() { done <- root.ExecuteContext(ctx) }()
	r.stop = func() error { cancel(); return <-done }
	// A generous bound, not a timing assertion: only a hang fails here.
	deadline := time.After(2 * time.Minute)
	for !strings.Contains(r.stdout.String(), "Stop with Ctrl-C") {
		select {
		case err := <-done:
			t.Fatalf("serve --demo ended before it was ready: %v\nstdout:\n%s\nstderr:\n%s", err, r.stdout, r.stderr)
		case <-deadline:
			cancel()
			t.Fatalf("serve --demo not ready\nstdout:\n%s\nstderr:\n%s", r.stdout, r.stderr)
		case <-time.After(20 * time.Millisecond):
		}
	}
	return r, time.Since(start)
}

// httpGet fetches u without following redirects.
func httpGet(t *testing.T, method, u string) (*http.Response, string) {
	t.Helper()
	c := &http.Client{Timeout: 30 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	req, err := http.NewRequest(method, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept-Language", "en")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// loopback points a URL the demo printed ("localhost") at 127.0.0.1, where
// it listens, whatever this machine resolves localhost to.
func loopback(u string) string { return strings.Replace(u, "//localhost:", "//127.0.0.1:", 1) }

// TestFirstRun keeps the README's promise of the first command: on a
// fresh directory "serve --demo" brings up llavero, the outbox page and
// the sample offices registered with it; a second start on the same
// directory prints the same summary and makes nothing twice.
func TestFirstRun(t *testing.T) {
	t.Chdir(t.TempDir()) // the README's command, with its default ./llavero-data
	t.Setenv("LLAVERO_LANG", "")
	listen, certListen := freePort(t), freePort(t)
	var offices []string
	for range sampleoffice.Catalogue {
		offices = append(offices, freePort(t))
	}
	args := []string{"serve", "--demo", "--lang", "en", "--log-level", "error", "--listen", listen, "--cert-listen", certListen,
		"--demo-offices-listen", strings.Join(offices, ",")}

	run, took := startDemo(t, args)
	t.Logf("first start, empty data directory: ready in %v", took.Round(time.Millisecond))
	out := run.stdout.String()
	_, port, _ := strings.Cut(listen, ":")
	public := "http://localhost:" + port
	if !strings.Contains(out, "Open "+public+"\n") || !strings.Contains(out, public+"/dev/outbox") {
		t.Errorf("the summary does not give llavero's URL and the outbox:\n%s", out)
	}
	if resp, b := httpGet(t, "GET", loopback(public)+"/readyz"); resp.StatusCode != 200 || b != "ok\n" {
		t.Errorf("readyz: %d %q", resp.StatusCode, b)
	}
	if resp, b := httpGet(t, "GET", loopback(public)+"/dev/outbox"); resp.StatusCode != 200 || !strings.Contains(b, "Outbox (demonstration)") {
		t.Errorf("/dev/outbox: %d", resp.StatusCode)
	}
	if _, b := httpGet(t, "GET", loopback(public)+"/"); !strings.Contains(b, `href="/dev/outbox"`) {
		t.Error("the home page does not link the outbox")
	}
	for i, k := range sampleoffice.Catalogue {
		_, p, _ := strings.Cut(offices[i], ":")
		office := "http://localhost:" + p
		if !strings.Contains(out, office+"  "+k.Name.EN) {
			t.Errorf("the summary does not list %s at %s", k.ID, office)
		}
		resp, b := httpGet(t, "GET", loopback(office)+"/")
		if resp.StatusCode != 200 || !strings.Contains(b, k.Name.EN) {
			t.Errorf("%s office: %d", k.ID, resp.StatusCode)
			continue
		}
		// Starting its first procedure goes to llavero, which knows the
		// office (client and redirect URI) and asks the person to log in.
		resp, _ = httpGet(t, "POST", loopback(office)+"/start/"+k.Procedures[0].ID)
		auth := resp.Header.Get("Location")
		if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(auth, public+"/") {
			t.Fatalf("%s office: start answered %d to %q", k.ID, resp.StatusCode, auth)
		}
		resp, _ = httpGet(t, "GET", loopback(auth))
		next, _ := url.Parse(resp.Header.Get("Location"))
		if resp.StatusCode != http.StatusFound && resp.StatusCode != http.StatusSeeOther || next == nil || strings.Contains(next.RawQuery, "error=") ||
			strings.HasPrefix(next.String(), "http") && !strings.HasPrefix(next.String(), public) {
			t.Errorf("%s office: llavero answered the sign-in with %d to %q", k.ID, resp.StatusCode, next)
		}
	}
	if err := run.stop(); err != nil {
		t.Fatalf("stop: %v\n%s", err, run.stderr)
	}

	again, took := startDemo(t, args)
	t.Logf("second start: ready in %v", took.Round(time.Millisecond))
	if got := again.stdout.String(); got != out {
		t.Errorf("the second start printed something else:\n--- first\n%s\n--- second\n%s", out, got)
	}
	if err := again.stop(); err != nil {
		t.Fatal(err)
	}

	// Nothing twice, and the files printed open with the passphrase
	// printed.
	data := "llavero-data"
	st, err := sqlite.Open(context.Background(), filepath.Join(data, "llavero.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	offs, _ := st.ListOffices(ctx)
	ops, _ := st.ListOperators(ctx, "")
	cls, _ := st.ListClients(ctx)
	n, _ := st.CountPeople(ctx)
	if len(offs) != len(demo.Offices) || len(ops) != len(demo.Offices) || len(cls) != len(sampleoffice.Catalogue) || n != len(demo.People) {
		t.Errorf("after two starts: %d offices, %d operators, %d clients, %d people", len(offs), len(ops), len(cls), n)
	}
	pass := regexp.MustCompile(`passphrase of the operator \.p12 files: (\S+)`).FindStringSubmatch(out)
	if pass == nil {
		t.Fatalf("no passphrase in the summary:\n%s", out)
	}
	for _, o := range demo.Offices {
		path := filepath.Join(data, "demo", "operator-"+o.Slug+".p12")
		if !strings.Contains(out, path) {
			t.Errorf("the summary does not name %s", path)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, _, err := keystore.ReadP12(b, []byte(pass[1])); err != nil {
			t.Errorf("%s does not open with the printed passphrase: %v", path, err)
		}
	}
	readme, err := os.ReadFile(filepath.Join(data, "demo", "README.txt"))
	if err != nil || !strings.Contains(string(readme), pass[1]) || !strings.Contains(string(readme), "Personas de ejemplo") {
		t.Errorf("README.txt: %v", err)
	}
}

// TestDemoRefusals: a demo that could be taken for production stops
// before it writes anything, and says how to mean it.
func TestDemoRefusals(t *testing.T) {
	t.Setenv("LLAVERO_LANG", "en")
	for name, extra := range map[string][]string{
		"PostgreSQL":              {"--database", "postgres://llavero@127.0.0.1:1/llavero"},
		"every interface":         {"--listen", "0.0.0.0:0"},
		"a sample office outside": {"--demo-offices-listen", "127.0.0.1:0,0.0.0.0:0,127.0.0.1:0"},
	} {
		t.Run(name, func(t *testing.T) {
			data := filepath.Join(t.TempDir(), "data")
			_, stderr, code := run(t, append([]string{"serve", "--demo", "--data", data}, extra...)...)
			if code != 1 || !strings.Contains(stderr, "--demo-public") || !strings.Contains(stderr, "demonstration") {
				t.Errorf("exit %d:\n%s", code, stderr)
			}
			if _, err := os.Stat(data); !os.IsNotExist(err) {
				t.Errorf("the refused demo created %s", data)
			}
		})
	}
}

// TestSampleOfficeCatalogue: "llavero sample-office" still prints how to
// register the traffic office, and --office picks another of the
// catalogue, on its own port.
func TestSampleOfficeCatalogue(t *testing.T) {
	for _, tc := range []struct {
		args      []string
		code      int
		want, not string
	}{
		{[]string{"sample-office"}, 0, "--name 'Sede electrónica de Tráfico (ejemplo)' --redirect-uri http://127.0.0.1:9090/callback", ""},
		{[]string{"sample-office", "--office", "tax"}, 0, "--redirect-uri http://127.0.0.1:9091/callback --redirect-uri http://127.0.0.1:9091/ --min-acr substantial --procedure 'tax-return:", "points-balance"},
		{[]string{"sample-office", "--office", "social-security", "--listen", "127.0.0.1:7000"}, 0, "http://127.0.0.1:7000/callback", "9092"},
		{[]string{"sample-office", "--office", "weather"}, 1, "", ""},
	} {
		stdout, stderr, code := run(t, tc.args...)
		if code != tc.code || !strings.Contains(stdout, tc.want) || tc.not != "" && strings.Contains(stdout, tc.not) {
			t.Errorf("%v: exit %d\n%s\n%s", tc.args, code, stdout, stderr)
		}
		if tc.code == 1 && !strings.Contains(stderr, "traffic, tax, social-security") {
			t.Errorf("%v: the error does not list the offices: %s", tc.args, stderr)
		}
	}
}
