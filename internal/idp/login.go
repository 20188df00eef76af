package idp

import (
	"context"
	"errors"
	"time"

	"github.com/llavero/llavero/internal/audit"
	"github.com/llavero/llavero/internal/i18n"
	"github.com/llavero/llavero/internal/identity"
	"github.com/llavero/llavero/internal/idp/loa"
	"github.com/llavero/llavero/internal/idp/otp"
	"github.com/llavero/llavero/internal/idp/password"
	"github.com/llavero/llavero/internal/notify"
	"github.com/llavero/llavero/internal/registry"
	"github.com/llavero/llavero/internal/store"
)

// Refusals of login.
var (
	ErrSecondFact = i18n.New("pin.second_fact",
		i18n.T("El segundo dato no coincide con el de tu documento.", "The second detail does not match your document."),
		i18n.T("Escribe el número de soporte de tu documento (DNI: 3 letras y 6 cifras; TIE: E y 8 cifras) o su fecha de caducidad, tal como aparecen impresos.",
			"Type your document's support number (DNI: 3 letters and 6 digits; TIE: E and 8 digits) or its expiry date, exactly as printed."))
	ErrNoMobile = i18n.New("pin.no_mobile",
		i18n.T("Tu cuenta no tiene un móvil donde enviarte el PIN.", "Your account has no mobile number to send the PIN to."),
		i18n.T("Entra con tu certificado y añade tu móvil, o pide en una oficina que lo registren.",
			"Log in with your certificate and add your mobile, or ask an office to register it."))
	ErrPasswordWrong = i18n.New("password.wrong",
		i18n.T("El número de identificación o la contraseña no son correctos.", "The identity number or the password is not right."),
		i18n.T("Revisa mayúsculas y el teclado. Tras varios errores la contraseña se bloquea; si la olvidaste, entra con un PIN por SMS o con tu certificado y pon una nueva.",
			"Check capitals and the keyboard layout. After several mistakes the password is locked; if you forgot it, log in with a PIN by SMS or your certificate and set a new one."))
	ErrPasswordLocked = i18n.New("password.locked",
		i18n.T("Tu contraseña está bloqueada por demasiados intentos fallidos.", "Your password is locked after too many failed tries."),
		i18n.T("Entra con un PIN por SMS o con tu certificado y pon una contraseña nueva: eso la desbloquea.",
			"Log in with a PIN by SMS or your certificate and set a new password: that unlocks it."))
	ErrNoPassword = i18n.New("password.none",
		i18n.T("Todavía no tienes contraseña.", "You do not have a password yet."),
		i18n.T("Entra con un PIN por SMS o con tu certificado y crea una en «Mi llavero».",
			"Log in with a PIN by SMS or your certificate and create one in \"My llavero\"."))
)

// Authenticated is the outcome of a successful login step.
type Authenticated struct {
	PersonID string
	Method   string // loa.Method*
	ACR      string
	AMR      []string
}

// CodeSent says where a one-time code went, in a form safe to show before
// the person has logged in.
type CodeSent struct {
	CodeID      string // the browser session keeps it to verify against
	MaskedPhone string
	ExpiresAt   time.Time
}

// StartPIN checks the identifier and a second fact from the registry (the
// document's support number or its expiry date) and sends a 6-digit PIN by
// SMS to the account's mobile.
//
// The tries are counted, the second fact checked, the send counted and the
// code stored in one transaction, which commits the counters whatever the
// verdict: a refused try still counts.
func (p *IdP) StartPIN(ctx context.Context, rawID, secondFact, clientKey string, lang i18n.Lang) (CodeSent, error) {
	person, err := registry.New(p.st).Lookup(ctx, rawID)
	if err != nil {
		return CodeSent{}, err
	}
	// Read before the transaction: nothing counted in it changes the
	// account, and the single writer is held for as little as possible.
	acc, accErr := p.st.GetAccount(ctx, person.ID)
	if accErr != nil && !errors.Is(accErr, store.ErrNotFound) {
		return CodeSent{}, accErr
	}
	c, err := p.newCode(person.ID, store.CodePIN, acc.Mobile, lang)
	if err != nil {
		return CodeSent{}, err
	}
	var verdict error
	err = p.st.InTx(ctx, func(tx store.Tx) error {
		over, err := p.countTries(ctx, tx, "pin-start:"+person.ID, clientKey)
		switch {
		case err != nil:
			return err
		case over:
			verdict = otp.ErrRateLimited
		case !secondFactMatches(person, secondFact):
			verdict = ErrSecondFact
		case accErr != nil:
			verdict = ErrNoAccount
		case acc.Mobile == "":
			verdict = ErrNoMobile
		default:
			verdict, err = p.storeCode(ctx, tx, c)
		}
		return err
	})
	return p.afterStore(ctx, c, err, verdict)
}

