package remotesign_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ocsp"

	"github.com/llavero/llavero/internal/i18n"
	"github.com/llavero/llavero/internal/idp/otp"
	"github.com/llavero/llavero/internal/remotesign"
	"github.com/llavero/llavero/internal/store"
)

// TestApproveSignsAndReusesTheKey is the whole remote signature at the
// service: request, code, approval; the relying party's callback carries
// a CMS that openssl accepts over the document, made under a
// remote-signing certificate naming the person; a second signature uses
// the same key; every step is audited.
func TestApproveSignsAndReusesTheKey(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	doc := []byte("Solicito el canje de mi permiso de conducir.\n")
	req := f.request(t, doc)
	if req.State != store.SignRequested || !req.ExpiresAt.Equal(req.CreatedAt.Add(5*time.Minute)) || req.PersonID != "" {
		t.Fatalf("new request: %+v", req)
	}
	if got := f.svc.ApproveURL(req.ID); got != "https://llavero.example/sign/requests/"+req.ID {
		t.Errorf("approve URL %q", got)
	}
	done := f.approve(t, "12345678Z", req.ID)
	if done.State != store.SignApproved || len(done.Signature) == 0 || done.PersonID != "12345678Z" {
		t.Fatalf("after approval: state %s, %d signature bytes, person %q", done.State, len(done.Signature), done.PersonID)
	}
	if _, body := f.sms.last(t, "12345678Z"); !strings.Contains(body, "FIRMAR") || !strings.Contains(body, "Sede de Tráfico") {
		t.Errorf("the SMS does not say it is for signing, for the office: %q", body)
	}
	res := f.rp.next(t)
	if res.ID != req.ID || res.State != store.SignApproved || res.DecidedAt == nil {
		t.Fatalf("callback: %+v", res)
	}
	cms, _ := base64.StdEncoding.DecodeString(res.Signature)
	der, _ := base64.StdEncoding.DecodeString(res.Certificate)
	opensslVerify(t, f.ca, cms, doc)
	cert := hasRemotePolicy(t, f.ca, der)
	if cert.Subject.SerialNumber != "IDCES-12345678Z" {
		t.Errorf("signer %q", cert.Subject.SerialNumber)
	}
	f.svc.Wait()
	if got, _ := f.st.GetSignatureRequest(ctx, req.ID); got.DeliveredAt.IsZero() {
		t.Error("the delivered callback was not recorded")
	}

	// On record like every certificate the CA issues, so llavero's OCSP
	// responder and CRL answer for it; never a citizen's login certificate.
	rec, err := f.st.GetCertificate(ctx, cert.SerialNumber.Text(16))
	if err != nil || rec.Kind != store.CertRemoteSigning || rec.PersonID != "12345678Z" || !bytes.Equal(rec.DER, der) {
		t.Errorf("certificate record: %+v, %v", rec.Kind, err)
	}
	if e, err := f.st.GetOCSP(ctx, cert.SerialNumber.Text(16)); err != nil {
		t.Errorf("no OCSP answer: %v", err)
	} else if resp, err := ocsp.ParseResponse(e.DER, f.ca.Issuing()); err != nil || resp.Status != ocsp.Good {
		t.Errorf("OCSP: %v, %v", resp, err)
	}
	key, err := f.st.ActiveRemoteSigningKey(ctx, "12345678Z")
	if err != nil || !bytes.Equal(key.CertDER, der) {
		t.Fatalf("key on record: %v", err)
	}
	f.clock.Add(time.Second)
	second := f.approve(t, "12345678Z", f.request(t, []byte("otro documento")).ID)
	if !bytes.Equal(second.SignerCert, der) {
		t.Error("the second signature made a new certificate: the key was not reused")
	}
	if again, _ := f.st.ActiveRemoteSigningKey(ctx, "12345678Z"); again.Label != key.Label {
		t.Errorf("key %s, then %s", key.Label, again.Label)
	}
	f.rp.next(t)

	events, err := f.st.ListAudit(ctx, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	count := map[string]int{}
	for _, e := range events {
		count[e.Action+"/"+e.Outcome]++
	}
	for action, n := range map[string]int{"sign.request/ok": 2, "sign.code_sent/ok": 2, "sign.approve/ok": 2, "sign.key_create/ok": 1} {
		if count[action] != n {
			t.Errorf("audit %s: %d events, want %d (all: %v)", action, count[action], n, count)
		}
	}
	hist, err := f.svc.History(ctx, "12345678Z", 10)
	if err != nil || len(hist) != 2 || hist[0].ID != second.ID {
		t.Errorf("history: %d, %v", len(hist), err)
	}
}

// TestSHA512 signs a SHA-512 digest.
func TestSHA512(t *testing.T) {
	f := newFixture(t, nil)
	doc := []byte("un documento largo")
	r, err := f.svc.Create(context.Background(), f.client, remotesign.NewRequest{Description: "x", DocumentName: "d.txt", HashAlg: "SHA-512",
		Digest: f.cms.register(crypto.SHA512, doc), CallbackURI: f.rp.srv.URL + "/cb"})
	if err != nil {
		t.Fatal(err)
	}
	done := f.approve(t, "X1234567L", r.ID)
	opensslVerify(t, f.ca, done.Signature, doc)
}

func TestCreateRefusals(t *testing.T) {
	f := newFixture(t, nil)
	sum := sha256.Sum256([]byte("d"))
	ok := remotesign.NewRequest{Description: "Firma", DocumentName: "d.pdf", HashAlg: "SHA-256", Digest: sum[:], CallbackURI: f.rp.srv.URL + "/cb"}
	for _, tc := range []struct {
		name   string
		change func(*remotesign.NewRequest)
		want   error
	}{
		{"unknown hash", func(r *remotesign.NewRequest) { r.HashAlg = "MD5" }, remotesign.ErrHashAlg},
		{"SHA-1", func(r *remotesign.NewRequest) { r.HashAlg = "SHA-1" }, remotesign.ErrHashAlg},
		{"digest of another length", func(r *remotesign.NewRequest) { r.HashAlg = "SHA-384" }, remotesign.ErrDigest},
		{"short digest", func(r *remotesign.NewRequest) { r.Digest = r.Digest[:31] }, remotesign.ErrDigest},
		{"no description", func(r *remotesign.NewRequest) { r.Description = "  " }, remotesign.ErrDescription},
		{"long description", func(r *remotesign.NewRequest) { r.Description = strings.Repeat("á", 501) }, remotesign.ErrDescription},
		{"control characters", func(r *remotesign.NewRequest) { r.Description = "Firma\x1b[2J" }, remotesign.ErrDescription},
		{"bidi override", func(r *remotesign.NewRequest) { r.Description = "Firma \u202egnp.exe" }, remotesign.ErrDescription},
		{"name with a path", func(r *remotesign.NewRequest) { r.DocumentName = "../etc/passwd" }, remotesign.ErrDocumentName},
		{"no name", func(r *remotesign.NewRequest) { r.DocumentName = "" }, remotesign.ErrDocumentName},
		{"callback elsewhere", func(r *remotesign.NewRequest) { r.CallbackURI = "https://evil.example/cb" }, remotesign.ErrCallback},
		{"callback on another port", func(r *remotesign.NewRequest) { r.CallbackURI = "http://127.0.0.1:1/cb" }, remotesign.ErrCallback},
		{"no callback", func(r *remotesign.NewRequest) { r.CallbackURI = "" }, remotesign.ErrCallback},
		{"callback with user", func(r *remotesign.NewRequest) {
			r.CallbackURI = strings.Replace(f.rp.srv.URL, "http://", "http://u:p@", 1) + "/cb"
		}, remotesign.ErrCallback},
		{"return elsewhere", func(r *remotesign.NewRequest) { r.ReturnURI = "https://evil.example/" }, remotesign.ErrCallback},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := ok
			r.Digest = bytes.Clone(ok.Digest)
			tc.change(&r)
			if _, err := f.svc.Create(context.Background(), f.client, r); !errors.Is(err, tc.want) {
				t.Errorf("err = %v, want %v", err, tc.want)
			}
		})
	}
	if _, err := f.svc.Create(context.Background(), f.client, ok); err != nil {
		t.Errorf("the good request: %v", err)
	}
	f.svc.SetSigners(nil, nil)
	if _, err := f.svc.Create(context.Background(), f.client, ok); !errors.Is(err, remotesign.ErrUnavailable) {
		t.Errorf("without a signer: err = %v, want ErrUnavailable", err)
	}
}

