package idp

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/llavero/llavero/internal/i18n"
	"github.com/llavero/llavero/internal/identity"
	"github.com/llavero/llavero/internal/idp/otp"
	"github.com/llavero/llavero/internal/store"
)

// Signing codes: the one-time SMS code that approves one remote signature
// (package remotesign). They are the PIN's codes in every respect (6
// digits, stored as a bound HMAC, PINTTL, PINTries, the per-person hourly
// limit shared with every other code) except two: the purpose names the
// signature request, so a code sent for one request can approve no other,
// and the SMS says what it is for, so a person who is only logging in is
// never talked into typing it.

// SigningCodePurpose is the purpose of the codes that approve the
// signature request requestID.
func SigningCodePurpose(requestID string) string { return "sign:" + requestID }

func isSigningPurpose(purpose string) bool { return strings.HasPrefix(purpose, "sign:") }

// SendSigningCode sends the code that approves signature request
// requestID, for office, to the account's mobile.
func (p *IdP) SendSigningCode(ctx context.Context, personID, requestID, office string, lang i18n.Lang) (CodeSent, error) {
	acc, err := p.st.GetAccount(ctx, personID)
	if errors.Is(err, store.ErrNotFound) {
		return CodeSent{}, ErrNoAccount
	}
	if err != nil {
		return CodeSent{}, err
	}
	if acc.Mobile == "" {
		return CodeSent{}, ErrNoMobile
	}
	purpose := SigningCodePurpose(requestID)
	now := p.clock()
	code, err := otp.NewPIN(p.rand)
	if err != nil {
		return CodeSent{}, err
	}
	id, err := p.randomID()
	if err != nil {
		return CodeSent{}, err
	}
	oc := store.OneTimeCode{ID: id, PersonID: personID, Purpose: purpose, CodeHash: otp.Hash(p.cfg.CodeKey, purpose, personID, code),
		Channel: "sms", Destination: acc.Mobile, CreatedAt: now, ExpiresAt: now.Add(p.cfg.PINTTL)}
	over := false
	err = p.st.InTx(ctx, func(tx store.Tx) error {
		n, err := tx.CountAttempt(ctx, "send:"+personID, now, time.Hour)
		if err != nil {
			return err
		}
		if n > p.cfg.CodesPerHour {
			over = true
			return nil
		}
		return tx.CreateCode(ctx, oc)
	})
	if err != nil {
		return CodeSent{}, err
	}
	if over {
		return CodeSent{}, otp.ErrRateLimited
	}
	body := i18n.Tf("llavero: tu código para FIRMAR un documento de %s es %s. Caduca en %d minutos. Escríbelo solo si eres tú quien está firmando; nadie de la administración te lo pedirá.",
		"llavero: your code to SIGN a document for %s is %s. It expires in %d minutes. Type it only if you are the one signing; nobody from the administration will ask for it.",
		office, code, int(p.cfg.PINTTL.Minutes()))
	if _, err := p.notify.SMS(ctx, acc.Mobile, personID, lang, body.In(lang)); err != nil {
		return CodeSent{}, err
	}
	ph, _ := identity.ParsePhone(acc.Mobile, identity.PhoneOptions{AllowForeign: true})
	return CodeSent{CodeID: id, MaskedPhone: ph.Masked(), ExpiresAt: oc.ExpiresAt}, nil
}

// UseSigningCode checks the code typed for signature request requestID
// and spends it, as a PIN is checked: a wrong one counts against the code
// (otp.ErrLocked after PINTries), a right one works once. The code must
// have been sent to personID for that request. then runs in the
// transaction that spends the code, with the code's row locked: an error
// from it keeps the code unspent.
func (p *IdP) UseSigningCode(ctx context.Context, codeID, personID, requestID, typed string, then func(tx store.Tx) error) error {
	purpose := SigningCodePurpose(requestID)
	_, err := p.useCodeThen(ctx, codeID, purpose, typed, func(tx store.Tx, oc store.OneTimeCode) (Authenticated, error) {
		if oc.PersonID != personID {
			// Another person's code (a browser that changed hands): as
			// if it did not exist, and not spent.
			return Authenticated{}, otp.ErrExpired
		}
		return Authenticated{PersonID: personID}, then(tx)
	})
	return err
}
