package validate

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/llavero/llavero/internal/i18n"
	"github.com/llavero/llavero/internal/i18n/i18ntest"
)

func TestErrorsAreListedAndBilingual(t *testing.T) {
	errs := map[string]*i18n.Error{"ErrTrustList": ErrTrustList, "ErrNoRoots": ErrNoRoots}
	i18ntest.CheckListed(t, ".", errs)
	i18ntest.CheckBilingual(t, errs, regexp.MustCompile(`^validate\.[a-z0-9_]+$`))
}

func TestSubIndicationsExplained(t *testing.T) {
	for _, sub := range []SubIndication{FormatFailure, HashFailure, SigCryptoFailure, Revoked, RevokedNoPOE, SigConstraintsFailure,
		ChainConstraintsFailure, CertificateChainGeneralFailure, NoCertificateChainFound, NoSigningCertificateFound,
		OutOfBoundsNoPOE, NoPOE, TryLater, SignedDataNotFound} {
		if e := Explain(sub); e.ES == "" || e.EN == "" || e.ES == e.EN {
			t.Errorf("%s: explanation %+v", sub, e)
		}
	}
}

func TestCAdES(t *testing.T) {
	p := newPKI(t)
	now := time.Now()
	content := []byte("Solicitud de canje del permiso de conducir.\n")
	good := p.makeCAdES(t, p.citizenKey, p.citizen, content, cadesOpts{})
	goodT := p.makeCAdES(t, p.citizenKey, p.citizen, content, cadesOpts{tsa: p.tsa})
	detached := p.makeCAdES(t, p.citizenKey, p.citizen, content, cadesOpts{detached: true})

	// Certificates in particular states, each with its own key.
	revokedKey, revoked := p.person(t, "11111111H")
	p.certs.revoke(revoked, now.Add(-30*time.Minute))
	lateKey, lateRevoked := p.person(t, "22222222J")
	p.certs.revoke(lateRevoked, now.Add(time.Hour))
	expKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	expired := p.issue(t, &x509.Certificate{
		Subject:   pkix.Name{CommonName: "RUIZ GIL, ANA (caducado)", SerialNumber: "IDCES-33333333P"},
		NotBefore: now.Add(-48 * time.Hour), NotAfter: now.Add(-time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment,
	}, expKey.Public())
	otherKey, other := p.person(t, "44444444A")

	// A TSA whose certificate comes from a CA nobody trusts.
	stranger := newPKI(t)
	untrustedTSA := stranger.tsa

	weakTSA := *p.tsa
	weakTSA.signHash = crypto.SHA1
	contentAt := bytes.Index(good, content)
	tests := []struct {
		name    string
		in      Input
		v       *Validator
		want    Indication
		sub     SubIndication
		format  string
		proven  bool
		signers int
	}{
		{name: "good B", in: Input{Signature: good}, want: Passed, format: "CAdES-B-B", signers: 1},
		{name: "good T", in: Input{Signature: goodT}, want: Passed, format: "CAdES-B-T", proven: true, signers: 1},
		{name: "good detached", in: Input{Signature: detached, Content: content}, want: Passed, format: "CAdES-B-B", signers: 1},
		{name: "good PEM", in: Input{Signature: pem.EncodeToMemory(&pem.Block{Type: "CMS", Bytes: good})}, want: Passed, signers: 1},
		{name: "good base64", in: Input{Signature: []byte(base64.StdEncoding.EncodeToString(good))}, want: Passed, signers: 1},
		{name: "detached without content", in: Input{Signature: detached}, want: Indeterminate, sub: SignedDataNotFound, signers: 1},
		{name: "content byte changed", in: Input{Signature: flip(good, contentAt+3)}, want: Failed, sub: HashFailure, signers: 1},
		{name: "detached content changed", in: Input{Signature: detached, Content: flip(content, 0)}, want: Failed, sub: HashFailure, signers: 1},
		{name: "signature byte changed", in: Input{Signature: flip(good, sigValueOffset(t, good))}, want: Failed, sub: SigCryptoFailure, signers: 1},
		{name: "signature byte changed, T", in: Input{Signature: flip(goodT, sigValueOffset(t, goodT))}, want: Failed, sub: SigCryptoFailure, signers: 1},
		{name: "revoked before signing", in: Input{Signature: p.makeCAdES(t, revokedKey, revoked, content, cadesOpts{})},
			want: Failed, sub: Revoked, signers: 1},
		{name: "revoked before signing, T", in: Input{Signature: p.makeCAdES(t, revokedKey, revoked, content, cadesOpts{tsa: p.tsa})},
			want: Failed, sub: Revoked, proven: true, signers: 1},
		{name: "revoked after signing, T", in: Input{Signature: p.makeCAdES(t, lateKey, lateRevoked, content, cadesOpts{tsa: p.tsa})},
			v: p.validator(now.Add(2 * time.Hour)), want: Passed, proven: true, signers: 1},
		{name: "revoked after signing, no timestamp", in: Input{Signature: p.makeCAdES(t, lateKey, lateRevoked, content, cadesOpts{})},
			v: p.validator(now.Add(2 * time.Hour)), want: Indeterminate, sub: RevokedNoPOE, signers: 1},
		{name: "expired at signing time", in: Input{Signature: p.makeCAdES(t, expKey, expired, content, cadesOpts{})},
			want: Indeterminate, sub: OutOfBoundsNoPOE, signers: 1},
		{name: "expired at signing time, T", in: Input{Signature: p.makeCAdES(t, expKey, expired, content, cadesOpts{tsa: p.tsa})},
			want: Indeterminate, sub: OutOfBoundsNoPOE, proven: true, signers: 1},
		{name: "expired since, no timestamp", in: Input{Signature: good}, v: p.validator(p.citizen.NotAfter.Add(time.Hour)),
			want: Indeterminate, sub: OutOfBoundsNoPOE, signers: 1},
		{name: "expired since, T proves earlier", in: Input{Signature: goodT}, v: p.validator(p.citizen.NotAfter.Add(time.Hour)),
			want: Passed, proven: true, signers: 1},
		{name: "wrong trust anchor", in: Input{Signature: good}, v: stranger.validator(now),
			want: Indeterminate, sub: NoCertificateChainFound, signers: 1},
		{name: "untrusted TSA", in: Input{Signature: p.makeCAdES(t, p.citizenKey, p.citizen, content, cadesOpts{tsa: untrustedTSA})},
			want: Indeterminate, sub: NoPOE, signers: 1},
		{name: "timestamp token signed with SHA-1", in: Input{Signature: p.makeCAdES(t, p.citizenKey, p.citizen, content, cadesOpts{tsa: &weakTSA})},
			want: Indeterminate, sub: NoPOE, signers: 1},
		{name: "SHA-1", in: Input{Signature: p.makeCAdES(t, p.citizenKey, p.citizen, content, cadesOpts{sha1: true})},
			want: Indeterminate, sub: SigConstraintsFailure, signers: 1},
		{name: "plain CMS, no signing-certificate-v2", in: Input{Signature: p.makeCAdES(t, p.citizenKey, p.citizen, content, cadesOpts{noSigCert: true})},
			want: Passed, format: "CMS", signers: 1},
		{name: "signing-certificate-v2 of another certificate", in: Input{Signature: p.makeCAdES(t, p.citizenKey, p.citizen, content, cadesOpts{sigCertOf: other})},
			want: Indeterminate, sub: NoSigningCertificateFound, signers: 1},
		{name: "no revocation source", in: Input{Signature: good}, v: &Validator{Roots: Pool(p.ca.Root())},
			want: Indeterminate, sub: TryLater, signers: 1},
		{name: "co-signature", in: Input{Signature: p.makeCAdES(t, p.citizenKey, p.citizen, content, cadesOpts{secondKey: otherKey, secondCert: other})},
			want: Passed, signers: 2},
		{name: "co-signature, second signer revoked", in: Input{Signature: p.makeCAdES(t, p.citizenKey, p.citizen, content, cadesOpts{secondKey: revokedKey, secondCert: revoked})},
			want: Failed, sub: Revoked, signers: 2},
		{name: "countersignature", in: Input{Signature: p.makeCAdES(t, p.citizenKey, p.citizen, content, cadesOpts{counterKey: otherKey, counterCert: other})},
			want: Passed, signers: 2},
		{name: "garbage", in: Input{Signature: []byte("hola, esto no es una firma")}, want: Failed, sub: FormatFailure},
		{name: "empty", in: Input{}, want: Failed, sub: FormatFailure},
		{name: "truncated DER", in: Input{Signature: good[:len(good)/2]}, want: Failed, sub: FormatFailure},
		{name: "XML without a signature", in: Input{Signature: []byte("<?xml version=\"1.0\"?><a/>")}, want: Failed, sub: FormatFailure},
		{name: "PDF without signatures", in: Input{Signature: []byte("%PDF-1.4\n%%EOF\n")}, want: Failed, sub: FormatFailure},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v := tc.v
			if v == nil {
				v = p.validator(now)
			}
			r := v.Validate(context.Background(), tc.in)
			if r.Indication != tc.want || r.SubIndication != tc.sub {
				t.Errorf("got %s/%s, want %s/%s\n%s", r.Indication, r.SubIndication, tc.want, tc.sub, dump(r))
			}
			if len(r.Signatures) != tc.signers {
				t.Fatalf("%d signatures, want %d\n%s", len(r.Signatures), tc.signers, dump(r))
			}
			if tc.signers == 0 {
				return
			}
			s := r.Signatures[0]
			if tc.format != "" && s.Format != tc.format {
				t.Errorf("format %q, want %q", s.Format, tc.format)
			}
			if s.SigningTimeProven != tc.proven {
				t.Errorf("signing time proven %v, want %v\n%s", s.SigningTimeProven, tc.proven, dump(r))
			}
			if s.Signer == nil || s.Signer.Serial == "" {
				t.Errorf("no signer: %s", dump(r))
			}
		})
	}
}

