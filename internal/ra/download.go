package ra

import (
	"context"
	"crypto/x509"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"time"

	"golang.org/x/crypto/ocsp"

	"github.com/llavero/llavero/internal/audit"
	"github.com/llavero/llavero/internal/i18n"
	"github.com/llavero/llavero/internal/identity"
	"github.com/llavero/llavero/internal/keystore"
	"github.com/llavero/llavero/internal/store"
)

// challengeTTL is how long a download challenge may be used.
const challengeTTL = 5 * time.Minute

// NewChallenge returns a fresh download challenge: 16 random bytes and the
// time it was made. The client signs it with the application's key. No node
// keeps it: freshness comes from the time inside, and possession from the
// signature, which only the key's holder can make; a replay within the
// five minutes would only fetch a certificate, which is public anyway.
func (r *RA) NewChallenge() (string, error) {
	var b [24]byte
	if _, err := io.ReadFull(r.rand, b[:16]); err != nil {
		return "", err
	}
	binary.BigEndian.PutUint64(b[16:], uint64(r.now().Unix()))
	return base64.RawURLEncoding.EncodeToString(b[:]), nil
}

func (r *RA) checkChallenge(ch string) ([]byte, error) {
	b, err := base64.RawURLEncoding.DecodeString(ch)
	if err != nil || len(b) != 24 {
		return nil, ErrChallenge
	}
	at := time.Unix(int64(binary.BigEndian.Uint64(b[16:])), 0)
	now := r.now()
	if now.Sub(at) > challengeTTL || at.Sub(now) > time.Minute {
		return nil, ErrChallenge
	}
	return b, nil
}

// DownloadRequest is the citizen's proof: who they are, the code, and a
// signature over a challenge made with the application's private key.
type DownloadRequest struct {
	ID        string
	Surname   string
	Code      string
	Challenge string
	Signature []byte
	ClientKey string // the caller's network address, for the per-client limit
}

// Download hands over the certificate of an approved application to
// whoever proves they hold its key. Each way it can fail has its own
// refusal, because each has a different way forward.
func (r *RA) Download(ctx context.Context, req DownloadRequest) (store.Certificate, error) {
	app, person, err := r.lookupByCode(ctx, req.ID, req.Code, req.ClientKey)
	if err != nil {
		return store.Certificate{}, err
	}
	if err := identity.CheckSurname(req.Surname, person.FirstSurname); err != nil {
		return store.Certificate{}, err
	}
	if err := r.usable(app); err != nil {
		return store.Certificate{}, err
	}
	ch, err := r.checkChallenge(req.Challenge)
	if err != nil {
		return store.Certificate{}, err
	}
	pub, err := x509.ParsePKIXPublicKey(app.PublicKey)
	if err != nil {
		return store.Certificate{}, fmt.Errorf("download: stored key: %w", err)
	}
	if err := keystore.VerifyChallenge(pub, ch, req.Signature); err != nil {
		return store.Certificate{}, ErrKeyMismatch.Wrap(err)
	}
	cert, err := r.st.GetCertificate(ctx, app.CertSerial)
	if err != nil {
		return store.Certificate{}, err
	}
	if !cert.RevokedAt.IsZero() {
		return store.Certificate{}, ErrNotRevocable
	}
	now := r.now().UTC().Truncate(time.Microsecond)
	err = r.st.InTx(ctx, func(tx store.Tx) error {
		first := false
		if _, err := tx.UpdateApplication(ctx, app.ID, func(a *store.Application) error {
			if a.State == store.AppApproved {
				a.State, a.DownloadedAt, first = store.AppDownloaded, now, true
			}
			return nil
		}); err != nil {
			return err
		}
		_, err := r.audit.Record(ctx, tx, audit.Event{Actor: "citizen:" + person.ID, Action: "cert.download", Subject: person.ID, Outcome: audit.OK,
			Detail: map[string]any{"application": app.ID, "serial": cert.Serial, "first": first}})
		return err
	})
	if err != nil {
		return store.Certificate{}, err
	}
	r.clearAttempts(ctx, person.ID)
	return cert, nil
}

// usable says whether an application can be downloaded, and if not, why.
func (r *RA) usable(app store.Application) error {
	switch app.State {
	case store.AppApproved, store.AppDownloaded:
		return nil
	case store.AppCancelled:
		return ErrCancelled
	case store.AppRefused:
		if t, ok := refusalReasons[app.RefusalCode]; ok && app.RefusalCode != "other" {
			e := *ErrRefused
			e.Next = t
			return &e
		}
		return ErrRefused
	}
	if r.now().After(app.ExpiresAt) {
		return ErrCodeExpired
	}
	return ErrNotChecked
}

// CancelRequest identifies an application as Download does, without the key:
// cancelling is how a person whose key is lost gets out.
type CancelRequest struct {
	ID, Surname, Code, ClientKey string
}

// Cancel cancels an application. If its certificate was already issued
// (but the key is lost, so it cannot be used), the certificate is revoked.
func (r *RA) Cancel(ctx context.Context, req CancelRequest) error {
	app, person, err := r.lookupByCode(ctx, req.ID, req.Code, req.ClientKey)
	if err != nil {
		return err
	}
	if err := identity.CheckSurname(req.Surname, person.FirstSurname); err != nil {
		return err
	}
	if app.State == store.AppCancelled || app.State == store.AppRefused {
		return ErrCancelled
	}
	now := r.now().UTC().Truncate(time.Microsecond)
	err = r.st.InTx(ctx, func(tx store.Tx) error {
		if _, err := tx.UpdateApplication(ctx, app.ID, func(a *store.Application) error {
			a.State = store.AppCancelled
			return nil
		}); err != nil {
			return err
		}
		_, err := r.audit.Record(ctx, tx, audit.Event{Actor: "citizen:" + person.ID, Action: "cert.cancel", Subject: person.ID, Outcome: audit.OK,
			Detail: map[string]any{"application": app.ID}})
		return err
	})
	if err != nil {
		return err
	}
	r.clearAttempts(ctx, person.ID)
	if app.CertSerial != "" {
		if _, err := r.Revoke(ctx, app.CertSerial, ocsp.CessationOfOperation, "citizen:"+person.ID); err != nil && !errors.Is(err, ErrNotRevocable) {
			return err
		}
	}
	_ = now
	return nil
}

// AppStatus is where an application stands, for the citizen.
type AppStatus struct {
	Application store.Application
	Expired     bool
	Certificate *store.Certificate
	Next        i18n.Text
}

// ApplicationStatus tells a person (who knows the code) where their
// application stands and what to do next.
func (r *RA) ApplicationStatus(ctx context.Context, id, surname, code, clientKey string) (AppStatus, error) {
	app, person, err := r.lookupByCode(ctx, id, code, clientKey)
	if err != nil {
		return AppStatus{}, err
	}
	if err := identity.CheckSurname(surname, person.FirstSurname); err != nil {
		return AppStatus{}, err
	}
	st := AppStatus{Application: app, Expired: app.State == store.AppPending && r.now().After(app.ExpiresAt)}
	if app.CertSerial != "" {
		if c, err := r.st.GetCertificate(ctx, app.CertSerial); err == nil {
			st.Certificate = &c
		}
	}
	if err := r.usable(app); err != nil {
		if ie, ok := i18n.As(err); ok {
			st.Next = ie.Next
		}
	} else {
		st.Next = i18n.T("Descarga el certificado en el ordenador donde hiciste la solicitud: «llavero cert download».",
			"Download the certificate on the computer where you applied: \"llavero cert download\".")
	}
	r.clearAttempts(ctx, person.ID)
	return st, nil
}
