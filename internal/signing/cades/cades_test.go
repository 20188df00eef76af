package cades

import (
	"bytes"
	"context"
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/hex"
	"errors"
	"math/big"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/digitorus/pkcs7"

	"github.com/llavero/llavero/internal/ca/catest"
	"github.com/llavero/llavero/internal/i18n"
	"github.com/llavero/llavero/internal/i18n/i18ntest"
	"github.com/llavero/llavero/internal/signing"
)

func TestErrorsAreListedAndBilingual(t *testing.T) {
	errs := map[string]*i18n.Error{
		"ErrHash": ErrHash, "ErrNoTimestamper": ErrNoTimestamper, "ErrNotCAdES": ErrNotCAdES,
		"ErrContentMismatch": ErrContentMismatch, "ErrNeedContent": ErrNeedContent, "ErrNoSuchSigner": ErrNoSuchSigner,
	}
	i18ntest.CheckListed(t, ".", errs)
	i18ntest.CheckBilingual(t, errs, regexp.MustCompile(`^cades\.[a-z0-9_]+$`))
}

var document = []byte("Solicitud de canje de permiso de conducir.\nFirmado en Madrid.\n\x00\x01\x02 binary tail\r\n")

// TestSignVerifies signs in every mode and has openssl and the digitorus
// CMS reader (neither written here) verify the result.
func TestSignVerifies(t *testing.T) {
	f := newFixture(t)
	creds := map[string]signing.Credential{"P-256": f.ana(t), "RSA-2048": f.luis(t)}
	tests := []struct {
		name     string
		key      string
		detached bool
		level    signing.Level
		hash     crypto.Hash
	}{
		{"attached B", "P-256", false, signing.LevelB, 0},
		{"detached B", "P-256", true, signing.LevelB, 0},
		{"attached T", "P-256", false, signing.LevelT, 0},
		{"detached T SHA-384", "P-256", true, signing.LevelT, crypto.SHA384},
		{"attached B RSA", "RSA-2048", false, signing.LevelB, 0},
		{"detached T RSA SHA-512", "RSA-2048", true, signing.LevelT, crypto.SHA512},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cred := creds[tc.key]
			when := time.Now().Add(-time.Minute).Truncate(time.Second)
			opt := Options{Detached: tc.detached, Level: tc.level, Hash: tc.hash, SigningTime: when}
			if tc.level == signing.LevelT {
				opt.Timestamper = f.tsa
			}
			sig, err := Sign(context.Background(), bytes.NewReader(document), cred, opt)
			if err != nil {
				t.Fatal(err)
			}
			// openssl, against the root only.
			if tc.detached {
				f.opensslVerify(t, sig, document)
			} else if got := f.opensslVerify(t, sig, nil); got != string(document) {
				t.Fatalf("openssl extracted %q", got)
			}
			printed := opensslPrint(t, sig)
			for _, want := range []string{"contentType", "messageDigest", "signingTime", "id-smime-aa-signingCertificateV2"} {
				if !strings.Contains(printed, want) {
					t.Errorf("openssl -print lacks %s", want)
				}
			}
			if hasTS := strings.Contains(printed, "id-smime-aa-timeStampToken"); hasTS != (tc.level == signing.LevelT) {
				t.Errorf("timestamp attribute present: %v at level %s", hasTS, tc.level)
			}

			// digitorus/pkcs7, with the chain to the root.
			p7, err := pkcs7.Parse(sig)
			if err != nil {
				t.Fatal(err)
			}
			if tc.detached {
				if len(p7.Content) != 0 {
					t.Fatal("a detached signature carries content")
				}
				p7.Content = document
			} else if !bytes.Equal(p7.Content, document) {
				t.Fatal("embedded content differs")
			}
			roots := x509.NewCertPool()
			roots.AddCert(f.ca.Root())
			if err := p7.VerifyWithChain(roots); err != nil {
				t.Fatalf("pkcs7 verify: %v", err)
			}
			var st time.Time
			if err := p7.UnmarshalSignedAttribute(oidSigningTime, &st); err != nil || !st.Equal(when) {
				t.Errorf("signing time %v (%v), want %v", st, err, when)
			}
			checkSigningCertV2(t, p7, cred.Certificate)
			// Signer certificate and chain are carried.
			for _, c := range append([]*x509.Certificate{cred.Certificate}, f.ca.Chain()...) {
				if !containsCert(p7.Certificates, c) {
					t.Errorf("certificate %s not carried", c.Subject)
				}
			}
			if want := orDefault(tc.hash); !p7.Signers[0].DigestAlgorithm.Algorithm.Equal(hashOIDs[want]) {
				t.Errorf("digest algorithm %v, want %v", p7.Signers[0].DigestAlgorithm.Algorithm, want)
			}
			if tc.level == signing.LevelT {
				checkTimestamp(t, f, sig, orDefault(tc.hash))
			}
		})
	}
}

