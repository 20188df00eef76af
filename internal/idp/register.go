package idp

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/llavero/llavero/internal/audit"
	"github.com/llavero/llavero/internal/i18n"
	"github.com/llavero/llavero/internal/identity"
	"github.com/llavero/llavero/internal/idp/otp"
	"github.com/llavero/llavero/internal/ra"
	"github.com/llavero/llavero/internal/registry"
	"github.com/llavero/llavero/internal/store"
)

// Refusals of registration.
var (
	ErrPhoneTaken = i18n.New("account.phone_taken",
		i18n.T("Ese número de móvil ya está registrado con otro número de identificación.", "That mobile number is already registered to another identity number."),
		i18n.T("Un móvil solo puede estar en una cuenta. Usa otro número, o pide en una oficina que lo liberen si es tuyo.",
			"A mobile number can only be on one account. Use another number, or ask an office to release it if it is yours."))
	ErrNoAccount = i18n.New("account.none",
		i18n.T("No tienes cuenta todavía.", "You do not have an account yet."),
		i18n.T("Regístrate: con tu certificado es inmediato y queda en nivel avanzado; si no lo tienes, pide la carta de invitación o ve a una oficina.",
			"Register: with your certificate it is immediate and advanced; without one, ask for the invitation letter or visit an office."))
	ErrAlreadyAdvanced = i18n.New("account.already_advanced",
		i18n.T("Tu cuenta ya está registrada con nivel avanzado.", "Your account is already registered at the advanced level."),
		i18n.T("No necesitas registrarte otra vez: entra con el método que prefieras.", "You do not need to register again: log in with the method you prefer."))
	ErrAlreadyRegistered = i18n.New("account.exists",
		i18n.T("Ya tienes una cuenta.", "You already have an account."),
		i18n.T("Entra con tu método habitual. Para subir a nivel avanzado entra una vez con tu certificado o ve a una oficina.",
			"Log in with your usual method. To reach the advanced level, log in once with your certificate or visit an office."))
	ErrEmail = i18n.New("account.email",
		i18n.T("El correo electrónico no es válido.", "The email address is not valid."),
		i18n.T("Escribe una dirección que leas, por ejemplo nombre@ejemplo.es, o déjalo vacío.", "Type an address you read, for example name@example.org, or leave it empty."))
	ErrLetterPending = i18n.New("letter.pending",
		i18n.T("Ya te enviamos una carta de invitación hace poco.", "We already sent you an invitation letter recently."),
		i18n.T("Las cartas tardan unos días. Si no llega en 10 días, pide otra; o regístrate ya con tu certificado o en una oficina.",
			"Letters take a few days. If it has not arrived in 10 days, ask for another; or register now with your certificate or at an office."))
	ErrLetterCode = i18n.New("letter.code",
		i18n.T("El código de la carta no es correcto o ya no vale.", "The letter code is not right or no longer valid."),
		i18n.T("Cópialo tal como aparece en la carta (16 caracteres). Los códigos valen 30 días y se usan una vez; si caducó, pide otra carta.",
			"Copy it exactly as printed on the letter (16 characters). Codes are valid for 30 days and work once; if it expired, ask for another letter."))
)

// letterResendAfter is how long a person waits before asking for another
// letter: long enough for the post, short enough not to strand them.
const letterResendAfter = 10 * 24 * time.Hour

// Contact is what a person gives when registering.
type Contact struct {
	Mobile string
	Email  string
	Lang   i18n.Lang
}

func (p *IdP) contact(c Contact) (mobile, email string, err error) {
	if strings.TrimSpace(c.Mobile) != "" {
		ph, err := identity.ParsePhone(c.Mobile, identity.PhoneOptions{AllowForeign: p.cfg.AllowForeignPhones})
		if err != nil {
			return "", "", err
		}
		mobile = ph.E164
	}
	email = strings.TrimSpace(c.Email)
	if email != "" {
		if !identity.IsEmail(email) {
			return "", "", ErrEmail
		}
	}
	return mobile, email, nil
}