func secondFactMatches(p store.Person, fact string) bool {
	if s, err := identity.ParseSupportNumber(fact); err == nil && p.SupportNumber != "" && s == p.SupportNumber {
		return true
	}
	if d, err := identity.ParseDate(fact); err == nil && !p.DocumentExpiry.IsZero() && d.Equal(p.DocumentExpiry) {
		return true
	}
	return false
}

// sendCode sends a one-time code by SMS to the account's mobile, within the
// per-person hourly limit.
func (p *IdP) sendCode(ctx context.Context, personID, purpose string, lang i18n.Lang) (CodeSent, error) {
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
	return p.sendCodeTo(ctx, personID, purpose, acc.Mobile, lang)
}

// sendCodeTo sends a one-time code by SMS to mobile, within the
// per-person hourly limit. Registration by video sends it to the number
// being registered, before any account holds it.
func (p *IdP) sendCodeTo(ctx context.Context, personID, purpose, mobile string, lang i18n.Lang) (CodeSent, error) {
	c, err := p.newCode(personID, purpose, mobile, lang)
	if err != nil {
		return CodeSent{}, err
	}
	var verdict error
	err = p.st.InTx(ctx, func(tx store.Tx) (err error) {
		verdict, err = p.storeCode(ctx, tx, c)
		return err
	})
	return p.afterStore(ctx, c, err, verdict)
}

// afterStore ends a code's sending once its transaction is over: the
// transaction's error, else its verdict (a limit, a refused fact), else
// the delivery.
func (p *IdP) afterStore(ctx context.Context, c *pendingCode, txErr, verdict error) (CodeSent, error) {
	if txErr != nil {
		return CodeSent{}, txErr
	}
	if verdict != nil {
		return CodeSent{}, verdict
	}
	return p.deliverCode(ctx, c)
}

// pendingCode is a one-time code on its way: stored by storeCode inside a
// transaction, delivered by deliverCode after it.
type pendingCode struct {
	oc        store.OneTimeCode
	lang      i18n.Lang
	body      string
	delivered bool // the SMS was the outbox record written in the transaction
}

func (p *IdP) newCode(personID, purpose, mobile string, lang i18n.Lang) (*pendingCode, error) {
	now := p.clock()
	code, err := otp.NewPIN(p.rand)
	if err != nil {
		return nil, err
	}
	id, err := p.randomID()
	if err != nil {
		return nil, err
	}
	oc := store.OneTimeCode{ID: id, PersonID: personID, Purpose: purpose, CodeHash: otp.Hash(p.cfg.CodeKey, purpose, personID, code),
		Channel: "sms", Destination: mobile, CreatedAt: now, ExpiresAt: now.Add(p.cfg.PINTTL)}
	body := i18n.Tf("llavero: tu código es %s. Caduca en %d minutos. No se lo digas a nadie: nadie de la administración te lo pedirá.",
		"llavero: your code is %s. It expires in %d minutes. Do not tell anyone: nobody from the administration will ask for it.",
		code, int(p.cfg.PINTTL.Minutes()))
	return &pendingCode{oc: oc, lang: lang, body: body.In(lang)}, nil
}

// smsInTx is a Notifier that can deliver an SMS inside the caller's
// transaction (notify.Notifier does when the outbox is the delivery).
type smsInTx interface {
	SMSIn(ctx context.Context, tx notify.OutboxStore, to, personID string, lang i18n.Lang, body string) (store.Message, bool, error)
}

