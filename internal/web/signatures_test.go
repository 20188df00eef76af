package web

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"regexp"
	"testing"
	"time"

	"github.com/digitorus/pkcs7"

	"github.com/llavero/llavero/internal/ca"
	"github.com/llavero/llavero/internal/ca/catest"
	"github.com/llavero/llavero/internal/i18n"
	"github.com/llavero/llavero/internal/i18n/i18ntest"
	"github.com/llavero/llavero/internal/signing/validate"
)

func TestSignatureErrorsBilingual(t *testing.T) {
	i18ntest.CheckBilingual(t, map[string]*i18n.Error{"errSignatureForm": errSignatureForm, "errSignatureMissing": errSignatureMissing,
		"errSignatureTooLarge": errSignatureTooLarge, "errSignatureBusy": errSignatureBusy}, regexp.MustCompile(`^signatures\.[a-z_]+$`))
}

// notRevoked answers that every certificate is good.
type notRevoked struct{}

func (notRevoked) Status(context.Context, *x509.Certificate, *x509.Certificate) (validate.RevocationStatus, error) {
	return validate.RevocationStatus{Known: true, Source: "test"}, nil
}

func multipartBody(t *testing.T, files map[string][]byte) (*bytes.Buffer, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for name, data := range files {
		fw, err := mw.CreateFormFile(name, name+".bin")
		if err != nil {
			t.Fatal(err)
		}
		fw.Write(data)
	}
	mw.Close()
	return &buf, mw.FormDataContentType()
}

func TestValidateSignatureAPI(t *testing.T) {
	c := catest.New(t)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	cert, err := c.IssuePerson(context.Background(), key.Public(), ca.Person{ID: "12345678Z", GivenName: "Ana", FirstSurname: "Ruiz"}, time.Now().Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	content := []byte("documento")
	sd, _ := pkcs7.NewSignedData(content)
	sd.SetDigestAlgorithm(pkcs7.OIDDigestAlgorithmSHA256)
	if err := sd.AddSignerChain(cert, key, []*x509.Certificate{c.Issuing()}, pkcs7.SignerInfoConfig{}); err != nil {
		t.Fatal(err)
	}
	sd.Detach()
	sig, err := sd.Finish()
	if err != nil {
		t.Fatal(err)
	}

	s, _ := newTestServer(t, Config{})
	s.MountSignatures(SignatureDeps{
		Validator:    &validate.Validator{Roots: validate.Pool(c.Root()), Intermediates: []*x509.Certificate{c.Issuing()}, Revocation: notRevoked{}},
		MaxSignature: 1 << 20, MaxContent: 1 << 10,
	})
	post := func(files map[string][]byte, ctype string) *httptest.ResponseRecorder {
		body, mt := multipartBody(t, files)
		if ctype != "" {
			mt = ctype
		}
		req := httptest.NewRequest(http.MethodPost, "https://llavero.example/api/v1/signatures/validate", body)
		req.Header.Set("Content-Type", mt)
		req.Header.Set("Accept-Language", "en")
		rec := httptest.NewRecorder()
		s.Handler().ServeHTTP(rec, req)
		return rec
	}

	for _, tc := range []struct {
		name       string
		files      map[string][]byte
		ctype      string
		status     int
		indication validate.Indication
		sub        validate.SubIndication
		code       string
	}{
		{name: "good detached", files: map[string][]byte{"signature": sig, "content": content}, status: 200, indication: validate.Passed},
		{name: "changed content", files: map[string][]byte{"signature": sig, "content": []byte("Documento")}, status: 200, indication: validate.Failed, sub: validate.HashFailure},
		{name: "content missing", files: map[string][]byte{"signature": sig}, status: 200, indication: validate.Indeterminate, sub: validate.SignedDataNotFound},
		{name: "garbage", files: map[string][]byte{"signature": []byte("garbage")}, status: 200, indication: validate.Failed, sub: validate.FormatFailure},
		{name: "no signature field", files: map[string][]byte{"content": content}, status: 400, code: "signatures.missing"},
		{name: "content too large", files: map[string][]byte{"signature": sig, "content": make([]byte, 2<<10)}, status: 413, code: "signatures.too_large"},
		{name: "not multipart", files: map[string][]byte{"signature": sig}, ctype: "application/json", status: 400, code: "signatures.form"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := post(tc.files, tc.ctype)
			if rec.Code != tc.status {
				t.Fatalf("status %d, want %d: %s", rec.Code, tc.status, rec.Body)
			}
			if tc.code != "" {
				var e errorBody
				if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || e.Code != tc.code || e.Message == "" || e.Next == "" {
					t.Errorf("error body %s", rec.Body)
				}
				return
			}
			var rep validate.Report
			if err := json.Unmarshal(rec.Body.Bytes(), &rep); err != nil {
				t.Fatal(err)
			}
			if rep.Indication != tc.indication || rep.SubIndication != tc.sub {
				t.Errorf("%s/%s, want %s/%s: %s", rep.Indication, rep.SubIndication, tc.indication, tc.sub, rec.Body)
			}
			if tc.indication == validate.Passed && (len(rep.Signatures) != 1 || rep.Signatures[0].Signer.ID != "12345678Z") {
				t.Errorf("report %s", rec.Body)
			}
		})
	}
}