// upsertAccount creates the account at level, or raises an existing one
// (never lowers it), and records the decision.
func (p *IdP) upsertAccount(ctx context.Context, tx store.Tx, personID, level, via string, c Contact, mobile, email, actor string) (store.Account, error) {
	now := p.clock()
	var acc store.Account
	_, err := tx.GetAccount(ctx, personID)
	switch {
	case errors.Is(err, store.ErrNotFound):
		acc = store.Account{PersonID: personID, Level: level, RegisteredVia: via, Mobile: mobile, Email: email,
			Lang: string(c.Lang), CreatedAt: now, UpdatedAt: now}
		if err := tx.CreateAccount(ctx, acc); err != nil {
			if errors.Is(err, store.ErrConflict) {
				return store.Account{}, ErrPhoneTaken
			}
			return store.Account{}, err
		}
	case err != nil:
		return store.Account{}, err
	default:
		acc, err = tx.UpdateAccount(ctx, personID, func(a *store.Account) error {
			if level == store.LevelAdvanced && a.Level != store.LevelAdvanced {
				a.Level, a.RegisteredVia = store.LevelAdvanced, via
			}
			if mobile != "" {
				a.Mobile = mobile
			}
			if email != "" {
				a.Email = email
			}
			a.UpdatedAt = now
			return nil
		})
		if errors.Is(err, store.ErrConflict) {
			return store.Account{}, ErrPhoneTaken
		}
		if err != nil {
			return store.Account{}, err
		}
	}
	return acc, p.record(ctx, tx, actor, "account.register", personID, audit.OK, map[string]any{"level": acc.Level, "via": via})
}

// RegisterWithCertificate registers (or upgrades to advanced) the holder of
// a valid certificate from this platform, at once: the certificate already
// proves who they are. Changing the mobile number online is allowed only
// this way.
func (p *IdP) RegisterWithCertificate(ctx context.Context, cert *x509.Certificate, c Contact) (store.Account, error) {
	holder, err := p.certs.Holder(ctx, cert)
	if err != nil {
		return store.Account{}, err
	}
	mobile, email, err := p.contact(c)
	if err != nil {
		return store.Account{}, err
	}
	var acc store.Account
	err = p.st.InTx(ctx, func(tx store.Tx) error {
		acc, err = p.upsertAccount(ctx, tx, holder.PersonID, store.LevelAdvanced, store.ViaCertificate, c, mobile, email, "citizen:"+holder.PersonID)
		return err
	})
	return acc, err
}

// RegisterAtOffice registers a person whose document an operator has just
// checked: advanced, in the same visit. The document is judged against the
// registry exactly as for a certificate application.
func (p *IdP) RegisterAtOffice(ctx context.Context, desk ra.Desk, personID string, chk ra.Check, c Contact) (store.Account, error) {
	if !handles(desk.Office, "account") {
		return store.Account{}, ra.ErrOfficeCannot
	}
	person, err := registry.New(p.st).Lookup(ctx, personID)
	if err != nil {
		return store.Account{}, err
	}
	if code, err := ra.CheckDocument(person, chk, p.now()); err != nil {
		if code != "" {
			p.log.Info("office registration refused", "person", person.ID, "reason", code)
		}
		return store.Account{}, err
	}
	mobile, email, err := p.contact(c)
	if err != nil {
		return store.Account{}, err
	}
	var acc store.Account
	err = p.st.InTx(ctx, func(tx store.Tx) error {
		acc, err = p.upsertAccount(ctx, tx, person.ID, store.LevelAdvanced, store.ViaOffice, c, mobile, email, "operator:"+desk.Operator.ID)
		return err
	})
	return acc, err
}

func handles(o store.Office, what string) bool {
	for _, h := range o.Handles {
		if h == what {
			return true
		}
	}
	return false
}

// LetterSent tells the citizen what happened to their request for a letter.
type LetterSent struct {
	ExpiresAt time.Time
	City      string // where it goes, without the street: enough to recognise, too little to learn
}

