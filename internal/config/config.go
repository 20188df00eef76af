// Package config is llavero's one typed configuration. Every setting is a
// command-line flag; the same setting can come from the environment
// (LLAVERO_ plus the flag name in upper snake case) or from a TOML file
// (the flag name as key). A flag given on the command line wins over the
// environment, which wins over the file, which wins over the default.
//
// Keeping the flag set as the single list of settings means --help, the
// environment and the file can never disagree about what exists.
package config

import (
	"errors"
	"fmt"
	"net"
	"net/mail"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
	"github.com/spf13/pflag"

	"github.com/llavero/llavero/internal/i18n"
)

// DefaultListen is where serve listens unless told otherwise.
const DefaultListen = "127.0.0.1:8080"

// DefaultServer is the --server of the command-line client when none is
// given: a serve on this computer with the default settings.
const DefaultServer = "http://" + DefaultListen

// ServerFlag is the " --server URL" part of a command the platform tells
// people to run (in emails and pages), so that the command works as
// copied on their own computer: empty when publicURL is DefaultServer,
// which the command uses anyway, or unknown.
func ServerFlag(publicURL string) string {
	publicURL = strings.TrimRight(publicURL, "/")
	if publicURL == "" || publicURL == DefaultServer {
		return ""
	}
	return " --server " + publicURL
}

// Config holds every setting. Fields are grouped by the command that needs
// them; RegisterCommon adds the ones every local command shares.
type Config struct {
	// Common to every command that works on the local installation.
	File      string // optional TOML file
	Data      string // directory holding the embedded database, keys, letters
	Database  string // "sqlite:PATH" or "postgres://…"
	LogFormat string // "text" or "json"
	LogLevel  string // "debug", "info", "warn", "error"
	Lang      string // language of command output: "es" or "en"

	// The server.
	Listen          string
	PublicURL       string
	TrustedProxies  string
	SignatureTrust  string // extra trust anchors for signature validation: PEM files or directories, comma-separated
	ShutdownTimeout time.Duration
	// ClientCacheTTL is how long a node reuses a relying party it read
	// from the database; 0 reads it every time.
	ClientCacheTTL time.Duration
	// DebugListen, when set, serves Go's runtime profiles (net/http/pprof)
	// on a loopback address, for measuring the server under load.
	DebugListen        string
	Outbox             bool // keep every notification in the outbox (development)
	AllowForeignPhones bool
	// TokenCertificatesHigh is the deployment's policy on certificates an
	// office marked as generated on a cryptographic token: whether a login
	// with one reaches the high level of assurance.
	TokenCertificatesHigh bool

	SMTPHost         string
	SMTPPort         int
	SMTPUsername     string
	SMTPPasswordFile string
	SMTPFrom         string
	SMTPTLS          string

	SMSWebhookURL        string
	SMSWebhookSecretFile string

	// The certificate authority and the certificate-login origin.
	CertListen       string
	CertLoginURL     string
	CAKeys           string // "file" or "pkcs11"
	CAPassphraseFile string
	CAOrganization   string
	PKCS11Module     string
	PKCS11Token      string
	PKCS11PINFile    string
	CodeTTL          time.Duration
	CodeKeyFile      string

	Video Video // registration by video identification (video.go)
	// Reminders holds the delays of the step reminders (reminders.go).
	Reminders Reminders
	Demo      Demo // the first run, serve --demo (demo.go)
	// Remote signing (remotesign.go).
	RemoteSign RemoteSign
}

// EnvPrefix starts the name of every environment variable llavero reads.
const EnvPrefix = "LLAVERO_"