// storeCode counts the send against the person's hourly limit and stores
// the code, in tx: a code exists only if it was counted. When the
// notifier can, the SMS is delivered in tx too, so the code and its
// message commit together. Over the limit, it gives otp.ErrRateLimited as
// its verdict and stores nothing but the count.
func (p *IdP) storeCode(ctx context.Context, tx store.Tx, c *pendingCode) (verdict, err error) {
	n, err := tx.CountAttempt(ctx, "send:"+c.oc.PersonID, c.oc.CreatedAt, time.Hour)
	if err != nil {
		return nil, err
	}
	if n > p.cfg.CodesPerHour {
		return otp.ErrRateLimited, nil
	}
	if err := tx.CreateCode(ctx, c.oc); err != nil {
		return nil, err
	}
	if in, ok := p.notify.(smsInTx); ok {
		if _, c.delivered, err = in.SMSIn(ctx, tx, c.oc.Destination, c.oc.PersonID, c.lang, c.body); err != nil {
			return nil, err
		}
	}
	return nil, nil
}

// deliverCode sends the SMS of a stored code, unless its transaction
// delivered it already, and says where it went.
func (p *IdP) deliverCode(ctx context.Context, c *pendingCode) (CodeSent, error) {
	if !c.delivered {
		if _, err := p.notify.SMS(ctx, c.oc.Destination, c.oc.PersonID, c.lang, c.body); err != nil {
			return CodeSent{}, err
		}
	}
	ph, _ := identity.ParsePhone(c.oc.Destination, identity.PhoneOptions{AllowForeign: true})
	return CodeSent{CodeID: c.oc.ID, MaskedPhone: ph.Masked(), ExpiresAt: c.oc.ExpiresAt}, nil
}

// VerifyPIN checks a PIN against the code the browser session was sent.
//
// Each of after runs in the transaction that spends the code and records
// the login, with who logged in: the web front opens the browser's session
// there, so that a login is one commit.
func (p *IdP) VerifyPIN(ctx context.Context, codeID, pin string, after ...AfterLogin) (Authenticated, error) {
	return p.useCode(ctx, codeID, store.CodePIN, pin, loa.MethodPIN, after...)
}

// AfterLogin is work that belongs with a successful login, run in its
// transaction; an error undoes the login.
type AfterLogin func(tx store.Tx, who Authenticated) error

// useCode verifies and consumes a one-time code: a wrong guess counts
// against the code (locked after PINTries), a right one can be used once.
// A success is the login by method: the code is spent and the login
// recorded in one transaction, one commit on every login's hot path.
func (p *IdP) useCode(ctx context.Context, codeID, purpose, typed, method string, after ...AfterLogin) (Authenticated, error) {
	return p.useCodeThen(ctx, codeID, purpose, typed, func(tx store.Tx, oc store.OneTimeCode) (Authenticated, error) {
		who, err := p.recordLogin(ctx, tx, oc.PersonID, method)
		if err != nil {
			return who, err
		}
		for _, fn := range after {
			if err := fn(tx, who); err != nil {
				return Authenticated{}, err
			}
		}
		return who, nil
	})
}

// useCodeThen is useCode with what a right code leads to given as then,
// which runs in the transaction that spends the code: registration by
// video creates the account there.
func (p *IdP) useCodeThen(ctx context.Context, codeID, purpose, typed string, then func(tx store.Tx, oc store.OneTimeCode) (Authenticated, error)) (Authenticated, error) {
	digits, err := otp.ParsePIN(typed)
	if err != nil {
		return Authenticated{}, err
	}
	now := p.clock()
	var out store.OneTimeCode
	var who Authenticated
	var verdict error
	err = p.st.InTx(ctx, func(tx store.Tx) error {
		oc, err := tx.UpdateCode(ctx, codeID, func(oc *store.OneTimeCode) error {
			switch {
			case oc.Purpose != purpose:
				verdict = otp.ErrWrong
			case !oc.UsedAt.IsZero():
				verdict = otp.ErrUsed
			case !now.Before(oc.ExpiresAt):
				verdict = otp.ErrExpired
			case oc.Failures >= p.cfg.PINTries:
				verdict = otp.ErrLocked
			case !otp.Verify(p.cfg.CodeKey, purpose, oc.PersonID, digits, oc.CodeHash):
				oc.Failures++
				verdict = otp.ErrWrong
				if oc.Failures >= p.cfg.PINTries {
					verdict = otp.ErrLocked
				}
			default:
				oc.UsedAt = now
			}
			return nil
		})
		if errors.Is(err, store.ErrNotFound) {
			verdict = otp.ErrExpired
			return nil
		}
		if err != nil {
			return err
		}
		out = oc
		if verdict != nil {
			return nil
		}
		who, err = then(tx, oc)
		return err
	})
	if err != nil {
		return Authenticated{}, err
	}
	if verdict != nil {
		// A signing code is no login: remotesign audits its own refusals.
		if out.PersonID != "" && !isSigningPurpose(purpose) {
			p.loginEvent(ctx, out.PersonID, purpose, "", audit.Refused, i18n.CodeOf(verdict))
		}
		return Authenticated{}, verdict
	}
	return who, nil
}

