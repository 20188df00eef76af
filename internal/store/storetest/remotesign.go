package storetest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"reflect"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/llavero/llavero/internal/store"
)

// The remote-signing cases join the table from here, so the shared table
// in storetest.go stays as it is.
func init() {
	cases = append(cases, []struct {
		name string
		run  func(t *testing.T, s store.Store)
	}{
		{"SignatureRequestRoundTrip", testSignatureRequestRoundTrip},
		{"SignatureRequestRefusals", testSignatureRequestRefusals},
		{"SignatureRequestDecidedOnce", testSignatureRequestDecidedOnce},
		{"SignatureDocument", testSignatureDocument},
		{"SignatureRequestsPersonAndExpired", testSignatureRequestsPersonAndExpired},
		{"RemoteSigningKeys", testRemoteSigningKeys},
	}...)
}

func fullSignatureRequest(id string) store.SignatureRequest {
	sum := sha256.Sum256([]byte("solicitud de canje " + id))
	return store.SignatureRequest{
		ID: id, Kind: store.SignKindDigest, ClientID: "c1", ClientName: "Sede de Tráfico",
		Description: "Solicitud de canje de permiso de conducir (Ucrania → España)", DocumentName: "canje-2025-0001.pdf",
		HashAlg: "SHA-256", Digest: sum[:], CallbackURI: "https://trafico.example.es/firma/callback",
		ReturnURI: "https://trafico.example.es/firma/vuelta", State: store.SignRequested,
		CreatedAt: time.Date(2025, 6, 1, 10, 0, 0, 123456789, madrid), ExpiresAt: time.Date(2025, 6, 1, 10, 5, 0, 0, madrid),
	}
}

func testSignatureRequestRoundTrip(t *testing.T, s store.Store) {
	ctx := context.Background()
	want := fullSignatureRequest("sr1")
	if err := s.CreateSignatureRequest(ctx, want, nil); err != nil {
		t.Fatal(err)
	}
	want.CreatedAt = want.CreatedAt.Truncate(time.Microsecond).UTC()
	want.ExpiresAt = want.ExpiresAt.UTC()
	got, err := s.GetSignatureRequest(ctx, "sr1")
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("round trip:\n got %#v, %v\nwant %#v", got, err, want)
	}
	if err := s.CreateSignatureRequest(ctx, fullSignatureRequest("sr1"), nil); !errors.Is(err, store.ErrConflict) {
		t.Errorf("duplicate ID: err = %v, want ErrConflict", err)
	}
	if _, err := s.GetSignatureRequest(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown ID: err = %v, want ErrNotFound", err)
	}
	decided := time.Date(2025, 6, 1, 10, 1, 0, 999, time.UTC)
	cms, cert := der(1, 1500), der(2, 700)
	got, err = s.UpdateSignatureRequest(ctx, "sr1", func(r *store.SignatureRequest) error {
		r.PersonID, r.State, r.DecidedAt, r.Signature, r.SignerCert = "X1234567L", store.SignApproved, decided, cms, cert
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	read, err := s.GetSignatureRequest(ctx, "sr1")
	if err != nil || !reflect.DeepEqual(read, got) {
		t.Errorf("after approval:\n read %#v, %v\n want %#v", read, err, got)
	}
	if !read.DecidedAt.Equal(decided.Truncate(time.Microsecond)) || !bytes.Equal(read.Signature, cms) || !bytes.Equal(read.SignerCert, cert) ||
		!read.DeliveredAt.IsZero() {
		t.Errorf("DecidedAt = %v, signature %d bytes, cert %d bytes, DeliveredAt %v", read.DecidedAt, len(read.Signature), len(read.SignerCert), read.DeliveredAt)
	}
	if _, err := s.UpdateSignatureRequest(ctx, "nope", func(*store.SignatureRequest) error { return nil }); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("updating an unknown ID: err = %v, want ErrNotFound", err)
	}
	if _, err := s.UpdateSignatureRequest(ctx, "sr1", func(*store.SignatureRequest) error { return errBoom }); !errors.Is(err, errBoom) {
		t.Errorf("fn error: err = %v, want it returned", err)
	}
}

