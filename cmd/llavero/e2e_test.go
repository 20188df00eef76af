package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/llavero/llavero/internal/store/postgres/pgtest"

	"github.com/llavero/llavero/internal/config"
	"github.com/llavero/llavero/internal/registry"
	"github.com/llavero/llavero/internal/server"
)

func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// startPlatform runs a real server on loopback for the CLI to talk to, on
// SQLite, or on PostgreSQL when database is a postgres:// URL.
func startPlatform(t *testing.T, data, database string) *config.Config {
	t.Helper()
	cfg := &config.Config{Data: data, Database: database, Outbox: true, LogLevel: "error", LogFormat: "text", Lang: "en",
		Listen: freePort(t), CertListen: freePort(t), CAKeys: "file", CAOrganization: "llavero (e2e)",
		CodeTTL: 30 * 24 * time.Hour, ShutdownTimeout: 5 * time.Second}
	if err := cfg.Validate(nil); err != nil {
		t.Fatal(err)
	}
	p, err := server.New(context.Background(), cfg, server.NewLogger(cfg), "e2e")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	up := make(chan struct{})
	done := make(chan error, 1)
	go func() { done <- p.Serve(ctx, func(server.Addrs) { close(up) }) }()
	select {
	case <-up:
	case err := <-done:
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		<-done
		p.Close()
	})
	return cfg
}

// TestCertificateFlowThroughCLI is the whole life of a certificate as a
// citizen, an administrator and an operator live it, through the CLI
// against a running server: office and operator set up, request, code by
// email, office check, download with the backup .p12, status, revocation.
func TestCertificateFlowThroughCLI(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { certificateFlow(t, "") })
	t.Run("postgres", func(t *testing.T) {
		url := os.Getenv("LLAVERO_TEST_POSTGRES_URL")
		if url == "" {
			t.Skip("LLAVERO_TEST_POSTGRES_URL not set: the PostgreSQL run of the CLI flow is skipped")
		}
		certificateFlow(t, pgtest.Schema(t, url))
	})
}