// TestWrongCodeFiveTimesCancels: the fifth wrong code locks it and the
// request fails; the relying party hears so; the right code then does
// nothing.
func TestWrongCodeFiveTimesCancels(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	req := f.request(t, []byte("doc"))
	sent, err := f.svc.SendCode(ctx, "12345678Z", "substantial", req.ID, i18n.EN)
	if err != nil {
		t.Fatal(err)
	}
	code, _ := f.sms.last(t, "12345678Z")
	wrong := "000000"
	if code == wrong {
		wrong = "111111"
	}
	for i := 1; i <= 5; i++ {
		_, err := f.svc.Approve(ctx, "12345678Z", "substantial", req.ID, sent.CodeID, wrong)
		want := error(otp.ErrWrong)
		if i == 5 {
			want = remotesign.ErrCodeLocked
		}
		if !errors.Is(err, want) {
			t.Fatalf("try %d: err = %v, want %v", i, err, want)
		}
	}
	res := f.rp.next(t)
	if res.State != store.SignFailed || res.Reason != remotesign.ReasonCodeLocked || res.Signature != "" {
		t.Errorf("callback %+v", res)
	}
	if _, err := f.svc.Approve(ctx, "12345678Z", "substantial", req.ID, sent.CodeID, code); err == nil {
		t.Error("the right code signed after the lock")
	}
	if _, err := f.st.ActiveRemoteSigningKey(ctx, "12345678Z"); !errors.Is(err, store.ErrNotFound) {
		t.Error("a key was made for a signature that never happened")
	}
}

