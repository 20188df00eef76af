package pades

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/digitorus/pdfsign/verify"
	"github.com/digitorus/pkcs7"

	"github.com/llavero/llavero/internal/ca/catest"
	"github.com/llavero/llavero/internal/signing"
)

// Tools nobody here wrote are the proof that the signatures are right:
// poppler's pdfsig (NSS underneath), openssl, and digitorus/pdfsign's
// verifier.

func needTool(t *testing.T, tool, pkg string) string {
	t.Helper()
	path, err := exec.LookPath(tool)
	if err != nil {
		t.Skipf("%s not installed (Debian package %s)", tool, pkg)
	}
	return path
}

// nssDB makes an NSS database trusting the test CA's root for signing,
// as pdfsig -nssdir reads it. The trust is "C,C,": NSS checks the signer
// for the e-mail signer usage, which the middle flag grants; with "C,,"
// (SSL only) pdfsig reports "Certificate issuer isn't Trusted".
func nssDB(t *testing.T, f *fixture) string {
	t.Helper()
	certutil := needTool(t, "certutil", "libnss3-tools")
	dir := t.TempDir()
	root := catest.WritePEM(t, dir, "root.pem", f.ca.Root())
	for _, args := range [][]string{
		{"-N", "-d", "sql:" + dir, "--empty-password"},
		{"-A", "-d", "sql:" + dir, "-n", "llavero test root", "-t", "C,C,", "-a", "-i", root},
	} {
		if out, err := exec.Command(certutil, args...).CombinedOutput(); err != nil {
			t.Fatalf("certutil %v: %v\n%s", args, err, out)
		}
	}
	return "sql:" + dir
}

// pdfsig runs pdfsig on file and returns its report split per signature.
func pdfsig(t *testing.T, nss string, file []byte) []string {
	t.Helper()
	tool := needTool(t, "pdfsig", "poppler-utils")
	path := filepath.Join(t.TempDir(), "signed.pdf")
	if err := os.WriteFile(path, file, 0o600); err != nil {
		t.Fatal(err)
	}
	// pdfsig exits non-zero when a signature does not verify; the report
	// is what is checked. -no-ocsp: the test certificates name the OCSP
	// responder of pki.llavero.es, which tests cannot reach, and NSS treats
	// an unreachable responder as an error; revocation is the validator's
	// part (signing/validate).
	out, _ := exec.Command(tool, "-no-ocsp", "-nssdir", nss, path).CombinedOutput()
	parts := regexp.MustCompile(`(?m)^Signature #\d+:`).Split(string(out), -1)
	if len(parts) < 2 {
		t.Fatalf("pdfsig found no signature:\n%s", out)
	}
	return parts[1:]
}

func TestPdfsig(t *testing.T) {
	f := newFixture(t)
	nss := nssDB(t, f)
	luis := f.person(t, "87654321X", "Luis", "Pérez")
	docs := map[string][]byte{
		"fpdf, 3 pages": fpdfDoc(t, 3, false), "xref stream": streamDoc(t, 5000),
		"page in an object stream": objStmPDF(t, "<</Type /Page /Parent 2 0 R /MediaBox [0 0 595 842]>>"),
	}
	for name, doc := range docs {
		t.Run(name, func(t *testing.T) {
			// Ana signs visibly at level B, then Luis at level T.
			once := f.sign(t, doc, Options{Visible: &Visible{}, Reason: "Conformidad", Location: "León"})
			twice := luis.sign(t, once, Options{Level: signing.LevelT, Timestamper: f.tsa})
			reports := pdfsig(t, nss, twice)
			if len(reports) != 2 {
				t.Fatalf("pdfsig reports %d signatures, want 2", len(reports))
			}
			for i, r := range reports {
				for _, want := range []string{
					"Signature Field Name: Firma" + string(rune('1'+i)),
					"Signer Certificate Common Name: " + []string{"RUIZ GIL ANA - 12345678Z", "PÉREZ LUIS - 87654321X"}[i],
					"Signing Hash Algorithm: SHA-256",
					"Signature Type: ETSI.CAdES.detached",
					"Signature Validation: Signature is Valid.",
					"Certificate Validation: Certificate is Trusted.",
				} {
					if !strings.Contains(r, want) {
						t.Errorf("signature %d: pdfsig does not say %q:\n%s", i+1, want, r)
					}
				}
			}
			if !strings.Contains(reports[0], "Not total document signed") {
				t.Errorf("the first signature should not cover the second revision:\n%s", reports[0])
			}
			if !strings.Contains(reports[1], "- Total document signed") {
				t.Errorf("the last signature should cover the whole document:\n%s", reports[1])
			}
		})
	}
}

// TestPdfsigSameSignerTwice: one person signing the same PDF twice gives
// two valid signatures. (pdfsig 22.12 reports "Unknown issue" for the
// second validation of one certificate in a run, whatever made the
// signature, so only the first certificate check is asserted here; the
// two-signer test above checks trust for both.)
func TestPdfsigSameSignerTwice(t *testing.T) {
	f := newFixture(t)
	nss := nssDB(t, f)
	once := f.sign(t, fpdfDoc(t, 1, false), Options{})
	reports := pdfsig(t, nss, f.sign(t, once, Options{Visible: &Visible{}}))
	if len(reports) != 2 {
		t.Fatalf("pdfsig reports %d signatures, want 2", len(reports))
	}
	for i, r := range reports {
		if !strings.Contains(r, "Signature is Valid.") || !strings.Contains(r, "RUIZ GIL ANA - 12345678Z") {
			t.Errorf("signature %d:\n%s", i+1, r)
		}
	}
	if !strings.Contains(reports[0], "Certificate is Trusted.") {
		t.Errorf("first signature:\n%s", reports[0])
	}
}