func orDefault(h crypto.Hash) crypto.Hash {
	if h == 0 {
		return crypto.SHA256
	}
	return h
}

func containsCert(certs []*x509.Certificate, c *x509.Certificate) bool {
	for _, have := range certs {
		if have.Equal(c) {
			return true
		}
	}
	return false
}

// checkSigningCertV2 decodes the ESS attribute with encoding/asn1 (not the
// encoder under test) and compares it with the certificate.
func checkSigningCertV2(t *testing.T, p7 *pkcs7.PKCS7, cert *x509.Certificate) {
	t.Helper()
	var v struct {
		Certs []struct {
			HashAlg      pkix.AlgorithmIdentifier `asn1:"optional"`
			CertHash     []byte
			IssuerSerial struct {
				Issuer []asn1.RawValue
				Serial *big.Int
			}
		}
	}
	if err := p7.UnmarshalSignedAttribute(oidSigningCertV2, &v); err != nil {
		t.Fatalf("signing-certificate-v2: %v", err)
	}
	if len(v.Certs) != 1 {
		t.Fatalf("%d ESSCertIDv2", len(v.Certs))
	}
	id := v.Certs[0]
	sum := sha256.Sum256(cert.Raw)
	if id.HashAlg.Algorithm != nil || !bytes.Equal(id.CertHash, sum[:]) {
		t.Errorf("cert hash %x (alg %v), want SHA-256 %x by default", id.CertHash, id.HashAlg.Algorithm, sum)
	}
	if len(id.IssuerSerial.Issuer) != 1 || id.IssuerSerial.Issuer[0].Tag != 4 || !bytes.Equal(id.IssuerSerial.Issuer[0].Bytes, cert.RawIssuer) {
		t.Errorf("issuer %+v", id.IssuerSerial.Issuer)
	}
	if id.IssuerSerial.Serial.Cmp(cert.SerialNumber) != 0 {
		t.Errorf("serial %v, want %v", id.IssuerSerial.Serial, cert.SerialNumber)
	}
}

// checkTimestamp takes the token out of the first signer and has openssl
// ts -verify check it against the signature value's digest.
func checkTimestamp(t *testing.T, f *fixture, sig []byte, h crypto.Hash) {
	t.Helper()
	_, signers, err := parse(sig)
	if err != nil {
		t.Fatal(err)
	}
	var token []byte
	for _, a := range signers[0].unsigned {
		if oid, values, _ := splitAttribute(a); oid.Equal(oidSignatureTimeStamp) && len(values) == 1 {
			token = values[0]
		}
	}
	if token == nil {
		t.Fatal("no signature timestamp")
	}
	d := h.New()
	d.Write(signers[0].signature)
	dir := t.TempDir()
	out := catest.OpenSSL(t, "ts", "-verify", "-digest", hex.EncodeToString(d.Sum(nil)), "-token_in",
		"-in", write(t, dir, "token.der", token), "-CAfile", f.root)
	if !strings.Contains(out, "Verification: OK") {
		t.Fatalf("openssl ts -verify:\n%s", out)
	}
	// The token is over the signature, not the content: any other digest fails.
	out, err = catest.TryOpenSSL(t, "ts", "-verify", "-digest", hex.EncodeToString(make([]byte, h.Size())), "-token_in",
		"-in", write(t, dir, "token.der", token), "-CAfile", f.root)
	if err == nil {
		t.Fatalf("openssl ts -verify accepted another digest:\n%s", out)
	}
}