// testSignatureRequestRefusals: what the person approves cannot be
// changed after the request was made, and the schema holds its values to
// the model's.
func testSignatureRequestRefusals(t *testing.T, s store.Store) {
	ctx := context.Background()
	if err := s.CreateSignatureRequest(ctx, fullSignatureRequest("sr1"), nil); err != nil {
		t.Fatal(err)
	}
	for name, change := range map[string]func(*store.SignatureRequest){
		"ID":          func(r *store.SignatureRequest) { r.ID = "sr2" },
		"CreatedAt":   func(r *store.SignatureRequest) { r.CreatedAt = r.CreatedAt.Add(time.Second) },
		"Digest":      func(r *store.SignatureRequest) { r.Digest = bytes.Repeat([]byte{7}, 32) },
		"HashAlg":     func(r *store.SignatureRequest) { r.HashAlg = "SHA-512" },
		"Description": func(r *store.SignatureRequest) { r.Description = "otra cosa" },
		"Document":    func(r *store.SignatureRequest) { r.DocumentName = "otro.pdf" },
		"Client":      func(r *store.SignatureRequest) { r.ClientID = "c2" },
		"Callback":    func(r *store.SignatureRequest) { r.CallbackURI = "https://evil.example/" },
		"State":       func(r *store.SignatureRequest) { r.State = "bogus" },
	} {
		if _, err := s.UpdateSignatureRequest(ctx, "sr1", func(r *store.SignatureRequest) error { change(r); return nil }); err == nil {
			t.Errorf("changing %s was accepted", name)
		}
	}
	for name, change := range map[string]func(*store.SignatureRequest){
		"digest length": func(r *store.SignatureRequest) { r.Digest = r.Digest[:20] },
		"hash":          func(r *store.SignatureRequest) { r.HashAlg = "MD5" },
		"kind":          func(r *store.SignatureRequest) { r.Kind = "xml" },
	} {
		r := fullSignatureRequest("bad-" + name)
		change(&r)
		if err := s.CreateSignatureRequest(ctx, r, nil); err == nil {
			t.Errorf("a request with a bad %s was stored", name)
		}
	}
	got, err := s.GetSignatureRequest(ctx, "sr1")
	if err != nil || got.State != store.SignRequested || got.Description != fullSignatureRequest("sr1").Description {
		t.Errorf("after refused changes: %+v, %v", got, err)
	}
}

// testSignatureRequestDecidedOnce: of many concurrent decisions on one
// open request, exactly one sees it open.
func testSignatureRequestDecidedOnce(t *testing.T, s store.Store) {
	ctx := context.Background()
	if err := s.CreateSignatureRequest(ctx, fullSignatureRequest("sr1"), nil); err != nil {
		t.Fatal(err)
	}
	var won atomic.Int32
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			err := s.InTx(ctx, func(tx store.Tx) error {
				_, err := tx.UpdateSignatureRequest(ctx, "sr1", func(r *store.SignatureRequest) error {
					if r.State == store.SignRequested {
						r.State = []string{store.SignApproved, store.SignRefused}[i%2]
						won.Add(1)
					}
					return nil
				})
				return err
			})
			if err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if n := won.Load(); n != 1 {
		t.Errorf("%d decisions saw the request open, want 1", n)
	}
}