// SetPassword sets (or replaces) a person's password after checking it
// against the policy. Callers allow it only in a session that proved who
// the person is (PIN, certificate): that is also how a lock is lifted.
func (p *IdP) SetPassword(ctx context.Context, personID, pw string) error {
	person, err := p.st.GetPerson(ctx, personID)
	if err != nil {
		return err
	}
	if err := password.Check(pw, password.Person{ID: person.ID, GivenName: person.GivenName, FirstSurname: person.FirstSurname, SecondSurname: person.SecondSurname}); err != nil {
		return err
	}
	hash, err := password.Hash(pw, p.cfg.Password)
	if err != nil {
		return err
	}
	return p.st.InTx(ctx, func(tx store.Tx) error {
		if _, err := tx.UpdateAccount(ctx, personID, func(a *store.Account) error {
			a.PasswordHash, a.PasswordFailures, a.PasswordLockedAt, a.UpdatedAt = hash, 0, time.Time{}, p.clock()
			return nil
		}); err != nil {
			if errors.Is(err, store.ErrNotFound) {
				return ErrNoAccount
			}
			return err
		}
		return p.record(ctx, tx, "citizen:"+personID, "account.password_set", personID, audit.OK, nil)
	})
}

// LoginPassword checks an identifier and password. It reaches low; a
// relying party that needs substantial then asks for an SMS code
// (StartOTP, VerifyOTP). Five wrong passwords in a row lock it.
func (p *IdP) LoginPassword(ctx context.Context, rawID, pw, clientKey string) (Authenticated, error) {
	id, err := identity.ParseID(rawID)
	if err != nil {
		return Authenticated{}, err
	}
	if err := p.limitTries(ctx, "password:"+id.Value, clientKey); err != nil {
		return Authenticated{}, err
	}
	acc, err := p.st.GetAccount(ctx, id.Value)
	if errors.Is(err, store.ErrNotFound) {
		// Same cost and answer as a wrong password: the page must not
		// reveal who has an account.
		_, _, _ = p.cfg.Password.Verify(pw, p.dummyHash())
		return Authenticated{}, ErrPasswordWrong
	}
	if err != nil {
		return Authenticated{}, err
	}
	switch {
	case !acc.PasswordLockedAt.IsZero() && acc.PasswordFailures < p.cfg.PasswordTries:
		// Locked with fewer failures than the limit: the person disabled
		// it themselves ("this was not me", NotMe).
		return Authenticated{}, ErrPasswordDisabled
	case !acc.PasswordLockedAt.IsZero():
		return Authenticated{}, ErrPasswordLocked
	case acc.PasswordHash == "":
		return Authenticated{}, ErrNoPassword
	}
	ok, rehash, err := p.cfg.Password.Verify(pw, acc.PasswordHash)
	if err != nil {
		return Authenticated{}, err
	}
	now := p.clock()
	if !ok {
		var locked bool
		_, err := p.st.UpdateAccount(ctx, acc.PersonID, func(a *store.Account) error {
			a.PasswordFailures++
			if a.PasswordFailures >= p.cfg.PasswordTries && a.PasswordLockedAt.IsZero() {
				a.PasswordLockedAt, locked = now, true
			}
			return nil
		})
		if err != nil {
			return Authenticated{}, err
		}
		p.loginEvent(ctx, acc.PersonID, loa.MethodPassword, "", audit.Refused, "password.wrong")
		if locked {
			return Authenticated{}, ErrPasswordLocked
		}
		return Authenticated{}, ErrPasswordWrong
	}
	// A right password clears the person's try counter: the limit is for
	// guessers, not for someone who logs in often.
	if err := p.st.ResetAttempts(ctx, "try:password:"+acc.PersonID); err != nil {
		return Authenticated{}, err
	}
	if acc.PasswordFailures > 0 || rehash {
		_, err := p.st.UpdateAccount(ctx, acc.PersonID, func(a *store.Account) error {
			a.PasswordFailures = 0
			if rehash {
				if h, err := password.Hash(pw, p.cfg.Password); err == nil {
					a.PasswordHash = h
				}
			}
			return nil
		})
		if err != nil {
			return Authenticated{}, err
		}
	}
	return p.loggedIn(ctx, acc.PersonID, loa.MethodPassword)
}