func TestRefuse(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	req := f.request(t, []byte("doc"))
	got, err := f.svc.Refuse(ctx, "X1234567L", req.ID)
	if err != nil || got.State != store.SignRefused || got.PersonID != "X1234567L" {
		t.Fatalf("refuse: %+v, %v", got, err)
	}
	if res := f.rp.next(t); res.State != store.SignRefused || res.Reason != remotesign.ReasonRefused {
		t.Errorf("callback %+v", res)
	}
	if _, err := f.svc.SendCode(ctx, "X1234567L", "substantial", req.ID, i18n.EN); !errors.Is(err, remotesign.ErrDecided) {
		t.Errorf("code after refusal: err = %v, want ErrDecided", err)
	}
	if _, err := f.svc.Refuse(ctx, "12345678Z", req.ID); !errors.Is(err, remotesign.ErrNotYours) {
		t.Errorf("someone else refusing: err = %v, want ErrNotYours", err)
	}
}

// TestExpire: unanswered for 5 minutes, a request expires once (the sweep
// and a late poll agree), is reported, and cannot be approved any more,
// even with a code sent in time.
func TestExpire(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	req := f.request(t, []byte("doc"))
	sent, err := f.svc.SendCode(ctx, "12345678Z", "substantial", req.ID, i18n.EN)
	if err != nil {
		t.Fatal(err)
	}
	code, _ := f.sms.last(t, "12345678Z")
	if n, err := f.svc.ExpireDue(ctx, f.clock.Now()); err != nil || n != 0 {
		t.Fatalf("expired before its time: %d, %v", n, err)
	}
	f.clock.Add(5 * time.Minute)
	if _, err := f.svc.Approve(ctx, "12345678Z", "substantial", req.ID, sent.CodeID, code); !errors.Is(err, remotesign.ErrExpired) {
		t.Errorf("approval at the deadline: err = %v, want ErrExpired", err)
	}
	got, err := f.svc.ForClient(ctx, f.client.ID, req.ID)
	if err != nil || got.State != store.SignExpired || got.Reason != remotesign.ReasonTimeout {
		t.Fatalf("poll after the deadline: %+v, %v", got, err)
	}
	if n, err := f.svc.ExpireDue(ctx, f.clock.Now().Add(time.Hour)); err != nil || n != 0 {
		t.Errorf("expired twice: %d, %v", n, err)
	}
	if res := f.rp.next(t); res.State != store.SignExpired {
		t.Errorf("callback %+v", res)
	}
	// The sweep, for a request nobody polls.
	other := f.request(t, []byte("doc 2"))
	f.clock.Add(6 * time.Minute)
	if n, err := f.svc.ExpireDue(ctx, f.clock.Now()); err != nil || n != 1 {
		t.Errorf("sweep: %d, %v", n, err)
	}
	if res := f.rp.next(t); res.ID != other.ID || res.State != store.SignExpired {
		t.Errorf("callback %+v", res)
	}
}

