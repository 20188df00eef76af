package main

import (
	"context"
	"crypto/x509"
	"log/slog"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/go-pdf/fpdf"
	"software.sslmate.com/src/go-pkcs12"

	"github.com/llavero/llavero/internal/ca"
	"github.com/llavero/llavero/internal/ca/catest"
	"github.com/llavero/llavero/internal/i18n/i18ntest"
	"github.com/llavero/llavero/internal/tsa"
	"github.com/llavero/llavero/internal/web"
)

func TestSignErrorsAreBilingual(t *testing.T) {
	i18ntest.CheckBilingual(t, signErrors, regexp.MustCompile(`^sign\.[a-z_]+$`))
}

// signEnv is a CA, two citizens' .p12 files and a platform serving /tsa.
type signEnv struct {
	dir, root, server string
	issuing           string
	ana, luis, pass   string
}

func newSignEnv(t *testing.T) *signEnv {
	t.Helper()
	c := catest.New(t)
	dir := t.TempDir()
	e := &signEnv{dir: dir, root: catest.WritePEM(t, dir, "root.pem", c.Root()), pass: filepath.Join(dir, "pass"),
		issuing: catest.WritePEM(t, dir, "issuing.pem", c.Issuing())}
	if err := os.WriteFile(e.pass, []byte("correct horse battery\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	p12 := func(name string, alg ca.KeyAlg, p ca.Person) string {
		key, err := ca.GenerateSoftwareKey(alg)
		if err != nil {
			t.Fatal(err)
		}
		cert, err := c.IssuePerson(context.Background(), key.Public(), p, time.Now().Add(-time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		der, err := pkcs12.Modern2023.Encode(key, cert, []*x509.Certificate{c.Issuing()}, "correct horse battery")
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, der, 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	e.ana = p12("ana.p12", ca.P256, ca.Person{ID: "12345678Z", GivenName: "Ana", FirstSurname: "Ruiz"})
	e.luis = p12("luis.p12", ca.P256, ca.Person{ID: "X1234567L", GivenName: "Luis", FirstSurname: "Gil"})
	authority, err := tsa.Open(context.Background(), catest.NewMemKeyStore(), c, dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	s, err := web.New(web.Config{PublicURL: "http://127.0.0.1", Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	s.MountTSA(authority)
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	e.server = srv.URL
	return e
}

func (e *signEnv) verify(t *testing.T, sig, content string) string {
	t.Helper()
	args := []string{"cms", "-verify", "-binary", "-inform", "DER", "-in", sig, "-CAfile", e.root, "-purpose", "any", "-out", filepath.Join(e.dir, "extracted")}
	if content != "" {
		args = append(args, "-content", content)
	}
	out := catest.OpenSSL(t, args...)
	if !strings.Contains(out, "Verification successful") {
		t.Fatalf("openssl: %s", out)
	}
	return catest.OpenSSL(t, "cms", "-cmsout", "-print", "-inform", "DER", "-in", sig)
}

func TestSignCommand(t *testing.T) {
	t.Setenv("LLAVERO_LANG", "en")
	e := newSignEnv(t)
	doc := filepath.Join(e.dir, "contrato.pdf")
	if err := os.WriteFile(doc, []byte("%PDF-1.7 contrato de ejemplo"), 0o644); err != nil {
		t.Fatal(err)
	}
	p12 := func(who string) []string { return []string{"sign", "--p12", who, "--p12-passphrase-file", e.pass} }

	// Attached, level B, default name.
	out, errs, code := run(t, append(p12(e.ana), doc)...)
	if code != 0 || !strings.Contains(out, "CAdES-B-B signature (attached) by RUIZ ANA - 12345678Z saved to "+doc+".csig") {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
	e.verify(t, doc+".csig", "")
	// The same again would overwrite it: refused.
	if _, errs, code := run(t, append(p12(e.ana), doc)...); code != 1 || !strings.Contains(errs, "already exists") {
		t.Fatalf("second run: exit %d, %s", code, errs)
	}

	// Detached, level T from the server's /tsa.
	detached := filepath.Join(e.dir, "contrato.csig")
	if out, errs, code := run(t, append(p12(e.ana), "--detached", "--level", "T", "--server", e.server, doc, "-o", detached)...); code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
	if printed := e.verify(t, detached, doc); !strings.Contains(printed, "id-smime-aa-timeStampToken") {
		t.Fatal("level T without a timestamp")
	}

	// Luis co-signs the detached signature; a notary countersigns Ana.
	if out, errs, code := run(t, append(p12(e.luis), "--cosign", detached, doc)...); code != 0 || !strings.Contains(out, "co-signature") {
		t.Fatalf("cosign: exit %d\n%s%s", code, out, errs)
	}
	if printed := e.verify(t, detached, doc); strings.Count(printed, "signerInfos:") != 1 || strings.Count(printed, "d.issuerAndSerialNumber") < 2 {
		t.Fatalf("want two signers:\n%s", printed)
	}
	if out, errs, code := run(t, append(p12(e.luis), "--countersign", detached, "--signer", "1")...); code != 0 || !strings.Contains(out, "countersignature") {
		t.Fatalf("countersign: exit %d\n%s%s", code, out, errs)
	}
	e.verify(t, detached, doc)
	// Co-signing with another document is refused.
	other := filepath.Join(e.dir, "other.pdf")
	os.WriteFile(other, []byte("%PDF-1.7 otro"), 0o644)
	if _, errs, code := run(t, append(p12(e.luis), "--cosign", detached, other)...); code != 1 || !strings.Contains(errs, "not the one the earlier signers signed") {
		t.Fatalf("cosign with another document: exit %d, %s", code, errs)
	}
}

func TestSignCommandRefusals(t *testing.T) {
	t.Setenv("LLAVERO_LANG", "en")
	e := newSignEnv(t)
	doc := filepath.Join(e.dir, "doc.xml")
	os.WriteFile(doc, []byte("<a/>"), 0o644)
	wrong := filepath.Join(e.dir, "wrong")
	os.WriteFile(wrong, []byte("Correct horse battery"), 0o600)
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"PAdES of something not a PDF", []string{"--format", "pades", doc, "-o", filepath.Join(e.dir, "x.pdf")}, "not a PDF document"},
		{"PAdES detached", []string{"--format", "pades", "--detached", doc}, "always goes inside the PDF"},
		{"XAdES attached", []string{"--format", "xades", "--attached", doc}, "XAdES signs inside the XML"},
		{"PAdES co-signature", []string{"--format", "pades", "--cosign", doc}, "are for CAdES"},
		{"unknown format", []string{"--format", "asic", doc}, "Unknown signature format"},
		{"enveloped CAdES", []string{"--enveloped", doc}, "does not apply to CAdES"},
		{"two modes", []string{"--attached", "--detached", doc}, "Two kinds of signature"},
		{"nothing to sign", nil, "The file to sign is missing"},
		{"missing file", []string{filepath.Join(e.dir, "nope")}, "cannot be read"},
		{"level LTA", []string{"--level", "LTA", doc}, "Unknown signature level"},
		{"cosign and countersign", []string{"--cosign", doc, "--countersign", doc}, "cannot be done in one command"},
		{"countersign signer 0", []string{"--countersign", doc, "--signer", "0"}, "signer number is not valid"},
		{"countersign something else", []string{"--countersign", doc}, "not a readable CAdES signature"},
		{"TSA unreachable", []string{"--level", "T", "--tsa", "http://127.0.0.1:1/tsa", doc, "-o", filepath.Join(e.dir, "t.csig")}, "timestamp could not be obtained"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"sign", "--p12", e.ana, "--p12-passphrase-file", e.pass}, tc.args...)
			_, errs, code := run(t, args...)
			if code != 1 || !strings.Contains(errs, tc.want) || strings.Count(errs, "\n") != 2 {
				t.Fatalf("exit %d, stderr %q, want %q and a next step", code, errs, tc.want)
			}
		})
	}
	_, errs, code := run(t, "sign", "--p12", e.ana, "--p12-passphrase-file", wrong, doc)
	if code != 1 || !strings.Contains(errs, "passphrase does not open") {
		t.Fatalf("wrong passphrase: exit %d, %s", code, errs)
	}
}

// TestSignPDFAndXMLCommand: a PDF signed twice (visible, level T, then a
// second signer) that pdfsig reports valid twice, an XML signed inside
// and a binary file signed apart, both accepted by xmlsec1.
func TestSignPDFAndXMLCommand(t *testing.T) {
	t.Setenv("LLAVERO_LANG", "en")
	e := newSignEnv(t)
	p12 := func(who string) []string { return []string{"sign", "--p12", who, "--p12-passphrase-file", e.pass} }

	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.AddPage()
	pdf.SetFont("Helvetica", "", 12)
	pdf.Cell(40, 10, "Solicitud de canje de permiso")
	doc := filepath.Join(e.dir, "canje.pdf")
	if err := pdf.OutputFileAndClose(doc); err != nil {
		t.Fatal(err)
	}
	out, errs, code := run(t, append(p12(e.ana), "--format", "pades", "--visible", "--level", "T", "--server", e.server, "--reason", "Canje", doc)...)
	signed := filepath.Join(e.dir, "canje.signed.pdf")
	if code != 0 || !strings.Contains(out, "PAdES-B-T signature by RUIZ ANA - 12345678Z saved to "+signed) {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
	twice := filepath.Join(e.dir, "canje.twice.pdf")
	if out, errs, code := run(t, append(p12(e.luis), "--format", "pades", signed, "-o", twice)...); code != 0 {
		t.Fatalf("second signature: exit %d\n%s%s", code, out, errs)
	}
	if tool, err := exec.LookPath("pdfsig"); err == nil {
		report, _ := exec.Command(tool, "-nocert", "-no-ocsp", twice).CombinedOutput()
		if n := strings.Count(string(report), "Signature Validation: Signature is Valid."); n != 2 {
			t.Fatalf("pdfsig reports %d valid signatures, want 2:\n%s", n, report)
		}
		for _, who := range []string{"RUIZ ANA - 12345678Z", "GIL LUIS - X1234567L"} {
			if !strings.Contains(string(report), who) {
				t.Errorf("pdfsig does not name %s:\n%s", who, report)
			}
		}
	} else {
		t.Log("pdfsig (poppler-utils) not installed: PAdES output not checked by an external tool")
	}

	xml := filepath.Join(e.dir, "factura.xml")
	os.WriteFile(xml, []byte(`<?xml version="1.0" encoding="UTF-8"?><factura><importe>120.00</importe></factura>`), 0o644)
	bin := filepath.Join(e.dir, "foto.jpg")
	os.WriteFile(bin, []byte{0xff, 0xd8, 0xff, 0xe0, 1, 2, 3}, 0o644)
	if out, errs, code := run(t, append(p12(e.ana), "--format", "xades", xml)...); code != 0 || !strings.Contains(out, "(enveloped)") {
		t.Fatalf("xades enveloped: exit %d\n%s%s", code, out, errs)
	}
	if out, errs, code := run(t, append(p12(e.ana), "--format", "xades", "--level", "T", "--server", e.server, bin)...); code != 0 || !strings.Contains(out, "XAdES-B-T signature (detached)") {
		t.Fatalf("xades detached: exit %d\n%s%s", code, out, errs)
	}
	tool, err := exec.LookPath("xmlsec1")
	if err != nil {
		t.Log("xmlsec1 not installed: XAdES output not checked by an external tool")
		return
	}
	for _, sig := range []string{xml + ".xsig", bin + ".xsig"} {
		cmd := exec.Command(tool, "--verify", "--trusted-pem", e.root, "--untrusted-pem", e.issuing,
			"--id-attr:Id", "http://uri.etsi.org/01903/v1.3.2#:SignedProperties", sig)
		cmd.Dir = e.dir
		if out, err := cmd.CombinedOutput(); err != nil || !strings.Contains(string(out), "OK") {
			t.Errorf("xmlsec1 refuses %s: %v\n%s", sig, err, out)
		}
	}
}

func TestHelpListsSign(t *testing.T) {
	out, _, code := run(t, "--help")
	if code != 0 || !strings.Contains(out, "\n  sign ") {
		t.Fatalf("--help does not list sign:\n%s", out)
	}
}
