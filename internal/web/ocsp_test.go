package web

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
	"errors"
	"io"
	"log/slog"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/crypto/ocsp"

	"github.com/llavero/llavero/internal/ra"
)

// ocspStatusName reads an OCSP answer for x: "good", "revoked", or the
// OCSP error status.
func ocspStatusName(t testing.TB, e *certEnv, resp *http.Response, b []byte, x *x509.Certificate) string {
	t.Helper()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/ocsp-response" {
		t.Fatalf("OCSP: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	r, err := ocsp.ParseResponseForCert(b, x, e.ca.Issuing())
	var re ocsp.ResponseError
	if errors.As(err, &re) {
		return re.Status.String()
	}
	if err != nil {
		t.Fatal(err)
	}
	switch r.Status {
	case ocsp.Good:
		return "good"
	case ocsp.Revoked:
		return "revoked"
	}
	return "unknown"
}

func ocspRequest(t testing.TB, e *certEnv, x *x509.Certificate, h crypto.Hash) []byte {
	t.Helper()
	req, err := ocsp.CreateRequest(x, e.ca.Issuing(), &ocsp.RequestOptions{Hash: h})
	if err != nil {
		t.Fatal(err)
	}
	return req
}

func ocspPost(t testing.TB, e *certEnv, x *x509.Certificate) string {
	t.Helper()
	resp, err := e.main.Client().Post(e.main.URL+"/ocsp", "application/ocsp-request", bytes.NewReader(ocspRequest(t, e, x, 0)))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if cc := resp.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("POST answer Cache-Control %q", cc)
	}
	return ocspStatusName(t, e, resp, b, x)
}

func ocspGet(t testing.TB, e *certEnv, x *x509.Certificate) string {
	t.Helper()
	return ocspGetPath(t, e, x, url.PathEscape(base64.StdEncoding.EncodeToString(ocspRequest(t, e, x, 0))))
}

func ocspGetPath(t testing.TB, e *certEnv, x *x509.Certificate, p string) string {
	t.Helper()
	resp, err := e.main.Client().Get(e.main.URL + "/ocsp/" + p)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if cc := resp.Header.Get("Cache-Control"); resp.StatusCode == 200 && cc != "public, max-age=60" {
		t.Errorf("GET answer Cache-Control %q", cc)
	}
	return ocspStatusName(t, e, resp, b, x)
}

func TestOCSP(t *testing.T) {
	e := newCertEnv(t)
	_, x, _ := e.certified("X1234567L", "Kovalenko")

	t.Run("POST and GET", func(t *testing.T) {
		if s := ocspPost(t, e, x); s != "good" {
			t.Errorf("POST: %s", s)
		}
		if s := ocspGet(t, e, x); s != "good" {
			t.Errorf("GET: %s", s)
		}
		b64 := base64.StdEncoding.EncodeToString(ocspRequest(t, e, x, 0))
		if s := ocspGetPath(t, e, x, strings.TrimRight(b64, "=")); s != "good" {
			t.Errorf("GET without padding: %s", s)
		}
		if !strings.Contains(b64, "+") && !strings.Contains(b64, "/") {
			// An unescaped request is legal only without these; fine
			// either way, but say what was tested.
			t.Log("request base64 has no + or /")
		}
	})

	t.Run("other hashes", func(t *testing.T) {
		for _, h := range []crypto.Hash{crypto.SHA256, crypto.SHA384, crypto.SHA512} {
			resp, err := e.main.Client().Post(e.main.URL+"/ocsp", "application/ocsp-request", bytes.NewReader(ocspRequest(t, e, x, h)))
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if s := ocspStatusName(t, e, resp, b, x); s != "good" {
				t.Errorf("hash %v: %s", h, s)
			}
		}
	})

	t.Run("unknown serial", func(t *testing.T) {
		ghost := &x509.Certificate{SerialNumber: big.NewInt(12345)}
		if s := ocspPost(t, e, ghost); s != "unauthorized" {
			t.Errorf("unknown serial: %s", s)
		}
	})

	t.Run("another issuer", func(t *testing.T) {
		// Same serial as a real certificate, but a CA that is not ours.
		key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Other CA"}, IsCA: true,
			BasicConstraintsValid: true, NotBefore: time.Now(), NotAfter: time.Now().Add(time.Hour)}
		der, _ := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
		other, _ := x509.ParseCertificate(der)
		req, err := ocsp.CreateRequest(&x509.Certificate{SerialNumber: x.SerialNumber}, other, nil)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := e.main.Client().Post(e.main.URL+"/ocsp", "application/ocsp-request", bytes.NewReader(req))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if s := ocspStatusName(t, e, resp, b, x); s != "unauthorized" {
			t.Errorf("another issuer's serial: %s", s)
		}
	})

	t.Run("malformed", func(t *testing.T) {
		for name, send := range map[string]func() (*http.Response, error){
			"POST garbage": func() (*http.Response, error) {
				return e.main.Client().Post(e.main.URL+"/ocsp", "application/ocsp-request", strings.NewReader("hello"))
			},
			"POST too large": func() (*http.Response, error) {
				return e.main.Client().Post(e.main.URL+"/ocsp", "application/ocsp-request", bytes.NewReader(make([]byte, 1<<20)))
			},
			"GET not base64": func() (*http.Response, error) { return e.main.Client().Get(e.main.URL + "/ocsp/%21%21%21") },
			"GET empty":      func() (*http.Response, error) { return e.main.Client().Get(e.main.URL + "/ocsp/") },
		} {
			resp, err := send()
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if s := ocspStatusName(t, e, resp, b, x); s != "malformed" {
				t.Errorf("%s: %s", name, s)
			}
		}
	})

	t.Run("double slash kept", func(t *testing.T) {
		// Requests for unknown serials, until one's base64 holds "//",
		// sent unescaped as some clients do: path cleaning must not eat
		// a slash (which would answer "malformed").
		for i := int64(1); i < 20000; i++ {
			ghost := &x509.Certificate{SerialNumber: big.NewInt(i)}
			b64 := base64.StdEncoding.EncodeToString(ocspRequest(t, e, ghost, 0))
			if !strings.Contains(b64, "//") {
				continue
			}
			if s := ocspGetPath(t, e, ghost, b64); s != "unauthorized" {
				t.Fatalf("request with // in its base64: %s", s)
			}
			return
		}
		t.Skip("no request with // found")
	})

	t.Run("revoked", func(t *testing.T) {
		if _, err := e.ra.Revoke(context.Background(), ra.SerialHex(x.SerialNumber), ocsp.Superseded, "test"); err != nil {
			t.Fatal(err)
		}
		if s := ocspGet(t, e, x); s != "revoked" {
			t.Errorf("GET after revocation: %s", s)
		}
	})
}