// TestOnePersonDecides: the first person to ask for the code takes the
// request; nobody else sees or decides it; a low session cannot sign.
func TestOnePersonDecides(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	req := f.request(t, []byte("doc"))
	if _, err := f.svc.SendCode(ctx, "12345678Z", "low", req.ID, i18n.EN); !errors.Is(err, remotesign.ErrLevel) {
		t.Errorf("low session: err = %v, want ErrLevel", err)
	}
	sent, err := f.svc.SendCode(ctx, "12345678Z", "substantial", req.ID, i18n.EN)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.ForPerson(ctx, "X1234567L", req.ID); !errors.Is(err, remotesign.ErrNotYours) {
		t.Errorf("another person viewing: err = %v, want ErrNotYours", err)
	}
	if _, err := f.svc.SendCode(ctx, "X1234567L", "substantial", req.ID, i18n.EN); !errors.Is(err, remotesign.ErrNotYours) {
		t.Errorf("another person's code: err = %v, want ErrNotYours", err)
	}
	code, _ := f.sms.last(t, "12345678Z")
	if _, err := f.svc.Approve(ctx, "X1234567L", "substantial", req.ID, sent.CodeID, code); err == nil {
		t.Error("another person approved with the code")
	}
	if _, err := f.svc.Approve(ctx, "12345678Z", "low", req.ID, sent.CodeID, code); !errors.Is(err, remotesign.ErrLevel) {
		t.Errorf("approval from a low session: err = %v, want ErrLevel", err)
	}
	if _, err := f.svc.ForClient(ctx, "another-office", req.ID); !errors.Is(err, remotesign.ErrNotFound) {
		t.Errorf("another office polling: err = %v, want ErrNotFound", err)
	}
	// The code still works for its person: nothing above spent it.
	if _, err := f.svc.Approve(ctx, "12345678Z", "substantial", req.ID, sent.CodeID, code); err != nil {
		t.Errorf("the right person: %v", err)
	}
}

