package ca_test

// Checks with tools nobody here wrote: openssl (skipped when it is not
// installed) and zlint.

import (
	"context"
	"crypto/x509"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	zx509 "github.com/zmap/zcrypto/x509"
	"github.com/zmap/zlint/v3"
	"github.com/zmap/zlint/v3/lint"
	"golang.org/x/crypto/ocsp"

	"github.com/llavero/llavero/internal/ca"
	"github.com/llavero/llavero/internal/ca/catest"
)

// The brief's exact command, against the PEM files Open wrote.
func TestOpenSSLVerifiesThePersonChainFromTheCAFiles(t *testing.T) {
	opt := fileOptions(t)
	c := mustOpen(t, opt)
	cert, err := c.IssuePerson(context.Background(), clientKey(t, ca.P256).Public(), ca.Person{ID: "X1234567L", GivenName: "José", FirstSurname: "Muñoz", Email: "jose@example.es"}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	person := catest.WritePEM(t, t.TempDir(), "person.crt", cert)
	root, issuing := filepath.Join(opt.Dir, "root.crt"), filepath.Join(opt.Dir, "issuing.crt")
	for _, extra := range [][]string{nil, {"-purpose", "sslclient"}, {"-purpose", "smimesign"}} {
		args := append([]string{"verify", "-x509_strict", "-CAfile", root, "-untrusted", issuing}, extra...)
		if out := catest.OpenSSL(t, append(args, person)...); !strings.Contains(out, person+": OK") {
			t.Errorf("openssl %v: %s", extra, out)
		}
	}
	// The purpose check is real: a citizen's certificate is no TLS server.
	out, err := catest.TryOpenSSL(t, "verify", "-CAfile", root, "-untrusted", issuing, "-purpose", "sslserver", person)
	if err == nil {
		t.Errorf("openssl accepted a person certificate for sslserver:\n%s", out)
	}
	// And the subject shows the UTF-8 names as they are.
	subject := catest.OpenSSL(t, "x509", "-in", person, "-noout", "-subject", "-nameopt", "utf8,sep_comma_plus")
	if want := "subject=C=ES,serialNumber=IDCES-X1234567L,GN=José,SN=Muñoz,CN=MUÑOZ JOSÉ - X1234567L"; !strings.Contains(subject, want) {
		t.Errorf("openssl subject %q, want %q", subject, want)
	}
}

func TestOpenSSLVerifiesEveryProfile(t *testing.T) {
	for name, c := range testCAs(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			now := time.Now()
			for _, alg := range []ca.KeyAlg{ca.P256, ca.RSA2048} {
				person, err := c.IssuePerson(ctx, clientKey(t, alg).Public(), ca.Person{ID: "12345678Z", GivenName: "Ana", FirstSurname: "Ruiz", SecondSurname: "Gil", Email: "ana@example.es"}, now)
				if err != nil {
					t.Fatal(err)
				}
				operator, err := c.IssueOperator(ctx, clientKey(t, alg).Public(), "Ana Núñez", "office-1", "4f1c2b0e9d8a7c6b", now)
				if err != nil {
					t.Fatal(err)
				}
				server, err := c.IssueTLSServer(ctx, clientKey(t, alg).Public(), []string{"login.llavero.es", "127.0.0.1"}, now)
				if err != nil {
					t.Fatal(err)
				}
				catest.VerifyWithOpenSSL(t, c, person, "sslclient")
				catest.VerifyWithOpenSSL(t, c, person, "smimesign")
				catest.VerifyWithOpenSSL(t, c, operator, "sslclient")
				catest.VerifyWithOpenSSL(t, c, server, "sslserver")
			}
		})
	}
}