// RegisterCommon adds the settings shared by every local command.
func RegisterCommon(fs *pflag.FlagSet, c *Config) {
	fs.StringVar(&c.File, "config", "", "TOML file with settings (keys are flag names)")
	fs.StringVar(&c.Data, "data", "./llavero-data", "directory for the embedded database, keys, letters and outbox files")
	fs.StringVar(&c.Database, "database", "", `database URL: "sqlite:PATH" or "postgres://…" (default: SQLite inside --data)`)
	fs.StringVar(&c.LogFormat, "log-format", "text", `log format: "text" or "json"`)
	fs.StringVar(&c.LogLevel, "log-level", "info", `log level: "debug", "info", "warn" or "error"`)
	fs.StringVar(&c.Lang, "lang", defaultLang(), `language of messages: "es" or "en"`)
}

// RegisterServe adds the settings of the server.
func RegisterServe(fs *pflag.FlagSet, c *Config) {
	fs.StringVar(&c.Listen, "listen", DefaultListen, "address the main HTTP server listens on")
	fs.StringVar(&c.PublicURL, "public-url", "", "URL citizens and relying parties reach this platform at (default: http://LISTEN)")
	fs.StringVar(&c.TrustedProxies, "trusted-proxies", "", "reverse proxies (addresses or CIDRs, comma-separated) whose X-Forwarded-For gives the client address for rate limits")
	fs.StringVar(&c.SignatureTrust, "signature-trust", "", "trust list for signature validation besides llavero's own CA: PEM bundles or directories of certificates, comma-separated")
	fs.DurationVar(&c.ShutdownTimeout, "shutdown-timeout", 15*time.Second, "how long to let requests finish on shutdown")
	fs.DurationVar(&c.ClientCacheTTL, "client-cache-ttl", 2*time.Second, "how long a node reuses a relying party read from the database: a change made with 'llavero admin client' reaches every node within it (0: read every time)")
	fs.StringVar(&c.DebugListen, "debug-listen", "", "loopback address for Go's runtime profiles (/debug/pprof/), e.g. 127.0.0.1:6060; off when empty")
	fs.BoolVar(&c.Outbox, "outbox", true, "keep a copy of every email, SMS and letter in the outbox (development)")
	fs.BoolVar(&c.AllowForeignPhones, "allow-foreign-phones", true, "accept non-Spanish mobile numbers for SMS")
	fs.BoolVar(&c.TokenCertificatesHigh, "token-certificates-high", true, "a login with a certificate an office marked as on a token reaches the high level")
	fs.StringVar(&c.SMTPHost, "smtp-host", "", "SMTP server for email (empty: email only reaches the outbox)")
	fs.IntVar(&c.SMTPPort, "smtp-port", 587, "SMTP server port")
	fs.StringVar(&c.SMTPUsername, "smtp-username", "", "SMTP user name")
	fs.StringVar(&c.SMTPPasswordFile, "smtp-password-file", "", "file holding the SMTP password")
	fs.StringVar(&c.SMTPFrom, "smtp-from", "llavero <no-reply@localhost>", "sender address of emails")
	fs.StringVar(&c.SMTPTLS, "smtp-tls", "starttls", `SMTP transport security: "starttls", "tls" or "none"`)
	fs.StringVar(&c.SMSWebhookURL, "sms-webhook-url", "", "HTTPS endpoint of the SMS provider (empty: SMS only reach the outbox)")
	fs.StringVar(&c.SMSWebhookSecretFile, "sms-webhook-secret-file", "", "file holding the key that signs SMS webhook requests")
	fs.StringVar(&c.CertListen, "cert-listen", "127.0.0.1:8443", "address of the certificate-login origin (HTTPS with TLS client authentication)")
	fs.StringVar(&c.CertLoginURL, "cert-login-url", "", "public URL of the certificate-login origin (default: https://CERT-LISTEN)")
	RegisterCA(fs, c)
	fs.DurationVar(&c.CodeTTL, "application-code-ttl", 30*24*time.Hour, "how long a certificate application code is valid")
	RegisterVideo(fs, c)
	RegisterReminders(fs, c)
	RegisterDemo(fs, c)
	RegisterRemoteSign(fs, c)
	fs.StringVar(&c.CodeKeyFile, "code-key-file", "", "file with the secret (32+ bytes) that keys stored one-time codes; every node needs the same (default: LLAVERO_CODE_KEY, else a development key in DATA/secrets)")
}

