package browsertest

import (
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// ClientCert is a certificate a browser presents, with no prompt, to the
// origins that ask for one: TLS client authentication, as the office
// console's operators sign in.
//
// Chromium on Linux keeps client certificates in the NSS database under
// $HOME/.pki/nssdb, and shows a picker when an origin asks for one unless
// the profile's "auto-select certificate" setting names the origin; a
// headless browser never answers a picker. So the browser gets a home
// directory of its own with the certificate imported (with NSS's
// certutil and pk12util, Debian's libnss3-tools), and a profile that
// selects it for Origins.
type ClientCert struct {
	// P12 is the certificate, its chain and its key, PKCS#12. Nil makes
	// the database, the trust and the auto-selection without a
	// certificate, for a person who gets theirs later in the test and
	// imports it then (Browser.ImportClientCert).
	P12        []byte
	Passphrase string // of P12
	// Origins are where the browser presents it, such as
	// "https://localhost:8443".
	Origins []string
	// Trust are the CA certificates the browser trusts for the servers
	// of Origins (and only there: the database is the browser's own).
	Trust []*x509.Certificate
}

// Options tune a browser a test starts for itself (OwnWith).
type Options struct {
	Flags      map[string]any // besides Flags; see StartWith
	ClientCert *ClientCert
}

// EnvNSSTools names the environment variable of the directory holding
// NSS's certutil and pk12util, when they are not on the PATH.
const EnvNSSTools = "LLAVERO_NSS_TOOLS"

// OwnWith is Own with a client certificate besides the switches. A test
// that asks for one fails when NSS's tools are missing (apt-get install
// libnss3-tools): testing the console without its certificate is not the
// same test.
func OwnWith(t testing.TB, o Options) *Browser {
	t.Helper()
	path, err := Find()
	if errors.Is(err, errAbsent) {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	dir, err := os.MkdirTemp("", "llavero-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	var env []string
	var home string
	if o.ClientCert != nil {
		home = t.TempDir()
		if err := o.ClientCert.install(home, dir); err != nil {
			os.RemoveAll(dir)
			t.Fatal(err)
		}
		env = append(env, "HOME="+home)
	}
	b, err := start(path, o.Flags, dir, env)
	if err != nil {
		t.Fatal(err)
	}
	b.home = home
	t.Cleanup(b.Close)
	return b
}

// ImportClientCert imports a certificate with its key (PKCS#12) into the
// NSS database of a browser started with a ClientCert, while it runs, as
// a person imports the .p12 they have just downloaded; the browser
// presents it from then on to the ClientCert's Origins. A certificate
// already in the database stays: keep one per browser, or the choice
// among them is the browser's.
func (b *Browser) ImportClientCert(t testing.TB, p12 []byte, passphrase string) {
	t.Helper()
	if b.home == "" {
		t.Fatal("browsertest: ImportClientCert needs a browser started with OwnWith and a ClientCert")
	}
	if err := importP12(b.home, p12, passphrase, "later"); err != nil {
		t.Fatal(err)
	}
}

// install puts c into a new NSS database under home and makes the
// profile in profileDir select it for c.Origins.
func (c *ClientCert) install(home, profileDir string) error {
	certutil, err := nssTool("certutil")
	if err != nil {
		return err
	}
	if _, err := nssTool("pk12util"); err != nil {
		return err
	}
	nss := filepath.Join(home, ".pki", "nssdb")
	if err := os.MkdirAll(nss, 0o700); err != nil {
		return err
	}
	db := "sql:" + nss
	if err := runTool(certutil, "-N", "-d", db, "--empty-password"); err != nil {
		return err
	}
	if c.P12 != nil {
		if err := importP12(home, c.P12, c.Passphrase, "client"); err != nil {
			return err
		}
	}
	for i, ca := range c.Trust {
		f := filepath.Join(home, fmt.Sprintf("ca-%d.pem", i))
		if err := os.WriteFile(f, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ca.Raw}), 0o600); err != nil {
			return err
		}
		// C: a CA trusted to issue server certificates.
		if err := runTool(certutil, "-A", "-d", db, "-n", fmt.Sprintf("test-ca-%d", i), "-t", "C,,", "-i", f); err != nil {
			return err
		}
	}
	return writeAutoSelect(profileDir, c.Origins)
}

// writeAutoSelect writes the profile's preferences so that Chromium picks
// a client certificate for origins by itself: the "auto-select
// certificate" content setting, with a filter that matches any
// certificate (the database holds one).
func writeAutoSelect(profileDir string, origins []string) error {
	exceptions := map[string]any{}
	for _, o := range origins {
		exceptions[o+",*"] = map[string]any{"setting": map[string]any{"filters": []any{map[string]any{}}}}
	}
	prefs := map[string]any{"profile": map[string]any{"content_settings": map[string]any{
		"exceptions": map[string]any{"auto_select_certificate": exceptions}}}}
	b, err := json.Marshal(prefs)
	if err != nil {
		return err
	}
	def := filepath.Join(profileDir, "Default")
	if err := os.MkdirAll(def, 0o700); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(def, "Preferences"), b, 0o600)
}

// importP12 imports a PKCS#12 into the NSS database under home, through
// files named after name.
func importP12(home string, data []byte, passphrase, name string) error {
	pk12util, err := nssTool("pk12util")
	if err != nil {
		return err
	}
	p12 := filepath.Join(home, name+".p12")
	if err := os.WriteFile(p12, data, 0o600); err != nil {
		return err
	}
	pass := filepath.Join(home, name+".pass")
	if err := os.WriteFile(pass, []byte(passphrase), 0o600); err != nil {
		return err
	}
	return runTool(pk12util, "-i", p12, "-d", "sql:"+filepath.Join(home, ".pki", "nssdb"), "-w", pass)
}

func nssTool(name string) (string, error) {
	if d := os.Getenv(EnvNSSTools); d != "" {
		return filepath.Join(d, name), nil
	}
	for _, p := range []string{name, "/usr/bin/" + name} {
		if found, err := exec.LookPath(p); err == nil {
			return found, nil
		}
	}
	return "", fmt.Errorf("browsertest: NSS's %s is not installed (apt-get install libnss3-tools, or set %s)", name, EnvNSSTools)
}

func runTool(path string, args ...string) error {
	out, err := exec.Command(path, args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("browsertest: %s %v: %v\n%s", filepath.Base(path), args, err, out)
	}
	return nil
}