func TestOpenSSLListsRevokedSerials(t *testing.T) {
	for name, c := range testCAs(t) {
		t.Run(name, func(t *testing.T) {
			now := time.Now()
			leaf, err := c.IssuePerson(context.Background(), clientKey(t, ca.P256).Public(), ca.Person{ID: "12345678Z", GivenName: "Ana", FirstSurname: "Ruiz"}, now)
			if err != nil {
				t.Fatal(err)
			}
			der, err := c.SignCRL([]ca.Revoked{
				{Serial: leaf.SerialNumber, RevokedAt: now.Add(-time.Minute), Reason: ocsp.KeyCompromise},
				{Serial: big.NewInt(0x1234), RevokedAt: now.Add(-time.Hour), Reason: ocsp.CessationOfOperation},
			}, big.NewInt(7), now, now.Add(24*time.Hour))
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			crlPath := filepath.Join(dir, "citizens.crl")
			if err := os.WriteFile(crlPath, der, 0o644); err != nil {
				t.Fatal(err)
			}
			text := catest.OpenSSL(t, "crl", "-inform", "DER", "-in", crlPath, "-text", "-noout")
			for _, want := range []string{
				fmt.Sprintf("Serial Number: %X", leaf.SerialNumber.Bytes()),
				"Key Compromise",
				"Serial Number: 1234",
				"Cessation Of Operation",
				"X509v3 CRL Number: \n                7",
				"X509v3 Authority Key Identifier",
			} {
				if !strings.Contains(text, want) {
					t.Errorf("openssl crl output lacks %q:\n%s", want, text)
				}
			}
			issuing := catest.WritePEM(t, dir, "issuing.crt", c.Issuing())
			if out := catest.OpenSSL(t, "crl", "-inform", "DER", "-in", crlPath, "-CAfile", issuing, "-noout"); !strings.Contains(out, "verify OK") {
				t.Errorf("openssl crl does not verify the signature:\n%s", out)
			}
			rootCRL, err := c.SignRootCRL(nil, big.NewInt(1), now, now.AddDate(0, 6, 0))
			if err != nil {
				t.Fatal(err)
			}
			rootCRLPath := filepath.Join(dir, "root.crl")
			if err := os.WriteFile(rootCRLPath, rootCRL, 0o644); err != nil {
				t.Fatal(err)
			}
			root := catest.WritePEM(t, dir, "root.crt", c.Root())
			if out := catest.OpenSSL(t, "crl", "-inform", "DER", "-in", rootCRLPath, "-CAfile", root, "-text", "-noout"); !strings.Contains(out, "verify OK") || !strings.Contains(out, "No Revoked Certificates") {
				t.Errorf("openssl on the root CRL:\n%s", out)
			}
		})
	}
}

// ocspResponder answers OCSP POSTs the way the real responder will, with
// SignOCSP's output, from a table of revoked serials.
type ocspResponder struct {
	c       *ca.CA
	mu      sync.Mutex
	revoked map[string]time.Time
}