// TestNewKeyWhenTheRegistryChanges: a certificate that no longer names
// the person as the registry does is replaced, the old key revoked.
func TestNewKeyWhenTheRegistryChanges(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	first := f.approve(t, "12345678Z", f.request(t, []byte("a")).ID)
	old, _ := f.st.ActiveRemoteSigningKey(ctx, "12345678Z")
	p, _ := f.st.GetPerson(ctx, "12345678Z")
	p.SecondSurname = "Gil de Biedma"
	if err := f.st.UpsertPerson(ctx, p); err != nil {
		t.Fatal(err)
	}
	second := f.approve(t, "12345678Z", f.request(t, []byte("b")).ID)
	if bytes.Equal(first.SignerCert, second.SignerCert) {
		t.Fatal("the old certificate signed after the registry changed")
	}
	cert := hasRemotePolicy(t, f.ca, second.SignerCert)
	if !strings.Contains(cert.Subject.CommonName, "GIL DE BIEDMA") {
		t.Errorf("new certificate CN %q", cert.Subject.CommonName)
	}
	now, _ := f.st.ActiveRemoteSigningKey(ctx, "12345678Z")
	if now.Label == old.Label {
		t.Error("the same key is still in use")
	}
	firstCert, _ := x509.ParseCertificate(first.SignerCert)
	if rec, err := f.st.GetCertificate(ctx, firstCert.SerialNumber.Text(16)); err != nil || rec.RevokedAt.IsZero() || rec.RevocationReason != ocsp.Superseded {
		t.Errorf("the replaced certificate is not revoked as superseded: %+v, %v", rec.RevokedAt, err)
	}
	if e, err := f.st.GetOCSP(ctx, firstCert.SerialNumber.Text(16)); err != nil {
		t.Error(err)
	} else if resp, err := ocsp.ParseResponse(e.DER, f.ca.Issuing()); err != nil || resp.Status != ocsp.Revoked {
		t.Errorf("OCSP of the replaced certificate: %v, %v", resp, err)
	}
	// A revoked key record is replaced too.
	if err := f.st.RevokeRemoteSigningKey(ctx, now.Label, f.clock.Now()); err != nil {
		t.Fatal(err)
	}
	third := f.approve(t, "12345678Z", f.request(t, []byte("c")).ID)
	if bytes.Equal(third.SignerCert, second.SignerCert) {
		t.Error("a revoked key signed")
	}
}

// TestSigningFailureIsReported: a signer that fails ends the request as
// failed, and the relying party hears so.
func TestSigningFailureIsReported(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	req := f.request(t, []byte("doc"))
	f.svc.SetSigners(failingSigner{}, nil)
	sent, err := f.svc.SendCode(ctx, "12345678Z", "substantial", req.ID, i18n.EN)
	if err != nil {
		t.Fatal(err)
	}
	code, _ := f.sms.last(t, "12345678Z")
	if _, err := f.svc.Approve(ctx, "12345678Z", "substantial", req.ID, sent.CodeID, code); !errors.Is(err, remotesign.ErrSigningFailed) {
		t.Fatalf("err = %v, want ErrSigningFailed", err)
	}
	if res := f.rp.next(t); res.State != store.SignFailed || res.Reason != remotesign.ReasonSigningFailed {
		t.Errorf("callback %+v", res)
	}
}

// TestCallbackRetries: a relying party that fails twice gets the third
// try.
func TestCallbackRetries(t *testing.T) {
	f := newFixture(t, nil)
	f.rp.fail = 2
	req := f.request(t, []byte("doc"))
	f.approve(t, "12345678Z", req.ID)
	if res := f.rp.next(t); res.ID != req.ID || res.State != store.SignApproved {
		t.Errorf("callback %+v", res)
	}
	f.svc.Wait()
	if got, _ := f.st.GetSignatureRequest(context.Background(), req.ID); got.DeliveredAt.IsZero() {
		t.Error("delivery not recorded")
	}
}

