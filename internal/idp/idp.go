// Package idp is the identity provider's core: accounts and their
// registration levels, and the login methods that prove a person is who
// they say (PIN by SMS, password with an SMS one-time code, certificate).
// It decides; the web layer and the OpenID provider carry its decisions.
//
// Every decision is one store transaction with its audit event, every code
// is stored hashed and bound to its person and purpose, every guessable
// code has a try limit and a request rate limit kept in the database (so
// all nodes count together), and every refusal is an *i18n.Error that says
// what to do next.
package idp

import (
	"context"
	"crypto/rand"
	"crypto/x509"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/llavero/llavero/internal/audit"
	"github.com/llavero/llavero/internal/i18n"
	"github.com/llavero/llavero/internal/idp/otp"
	"github.com/llavero/llavero/internal/idp/password"
	"github.com/llavero/llavero/internal/store"
)

// Notifier sends the SMS and letters of the account's life.
type Notifier interface {
	SMS(ctx context.Context, to, personID string, lang i18n.Lang, body string) (store.Message, error)
	Letter(ctx context.Context, p store.Person, lang i18n.Lang, subject, body, reference string) (store.Message, error)
	Email(ctx context.Context, to, personID string, lang i18n.Lang, subject, body string) (store.Message, error)
}

// CertificateHolder is what the IdP needs of the RA: who holds a valid
// certificate presented over TLS.
type CertificateHolder interface {
	Holder(ctx context.Context, cert *x509.Certificate) (store.Certificate, error)
}

// Config holds the IdP's rules; zero values take DOMAIN.md's defaults.
type Config struct {
	PINTTL             time.Duration // 10 minutes
	PINTries           int           // wrong tries per code: 5
	CodesPerHour       int           // codes sent per person per hour: 5
	LetterTTL          time.Duration // invitation letter code: 30 days
	PasswordTries      int           // wrong passwords before the lock: 5
	Password           password.Params
	AllowForeignPhones bool
	// HardwareTokenPolicies are the certificate policies that mean "the
	// key is on a cryptographic token": a certificate login with one of
	// them reaches the high level. The deployment's policy decides; the
	// server puts the CA's TokenPolicy here.
	HardwareTokenPolicies []x509.OID
	Video                 VideoConfig // registration by video identification
	// CodeKey keys the HMAC under which one-time codes are stored; every
	// node of a deployment must share it.
	CodeKey []byte
	// WebAuthnRPID is the relying-party ID of the app's passkeys: the
	// public URL's host. Empty turns the app login off.
	WebAuthnRPID string
	// WebAuthnOrigins are the origins whose pages may register and use
	// the passkeys: the public URL's.
	WebAuthnOrigins []string
}

// IdP is the identity provider core.
type IdP struct {
	st     store.Store
	notify Notifier
	certs  CertificateHolder
	audit  *audit.Log
	cfg    Config
	now    func() time.Time
	rand   io.Reader
	log    *slog.Logger
	wa     *webauthn.WebAuthn

	dummyOnce sync.Once
	dummy     string
}

// New returns an IdP. now and rnd may be nil (real clock, crypto/rand).
func New(st store.Store, n Notifier, certs CertificateHolder, cfg Config, now func() time.Time, rnd io.Reader, log *slog.Logger) (*IdP, error) {
	if err := otp.CheckKey(cfg.CodeKey); err != nil {
		return nil, fmt.Errorf("idp: one-time code key: %w", err)
	}
	if cfg.PINTTL == 0 {
		cfg.PINTTL = 10 * time.Minute
	}
	if cfg.PINTries == 0 {
		cfg.PINTries = 5
	}
	if cfg.CodesPerHour == 0 {
		cfg.CodesPerHour = 5
	}
	if cfg.LetterTTL == 0 {
		cfg.LetterTTL = 30 * 24 * time.Hour
	}
	if cfg.PasswordTries == 0 {
		cfg.PasswordTries = 5
	}
	if cfg.Password.Time == 0 {
		cfg.Password = password.DefaultParams
	}
	if now == nil {
		now = time.Now
	}
	if rnd == nil {
		rnd = rand.Reader
	}
	if log == nil {
		log = slog.Default()
	}
	wa, err := newWebAuthn(cfg)
	if err != nil {
		return nil, fmt.Errorf("idp: app login: %w", err)
	}
	return &IdP{st: st, notify: n, certs: certs, audit: audit.New(now, rnd), cfg: cfg, now: now, rand: rnd, log: log, wa: wa}, nil
}

func (p *IdP) clock() time.Time { return p.now().UTC().Truncate(time.Microsecond) }

func (p *IdP) randomID() (string, error) {
	var b [16]byte
	if _, err := io.ReadFull(p.rand, b[:]); err != nil {
		return "", err
	}
	return hex.EncodeToString(b[:]), nil
}

func (p *IdP) record(ctx context.Context, tx store.Tx, actor, action, subject, outcome string, detail map[string]any) error {
	_, err := p.audit.Record(ctx, tx, audit.Event{Actor: actor, Action: action, Subject: subject, Outcome: outcome, Detail: detail})
	return err
}

// Run does the IdP's periodic housekeeping until ctx ends: expired
// sessions, QR challenges and passkey ceremonies are deleted, so the tables
// hold only live ones, and the bytes of video evidence go once their
// retention after the decision has passed. Safe on several nodes at once.
func (p *IdP) Run(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if n, err := p.PurgeVideoEvidence(ctx); err != nil && ctx.Err() == nil {
			p.log.Error("video evidence not purged", "err", err)
		} else if n > 0 {
			p.log.Info("video evidence purged", "pieces", n)
		}
		if n, err := p.st.DeleteExpiredSessions(ctx, p.now()); err != nil && ctx.Err() == nil {
			p.log.Error("expired sessions not purged", "err", err)
		} else if n > 0 {
			p.log.Debug("expired sessions purged", "count", n)
		}
		if n, err := p.st.DeleteExpiredAppLogins(ctx, p.now()); err != nil && ctx.Err() == nil {
			p.log.Error("expired app logins not purged", "err", err)
		} else if n > 0 {
			p.log.Debug("expired app logins purged", "count", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