func (o *ocspResponder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil || r.Method != http.MethodPost {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	req, err := ocsp.ParseRequest(body)
	if err != nil {
		w.Header().Set("Content-Type", "application/ocsp-response")
		w.Write(ocsp.MalformedRequestErrorResponse)
		return
	}
	o.mu.Lock()
	at, isRevoked := o.revoked[req.SerialNumber.String()]
	o.mu.Unlock()
	now := time.Now()
	status, reason := ocsp.Good, 0
	if isRevoked {
		status, reason = ocsp.Revoked, ocsp.KeyCompromise
	}
	resp, err := o.c.SignOCSP(req.SerialNumber, status, at, reason, now, now.Add(24*time.Hour))
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/ocsp-response")
	w.Write(resp)
}

func TestOpenSSLOCSPGoodThenRevoked(t *testing.T) {
	for name, c := range testCAs(t) {
		t.Run(name, func(t *testing.T) {
			leaf, err := c.IssuePerson(context.Background(), clientKey(t, ca.P256).Public(), ca.Person{ID: "12345678Z", GivenName: "Ana", FirstSurname: "Ruiz"}, time.Now())
			if err != nil {
				t.Fatal(err)
			}
			responder := &ocspResponder{c: c, revoked: map[string]time.Time{}}
			srv := httptest.NewServer(responder)
			defer srv.Close()
			dir := t.TempDir()
			issuing := catest.WritePEM(t, dir, "issuing.crt", c.Issuing())
			root := catest.WritePEM(t, dir, "root.crt", c.Root())
			person := catest.WritePEM(t, dir, "person.crt", leaf)
			ask := func() string {
				return catest.OpenSSL(t, "ocsp", "-issuer", issuing, "-cert", person, "-url", srv.URL+ca.PathOCSP, "-CAfile", root)
			}

			out := ask()
			if !strings.Contains(out, "Response verify OK") || !strings.Contains(out, person+": good") {
				t.Fatalf("openssl ocsp before revocation:\n%s", out)
			}
			responder.mu.Lock()
			responder.revoked[leaf.SerialNumber.String()] = time.Now().Add(-time.Minute)
			responder.mu.Unlock()
			out = ask()
			if !strings.Contains(out, "Response verify OK") || !strings.Contains(out, person+": revoked") || !strings.Contains(out, "Reason: keyCompromise") {
				t.Fatalf("openssl ocsp after revocation:\n%s", out)
			}
		})
	}
}

// zlintExemptions are the lints these certificates deliberately fail (or
// will, once in force), with the reason. Keep it short: every entry is a decision someone can question.
var zlintExemptions = map[string]string{
	// The brief asks for a root with path length 1, and it is right for
	// llavero: its hierarchy has two tiers by design, and the root's own
	// constraint makes any deeper chain invalid even if the root key signs
	// one by mistake. The CA/Browser Forum advice against it is for public
	// TLS roots that may need to add tiers later; this root is not one.
	"w_root_ca_basic_constraints_path_len_constraint_field_present": "path length 1 on the root is deliberate",

	// Citizens' certificates carry emailProtection, so zlint holds them to
	// the CA/Browser Forum S/MIME rules, which want one of that Forum's
	// policy OIDs. They are not issued under those rules (DOMAIN.md fixes 4
	// years, the S/MIME rules allow 825 days), so claiming one would be
	// false; they assert the deployment's own policy.
	"e_exactly_one_smime_policy": "not an S/MIME BR certificate",

	// RFC 5280 says end-entity certificates SHOULD carry a subject key
	// identifier and the CA/Browser Forum TLS rules say they need not;
	// zlint has a lint for each side and asks users to silence one. We
	// follow RFC 5280 (and the brief) in every profile.
	"w_ext_subject_key_identifier_not_recommended_subscriber": "RFC 5280 chosen over BR 7.1.2.7.6",

	// The CA/Browser Forum's shrinking limits for publicly trusted TLS
	// certificates (200 days from March 2026, 100 from March 2027, 47 from
	// March 2029). This CA is private: its TLS certificate serves the
	// certificate-login origin for clients that trust llavero's root, and
	// browsers apply these limits only to publicly trusted roots. It lasts
	// 1 year, as the brief says; the 398-day limit Apple and others apply
	// still holds and is not exempted.
	"e_server_cert_valid_time_longer_than_200_days": "private TLS CA, 1-year certificates",
	"w_server_cert_valid_time_longer_than_199_days": "private TLS CA, 1-year certificates",
	"e_server_cert_valid_time_longer_than_100_days": "private TLS CA, 1-year certificates",
	"w_server_cert_valid_time_longer_than_99_days":  "private TLS CA, 1-year certificates",
	"e_server_cert_valid_time_longer_than_47_days":  "private TLS CA, 1-year certificates",
	"w_server_cert_valid_time_longer_than_46_days":  "private TLS CA, 1-year certificates",
}

func TestZlint(t *testing.T) {
	registry := lint.GlobalRegistry()
	// An exemption must still be needed: each one has to fire, or be not yet
	// in force (NE), on at least one certificate.
	used := map[string]bool{}
	check := func(t *testing.T, kind string, rs *zlint.ResultSet) {
		t.Helper()
		var bad []string
		for name, r := range rs.Results {
			failed := r.Status == lint.Warn || r.Status == lint.Error || r.Status == lint.Fatal
			if _, exempt := zlintExemptions[name]; exempt {
				used[name] = used[name] || failed || r.Status == lint.NE
				continue
			}
			if failed {
				bad = append(bad, fmt.Sprintf("%s: %s %s", name, r.Status, r.Details))
			}
		}
		sort.Strings(bad)
		for _, b := range bad {
			t.Errorf("%s: %s", kind, b)
		}
	}
	for name, c := range testCAs(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			now := time.Now()
			certs := map[string]*x509.Certificate{"root": c.Root(), "issuing": c.Issuing()}
			for _, alg := range []ca.KeyAlg{ca.P256, ca.RSA2048} {
				var err error
				if certs["person/"+string(alg)], err = c.IssuePerson(ctx, clientKey(t, alg).Public(), ca.Person{ID: "X1234567L", GivenName: "José María", FirstSurname: "Muñoz", SecondSurname: "Ibáñez", Email: "jose.munoz@example.es"}, now); err != nil {
					t.Fatal(err)
				}
				if certs["person-long-name/"+string(alg)], err = c.IssuePerson(ctx, clientKey(t, alg).Public(), ca.Person{ID: "00000023T", GivenName: "María de los Ángeles Inmaculada", FirstSurname: "Fernández de Córdoba", SecondSurname: "Álvarez de Toledo"}, now); err != nil {
					t.Fatal(err)
				}
				if certs["person-token/"+string(alg)], err = c.IssuePerson(ctx, clientKey(t, alg).Public(), ca.Person{ID: "12345678Z", GivenName: "Ana", FirstSurname: "Ruiz", Token: true}, now); err != nil {
					t.Fatal(err)
				}
				if certs["remote-signing/"+string(alg)], err = c.IssueRemoteSigning(ctx, clientKey(t, alg).Public(), ca.Person{ID: "X1234567L", GivenName: "José María", FirstSurname: "Muñoz", SecondSurname: "Ibáñez"}, now); err != nil {
					t.Fatal(err)
				}
				if certs["operator/"+string(alg)], err = c.IssueOperator(ctx, clientKey(t, alg).Public(), "Ana Núñez", "Oficina Madrid-Centro", "4f1c2b0e9d8a7c6b", now); err != nil {
					t.Fatal(err)
				}
				if certs["tls/"+string(alg)], err = c.IssueTLSServer(ctx, clientKey(t, alg).Public(), []string{"login.llavero.es", "llavero.es"}, now); err != nil {
					t.Fatal(err)
				}
				if certs["tsa/"+string(alg)], err = c.IssueTSA(ctx, clientKey(t, alg).Public(), now); err != nil {
					t.Fatal(err)
				}
			}
			for kind, cert := range certs {
				zc, err := zx509.ParseCertificate(cert.Raw)
				if err != nil {
					t.Fatalf("%s: zcrypto cannot parse it: %v", kind, err)
				}
				check(t, kind, zlint.LintCertificateEx(zc, registry))
			}

			crl, err := c.SignCRL([]ca.Revoked{{Serial: big.NewInt(0x1234), RevokedAt: now.Add(-time.Minute), Reason: ocsp.KeyCompromise}}, big.NewInt(1), now, now.Add(24*time.Hour))
			if err != nil {
				t.Fatal(err)
			}
			zcrl, err := zx509.ParseRevocationList(crl)
			if err != nil {
				t.Fatal(err)
			}
			check(t, "CRL", zlint.LintRevocationListEx(zcrl, registry))

			for _, status := range []int{ocsp.Good, ocsp.Revoked} {
				var revokedAt time.Time
				reason := 0
				if status == ocsp.Revoked {
					revokedAt, reason = now.Add(-time.Minute), ocsp.KeyCompromise
				}
				der, err := c.SignOCSP(big.NewInt(0x1234), status, revokedAt, reason, now, now.Add(24*time.Hour))
				if err != nil {
					t.Fatal(err)
				}
				resp, err := ocsp.ParseResponse(der, c.Issuing())
				if err != nil {
					t.Fatal(err)
				}
				check(t, fmt.Sprintf("OCSP status %d", status), zlint.LintOcspResponseEx(resp, registry))
			}
		})
	}
	for name := range zlintExemptions {
		if !used[name] {
			t.Errorf("exemption %s is no longer needed: remove it", name)
		}
	}
}