func testSignatureDocument(t *testing.T, s store.Store) {
	ctx := context.Background()
	pdf := append([]byte("%PDF-1.7\n"), der(3, 200000)...)
	r := fullSignatureRequest("sr1")
	r.Kind, r.ClientID, r.ClientName, r.CallbackURI, r.ReturnURI = store.SignKindPDF, "", "llavero", "", ""
	if err := s.CreateSignatureRequest(ctx, r, pdf); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateSignatureRequest(ctx, fullSignatureRequest("sr2"), nil); err != nil {
		t.Fatal(err)
	}
	if got, err := s.SignatureDocument(ctx, "sr1"); err != nil || !bytes.Equal(got, pdf) {
		t.Fatalf("document: %d bytes, %v; want %d", len(got), err, len(pdf))
	}
	if got, err := s.SignatureDocument(ctx, "sr2"); err != nil || got == nil || len(got) != 0 {
		t.Errorf("no document: %q, %v; want empty, non-nil", got, err)
	}
	if _, err := s.SignatureDocument(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown ID: err = %v, want ErrNotFound", err)
	}
	// An update of the request leaves the document alone.
	if _, err := s.UpdateSignatureRequest(ctx, "sr1", func(r *store.SignatureRequest) error { r.PersonID = "X1234567L"; return nil }); err != nil {
		t.Fatal(err)
	}
	signed := append(bytes.Clone(pdf), []byte("\n% signed\n")...)
	// Replaced and cleared in a transaction that rolls back: nothing changes.
	err := s.InTx(ctx, func(tx store.Tx) error {
		if err := tx.SetSignatureDocument(ctx, "sr1", signed); err != nil {
			return err
		}
		return errBoom
	})
	if !errors.Is(err, errBoom) {
		t.Fatal(err)
	}
	if got, _ := s.SignatureDocument(ctx, "sr1"); !bytes.Equal(got, pdf) {
		t.Error("a rolled-back replacement was kept")
	}
	if err := s.SetSignatureDocument(ctx, "sr1", signed); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.SignatureDocument(ctx, "sr1"); !bytes.Equal(got, signed) {
		t.Error("the replacement was not kept")
	}
	// Decided, it is due for the purge only once decided before t and
	// while it holds bytes; a digest request never is.
	if _, err := s.UpdateSignatureRequest(ctx, "sr1", func(r *store.SignatureRequest) error {
		r.State, r.DecidedAt = store.SignApproved, r.CreatedAt.Add(time.Minute)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.UpdateSignatureRequest(ctx, "sr2", func(r *store.SignatureRequest) error {
		r.State, r.DecidedAt = store.SignApproved, r.CreatedAt.Add(time.Minute)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	at := fullSignatureRequest("sr1").CreatedAt.Add(time.Minute)
	if ids, err := s.SignatureDocumentsToPurge(ctx, at, 0); err != nil || len(ids) != 0 {
		t.Errorf("purge at the decision = %v, %v; want none", ids, err)
	}
	if ids, err := s.SignatureDocumentsToPurge(ctx, at.Add(time.Second), 0); err != nil || !reflect.DeepEqual(ids, []string{"sr1"}) {
		t.Errorf("purge after the decision = %v, %v; want [sr1]", ids, err)
	}
	if err := s.SetSignatureDocument(ctx, "sr1", nil); err != nil {
		t.Fatal(err)
	}
	if ids, err := s.SignatureDocumentsToPurge(ctx, at.Add(time.Hour), 0); err != nil || len(ids) != 0 {
		t.Errorf("purge of an emptied document = %v, %v; want none", ids, err)
	}
	if got, err := s.SignatureDocument(ctx, "sr1"); err != nil || len(got) != 0 {
		t.Errorf("after clearing: %d bytes, %v", len(got), err)
	}
	if err := s.SetSignatureDocument(ctx, "nope", pdf); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown ID: err = %v, want ErrNotFound", err)
	}
}

func testSignatureRequestsPersonAndExpired(t *testing.T, s store.Store) {
	ctx := context.Background()
	base := time.Date(2025, 6, 1, 10, 0, 0, 0, time.UTC)
	mk := func(id, person, state string, created time.Time) {
		t.Helper()
		r := fullSignatureRequest(id)
		r.PersonID, r.State, r.CreatedAt, r.ExpiresAt = person, state, created, created.Add(5*time.Minute)
		if err := s.CreateSignatureRequest(ctx, r, nil); err != nil {
			t.Fatal(err)
		}
	}
	mk("a", "X1234567L", store.SignApproved, base)
	mk("b", "X1234567L", store.SignRefused, base.Add(time.Minute))
	mk("c", "87654321X", store.SignRequested, base.Add(2*time.Minute))
	mk("d", "", store.SignRequested, base.Add(3*time.Minute))
	mk("e", "X1234567L", store.SignRequested, base.Add(4*time.Minute))
	mk("f", "", store.SignRequested, base.Add(10*time.Minute))

	got, err := s.ListPersonSignatureRequests(ctx, "X1234567L", 0)
	if err != nil {
		t.Fatal(err)
	}
	if ids := signatureIDs(got); !reflect.DeepEqual(ids, []string{"e", "b", "a"}) {
		t.Errorf("history = %v, want newest first [e b a]", ids)
	}
	if got, _ := s.ListPersonSignatureRequests(ctx, "X1234567L", 2); len(got) != 2 {
		t.Errorf("limit 2: %d requests", len(got))
	}
	if got, err := s.ListPersonSignatureRequests(ctx, "11111111H", 0); err != nil || got == nil || len(got) != 0 {
		t.Errorf("nobody's history = %v, %v; want empty, non-nil", got, err)
	}
	// Open requests past their time, oldest first; decided ones never.
	ids, err := s.SignatureRequestsExpired(ctx, base.Add(9*time.Minute+time.Second), 0)
	if err != nil || !reflect.DeepEqual(ids, []string{"c", "d", "e"}) {
		t.Errorf("expired at +9m1s = %v, %v; want [c d e]", ids, err)
	}
	if ids, _ := s.SignatureRequestsExpired(ctx, base.Add(9*time.Minute+time.Second), 1); !reflect.DeepEqual(ids, []string{"c"}) {
		t.Errorf("limit 1 = %v", ids)
	}
	if ids, _ := s.SignatureRequestsExpired(ctx, base.Add(8*time.Minute), 0); !reflect.DeepEqual(ids, []string{"c"}) {
		t.Errorf("expired at +8m = %v, want [c] (d's ExpiresAt equal to t is not before it)", ids)
	}
	if _, err := s.UpdateSignatureRequest(ctx, "c", func(r *store.SignatureRequest) error { r.State = store.SignExpired; return nil }); err != nil {
		t.Fatal(err)
	}
	if ids, _ := s.SignatureRequestsExpired(ctx, base.Add(9*time.Minute+time.Second), 0); !reflect.DeepEqual(ids, []string{"d", "e"}) {
		t.Errorf("after expiring c = %v, want [d e]", ids)
	}
}

func signatureIDs(rs []store.SignatureRequest) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.ID
	}
	return out
}

func testRemoteSigningKeys(t *testing.T, s store.Store) {
	ctx := context.Background()
	at := time.Date(2025, 6, 1, 10, 0, 0, 4321, madrid)
	k1 := store.RemoteSigningKey{Label: "remote-1", PersonID: "X1234567L", CertDER: der(4, 600), CreatedAt: at}
	if err := s.CreateRemoteSigningKey(ctx, k1); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ActiveRemoteSigningKey(ctx, "87654321X"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("no key: err = %v, want ErrNotFound", err)
	}
	got, err := s.ActiveRemoteSigningKey(ctx, "X1234567L")
	want := k1
	want.CreatedAt = at.Truncate(time.Microsecond).UTC()
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("active key:\n got %#v, %v\nwant %#v", got, err, want)
	}
	// A second key in use for the same person, or a label used twice, is a
	// conflict; it leaves an enclosing transaction usable.
	err = s.InTx(ctx, func(tx store.Tx) error {
		if err := tx.CreateRemoteSigningKey(ctx, store.RemoteSigningKey{Label: "remote-2", PersonID: "X1234567L", CertDER: der(5, 600), CreatedAt: at}); !errors.Is(err, store.ErrConflict) {
			t.Errorf("second active key: err = %v, want ErrConflict", err)
		}
		if err := tx.CreateRemoteSigningKey(ctx, store.RemoteSigningKey{Label: "remote-1", PersonID: "87654321X", CertDER: der(5, 600), CreatedAt: at}); !errors.Is(err, store.ErrConflict) {
			t.Errorf("label used twice: err = %v, want ErrConflict", err)
		}
		return tx.CreateRemoteSigningKey(ctx, store.RemoteSigningKey{Label: "remote-3", PersonID: "87654321X", CertDER: der(6, 600), CreatedAt: at})
	})
	if err != nil {
		t.Fatal(err)
	}
	// Revoked, the key leaves room for a new one, in one transaction.
	revoked := at.Add(time.Hour)
	err = s.InTx(ctx, func(tx store.Tx) error {
		if err := tx.RevokeRemoteSigningKey(ctx, "remote-1", revoked); err != nil {
			return err
		}
		return tx.CreateRemoteSigningKey(ctx, store.RemoteSigningKey{Label: "remote-4", PersonID: "X1234567L", CertDER: der(7, 600), CreatedAt: revoked})
	})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := s.ActiveRemoteSigningKey(ctx, "X1234567L"); err != nil || got.Label != "remote-4" {
		t.Errorf("after renewal: %v, %v; want remote-4", got.Label, err)
	}
	if err := s.RevokeRemoteSigningKey(ctx, "remote-1", revoked.Add(time.Hour)); err != nil {
		t.Errorf("revoking twice: %v", err)
	}
	if err := s.RevokeRemoteSigningKey(ctx, "nope", revoked); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown label: err = %v, want ErrNotFound", err)
	}
	for i := range 3 {
		if err := s.CreateRemoteSigningKey(ctx, store.RemoteSigningKey{Label: "bad" + strconv.Itoa(i), PersonID: []string{"", "Y1234567X", "Y1234567X"}[i],
			CertDER: [][]byte{der(8, 10), nil, der(8, 10)}[i]}); i < 2 && err == nil {
			t.Errorf("key %d without person or certificate was stored", i)
		}
	}
}