func TestPdfsigTampered(t *testing.T) {
	f := newFixture(t)
	nss := nssDB(t, f)
	doc := fpdfDoc(t, 1, false)
	signed := f.sign(t, doc, Options{Visible: &Visible{}})
	if r := pdfsig(t, nss, signed)[0]; !strings.Contains(r, "Signature is Valid.") {
		t.Fatalf("the untouched file does not verify:\n%s", r)
	}
	tests := map[string]func([]byte) []byte{
		// One byte of the original document, inside the signed range.
		"font name in the first revision": func(b []byte) []byte {
			i := bytes.Index(b, []byte("/Helvetica"))
			b[i+len("/Helvetica")-1] = 'o'
			return b
		},
		// One byte of the appended update: the signer's name.
		"signer name in the signature dictionary": func(b []byte) []byte {
			i := bytes.LastIndex(b, []byte("/Name (Ana"))
			b[i+len("/Name (")] = 'E'
			return b
		},
	}
	for name, tamper := range tests {
		t.Run(name, func(t *testing.T) {
			bad := tamper(bytes.Clone(signed))
			r := pdfsig(t, nss, bad)[0]
			if strings.Contains(r, "Signature is Valid.") || !strings.Contains(r, "Signature Validation:") {
				t.Errorf("pdfsig accepts a tampered file:\n%s", r)
			}
		})
	}
}

// TestOpenSSL: openssl verifies each /Contents as a detached CMS over its
// byte ranges, and the timestamp token as over the signature value.
func TestOpenSSL(t *testing.T) {
	openssl := needTool(t, "openssl", "openssl")
	f := newFixture(t)
	dir := t.TempDir()
	root := catest.WritePEM(t, dir, "root.pem", f.ca.Root())
	tsaCert := catest.WritePEM(t, dir, "tsa.pem", f.tsa.cert, f.ca.Issuing())
	// Ana (ECDSA) at level B, then Luis (RSA) at level T.
	luis := f.person(t, "87654321X", "Luis", "Pérez")
	signed := luis.sign(t, f.sign(t, fpdfDoc(t, 2, false), Options{}), Options{Level: signing.LevelT, Timestamper: f.tsa})
	for i, s := range signatures(t, signed) {
		sig := filepath.Join(dir, "sig.der")
		content := filepath.Join(dir, "content.bin")
		if err := os.WriteFile(sig, s.cms, 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(content, s.signed, 0o600); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command(openssl, "cms", "-verify", "-binary", "-inform", "DER", "-in", sig,
			"-content", content, "-CAfile", root, "-out", os.DevNull).CombinedOutput()
		if err != nil || !strings.Contains(string(out), "Verification successful") {
			t.Fatalf("signature %d: openssl cms -verify: %v\n%s", i+1, err, out)
		}
		if i == 0 {
			continue
		}
		p7, err := pkcs7.Parse(s.cms)
		if err != nil {
			t.Fatal(err)
		}
		var token []byte
		for _, a := range p7.Signers[0].UnauthenticatedAttributes {
			if a.Type.Equal(oidSignatureTimeStampToken) {
				token = a.Value.Bytes
			}
		}
		tokenFile := filepath.Join(dir, "token.der")
		if err := os.WriteFile(tokenFile, token, 0o600); err != nil {
			t.Fatal(err)
		}
		d := sha256.Sum256(p7.Signers[0].EncryptedDigest)
		out, err = exec.Command(openssl, "ts", "-verify", "-token_in", "-in", tokenFile, "-digest", hex.EncodeToString(d[:]),
			"-CAfile", root, "-untrusted", tsaCert).CombinedOutput()
		if err != nil || !strings.Contains(string(out), "Verification: OK") {
			t.Fatalf("openssl ts -verify: %v\n%s", err, out)
		}
	}
}

// TestPdfsignVerify: digitorus/pdfsign's verifier (the signer it ships is
// not used here) agrees, and reads the timestamp as valid.
func TestPdfsignVerify(t *testing.T) {
	f := newFixture(t)
	signed := f.sign(t, f.sign(t, fpdfDoc(t, 1, false), Options{Visible: &Visible{}}), Options{Level: signing.LevelT, Timestamper: f.tsa})
	opts := verify.DefaultVerifyOptions()
	opts.RequiredEKUs = nil
	resp, err := verify.VerifyWithOptions(bytes.NewReader(signed), int64(len(signed)), opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Signers) != 2 {
		t.Fatalf("%d signers, want 2", len(resp.Signers))
	}
	for i, s := range resp.Signers {
		if !s.ValidSignature {
			t.Errorf("signer %d: not a valid signature (%s)", i+1, resp.Error)
		}
	}
	if ts := resp.Signers[1]; ts.TimeStamp == nil || ts.TimestampStatus != "valid" {
		t.Errorf("second signature's timestamp: %v %q", ts.TimeStamp, ts.TimestampStatus)
	}
}