// dummyHash is verified against when there is no account, so timing does
// not tell whether an identifier has one. It is made once, with the
// configured parameters, the first time it is needed.
func (p *IdP) dummyHash() string {
	p.dummyOnce.Do(func() {
		p.dummy, _ = password.Hash("llavero-no-such-account", p.cfg.Password)
	})
	return p.dummy
}

// StartOTP sends the second-factor code after a password login.
func (p *IdP) StartOTP(ctx context.Context, personID string, lang i18n.Lang) (CodeSent, error) {
	return p.sendCode(ctx, personID, store.CodeOTP, lang)
}

// VerifyOTP completes a password login with its SMS code.
func (p *IdP) VerifyOTP(ctx context.Context, codeID, code string, after ...AfterLogin) (Authenticated, error) {
	return p.useCode(ctx, codeID, store.CodeOTP, code, loa.MethodPasswordOTP, after...)
}

// loggedIn computes the level of a successful login and records it.
func (p *IdP) loggedIn(ctx context.Context, personID, method string) (Authenticated, error) {
	return p.loggedInAs(ctx, personID, loa.Login{Method: method})
}

// loggedInAs is loggedIn for a login whose facts go beyond the method (a
// certificate on a token); l.Advanced is filled in from the account.
func (p *IdP) loggedInAs(ctx context.Context, personID string, l loa.Login) (Authenticated, error) {
	acc, err := p.st.GetAccount(ctx, personID)
	if err != nil {
		return Authenticated{}, err
	}
	l.Advanced = acc.Level == store.LevelAdvanced
	a := Authenticated{PersonID: personID, Method: l.Method, ACR: loa.Of(l), AMR: loa.AMR(l)}
	p.loginEvent(ctx, personID, l.Method, a.ACR, audit.OK, "")
	return a, nil
}

// recordLogin computes the level of a successful login from the account
// and records it (login event and audit) through tx.
func (p *IdP) recordLogin(ctx context.Context, tx store.Tx, personID, method string) (Authenticated, error) {
	acc, err := tx.GetAccount(ctx, personID)
	if err != nil {
		return Authenticated{}, err
	}
	l := loa.Login{Method: method, Advanced: acc.Level == store.LevelAdvanced}
	a := Authenticated{PersonID: personID, Method: method, ACR: loa.Of(l), AMR: loa.AMR(l)}
	id, err := p.randomID()
	if err != nil {
		return Authenticated{}, err
	}
	if err := tx.AddLoginEvent(ctx, store.LoginEvent{ID: id, PersonID: personID, Method: method, ACR: a.ACR, Outcome: audit.OK, At: p.clock()}); err != nil {
		return Authenticated{}, err
	}
	return a, p.record(ctx, tx, "citizen:"+personID, "login."+method, personID, audit.OK, map[string]any{"acr": a.ACR, "reason": ""})
}

func (p *IdP) loginEvent(ctx context.Context, personID, method, acr, outcome, reason string) {
	id, err := p.randomID()
	if err != nil {
		return
	}
	err = p.st.InTx(ctx, func(tx store.Tx) error {
		if err := tx.AddLoginEvent(ctx, store.LoginEvent{ID: id, PersonID: personID, Method: method, ACR: acr, Outcome: outcome, Reason: reason, At: p.clock()}); err != nil {
			return err
		}
		return p.record(ctx, tx, "citizen:"+personID, "login."+method, personID, outcome, map[string]any{"acr": acr, "reason": reason})
	})
	if err != nil {
		p.log.Error("login event not recorded", "person", personID, "err", err)
	}
}

// ResendPIN sends a new PIN to the same person and mobile as the code the
// browser already holds, without asking again for the identifier and the
// second fact: the code ID is proof the browser passed those checks, and
// the per-person send limit still applies.
func (p *IdP) ResendPIN(ctx context.Context, codeID string, lang i18n.Lang) (CodeSent, error) {
	oc, err := p.st.GetCode(ctx, codeID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && oc.Purpose != store.CodePIN) {
		return CodeSent{}, otp.ErrExpired
	}
	if err != nil {
		return CodeSent{}, err
	}
	return p.sendCode(ctx, oc.PersonID, store.CodePIN, lang)
}