func TestSignDigest(t *testing.T) {
	f := newFixture(t)
	cred := f.ana(t)
	for _, h := range []crypto.Hash{crypto.SHA256, crypto.SHA512} {
		d := h.New()
		d.Write(document)
		sig, err := SignDigest(context.Background(), d.Sum(nil), h, cred, Options{Detached: false})
		if err != nil {
			t.Fatal(err)
		}
		f.opensslVerify(t, sig, document)
		// Another document does not verify.
		dir := t.TempDir()
		out, err := catest.TryOpenSSL(t, "cms", "-verify", "-binary", "-inform", "DER", "-in", write(t, dir, "s", sig),
			"-CAfile", f.root, "-purpose", "any", "-content", write(t, dir, "c", append([]byte("x"), document...)), "-out", "/dev/null")
		if err == nil {
			t.Fatalf("openssl verified another document:\n%s", out)
		}
	}
}

func TestRefusals(t *testing.T) {
	f := newFixture(t)
	cred := f.ana(t)
	other := f.luis(t)
	mixed := signing.Credential{Signer: other.Signer, Certificate: cred.Certificate}
	digest := sha256.Sum256(document)
	tests := []struct {
		name string
		do   func() error
		want error
	}{
		{"SHA-1", func() error {
			_, err := Sign(context.Background(), bytes.NewReader(document), cred, Options{Hash: crypto.SHA1})
			return err
		}, ErrHash},
		{"level T without a timestamp authority", func() error {
			_, err := Sign(context.Background(), bytes.NewReader(document), cred, Options{Level: signing.LevelT})
			return err
		}, ErrNoTimestamper},
		{"unknown level", func() error {
			_, err := Sign(context.Background(), bytes.NewReader(document), cred, Options{Level: "LTA"})
			return err
		}, signing.ErrUnknownLevel},
		{"expired certificate", func() error {
			_, err := Sign(context.Background(), bytes.NewReader(document), cred, Options{SigningTime: cred.Certificate.NotAfter.Add(time.Hour)})
			return err
		}, signing.ErrCertExpired},
		{"key of another certificate", func() error {
			_, err := Sign(context.Background(), bytes.NewReader(document), mixed, Options{})
			return err
		}, signing.ErrKeyMismatch},
		{"timestamp authority fails", func() error {
			_, err := Sign(context.Background(), bytes.NewReader(document), cred, Options{Level: signing.LevelT, Timestamper: fixedTimestamper{err: errors.New("connection refused")}})
			return err
		}, signing.ErrTSA},
		{"timestamp authority answers garbage", func() error {
			_, err := Sign(context.Background(), bytes.NewReader(document), cred, Options{Level: signing.LevelT, Timestamper: fixedTimestamper{token: []byte{0x30, 0x05, 1}}})
			return err
		}, signing.ErrTSA},
		{"SignDigest with MD5", func() error {
			_, err := SignDigest(context.Background(), digest[:16], crypto.MD5, cred, Options{})
			return err
		}, ErrHash},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.do()
			if i18n.CodeOf(err) != i18n.CodeOf(tc.want) {
				t.Fatalf("err %v, want %v", err, tc.want)
			}
		})
	}
}

func TestSignDigestRefusesAWrongSizedDigest(t *testing.T) {
	f := newFixture(t)
	digest := sha256.Sum256(document)
	if _, err := SignDigest(context.Background(), digest[:20], crypto.SHA256, f.ana(t), Options{}); err == nil || !strings.Contains(err.Error(), "32 bytes") {
		t.Fatalf("err %v", err)
	}
}

func TestCanceledContext(t *testing.T) {
	f := newFixture(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Sign(ctx, bytes.NewReader(document), f.ana(t), Options{}); !errors.Is(err, context.Canceled) {
		t.Fatalf("err %v", err)
	}
}