// BenchmarkOCSPPost measures an OCSP answer through the full middleware
// chain, with the request log on (JSON, at info, as in production) and
// off, to show what the log costs.
func BenchmarkOCSPPost(b *testing.B) {
	e := newCertEnv(b)
	_, x, _ := e.certified("X1234567L", "Kovalenko")
	req := ocspRequest(b, e, x, 0)
	for _, tc := range []struct {
		name string
		log  *slog.Logger
	}{
		{"log=info", slog.New(slog.NewJSONHandler(io.Discard, nil))},
		{"log=off", slog.New(slog.DiscardHandler)},
	} {
		b.Run(tc.name, func(b *testing.B) {
			s, _ := newTestServer(b, Config{PublicURL: testPublicURL, Logger: tc.log})
			s.MountCertificates(e.deps)
			h := s.Handler()
			b.ReportAllocs()
			for b.Loop() {
				r := httptest.NewRequest("POST", "/ocsp", bytes.NewReader(req))
				r.Header.Set("Content-Type", "application/ocsp-request")
				w := httptest.NewRecorder()
				h.ServeHTTP(w, r)
				if w.Code != 200 || w.Body.Len() < 100 {
					b.Fatalf("status %d, %d bytes", w.Code, w.Body.Len())
				}
			}
		})
	}
}

// BenchmarkOCSPPostHTTP answers OCSP over real loopback HTTP connections,
// from as many clients as GOMAXPROCS allows, the way the load run does.
func BenchmarkOCSPPostHTTP(b *testing.B) {
	e := newCertEnv(b)
	_, x, _ := e.certified("X1234567L", "Kovalenko")
	req := ocspRequest(b, e, x, 0)
	s, _ := newTestServer(b, Config{PublicURL: testPublicURL, Logger: slog.New(slog.NewJSONHandler(io.Discard, nil))})
	s.MountCertificates(e.deps)
	ts := httptest.NewServer(s.Handler())
	defer ts.Close()
	tr := &http.Transport{MaxIdleConnsPerHost: 64}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}
	var failed atomic.Int64
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			resp, err := client.Post(ts.URL+"/ocsp", "application/ocsp-request", bytes.NewReader(req))
			if err != nil {
				failed.Add(1)
				continue
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				failed.Add(1)
			}
		}
	})
	if n := failed.Load(); n > 0 {
		b.Fatalf("%d requests failed", n)
	}
}
