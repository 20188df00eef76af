package validate

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/ocsp"

	"github.com/llavero/llavero/internal/ca"
	"github.com/llavero/llavero/internal/ca/catest"
	"github.com/llavero/llavero/internal/store"
	"github.com/llavero/llavero/internal/store/sqlite"
)

// TestStoreRevocation reads revocations from a real (SQLite) store, as the
// RA writes them.
func TestStoreRevocation(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "llavero.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.UpsertPerson(ctx, store.Person{ID: "12345678Z", GivenName: "Ana", FirstSurname: "Ruiz", BirthDate: time.Date(1990, 1, 1, 0, 0, 0, 0, time.UTC)}); err != nil {
		t.Fatal(err)
	}
	p := newPKI(t)
	c := p.citizen
	serial := c.SerialNumber.Text(16)
	if err := st.CreateCertificate(ctx, store.Certificate{Serial: serial, Kind: store.CertPerson, PersonID: "12345678Z", DER: c.Raw,
		NotBefore: c.NotBefore, NotAfter: c.NotAfter, CreatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	src := StoreRevocation{Certs: st, Issuer: p.ca.Issuing()}

	got, err := src.Status(ctx, c, p.ca.Issuing())
	if err != nil || !got.Known || got.Revoked {
		t.Fatalf("fresh certificate: %+v, %v", got, err)
	}
	at := time.Now().Add(-time.Minute).UTC().Truncate(time.Second)
	if _, err := st.UpdateCertificate(ctx, serial, func(r *store.Certificate) error {
		r.RevokedAt, r.RevocationReason = at, ocsp.KeyCompromise
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	got, err = src.Status(ctx, c, p.ca.Issuing())
	if err != nil || !got.Known || !got.Revoked || !got.RevokedAt.Equal(at) || got.Reason != ocsp.KeyCompromise {
		t.Fatalf("revoked certificate: %+v, %v", got, err)
	}

	// Not this source's: another issuer, an unknown serial, a certificate
	// that only shares the serial.
	stranger := newPKI(t)
	if got, err := src.Status(ctx, stranger.citizen, stranger.ca.Issuing()); err != nil || got.Known {
		t.Errorf("other issuer: %+v, %v", got, err)
	}
	_, unknown := p.person(t, "44444444A")
	if got, err := src.Status(ctx, unknown, p.ca.Issuing()); err != nil || got.Known {
		t.Errorf("unknown serial: %+v, %v", got, err)
	}
	twin := *unknown
	twin.SerialNumber = c.SerialNumber
	if got, err := src.Status(ctx, &twin, p.ca.Issuing()); err != nil || got.Known {
		t.Errorf("same serial, other certificate: %+v, %v", got, err)
	}
}

// statusServer answers OCSP and CRL requests for a CA whose certificates
// point at it.
type statusServer struct {
	mu        sync.Mutex
	ca        *ca.CA
	revoked   map[string]time.Time
	ocspDown  bool
	crlDown   bool
	ocspCalls int
	crlCalls  int
}

func (s *statusServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now()
	switch r.URL.Path {
	case ca.PathOCSP:
		s.ocspCalls++
		if s.ocspDown {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		body, _ := io.ReadAll(r.Body)
		req, err := ocsp.ParseRequest(body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		status, at, reason := ocsp.Good, time.Time{}, 0
		if t, ok := s.revoked[req.SerialNumber.Text(16)]; ok {
			status, at, reason = ocsp.Revoked, t, ocsp.KeyCompromise
		}
		der, err := s.ca.SignOCSP(req.SerialNumber, status, at, reason, now.Add(-time.Minute), now.Add(time.Hour))
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Write(der)
	case ca.PathCRL:
		s.crlCalls++
		if s.crlDown {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		var list []ca.Revoked
		for serial, t := range s.revoked {
			n, _ := new(big.Int).SetString(serial, 16)
			list = append(list, ca.Revoked{Serial: n, RevokedAt: t, Reason: ocsp.KeyCompromise})
		}
		der, err := s.ca.SignCRL(list, big.NewInt(1), now.Add(-time.Minute), now.Add(time.Hour))
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Write(der)
	default:
		http.NotFound(w, r)
	}
}

// TestNetworkRevocation asks a CA's OCSP responder, and its CRL when the
// responder is down, for certificates of a CA in the trust list.
func TestNetworkRevocation(t *testing.T) {
	ctx := context.Background()
	ss := &statusServer{revoked: map[string]time.Time{}}
	srv := httptest.NewServer(ss)
	t.Cleanup(srv.Close)
	opts := catest.Options(t)
	opts.BaseURL = srv.URL
	c, err := ca.Open(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	ss.ca = c
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	cert, err := c.IssuePerson(ctx, key.Public(), ca.Person{ID: "12345678Z", GivenName: "Ana", FirstSurname: "Ruiz"}, time.Now().Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	src := NetworkRevocation{HTTP: srv.Client()}
	revokedAt := time.Now().Add(-10 * time.Minute).UTC().Truncate(time.Second)

	for _, tc := range []struct {
		name              string
		revoked, ocspDown bool
		crlDown           bool
		wantRevoked       bool
		wantErr           bool
		wantOCSP, wantCRL int
	}{
		{name: "good by OCSP", wantOCSP: 1},
		{name: "revoked by OCSP", revoked: true, wantRevoked: true, wantOCSP: 1},
		{name: "revoked by CRL, OCSP down", revoked: true, ocspDown: true, wantRevoked: true, wantOCSP: 1, wantCRL: 1},
		{name: "good by CRL, OCSP down", ocspDown: true, wantOCSP: 1, wantCRL: 1},
		{name: "both down", ocspDown: true, crlDown: true, wantErr: true, wantOCSP: 1, wantCRL: 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ss.mu.Lock()
			ss.revoked = map[string]time.Time{}
			if tc.revoked {
				ss.revoked[cert.SerialNumber.Text(16)] = revokedAt
			}
			ss.ocspDown, ss.crlDown, ss.ocspCalls, ss.crlCalls = tc.ocspDown, tc.crlDown, 0, 0
			ss.mu.Unlock()
			got, err := src.Status(ctx, cert, c.Issuing())
			if (err != nil) != tc.wantErr {
				t.Fatalf("error %v, want error %v", err, tc.wantErr)
			}
			if !tc.wantErr && (!got.Known || got.Revoked != tc.wantRevoked) {
				t.Errorf("status %+v", got)
			}
			if tc.wantRevoked && !got.RevokedAt.Equal(revokedAt) {
				t.Errorf("revoked at %v, want %v", got.RevokedAt, revokedAt)
			}
			if ss.ocspCalls != tc.wantOCSP || ss.crlCalls != tc.wantCRL {
				t.Errorf("OCSP asked %d times, CRL %d; want %d, %d", ss.ocspCalls, ss.crlCalls, tc.wantOCSP, tc.wantCRL)
			}
		})
	}

	// Sources: the store first (it does not know this CA), then the
	// network.
	p := newPKI(t)
	chain := Sources{StoreRevocation{Certs: p.certs, Issuer: p.ca.Issuing()}, src}
	ss.mu.Lock()
	ss.ocspDown, ss.crlDown = false, false
	ss.mu.Unlock()
	if got, err := chain.Status(ctx, cert, c.Issuing()); err != nil || !got.Known || got.Source != "OCSP "+srv.URL+ca.PathOCSP {
		t.Errorf("sources: %+v, %v", got, err)
	}
}

func TestLoadTrust(t *testing.T) {
	p, q := newPKI(t), newPKI(t)
	dir := t.TempDir()
	bundle := filepath.Join(dir, "bundle.pem")
	os.WriteFile(bundle, append(pemCert(p.ca.Root()), pemCert(q.ca.Root())...), 0o600)
	sub := filepath.Join(dir, "anchors")
	os.Mkdir(sub, 0o700)
	os.WriteFile(filepath.Join(sub, "a.crt"), p.ca.Issuing().Raw, 0o600) // DER
	os.WriteFile(filepath.Join(sub, "b.pem"), pemCert(q.ca.Issuing()), 0o600)
	os.WriteFile(filepath.Join(sub, "README"), []byte("not a certificate"), 0o600)

	certs, err := LoadTrust(bundle, sub)
	if err != nil {
		t.Fatal(err)
	}
	if len(certs) != 4 {
		t.Fatalf("%d certificates, want 4", len(certs))
	}
	bad := filepath.Join(dir, "bad.pem")
	os.WriteFile(bad, []byte("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"), 0o600)
	for _, path := range []string{bad, filepath.Join(dir, "missing.pem")} {
		if _, err := LoadTrust(path); !errors.Is(err, ErrTrustList) {
			t.Errorf("LoadTrust(%s): %v", path, err)
		}
	}
}

// TestValidateWithNetworkRevocation: a CA of the trust list, whose status
// llavero learns over OCSP (or its CRL), as `llavero verify --network` does.
func TestValidateWithNetworkRevocation(t *testing.T) {
	ss := &statusServer{revoked: map[string]time.Time{}}
	srv := httptest.NewServer(ss)
	t.Cleanup(srv.Close)
	p := newPKIAt(t, srv.URL)
	ss.ca = p.ca
	revokedKey, revoked := p.person(t, "11111111H")
	ss.revoked[revoked.SerialNumber.Text(16)] = time.Now().Add(-time.Hour).UTC().Truncate(time.Second)
	content := []byte("x")
	good := p.makeCAdES(t, p.citizenKey, p.citizen, content, cadesOpts{})
	bad := p.makeCAdES(t, revokedKey, revoked, content, cadesOpts{})
	v := &Validator{Roots: Pool(p.ca.Root()), Revocation: NetworkRevocation{HTTP: srv.Client()}}

	for _, tc := range []struct {
		name   string
		sig    []byte
		down   bool
		want   Indication
		sub    SubIndication
		source string
	}{
		{"good", good, false, Passed, "", "OCSP"},
		{"revoked", bad, false, Failed, Revoked, ""},
		{"responders down", good, true, Indeterminate, TryLater, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ss.mu.Lock()
			ss.ocspDown, ss.crlDown = tc.down, tc.down
			ss.mu.Unlock()
			r := v.Validate(context.Background(), Input{Signature: tc.sig})
			if r.Indication != tc.want || r.SubIndication != tc.sub {
				t.Errorf("%s/%s, want %s/%s\n%s", r.Indication, r.SubIndication, tc.want, tc.sub, dump(r))
			}
			if c := findCheck(r.Signatures[0], "certificate.revocation"); tc.source != "" && (c == nil || !strings.Contains(c.Text.EN, tc.source)) {
				t.Errorf("revocation check %+v", c)
			}
		})
	}
}
