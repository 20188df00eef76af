package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/llavero/llavero/internal/config"
	"github.com/llavero/llavero/internal/i18n"
	"github.com/llavero/llavero/internal/server"
	"github.com/llavero/llavero/internal/store"
)

// run executes the CLI in-process, as a person would from a shell, and
// returns what it printed and its exit status.
func run(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb bytes.Buffer
	root := newRoot(&out, &errb)
	root.SetArgs(args)
	err := root.ExecuteContext(context.Background())
	code = exitCode(err, &errb)
	return out.String(), errb.String(), code
}

func TestIDCheck(t *testing.T) {
	t.Setenv("LLAVERO_LANG", "en")
	cases := []struct {
		in       string
		code     int
		stdout   string
		stderrIn string
	}{
		{"X1234567L", 0, "X1234567L\tNIE\n", ""},
		{"x-1234567-l", 0, "X1234567L\tNIE\n", ""},
		{"12345678Z", 0, "12345678Z\tDNI\n", ""},
		{"12345678A", 1, "", "id.control_letter"},
		{"PAA123456", 1, "", "id.passport"},
		{"", 1, "", "id.empty"},
	}
	for _, tc := range cases {
		t.Run(tc.in, func(t *testing.T) {
			out, errs, code := run(t, "id", "check", "--lang", "en", tc.in)
			if code != tc.code || out != tc.stdout || !strings.Contains(errs, tc.stderrIn) {
				t.Fatalf("exit %d, stdout %q, stderr %q", code, out, errs)
			}
			if code != 0 && len(strings.Split(strings.TrimSpace(errs), "\n")) != 2 {
				t.Fatalf("want the problem and the next step on two lines, got %q", errs)
			}
		})
	}
}

func TestIDCheckJSONAndSpanish(t *testing.T) {
	out, _, code := run(t, "id", "check", "--json", "--lang", "es", "x1234567m")
	if code != 1 {
		t.Fatalf("exit %d", code)
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err)
	}
	if got["valid"] != false || got["code"] != "id.control_letter" || !strings.Contains(got["message"].(string), "letra") {
		t.Fatalf("got %v", got)
	}
}

// TestAdminFlow drives the administrator's commands against one data
// directory: import (refused, then skip-bad), show, outbox, audit verify.
func TestAdminFlow(t *testing.T) {
	data := t.TempDir()
	t.Setenv("LLAVERO_DATA", data)
	t.Setenv("LLAVERO_LANG", "en")
	csvPath := filepath.Join(data, "people.csv")
	if _, errs, code := run(t, "admin", "registry", "sample", "--rows", "50", "-o", csvPath); code != 0 {
		t.Fatal(errs)
	}
	b, _ := os.ReadFile(csvPath)
	bad := string(b) + "Y7654321X,Ana,Pérez,,1990-01-01,ES,TIE,Y7654321X,2030-01-01,,Calle 1,28001,Madrid,Madrid,,\n"
	badPath := filepath.Join(data, "bad.csv")
	if err := os.WriteFile(badPath, []byte(bad), 0o600); err != nil {
		t.Fatal(err)
	}

	out, errs, code := run(t, "admin", "registry", "import", badPath)
	if code != 1 || !strings.Contains(errs, "line 52, id:") || !strings.Contains(errs, "nothing was imported") {
		t.Fatalf("refused import: exit %d\n%s\n%s", code, out, errs)
	}
	out, errs, code = run(t, "admin", "registry", "import", "--skip-bad", "--json", badPath)
	if code != 0 {
		t.Fatalf("skip-bad: exit %d %s", code, errs)
	}
	var rep map[string]any
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	if rep["created"] != float64(50) || rep["bad"] != float64(1) {
		t.Fatalf("report %v", rep)
	}

	out, errs, code = run(t, "admin", "registry", "show", "x-0000013-j")
	if code != 0 || !strings.Contains(out, "X0000013J") || !strings.Contains(out, "document_type:") {
		t.Fatalf("show: exit %d\n%s\n%s", code, out, errs)
	}
	_, errs, code = run(t, "admin", "registry", "show", "Y0000000Z")
	if code != 1 || !strings.Contains(errs, "not in this platform's population registry") {
		t.Fatalf("show missing: exit %d %s", code, errs)
	}

	// A notification sent by the platform lands in the outbox the CLI reads.
	cfg := &config.Config{Data: data, Outbox: true, LogLevel: "info", LogFormat: "text", Lang: "en", Listen: "127.0.0.1:0", CertListen: "127.0.0.1:0", CAKeys: "file", CodeTTL: 720 * time.Hour, ShutdownTimeout: 1}
	if err := cfg.Validate(nil); err != nil {
		t.Fatal(err)
	}
	p, err := server.New(context.Background(), cfg, server.NewLogger(cfg), "test")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Notifier.SMS(context.Background(), "+34612345678", "X0000013J", i18n.ES, "Tu PIN es 123456"); err != nil {
		t.Fatal(err)
	}
	p.Close()
	out, errs, code = run(t, "admin", "outbox", "--to", "X0000013J", "--kind", store.KindSMS, "--json")
	if code != 0 {
		t.Fatal(errs)
	}
	var msgs []map[string]string
	if err := json.Unmarshal([]byte(out), &msgs); err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 1 || msgs[0]["to"] != "+34612345678" || msgs[0]["body"] != "Tu PIN es 123456" {
		t.Fatalf("outbox %v", msgs)
	}

	out, errs, code = run(t, "admin", "audit", "verify")
	if code != 0 || !strings.Contains(out, "intact: 1 events") {
		t.Fatalf("audit verify: exit %d\n%s\n%s", code, out, errs)
	}
}

func TestBadSettingStopsWithOneLine(t *testing.T) {
	t.Setenv("LLAVERO_DATABASE", "mysql://nope")
	_, errs, code := run(t, "admin", "audit", "verify")
	if code != 1 || !strings.Contains(errs, "setting --database") || strings.Count(errs, "\n") != 1 {
		t.Fatalf("exit %d, stderr %q", code, errs)
	}
}

func TestHelpListsEveryCommand(t *testing.T) {
	out, _, code := run(t, "--help")
	if code != 0 {
		t.Fatal(code)
	}
	for _, c := range []string{"serve", "id", "admin", "version"} {
		if !strings.Contains(out, "\n  "+c+" ") {
			t.Errorf("--help does not list %s:\n%s", c, out)
		}
	}
}