func certificateFlow(t *testing.T, database string) {
	data := t.TempDir()
	t.Setenv("LLAVERO_DATA", data)
	t.Setenv("LLAVERO_LANG", "en")
	if database != "" {
		t.Setenv("LLAVERO_DATABASE", database)
	}
	csvPath := filepath.Join(data, "people.csv")
	if err := os.WriteFile(csvPath, []byte(strings.Join(registry.Header, ",")+"\n"+
		"X1234567L,Olena,Kovalenko,,1990-04-02,UA,TIE,X1234567L,2031-05-01,E12345678,Calle Mayor 1,28013,Madrid,Madrid,olena@example.org,+34612345678\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	mustRun(t, "admin", "registry", "import", csvPath)
	var office map[string]any
	mustJSON(t, &office, "admin", "office", "add", "Oficina Centro", "--address", "Plaza Mayor 1", "--postal-code", "28012", "--city", "Madrid", "--province", "Madrid", "--json")

	pw := filepath.Join(data, "pw")
	if err := os.WriteFile(pw, []byte("correct horse battery\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var op map[string]any
	mustJSON(t, &op, "admin", "operator", "add", "--office", office["id"].(string), "--name", "Ana García", "--p12-passphrase-file", pw, "--json")
	opP12 := op["p12"].(string)

	cfg := startPlatform(t, data, database)
	srv := "http://" + cfg.Listen
	keys := filepath.Join(data, "keystore")

	var app map[string]any
	mustJSON(t, &app, "cert", "request", "--server", srv, "--id", "x-1234567-l", "--surname", "kovalenko", "--email", "olena@example.org",
		"--keystore", keys, "--passphrase-file", pw, "--json")
	code := app["code"].(string)
	if app["expires_at"] == nil || code == "" {
		t.Fatalf("request answer %v", app)
	}
	out := mustRun(t, "admin", "outbox", "--to", "X1234567L", "--kind", "email")
	if !strings.Contains(out, code) {
		t.Fatalf("the code is not in the email:\n%s", out)
	}

	// Downloading before the office check explains what is missing.
	p12 := filepath.Join(data, "olena.p12")
	_, errs, exit := run(t, "cert", "download", "--server", srv, "--id", "X1234567L", "--surname", "Kovalenko", "--code", code,
		"--keystore", keys, "--passphrase-file", pw, "--p12-passphrase-file", pw, "--out", p12)
	if exit == 0 || !strings.Contains(errs, "registration office") {
		t.Fatalf("early download: exit %d, %s", exit, errs)
	}

	// The operator checks the TIE against the registry and approves.
	var res map[string]any
	mustJSON(t, &res, "office", "verify", "--server", srv, "--code", code, "--document-type", "TIE", "--document-number", "X1234567L",
		"--document-expiry", "2031-05-01", "--operator-p12", opP12, "--p12-passphrase-file", pw, "--json")
	if res["serial"] == "" {
		t.Fatalf("verify answer %v", res)
	}

	// The download runs as the "ready" email words it, with this
	// machine's settings added: a command that lacked a required flag
	// (it once lacked --surname) would be a dead end for everyone.
	var mails []map[string]string
	mustJSON(t, &mails, "admin", "outbox", "--to", "X1234567L", "--kind", "email", "--json")
	if len(mails) == 0 || mails[0]["subject"] != "Your certificate is ready to download" {
		t.Fatalf("the newest email is not the ready one: %v", mails)
	}
	args := emailedCommand(t, mails[0]["body"], "llavero cert download ")
	for i := range args {
		switch {
		case args[i] == "YOUR-CODE":
			args[i] = code
		case i > 0 && args[i-1] == "--out":
			args[i] = p12
		}
	}
	var dl map[string]any
	mustJSON(t, &dl, append(args, "--server", srv, "--keystore", keys, "--passphrase-file", pw, "--p12-passphrase-file", pw, "--json")...)
	if dl["serial"] != res["serial"] {
		t.Fatalf("downloaded %v, approved %v", dl["serial"], res["serial"])
	}
	ossl := openSSLChecks(t, srv, data, p12, pw)
	ossl.verify()
	ossl.ocsp("good")
	backupThroughCLI(t, cfg, srv, data, p12, opP12, pw, dl["serial"].(string))

	var st map[string]any
	mustJSON(t, &st, "cert", "status", "--server", srv, "--p12", p12, "--p12-passphrase-file", pw, "--json")
	if st["serial"] != res["serial"] {
		t.Fatalf("status %v", st)
	}
	_, errs, exit = run(t, "cert", "renew", "--server", srv, "--p12", p12, "--p12-passphrase-file", pw, "--new-p12-passphrase-file", pw, "--out", filepath.Join(data, "new.p12"))
	if exit == 0 || !strings.Contains(errs, "renew") {
		t.Fatalf("renew outside the window: exit %d %s", exit, errs)
	}
	mustRun(t, "cert", "revoke", "--server", srv, "--p12", p12, "--p12-passphrase-file", pw, "--reason", "keyCompromise")
	ossl.ocsp("revoked")
	ossl.crlLists(res["serial"].(string))
	_, errs, exit = run(t, "cert", "status", "--server", srv, "--p12", p12, "--p12-passphrase-file", pw)
	if exit == 0 {
		t.Fatalf("a revoked certificate still signs in: %s", errs)
	}
	mustRun(t, "admin", "audit", "verify")
}

// backupThroughCLI: "cert backup --copy-to" copies the .p12 to another
// folder (the USB stick), proves with the copy's key that it works, and the
// server records it for that certificate with an audit event; another
// certificate's .p12, or a copy opened with the wrong passphrase, confirms
// nothing.
func backupThroughCLI(t *testing.T, cfg *config.Config, srv, data, p12, opP12, pw, serial string) {
	t.Helper()
	usb := filepath.Join(t.TempDir(), "USB STICK")
	if err := os.Mkdir(usb, 0o700); err != nil {
		t.Fatal(err)
	}
	st, err := server.OpenStore(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	confirmed := func() time.Time {
		c, err := st.GetCertificate(context.Background(), serial)
		if err != nil {
			t.Fatal(err)
		}
		return c.BackupConfirmedAt
	}

	wrong := filepath.Join(data, "wrong-pw")
	if err := os.WriteFile(wrong, []byte("not the passphrase\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"an operator's .p12", []string{"--p12", opP12, "--p12-passphrase-file", pw}, "not issued by this platform"},
		{"the wrong passphrase", []string{"--p12", p12, "--p12-passphrase-file", wrong}, "passphrase"},
		{"a folder that does not exist", []string{"--p12", p12, "--p12-passphrase-file", pw, "--copy-to", filepath.Join(usb, "nope")}, "is not a folder"},
	} {
		_, errs, exit := run(t, append([]string{"cert", "backup", "--server", srv}, tc.args...)...)
		if exit == 0 || !strings.Contains(errs, tc.want) {
			t.Errorf("%s: exit %d, %s; want a refusal with %q", tc.name, exit, errs, tc.want)
		}
	}
	if at := confirmed(); !at.IsZero() {
		t.Fatalf("refused tries confirmed a backup at %s", at)
	}

	out := mustRun(t, "cert", "backup", "--server", srv, "--p12", p12, "--copy-to", usb, "--p12-passphrase-file", pw)
	copied := filepath.Join(usb, filepath.Base(p12))
	for _, s := range []string{"Copy checked", copied, serial, "no more backup reminders"} {
		if !strings.Contains(out, s) {
			t.Errorf("backup output lacks %q:\n%s", s, out)
		}
	}
	orig, _ := os.ReadFile(p12)
	if cp, err := os.ReadFile(copied); err != nil || !bytes.Equal(cp, orig) {
		t.Fatalf("the copy on the stick: %v (equal %v)", err, bytes.Equal(cp, orig))
	}
	first := confirmed()
	if first.IsZero() {
		t.Fatal("the server did not record the backup")
	}
	// Copying again would overwrite the stick's copy: refused; checking the
	// copy where it is works and records the newer time.
	if _, errs, exit := run(t, "cert", "backup", "--server", srv, "--p12", p12, "--copy-to", usb, "--p12-passphrase-file", pw); exit == 0 || !strings.Contains(errs, "already exists") {
		t.Errorf("second copy: exit %d, %s", exit, errs)
	}
	var b map[string]any
	mustJSON(t, &b, "cert", "backup", "--server", srv, "--p12", copied, "--p12-passphrase-file", pw, "--json")
	if b["serial"] != serial || b["p12"] != copied || b["backup_confirmed_at"] == nil {
		t.Errorf("backup --json = %v", b)
	}
	if again := confirmed(); again.Before(first) {
		t.Errorf("second confirmation at %s, before the first %s", again, first)
	}
	events, err := st.ListAudit(context.Background(), 0, 10000)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range events {
		if e.Action == "cert.backup_confirm" && strings.Contains(e.Detail, serial) && e.Actor == "citizen:X1234567L" {
			n++
		}
	}
	if n != 2 {
		t.Errorf("%d cert.backup_confirm audit events, want 2", n)
	}
}

func mustRun(t *testing.T, args ...string) string {
	t.Helper()
	out, errs, code := run(t, args...)
	if code != 0 {
		t.Fatalf("llavero %s: exit %d\n%s\n%s", strings.Join(args, " "), code, out, errs)
	}
	return out
}

func mustJSON(t *testing.T, v any, args ...string) {
	t.Helper()
	out := mustRun(t, args...)
	if err := json.Unmarshal([]byte(out), v); err != nil {
		t.Fatalf("llavero %s: not JSON: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// opensslRun checks the platform's output with OpenSSL, a tool nobody here
// wrote, against the running server.
type opensslRun struct {
	t                   *testing.T
	srv, dir            string
	cert, issuing, root string
	skip                bool
}

func openSSLChecks(t *testing.T, srv, dir, p12, pw string) *opensslRun {
	t.Helper()
	o := &opensslRun{t: t, srv: srv, dir: dir, cert: filepath.Join(dir, "cert.pem"), issuing: filepath.Join(dir, "issuing.pem"), root: filepath.Join(dir, "root.pem")}
	if _, err := exec.LookPath("openssl"); err != nil {
		t.Log("openssl not installed: the OpenSSL checks are skipped")
		o.skip = true
		return o
	}
	o.run("pkcs12", "-in", p12, "-passin", "file:"+pw, "-nokeys", "-clcerts", "-out", o.cert)
	for path, url := range map[string]string{o.issuing: "/ca/issuing.crt", o.root: "/ca/root.crt"} {
		der := filepath.Join(dir, filepath.Base(path)+".der")
		o.fetch(url, der)
		o.run("x509", "-inform", "DER", "-in", der, "-out", path)
	}
	return o
}

func (o *opensslRun) run(args ...string) string {
	o.t.Helper()
	b, err := exec.Command("openssl", args...).CombinedOutput()
	if err != nil {
		o.t.Fatalf("openssl %s: %v\n%s", strings.Join(args, " "), err, b)
	}
	return string(b)
}

func (o *opensslRun) fetch(path, file string) {
	o.t.Helper()
	resp, err := http.Get(o.srv + path)
	if err != nil {
		o.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != 200 {
		o.t.Fatalf("GET %s: %v %d", path, err, resp.StatusCode)
	}
	if err := os.WriteFile(file, b, 0o600); err != nil {
		o.t.Fatal(err)
	}
}

func (o *opensslRun) verify() {
	if o.skip {
		return
	}
	out := o.run("verify", "-CAfile", o.root, "-untrusted", o.issuing, "-purpose", "sslclient", o.cert)
	if !strings.Contains(out, "OK") {
		o.t.Fatalf("openssl verify: %s", out)
	}
}

func (o *opensslRun) ocsp(want string) {
	if o.skip {
		return
	}
	out := o.run("ocsp", "-issuer", o.issuing, "-cert", o.cert, "-url", o.srv+"/ocsp", "-CAfile", o.root)
	if !strings.Contains(out, "Response verify OK") || !strings.Contains(out, ": "+want) {
		o.t.Fatalf("openssl ocsp, want %s:\n%s", want, out)
	}
}

func (o *opensslRun) crlLists(serial string) {
	if o.skip {
		return
	}
	der := filepath.Join(o.dir, "citizens.crl")
	o.fetch("/crl/citizens.crl", der)
	out := o.run("crl", "-inform", "DER", "-in", der, "-CAfile", o.issuing, "-noout", "-text")
	if !strings.Contains(strings.ToLower(strings.ReplaceAll(out, ":", "")), strings.ToLower(serial)) {
		o.t.Fatalf("openssl crl does not list %s:\n%s", serial, out)
	}
}

// emailedCommand returns the arguments (after "llavero") of the line of
// body that starts, once indented, with prefix.
func emailedCommand(t *testing.T, body, prefix string) []string {
	t.Helper()
	for _, line := range strings.Split(body, "\n") {
		if l := strings.TrimSpace(line); strings.HasPrefix(l, prefix) {
			return strings.Fields(l)[1:]
		}
	}
	t.Fatalf("no %q line in the email:\n%s", prefix, body)
	return nil
}
