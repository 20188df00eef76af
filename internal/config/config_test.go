package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/pflag"
)

func newFlags(t *testing.T) (*pflag.FlagSet, *Config) {
	t.Helper()
	var c Config
	fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
	RegisterCommon(fs, &c)
	RegisterServe(fs, &c)
	return fs, &c
}

func TestPrecedenceFlagEnvFileDefault(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "llavero.toml")
	if err := os.WriteFile(file, []byte("listen = \"127.0.0.1:9000\"\nlog-format = \"json\"\nsmtp-port = 2525\ndata = \"/from/file\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("LLAVERO_LOG_FORMAT", "text")
	t.Setenv("LLAVERO_DATA", "/from/env")
	fs, c := newFlags(t)
	if err := fs.Parse([]string{"--config", file, "--data", "/from/flag"}); err != nil {
		t.Fatal(err)
	}
	if err := Load(fs, c); err != nil {
		t.Fatal(err)
	}
	cases := []struct{ name, got, want string }{
		{"flag beats env and file", c.Data, "/from/flag"},
		{"env beats file", c.LogFormat, "text"},
		{"file beats default", c.Listen, "127.0.0.1:9000"},
		{"derived database", c.Database, "sqlite:/from/flag/llavero.db"},
		{"derived public url", c.PublicURL, "http://127.0.0.1:9000"},
	}
	for _, tc := range cases {
		if tc.got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.name, tc.got, tc.want)
		}
	}
	if c.SMTPPort != 2525 {
		t.Errorf("file integer: got %d", c.SMTPPort)
	}
}

func TestBadSettingsNameTheSetting(t *testing.T) {
	cases := []struct {
		args []string
		env  map[string]string
		want string
	}{
		{args: []string{"--database", "mysql://x"}, want: "setting --database"},
		{args: []string{"--listen", "nonsense"}, want: "setting --listen"},
		{args: []string{"--log-format", "xml"}, want: "setting --log-format"},
		{args: []string{"--lang", "fr"}, want: "setting --lang"},
		{args: []string{"--public-url", "ftp://x"}, want: "setting --public-url"},
		{args: []string{"--smtp-host", "mail", "--smtp-tls", "maybe"}, want: "setting --smtp-tls"},
		{args: []string{"--sms-webhook-url", "http://example.org/sms", "--sms-webhook-secret-file", "f"}, want: "setting --sms-webhook-url"},
		{args: []string{"--outbox=false"}, want: "setting --outbox"},
		{args: []string{"--client-cache-ttl", "-1s"}, want: "setting --client-cache-ttl"},
		{args: []string{"--client-cache-ttl", "2h"}, want: "setting --client-cache-ttl"},
		{args: []string{"--debug-listen", "0.0.0.0:6060"}, want: "setting --debug-listen"},
		{env: map[string]string{"LLAVERO_SMTP_PORT": "many"}, want: "LLAVERO_SMTP_PORT"},
		{args: []string{"--database", "postgres://u:secret@/db"}, want: "setting --database"},
	}
	for _, tc := range cases {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			fs, c := newFlags(t)
			if err := fs.Parse(tc.args); err != nil {
				t.Fatal(err)
			}
			err := Load(fs, c)
			if err == nil {
				t.Fatalf("no error, want one naming %q", tc.want)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %q does not name %q", err, tc.want)
			}
			if strings.Contains(err.Error(), "secret") {
				t.Fatalf("error leaks a password: %q", err)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("error is not one line: %q", err)
			}
		})
	}
}

func TestUnknownFileKeyRefused(t *testing.T) {
	file := filepath.Join(t.TempDir(), "c.toml")
	if err := os.WriteFile(file, []byte("lisen = \"x\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	fs, c := newFlags(t)
	if err := fs.Parse([]string{"--config", file}); err != nil {
		t.Fatal(err)
	}
	if err := Load(fs, c); err == nil || !strings.Contains(err.Error(), `"lisen"`) {
		t.Fatalf("got %v, want an error naming the unknown key", err)
	}
}

func TestParseDatabase(t *testing.T) {
	cases := []struct{ in, dialect, target string }{
		{"sqlite:/tmp/x.db", "sqlite", "/tmp/x.db"},
		{"sqlite://tmp/x.db", "sqlite", "tmp/x.db"},
		{"postgres://postgres@127.0.0.1:5432/test", "postgres", "postgres://postgres@127.0.0.1:5432/test"},
		{"postgresql://h/db", "postgres", "postgresql://h/db"},
	}
	for _, tc := range cases {
		d, tg, err := ParseDatabase(tc.in)
		if err != nil || d != tc.dialect || tg != tc.target {
			t.Errorf("ParseDatabase(%q) = %q, %q, %v", tc.in, d, tg, err)
		}
	}
	for _, bad := range []string{"", "sqlite:", "mysql://x", "postgres://"} {
		if _, _, err := ParseDatabase(bad); err == nil {
			t.Errorf("ParseDatabase(%q): no error", bad)
		}
	}
}

// TestServerFlag: a command the platform tells people to run names the
// platform unless it is where the CLI goes anyway.
func TestServerFlag(t *testing.T) {
	for in, want := range map[string]string{
		"https://id.example.es":    " --server https://id.example.es",
		"https://id.example.es/":   " --server https://id.example.es",
		"http://localhost:8080":    " --server http://localhost:8080",
		"http://127.0.0.1:8080":    "",
		"http://127.0.0.1:8080/":   "",
		"":                         "",
		"http://127.0.0.1:9000/ll": " --server http://127.0.0.1:9000/ll",
	} {
		if got := ServerFlag(in); got != want {
			t.Errorf("ServerFlag(%q) = %q, want %q", in, got, want)
		}
	}
}