func TestCAdESReportDetails(t *testing.T) {
	p := newPKI(t)
	content := []byte("x")
	counterKey, counter := p.person(t, "44444444A")
	der := p.makeCAdES(t, p.citizenKey, p.citizen, content, cadesOpts{tsa: p.tsa, counterKey: counterKey, counterCert: counter})
	r := p.validator(time.Now()).Validate(context.Background(), Input{Signature: der})
	if r.Indication != Passed || len(r.Signatures) != 2 {
		t.Fatalf("%s", dump(r))
	}
	s := r.Signatures[0]
	if s.Signer.ID != "12345678Z" || s.Signer.Serial != p.citizen.SerialNumber.Text(16) || s.Signer.Issuer != p.ca.Issuing().Subject.CommonName {
		t.Errorf("signer %+v", s.Signer)
	}
	if s.Timestamp == nil || !s.Timestamp.Valid || s.Timestamp.TSA != "llavero test TSA" || s.SigningTime == nil || !s.SigningTime.Equal(s.Timestamp.Time) {
		t.Errorf("timestamp %+v, signing time %v", s.Timestamp, s.SigningTime)
	}
	if s.ClaimedSigningTime == nil {
		t.Error("no claimed signing time")
	}
	c := r.Signatures[1]
	if c.ID != "S1.C1" || c.CounterSignatureOf != "S1" || c.Signer.ID != "44444444A" {
		t.Errorf("countersignature %+v", c)
	}
	want := []string{"cms.digest_algorithm", "cms.message_digest", "cms.signature", "cades.signing_certificate", "timestamp",
		"certificate.chain", "certificate.validity", "certificate.key_usage", "certificate.revocation"}
	var got []string
	for _, ch := range s.Checks {
		got = append(got, ch.Code)
		if ch.Text.ES == "" || ch.Text.EN == "" {
			t.Errorf("check %s without both texts", ch.Code)
		}
	}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("checks %v, want %v", got, want)
	}

	// The JSON form round-trips and uses the stable names.
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var back Report
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back.Indication != Passed || back.Signatures[0].Checks[0].Text.EN == "" || !bytes.Contains(b, []byte(`"signing_time_proven":true`)) {
		t.Errorf("JSON %s", b)
	}

	// The text form in both languages.
	for _, lang := range []i18n.Lang{i18n.ES, i18n.EN} {
		var buf bytes.Buffer
		if err := r.WriteText(&buf, lang); err != nil {
			t.Fatal(err)
		}
		word := map[i18n.Lang]string{i18n.ES: "VÁLIDA", i18n.EN: "VALID"}[lang]
		if !strings.Contains(buf.String(), word) || !strings.Contains(buf.String(), "12345678Z") {
			t.Errorf("%s text:\n%s", lang, buf.String())
		}
	}
}