// RegisterCA adds the settings that say where the CA's keys are; serve and
// the admin commands that issue certificates share them.
func RegisterCA(fs *pflag.FlagSet, c *Config) {
	fs.StringVar(&c.CAKeys, "ca-keys", "file", `where the CA keys live: "file" (encrypted in DATA/ca/keys) or "pkcs11" (a hardware token)`)
	fs.StringVar(&c.CAPassphraseFile, "ca-passphrase-file", "", "file with the passphrase that encrypts file CA keys (default: LLAVERO_CA_PASSPHRASE, else a development passphrase in DATA/ca)")
	fs.StringVar(&c.CAOrganization, "ca-organization", "llavero (development)", "organisation named in the CA certificates, when they are first created")
	fs.StringVar(&c.PKCS11Module, "pkcs11-module", "", "PKCS#11 module (e.g. /usr/lib/softhsm/libsofthsm2.so) for --ca-keys pkcs11")
	fs.StringVar(&c.PKCS11Token, "pkcs11-token", "", "label of the PKCS#11 token holding the CA keys")
	fs.StringVar(&c.PKCS11PINFile, "pkcs11-pin-file", "", "file with the PKCS#11 user PIN (default: LLAVERO_PKCS11_PIN)")
}

func defaultLang() string {
	for _, v := range []string{os.Getenv(EnvPrefix + "LANG"), os.Getenv("LC_ALL"), os.Getenv("LANG")} {
		if l, ok := i18n.Parse(v); ok {
			return string(l)
		}
	}
	return string(i18n.ES)
}

// EnvName returns the environment variable for a flag name.
func EnvName(flag string) string {
	return EnvPrefix + strings.ToUpper(strings.ReplaceAll(flag, "-", "_"))
}

// Load fills every flag not given on the command line from the environment
// and then from the file named by --config (or LLAVERO_CONFIG), and checks
// the result. The error names the setting and where it came from.
func Load(fs *pflag.FlagSet, c *Config) error {
	if err := fromEnv(fs); err != nil {
		return err
	}
	if c.File != "" {
		if err := fromFile(fs, c.File); err != nil {
			return err
		}
	}
	return c.Validate(fs)
}

func fromEnv(fs *pflag.FlagSet) error {
	var err error
	fs.VisitAll(func(f *pflag.Flag) {
		if err != nil || f.Changed {
			return
		}
		name := EnvName(f.Name)
		if v, ok := os.LookupEnv(name); ok {
			if e := fs.Set(f.Name, v); e != nil {
				err = fmt.Errorf("setting %s=%q: %v", name, v, e)
			}
		}
	})
	return err
}

func fromFile(fs *pflag.FlagSet, path string) error {
	var values map[string]any
	if _, err := toml.DecodeFile(path, &values); err != nil {
		return fmt.Errorf("setting --config %s: %v", path, err)
	}
	for key, raw := range values {
		f := fs.Lookup(key)
		if f == nil || key == "config" {
			return fmt.Errorf("setting %q in %s: no such setting (see llavero --help for the names)", key, path)
		}
		if f.Changed {
			continue
		}
		if _, inEnv := os.LookupEnv(EnvName(key)); inEnv {
			continue
		}
		var v string
		switch x := raw.(type) {
		case string:
			v = x
		case int64:
			v = strconv.FormatInt(x, 10)
		case bool:
			v = strconv.FormatBool(x)
		case float64:
			v = strconv.FormatFloat(x, 'f', -1, 64)
		default:
			return fmt.Errorf("setting %q in %s: want a string, number or boolean", key, path)
		}
		if err := fs.Set(key, v); err != nil {
			return fmt.Errorf("setting %q in %s: %v", key, path, err)
		}
	}
	return nil
}