// TestSignPDF is the /sign page's service side: a PDF in, a signed PDF
// out once, that poppler's pdfsig reports valid and signed by the person;
// nothing kept after the download.
func TestSignPDF(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	in := samplePDF("Contrato de alquiler")
	if _, err := f.svc.CreatePDF(ctx, "12345678Z", "low", "c.pdf", in); !errors.Is(err, remotesign.ErrLevel) {
		t.Errorf("low: err = %v", err)
	}
	if _, err := f.svc.CreatePDF(ctx, "12345678Z", "substantial", "c.pdf", []byte("GIF89a")); !errors.Is(err, remotesign.ErrNotPDF) {
		t.Errorf("not a PDF: err = %v", err)
	}
	if _, err := f.svc.CreatePDF(ctx, "12345678Z", "substantial", "c.pdf", append([]byte("%PDF-"), make([]byte, 10<<20)...)); !errors.Is(err, remotesign.ErrPDFTooLarge) {
		t.Errorf("too large: err = %v", err)
	}
	req, err := f.svc.CreatePDF(ctx, "12345678Z", "substantial", `C:\Users\ana\contrato "final".pdf`, in)
	if err != nil {
		t.Fatal(err)
	}
	if req.DocumentName != "contrato final.pdf" || req.ClientID != "" {
		t.Errorf("request %+v", req)
	}
	if _, _, err := f.svc.TakeSignedPDF(ctx, "12345678Z", req.ID); !errors.Is(err, remotesign.ErrNoDocument) {
		t.Errorf("download before signing: err = %v", err)
	}
	f.approve(t, "12345678Z", req.ID)
	if _, _, err := f.svc.TakeSignedPDF(ctx, "X1234567L", req.ID); !errors.Is(err, remotesign.ErrNotFound) {
		t.Errorf("someone else's download: err = %v", err)
	}
	_, signed, err := f.svc.TakeSignedPDF(ctx, "12345678Z", req.ID)
	if err != nil || !bytes.HasPrefix(signed, in[:len(in)-10]) || len(signed) <= len(in) {
		t.Fatalf("signed PDF: %d bytes, %v", len(signed), err)
	}
	if _, _, err := f.svc.TakeSignedPDF(ctx, "12345678Z", req.ID); !errors.Is(err, remotesign.ErrNoDocument) {
		t.Errorf("second download: err = %v", err)
	}
	if doc, _ := f.st.SignatureDocument(ctx, req.ID); len(doc) != 0 {
		t.Error("the PDF is still kept after the download")
	}
	pdfsigVerifyAs(t, f, signed, "RUIZ GIL ANA - 12345678Z")

	// A signed PDF nobody downloads goes after an hour.
	left, err := f.svc.CreatePDF(ctx, "12345678Z", "substantial", "olvidado.pdf", in)
	if err != nil {
		t.Fatal(err)
	}
	f.approve(t, "12345678Z", left.ID)
	if n, err := f.svc.PurgePDFs(ctx, f.clock.Now().Add(59*time.Minute)); err != nil || n != 0 {
		t.Errorf("purged within the hour: %d, %v", n, err)
	}
	if n, err := f.svc.PurgePDFs(ctx, f.clock.Now().Add(61*time.Minute)); err != nil || n != 1 {
		t.Errorf("purge after an hour: %d, %v", n, err)
	}
	if _, _, err := f.svc.TakeSignedPDF(ctx, "12345678Z", left.ID); !errors.Is(err, remotesign.ErrNoDocument) {
		t.Errorf("download after the purge: err = %v", err)
	}
}

func pdfsigVerifyAs(t *testing.T, f *fixture, signed []byte, signer string) {
	t.Helper()
	if _, err := exec.LookPath("pdfsig"); err != nil {
		t.Skip("pdfsig is not installed (apt-get install poppler-utils)")
	}
	dir := t.TempDir()
	p := filepath.Join(dir, "signed.pdf")
	if err := os.WriteFile(p, signed, 0o600); err != nil {
		t.Fatal(err)
	}
	// poppler trusts the NSS database it is given: one holding llavero's
	// root, as a relying party's would.
	out, err := exec.Command("pdfsig", p).CombinedOutput()
	if err != nil {
		t.Fatalf("pdfsig: %v\n%s", err, out)
	}
	s := string(out)
	if !strings.Contains(s, "Signature is Valid") || !strings.Contains(s, signer) {
		t.Errorf("pdfsig does not report a valid signature by %s:\n%s", signer, s)
	}
}