// RequestLetter sends an invitation letter with a one-time code to the
// fiscal address the registry holds for the person. The person learns only
// the city it goes to.
func (p *IdP) RequestLetter(ctx context.Context, rawID string, lang i18n.Lang) (LetterSent, error) {
	person, err := registry.New(p.st).Lookup(ctx, rawID)
	if err != nil {
		return LetterSent{}, err
	}
	now := p.clock()
	if _, err := p.st.GetAccount(ctx, person.ID); err == nil {
		return LetterSent{}, ErrAlreadyRegistered
	} else if !errors.Is(err, store.ErrNotFound) {
		return LetterSent{}, err
	}
	recent, err := p.st.ListCodes(ctx, store.CodeFilter{PersonID: person.ID, Purpose: store.CodeLetter, Since: now.Add(-letterResendAfter), Limit: 1})
	if err != nil {
		return LetterSent{}, err
	}
	if len(recent) > 0 {
		return LetterSent{}, ErrLetterPending
	}
	code, err := otp.NewLetterCode(p.rand)
	if err != nil {
		return LetterSent{}, err
	}
	id, err := p.randomID()
	if err != nil {
		return LetterSent{}, err
	}
	oc := store.OneTimeCode{ID: id, PersonID: person.ID, Purpose: store.CodeLetter, CodeHash: otp.Hash(p.cfg.CodeKey, store.CodeLetter, person.ID, code),
		Channel: "letter", Destination: person.City, CreatedAt: now, ExpiresAt: now.Add(p.cfg.LetterTTL)}
	err = p.st.InTx(ctx, func(tx store.Tx) error {
		if err := tx.CreateCode(ctx, oc); err != nil {
			return err
		}
		return p.record(ctx, tx, "citizen:"+person.ID, "account.letter_requested", person.ID, audit.OK, nil)
	})
	if err != nil {
		return LetterSent{}, err
	}
	subject := i18n.T("Tu código para registrarte en llavero", "Your code to register with llavero")
	body := i18n.Tf("Has pedido registrarte en llavero sin certificado.\n\nCódigo de registro: %s\nVálido hasta: %s, una sola vez.\n\nEscríbelo junto a tu número de identificación en la página de registro. Tu cuenta quedará en nivel básico: algunos trámites piden nivel avanzado, que consigues entrando una vez con tu certificado o en una oficina.\n\nSi no lo pediste tú, no hagas nada.",
		"You asked to register with llavero without a certificate.\n\nRegistration code: %s\nValid until: %s, once.\n\nType it with your identity number on the registration page. Your account will be basic: some procedures need the advanced level, which you get by logging in once with your certificate or at an office.\n\nIf you did not ask for this, do nothing.",
		code, now.Add(p.cfg.LetterTTL).Format("2006-01-02"))
	if _, err := p.notify.Letter(ctx, person, lang, subject.In(lang), body.In(lang), "L-"+id[:8]); err != nil {
		return LetterSent{}, fmt.Errorf("the letter could not be produced: %w", err)
	}
	return LetterSent{ExpiresAt: oc.ExpiresAt, City: person.City}, nil
}

// RegisterWithLetter registers a person at the basic level with the code
// from their invitation letter.
func (p *IdP) RegisterWithLetter(ctx context.Context, rawID, code string, c Contact, clientKey string) (store.Account, error) {
	person, err := registry.New(p.st).Lookup(ctx, rawID)
	if err != nil {
		return store.Account{}, err
	}
	if err := p.limitTries(ctx, "letter:"+person.ID, clientKey); err != nil {
		return store.Account{}, err
	}
	mobile, email, err := p.contact(c)
	if err != nil {
		return store.Account{}, err
	}
	now := p.clock()
	codes, err := p.st.ListCodes(ctx, store.CodeFilter{PersonID: person.ID, Purpose: store.CodeLetter, Since: now.Add(-p.cfg.LetterTTL), Limit: 5})
	if err != nil {
		return store.Account{}, err
	}
	var match *store.OneTimeCode
	for i := range codes {
		if codes[i].UsedAt.IsZero() && now.Before(codes[i].ExpiresAt) && otp.Verify(p.cfg.CodeKey, store.CodeLetter, person.ID, code, codes[i].CodeHash) {
			match = &codes[i]
			break
		}
	}
	if match == nil {
		return store.Account{}, ErrLetterCode
	}
	var acc store.Account
	err = p.st.InTx(ctx, func(tx store.Tx) error {
		if _, err := tx.UpdateCode(ctx, match.ID, func(oc *store.OneTimeCode) error {
			if !oc.UsedAt.IsZero() {
				return ErrLetterCode
			}
			oc.UsedAt = now
			return nil
		}); err != nil {
			return err
		}
		acc, err = p.upsertAccount(ctx, tx, person.ID, store.LevelBasic, store.ViaLetter, c, mobile, email, "citizen:"+person.ID)
		return err
	})
	return acc, err
}

// limitTries counts a guess at a code, per person and per client, and
// refuses past the hourly limit. Both counters move in one transaction
// (one commit on the hot path of every login), and the count is kept even
// when the answer is a refusal: refusing must not be free.
func (p *IdP) limitTries(ctx context.Context, key, clientKey string) error {
	over := false
	err := p.st.InTx(ctx, func(tx store.Tx) (err error) {
		over, err = p.countTries(ctx, tx, key, clientKey)
		return err
	})
	if err != nil {
		return err
	}
	if over {
		return otp.ErrRateLimited
	}
	return nil
}

// countTries counts one try against key (a person and what they try) and,
// when known, against the client's address, in tx; over says either went
// past the hourly limit.
func (p *IdP) countTries(ctx context.Context, tx store.Tx, key, clientKey string) (over bool, err error) {
	keys := []string{"try:" + key}
	if clientKey != "" {
		keys = append(keys, "try-client:"+clientKey)
	}
	for _, k := range keys {
		n, err := tx.CountAttempt(ctx, k, p.now(), time.Hour)
		if err != nil {
			return false, err
		}
		over = over || n > 10
	}
	return over, nil
}
