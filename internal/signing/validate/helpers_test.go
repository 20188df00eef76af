package validate

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/digitorus/pkcs7"
	"github.com/digitorus/timestamp"

	"github.com/llavero/llavero/internal/ca"
	"github.com/llavero/llavero/internal/ca/catest"
	"github.com/llavero/llavero/internal/store"
)

// pki is a test CA with a citizen, a timestamp authority and a store of
// issued certificates.
type pki struct {
	ca         *ca.CA
	issuingKey crypto.Signer
	citizen    *x509.Certificate
	citizenKey crypto.Signer
	tsa        *testTSA
	certs      *memCerts
}

func newPKI(t testing.TB) *pki { return newPKIAt(t, "") }

// newPKIAt makes a pki whose certificates point their OCSP and CRL
// addresses at baseURL (catest's placeholder when empty).
func newPKIAt(t testing.TB, baseURL string) *pki {
	t.Helper()
	ctx := context.Background()
	opts := catest.Options(t)
	if baseURL != "" {
		opts.BaseURL = baseURL
	}
	c, err := ca.Open(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	ik, err := opts.Keys.Load(ctx, ca.LabelIssuing)
	if err != nil {
		t.Fatal(err)
	}
	p := &pki{ca: c, issuingKey: ik, certs: &memCerts{m: map[string]store.Certificate{}}}
	p.citizenKey, p.citizen = p.person(t, "12345678Z")
	// llavero's CA has no timestamp profile yet (another branch adds the
	// TSA): a certificate issued here from the issuing key stands in.
	tk, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tc := p.issue(t, &x509.Certificate{
		Subject:     pkix.Name{CommonName: "llavero test TSA", Organization: []string{"llavero (test)"}},
		NotBefore:   time.Now().Add(-time.Hour),
		NotAfter:    time.Now().Add(365 * 24 * time.Hour),
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageTimeStamping},
	}, tk.Public())
	p.tsa = &testTSA{cert: tc, key: tk}
	return p
}

// person issues a citizen certificate with the CA's real profile and
// records it in the store, as the RA does.
func (p *pki) person(t testing.TB, id string) (crypto.Signer, *x509.Certificate) {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	cert, err := p.ca.IssuePerson(context.Background(), key.Public(), ca.Person{ID: id, GivenName: "Ana", FirstSurname: "Ruiz", SecondSurname: "Gil"}, time.Now().Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	p.certs.put(cert)
	return key, cert
}

// issue signs tmpl with the issuing CA's key directly (for profiles the CA
// refuses on purpose: expired, timestamping).
func (p *pki) issue(t testing.TB, tmpl *x509.Certificate, pub crypto.PublicKey) *x509.Certificate {
	t.Helper()
	tmpl.SerialNumber, _ = rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 120))
	der, err := x509.CreateCertificate(rand.Reader, tmpl, p.ca.Issuing(), pub, p.issuingKey)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	p.certs.put(c)
	return c
}

func (p *pki) validator(now time.Time) *Validator {
	return &Validator{
		Roots:         Pool(p.ca.Root()),
		Intermediates: []*x509.Certificate{p.ca.Issuing()},
		Revocation:    StoreRevocation{Certs: p.certs, Issuer: p.ca.Issuing()},
		Now:           func() time.Time { return now },
	}
}

// memCerts is the store's certificate table in memory.
type memCerts struct {
	mu sync.Mutex
	m  map[string]store.Certificate
}

func (m *memCerts) put(c *x509.Certificate) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.m[c.SerialNumber.Text(16)] = store.Certificate{Serial: c.SerialNumber.Text(16), Kind: store.CertPerson, DER: c.Raw, NotBefore: c.NotBefore, NotAfter: c.NotAfter}
}

func (m *memCerts) revoke(c *x509.Certificate, at time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r := m.m[c.SerialNumber.Text(16)]
	r.RevokedAt, r.RevocationReason = at, 1
	m.m[c.SerialNumber.Text(16)] = r
}

func (m *memCerts) GetCertificate(_ context.Context, serial string) (store.Certificate, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	c, ok := m.m[serial]
	if !ok {
		return store.Certificate{}, store.ErrNotFound
	}
	return c, nil
}

// testTSA is a minimal RFC 3161 authority made with digitorus/timestamp.
type testTSA struct {
	cert *x509.Certificate
	key  crypto.Signer
	// at, when set, is the time the tokens carry (now otherwise).
	at time.Time
	// signHash is the digest of the token's own signature (SHA-256 when 0).
	signHash crypto.Hash
}

func (a *testTSA) response(h crypto.Hash, digest []byte) ([]byte, error) {
	at := a.at
	if at.IsZero() {
		at = time.Now()
	}
	ts := timestamp.Timestamp{HashAlgorithm: h, HashedMessage: digest, Time: at, Policy: asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 99999, 1}, AddTSACertificate: true}
	h2 := a.signHash
	if h2 == 0 {
		h2 = crypto.SHA256
	}
	return ts.CreateResponseWithOpts(a.cert, a.key, h2)
}

// Timestamp implements signing.Timestamper.
func (a *testTSA) Timestamp(_ context.Context, digest []byte, h crypto.Hash) ([]byte, error) {
	resp, err := a.response(h, digest)
	if err != nil {
		return nil, err
	}
	ts, err := timestamp.ParseResponse(resp)
	if err != nil {
		return nil, err
	}
	return ts.RawToken, nil
}