func TestExitCode(t *testing.T) {
	for ind, want := range map[Indication]int{Passed: 0, Failed: 1, Indeterminate: 2} {
		if got := (&Report{Indication: ind}).ExitCode(); got != want {
			t.Errorf("%s: %d, want %d", ind, got, want)
		}
	}
}

func TestDetect(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"%PDF-1.7\n", FormatPAdES},
		{"\xef\xbb\xbf<?xml?>", FormatXAdES},
		{"\x30\x03\x02\x01\x00", FormatCAdES},
		{"-----BEGIN PKCS7-----\nMAMCAQA=\n-----END PKCS7-----\n", FormatCAdES},
		{"MAMCAQA=", FormatCAdES},
		{"hello", formatUnknownName},
		{"", formatUnknownName},
	} {
		if got, _ := Detect([]byte(tc.in)); got != tc.want {
			t.Errorf("Detect(%q) = %s, want %s", tc.in, got, tc.want)
		}
	}
}

func dump(r *Report) string {
	b, _ := json.MarshalIndent(r, "", "  ")
	return string(b)
}

func TestChainCacheRespectsValidity(t *testing.T) {
	p := newPKI(t)
	var c chainCache
	chains := [][]*x509.Certificate{{p.citizen, p.ca.Issuing(), p.ca.Root()}}
	key := chainKey(p.citizen, nil)
	c.put(key, chains)
	if _, ok := c.get(key, time.Now()); !ok {
		t.Error("miss inside validity")
	}
	if _, ok := c.get(key, p.citizen.NotAfter.Add(time.Second)); ok {
		t.Error("hit after the leaf expired")
	}
	if _, ok := c.get(key, p.citizen.NotBefore.Add(-time.Second)); ok {
		t.Error("hit before the leaf was valid")
	}
	if _, ok := c.get(chainKey(p.citizen, []x509.ExtKeyUsage{x509.ExtKeyUsageTimeStamping}), time.Now()); ok {
		t.Error("hit for another key usage")
	}
}