// Validate checks the settings that fs defines, and fills derived defaults
// (the database path inside --data, the public URL from --listen).
func (c *Config) Validate(fs *pflag.FlagSet) error {
	has := func(name string) bool { return fs == nil || fs.Lookup(name) != nil }
	if has("data") {
		if strings.TrimSpace(c.Data) == "" {
			return errors.New("setting --data: must name a directory")
		}
		c.Data = filepath.Clean(c.Data)
	}
	if has("database") {
		if c.Database == "" {
			c.Database = "sqlite:" + filepath.Join(c.Data, "llavero.db")
		}
		if _, _, err := ParseDatabase(c.Database); err != nil {
			return fmt.Errorf("setting --database: %v", err)
		}
	}
	if has("log-format") && c.LogFormat != "text" && c.LogFormat != "json" {
		return fmt.Errorf(`setting --log-format: %q is not "text" or "json"`, c.LogFormat)
	}
	if has("log-level") {
		switch c.LogLevel {
		case "debug", "info", "warn", "error":
		default:
			return fmt.Errorf(`setting --log-level: %q is not "debug", "info", "warn" or "error"`, c.LogLevel)
		}
	}
	if has("lang") {
		if _, ok := i18n.Parse(c.Lang); !ok {
			return fmt.Errorf(`setting --lang: %q is not "es" or "en"`, c.Lang)
		}
	}
	if has("listen") {
		if _, _, err := net.SplitHostPort(c.Listen); err != nil {
			return fmt.Errorf("setting --listen: %q is not host:port (%v)", c.Listen, err)
		}
	}
	if has("public-url") {
		if c.PublicURL == "" {
			c.PublicURL = "http://" + c.Listen
		}
		u, err := url.Parse(c.PublicURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("setting --public-url: %q is not an http(s) URL", c.PublicURL)
		}
		c.PublicURL = strings.TrimRight(c.PublicURL, "/")
	}
	if has("client-cache-ttl") && (c.ClientCacheTTL < 0 || c.ClientCacheTTL > time.Minute) {
		return fmt.Errorf("setting --client-cache-ttl: %s is not between 0 and 1m", c.ClientCacheTTL)
	}
	if has("debug-listen") && c.DebugListen != "" {
		// Profiles show code paths and timings: never beyond this machine.
		if host, _, err := net.SplitHostPort(c.DebugListen); err != nil || !isLoopback(host) {
			return fmt.Errorf("setting --debug-listen: %q must be a loopback host:port such as 127.0.0.1:6060", c.DebugListen)
		}
	}
	if has("shutdown-timeout") && c.ShutdownTimeout <= 0 {
		return errors.New("setting --shutdown-timeout: must be positive")
	}
	if has("smtp-host") && c.SMTPHost != "" {
		if c.SMTPPort <= 0 || c.SMTPPort > 65535 {
			return fmt.Errorf("setting --smtp-port: %d is not a port number", c.SMTPPort)
		}
		switch c.SMTPTLS {
		case "starttls", "tls", "none":
		default:
			return fmt.Errorf(`setting --smtp-tls: %q is not "starttls", "tls" or "none"`, c.SMTPTLS)
		}
		if _, err := mail.ParseAddress(c.SMTPFrom); err != nil {
			return fmt.Errorf("setting --smtp-from: %q is not an email address (%v)", c.SMTPFrom, err)
		}
		if c.SMTPUsername != "" && c.SMTPPasswordFile == "" && os.Getenv(EnvPrefix+"SMTP_PASSWORD") == "" {
			return errors.New("setting --smtp-password-file: needed with --smtp-username (or set LLAVERO_SMTP_PASSWORD)")
		}
	}
	if has("sms-webhook-url") && c.SMSWebhookURL != "" {
		u, err := url.Parse(c.SMSWebhookURL)
		if err != nil || (u.Scheme != "https" && !(u.Scheme == "http" && isLoopback(u.Hostname()))) {
			return fmt.Errorf("setting --sms-webhook-url: %q must be an https URL (http only on loopback)", c.SMSWebhookURL)
		}
		if c.SMSWebhookSecretFile == "" {
			return errors.New("setting --sms-webhook-secret-file: needed with --sms-webhook-url")
		}
	}
	if has("cert-listen") {
		if _, _, err := net.SplitHostPort(c.CertListen); err != nil {
			return fmt.Errorf("setting --cert-listen: %q is not host:port (%v)", c.CertListen, err)
		}
		if c.CertLoginURL == "" {
			c.CertLoginURL = "https://" + c.CertListen
		}
		u, err := url.Parse(c.CertLoginURL)
		if err != nil || u.Scheme != "https" || u.Host == "" {
			return fmt.Errorf("setting --cert-login-url: %q is not an https URL", c.CertLoginURL)
		}
		c.CertLoginURL = strings.TrimRight(c.CertLoginURL, "/")
	}
	if has("ca-keys") {
		switch c.CAKeys {
		case "file":
		case "pkcs11":
			if c.PKCS11Module == "" || c.PKCS11Token == "" {
				return errors.New("setting --ca-keys pkcs11: needs --pkcs11-module and --pkcs11-token")
			}
		default:
			return fmt.Errorf(`setting --ca-keys: %q is not "file" or "pkcs11"`, c.CAKeys)
		}
	}
	if has("application-code-ttl") && c.CodeTTL < time.Hour {
		return errors.New("setting --application-code-ttl: must be at least 1h (DOMAIN default 720h = 30 days)")
	}
	if err := c.validateVideo(fs); err != nil {
		return err
	}
	if err := c.validateReminders(); err != nil {
		return err
	}
	if err := c.validateDemo(fs); err != nil {
		return err
	}
	if err := c.validateRemoteSign(); err != nil {
		return err
	}
	if has("outbox") && !c.Outbox && c.SMTPHost == "" {
		return errors.New("setting --outbox: cannot be off while --smtp-host is empty: emails would go nowhere")
	}
	if has("outbox") && !c.Outbox && c.SMSWebhookURL == "" {
		return errors.New("setting --outbox: cannot be off while --sms-webhook-url is empty: SMS would go nowhere")
	}
	return nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// ParseDatabase splits a database URL into its dialect ("sqlite" or
// "postgres") and what that backend opens: a file path or a connection URL.
func ParseDatabase(s string) (dialect, target string, err error) {
	switch {
	case strings.HasPrefix(s, "sqlite:"):
		p := strings.TrimPrefix(strings.TrimPrefix(s, "sqlite:"), "//")
		if p == "" {
			return "", "", errors.New(`"sqlite:" needs a file path, e.g. sqlite:./llavero-data/llavero.db`)
		}
		return "sqlite", p, nil
	case strings.HasPrefix(s, "postgres://"), strings.HasPrefix(s, "postgresql://"):
		u, err := url.Parse(s)
		if err != nil || u.Host == "" {
			return "", "", errors.New("not a valid postgres:// URL, e.g. postgres://user@host:5432/llavero")
		}
		return "postgres", s, nil
	}
	return "", "", fmt.Errorf("%q: use sqlite:PATH or postgres://…", redact(s))
}

// redact hides a password in a URL so an error line never prints it.
func redact(s string) string {
	if u, err := url.Parse(s); err == nil && u.User != nil {
		if _, ok := u.User.Password(); ok {
			u.User = url.UserPassword(u.User.Username(), "xxxxx")
			return u.String()
		}
	}
	return s
}

// ReadSecret returns the trimmed contents of a secret file, or the value of
// the environment variable env when no file is named. Secrets never come
// from flag values: they would show in the process list and shell history.
func ReadSecret(file, env string) (string, error) {
	if file == "" {
		return os.Getenv(env), nil
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return "", fmt.Errorf("reading secret file %s: %v", file, err)
	}
	return strings.TrimSpace(string(b)), nil
}