// server serves the authority over HTTP, for pdfsign.
func (a *testTSA) server(t testing.TB) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<16))
		req, err := timestamp.ParseRequest(body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		resp, err := a.response(req.HashAlgorithm, req.HashedMessage)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/timestamp-reply")
		w.Write(resp)
	}))
	t.Cleanup(srv.Close)
	return srv
}

var oidTST = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 14}

// signingCertV2 builds the signing-certificate-v2 attribute for cert.
func signingCertV2(cert *x509.Certificate) pkcs7.Attribute {
	sum := sha256.Sum256(cert.Raw)
	gn, _ := asn1.Marshal(asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 4, IsCompound: true, Bytes: cert.RawIssuer})
	der, _ := asn1.Marshal(signingCertificateV2{Certs: []essCertIDv2{{
		CertHash:     sum[:],
		IssuerSerial: essIssuerSerial{Issuer: asn1.RawValue{Tag: asn1.TagSequence, IsCompound: true, Bytes: gn}, SerialNumber: cert.SerialNumber},
	}}})
	return pkcs7.Attribute{Type: oidSigningCertificateV2, Value: asn1.RawValue{FullBytes: der}}
}

type cadesOpts struct {
	detached  bool
	sha1      bool
	noSigCert bool
	// sigCertOf puts another certificate in signing-certificate-v2.
	sigCertOf *x509.Certificate
	tsa       *testTSA
	// counter adds a countersignature by this key and certificate.
	counterKey  crypto.Signer
	counterCert *x509.Certificate
	// second adds a second signer (co-signature).
	secondKey  crypto.Signer
	secondCert *x509.Certificate
}

// makeCAdES signs content with digitorus/pkcs7, as another tool would.
func (p *pki) makeCAdES(t testing.TB, key crypto.Signer, cert *x509.Certificate, content []byte, o cadesOpts) []byte {
	t.Helper()
	sd, err := pkcs7.NewSignedData(content)
	if err != nil {
		t.Fatal(err)
	}
	if o.sha1 {
		sd.SetDigestAlgorithm(pkcs7.OIDDigestAlgorithmSHA1)
	} else {
		sd.SetDigestAlgorithm(pkcs7.OIDDigestAlgorithmSHA256)
	}
	cfg := pkcs7.SignerInfoConfig{}
	switch {
	case o.sigCertOf != nil:
		cfg.ExtraSignedAttributes = []pkcs7.Attribute{signingCertV2(o.sigCertOf)}
	case !o.noSigCert:
		cfg.ExtraSignedAttributes = []pkcs7.Attribute{signingCertV2(cert)}
	}
	if err := sd.AddSignerChain(cert, key, []*x509.Certificate{p.ca.Issuing()}, cfg); err != nil {
		t.Fatal(err)
	}
	if o.secondKey != nil {
		if err := sd.AddSignerChain(o.secondCert, o.secondKey, []*x509.Certificate{p.ca.Issuing()},
			pkcs7.SignerInfoConfig{ExtraSignedAttributes: []pkcs7.Attribute{signingCertV2(o.secondCert)}, SkipCertificates: false}); err != nil {
			t.Fatal(err)
		}
	}
	si := &sd.GetSignedData().SignerInfos[0]
	var unsigned []pkcs7.Attribute
	if o.tsa != nil {
		sum := sha256.Sum256(si.EncryptedDigest)
		tok, err := o.tsa.Timestamp(context.Background(), sum[:], crypto.SHA256)
		if err != nil {
			t.Fatal(err)
		}
		unsigned = append(unsigned, pkcs7.Attribute{Type: oidTST, Value: asn1.RawValue{FullBytes: tok}})
	}
	if o.counterKey != nil {
		csd, err := pkcs7.NewSignedData(si.EncryptedDigest)
		if err != nil {
			t.Fatal(err)
		}
		csd.SetDigestAlgorithm(pkcs7.OIDDigestAlgorithmSHA256)
		if err := csd.AddSignerChain(o.counterCert, o.counterKey, []*x509.Certificate{p.ca.Issuing()},
			pkcs7.SignerInfoConfig{ExtraSignedAttributes: []pkcs7.Attribute{signingCertV2(o.counterCert)}, SkipCertificates: true}); err != nil {
			t.Fatal(err)
		}
		unsigned = append(unsigned, pkcs7.Attribute{Type: oidCounterSignature, Value: csd.GetSignedData().SignerInfos[0]})
		sd.AddCertificate(o.counterCert)
	}
	if len(unsigned) > 0 {
		if err := si.SetUnauthenticatedAttributes(unsigned); err != nil {
			t.Fatal(err)
		}
	}
	if o.detached {
		sd.Detach()
	}
	der, err := sd.Finish()
	if err != nil {
		t.Fatal(err)
	}
	return der
}

// flip returns b with the byte at i changed.
func flip(b []byte, i int) []byte {
	c := bytes.Clone(b)
	c[i] ^= 0x01
	return c
}

// sigValueOffset finds where the first SignerInfo's signature value sits
// in der, to tamper with it.
func sigValueOffset(t testing.TB, der []byte) int {
	t.Helper()
	p7, err := pkcs7.Parse(der)
	if err != nil {
		t.Fatal(err)
	}
	i := bytes.Index(der, p7.Signers[0].EncryptedDigest)
	if i < 0 {
		t.Fatal(errors.New("signature value not found"))
	}
	return i + len(p7.Signers[0].EncryptedDigest)/2
}
