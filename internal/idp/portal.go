package idp

import (
	"context"
	"crypto/x509"
	"errors"
	"slices"
	"time"

	"github.com/llavero/llavero/internal/audit"
	"github.com/llavero/llavero/internal/i18n"
	"github.com/llavero/llavero/internal/idp/loa"
	"github.com/llavero/llavero/internal/store"
)

// What "My llavero" (the /account page) asks of the IdP beyond logins:
// which procedures the person can do now and why not the others, the
// invitation letters sent, and "this was not me".

// ProcedureReach is one procedure of the catalogue as the person stands.
type ProcedureReach struct {
	Office    string // the relying party's name
	Procedure store.Procedure
	Need      string // the level the procedure needs: the higher of its own and the office's minimum
	// Now: some way of logging in that the person has, and the office
	// accepts, reaches Need.
	Now bool
	// LogInAgain: reachable, but the current session is below Need, so
	// the office will ask for a stronger login first.
	LogInAgain bool
	Why        i18n.Text   // when !Now, why not
	WaysUp     []i18n.Text // when !Now, what to do, in order
	// Signature procedures only: whether the person can sign now, and why
	// (not).
	CanSign bool
	SignWhy i18n.Text
}

// ReachOptions is what the deployment offers beyond logins.
type ReachOptions struct {
	SessionACR string
	// RemoteSigning: the platform holds signing keys for people
	// (Cl@ve Firma model), usable from a substantial login.
	RemoteSigning bool
}

// standing gathers what decides which levels a person can reach: their
// account, active methods and certificates. best maps each login method
// (as clients name them) to the level it reaches for this person; a
// method missing from it is one they cannot use.
type standing struct {
	loa.Standing
	best   map[string]string
	mobile bool // a mobile on the account: SMS codes, remote signing
}

func (p *IdP) standingOf(ctx context.Context, personID string) (standing, error) {
	s := standing{best: map[string]string{}}
	acc, err := p.st.GetAccount(ctx, personID)
	if err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return s, ErrNoAccount
		}
		return s, err
	}
	person, err := p.st.GetPerson(ctx, personID)
	if err != nil {
		return s, err
	}
	now := p.now()
	s.HasAccount, s.Advanced = true, acc.Level == store.LevelAdvanced
	s.HasPassword = acc.PasswordHash != "" && acc.PasswordLockedAt.IsZero()
	s.IsDNIHolder = person.DocumentType == store.DocDNI
	certs, err := p.st.ListCertificates(ctx, store.CertificateFilter{PersonID: personID, Kind: store.CertPerson, Limit: 20})
	if err != nil {
		return s, err
	}
	for _, c := range certs {
		if !c.RevokedAt.IsZero() || !now.Before(c.NotAfter) || now.Before(c.NotBefore) {
			continue
		}
		s.HasCertificate = true
		level := loa.Of(loa.Login{Method: loa.MethodCertificate})
		if x, err := x509.ParseCertificate(c.DER); err == nil && p.onToken(x) {
			level = loa.High
		}
		s.best["certificate"] = maxLevel(s.best["certificate"], level)
	}
	devs, err := p.Devices(ctx, personID)
	if err != nil {
		return s, err
	}
	s.HasDevice = len(devs) > 0 && p.AppLoginOn()
	if s.HasDevice {
		s.best["app"] = loa.Of(loa.Login{Method: loa.MethodApp, Advanced: s.Advanced})
	}
	s.mobile = acc.Mobile != ""
	if acc.Mobile != "" {
		s.best["pin"] = loa.Of(loa.Login{Method: loa.MethodPIN, Advanced: s.Advanced})
	}
	switch {
	case s.HasPassword && acc.Mobile != "":
		s.best["password"] = loa.Of(loa.Login{Method: loa.MethodPasswordOTP, Advanced: s.Advanced})
	case s.HasPassword:
		s.best["password"] = loa.Of(loa.Login{Method: loa.MethodPassword})
	}
	if st, err := p.StatusOfVideo(ctx, personID); err == nil {
		s.VideoPending = st.Review.State == store.ReviewPending
	} else {
		return s, err
	}
	return s, nil
}

func maxLevel(a, b string) string {
	if loa.Rank(b) > loa.Rank(a) {
		return b
	}
	return a
}

// reach is the best level the person reaches with the methods a client
// accepts (all, when it lists none).
func (s standing) reach(accepted []string) string {
	best := ""
	for m, level := range s.best {
		if len(accepted) == 0 || slices.Contains(accepted, m) {
			best = maxLevel(best, level)
		}
	}
	return best
}

var methodNames = map[string]i18n.Text{
	"pin":         i18n.T("PIN por SMS", "PIN by SMS"),
	"password":    i18n.T("contraseña y código SMS", "password and SMS code"),
	"app":         i18n.T("aplicación del móvil", "phone app"),
	"certificate": i18n.T("certificado", "certificate"),
}

func methodList(ms []string) i18n.Text {
	var es, en string
	for i, m := range ms {
		t, ok := methodNames[m]
		if !ok {
			t = i18n.T(m, m)
		}
		if i > 0 {
			es, en = es+", ", en+", "
		}
		es, en = es+t.ES, en+t.EN
	}
	return i18n.T(es, en)
}

// Reach lists every procedure of the relying parties' catalogue with
// whether the person can do it now and, if not, why and the concrete way
// up. The order is the catalogue's (clients by ID, procedures as
// registered), so the page reads the same on every visit.
func (p *IdP) Reach(ctx context.Context, personID string, opt ReachOptions) ([]ProcedureReach, error) {
	s, err := p.standingOf(ctx, personID)
	if err != nil {
		return nil, err
	}
	clients, err := p.st.ListClients(ctx)
	if err != nil {
		return nil, err
	}
	var out []ProcedureReach
	for _, c := range clients {
		got := s.reach(c.Methods)
		for _, proc := range c.Procedures {
			need := maxLevel(proc.ACR, c.MinACR)
			if loa.Rank(need) == 0 {
				need = loa.Low
			}
			r := ProcedureReach{Office: c.Name, Procedure: proc, Need: need, Now: loa.Meets(got, need)}
			if r.Now {
				r.LogInAgain = !loa.Meets(opt.SessionACR, need)
			} else {
				r.Why, r.WaysUp = s.whyNot(c, need)
			}
			if kind := proc.SignatureNeeded(); kind != "" {
				r.CanSign, r.SignWhy = s.canSign(kind, opt)
			}
			out = append(out, r)
		}
	}
	return out, nil
}

// whyNot explains a procedure out of reach: the level is beyond any
// certificate on a computer, or the office does not accept the ways the
// person has, or the account is basic, or the person has no way to log
// in at that level at all.
func (s standing) whyNot(c store.Client, need string) (i18n.Text, []i18n.Text) {
	if loa.Rank(need) >= loa.Rank(loa.High) {
		return i18n.T("Pide nivel alto: un certificado en tarjeta o token.", "It needs the high level: a certificate on a card or token."),
			loa.WaysUp(s.Standing, need)
	}
	if len(c.Methods) > 0 && loa.Meets(s.reach(nil), need) {
		ms := methodList(c.Methods)
		why := i18n.T("Esta sede solo acepta: "+ms.ES+".", "This office only accepts: "+ms.EN+".")
		var ways []i18n.Text
		for _, m := range c.Methods {
			switch m {
			case "certificate":
				ways = append(ways, i18n.T("Consigue tu certificado (una visita a una oficina) y entra con él.",
					"Get your certificate (one office visit) and log in with it."))
			case "app":
				if s.Advanced {
					ways = append(ways, i18n.T("Registra tu móvil en «Aplicación del móvil» y entra con la aplicación.",
						"Register your phone under \"Phone app\" and log in with the app."))
				}
			case "pin", "password":
				if s.Advanced {
					ways = append(ways, i18n.T("Pide en una oficina que registren tu móvil para recibir los PIN.",
						"Ask an office to register your mobile for PINs."))
				}
			}
		}
		return why, slices.CompactFunc(ways, func(a, b i18n.Text) bool { return a == b })
	}
	if !s.Advanced {
		return i18n.T("Tu cuenta es básica y este trámite pide nivel sustancial.", "Your account is basic and this procedure needs the substantial level."),
			loa.WaysUp(s.Standing, need)
	}
	return i18n.T("Tu cuenta es avanzada, pero no tienes ahora ninguna forma de entrar con ese nivel (ni móvil para el PIN, ni aplicación, ni certificado en vigor).",
			"Your account is advanced, but right now you have no way to log in at that level (no mobile for PINs, no app, no valid certificate)."),
		[]i18n.Text{i18n.T("Ve a una oficina de registro con tu documento: registran tu móvil en la misma visita y puedes pedir el certificado.",
			"Visit a registration office with your document: they register your mobile in the same visit and you can ask for a certificate.")}
}

// canSign says whether the person can make the signature a procedure
// needs. A certificate signature is made with the person's own valid
// certificate; a remote signature on llavero needs the deployment to offer
// it, a substantial login and a mobile for the SMS code that approves it.
func (s standing) canSign(kind string, opt ReachOptions) (bool, i18n.Text) {
	if kind != store.SignatureRemote {
		if s.HasCertificate {
			return true, i18n.T("Se firma con tu certificado, en el ordenador donde lo tienes.",
				"It is signed with your certificate, on the computer that holds it.")
		}
		return false, i18n.T("Se firma con tu propio certificado y no tienes ninguno en vigor: pídelo y pasa por una oficina para comprobar tu identidad.",
			"It is signed with your own certificate and you have no valid one: request it and visit an office for the identity check.")
	}
	switch {
	case !opt.RemoteSigning:
		return false, i18n.T("Se firma con la firma en la nube de llavero, y este servicio no la ofrece todavía: pregunta en la sede por otra forma de firmar.",
			"It is signed with llavero's cloud signature, which this service does not offer yet: ask the office for another way to sign.")
	case !s.mobile:
		return false, i18n.T("Se firma en llavero con un código por SMS, y tu cuenta no tiene móvil: pide en una oficina de registro que lo registren.",
			"It is signed on llavero with a code by SMS, and your account has no mobile: ask a registration office to register it.")
	case !loa.Meets(s.reach(nil), loa.Substantial):
		return false, i18n.T("Se firma en llavero con un código por SMS, entrando con nivel sustancial, y tu cuenta es básica: sube a avanzada (con tu certificado o en una oficina).",
			"It is signed on llavero with a code by SMS after logging in at the substantial level, and your account is basic: make it advanced (with your certificate or at an office).")
	}
	return true, i18n.T("Se firma en llavero, sin instalar nada: te enviamos un código por SMS para confirmarlo.",
		"It is signed on llavero, without installing anything: we send you a code by SMS to confirm it.")
}

// LetterStatus is one invitation letter sent to the person; the code is
// never here (only its hash is stored, and it belongs on paper).
type LetterStatus struct {
	SentAt    time.Time
	ExpiresAt time.Time
	City      string // where it went, as the request page said
	Used      bool
	Lapsed    bool
	DaysLeft  int
}

// Letters returns the invitation letters sent in the last code lifetime,
// newest first.
func (p *IdP) Letters(ctx context.Context, personID string) ([]LetterStatus, error) {
	now := p.clock()
	codes, err := p.st.ListCodes(ctx, store.CodeFilter{PersonID: personID, Purpose: store.CodeLetter, Since: now.Add(-p.cfg.LetterTTL), Limit: 10})
	if err != nil {
		return nil, err
	}
	out := make([]LetterStatus, 0, len(codes))
	for _, c := range codes {
		l := LetterStatus{SentAt: c.CreatedAt, ExpiresAt: c.ExpiresAt, City: c.Destination, Used: !c.UsedAt.IsZero(), Lapsed: !now.Before(c.ExpiresAt)}
		if !l.Used && !l.Lapsed {
			l.DaysLeft = int((c.ExpiresAt.Sub(now) + 24*time.Hour - 1) / (24 * time.Hour))
		}
		out = append(out, l)
	}
	return out, nil
}

// CertificateRevoker is what "this was not me" needs of the RA.
type CertificateRevoker interface {
	RevokeAsHolder(ctx context.Context, personID, serial, reason, sessionACR string) (store.Certificate, error)
}

// NotMeResult is what "this was not me" did.
type NotMeResult struct {
	Sessions         int  // sessions ended, this one included
	PasswordDisabled bool // there was a password, and it is now disabled
	DevicesDisabled  int
	Revoked          []store.Certificate
	// NotRevoked maps a serial asked for to the refusal that kept it.
	NotRevoked map[string]error
	SMS, Email bool // the notice went by SMS / by email
}

// Refusals of "this was not me".
var (
	ErrNotMeTooOften = i18n.New("notme.too_often",
		i18n.T("Ya has avisado varias veces en la última hora.", "You have already reported this several times in the last hour."),
		i18n.T("Lo que pediste ya está hecho. Si sigues viendo entradas que no son tuyas, ve a una oficina de registro con tu documento o llama a soporte.",
			"What you asked for is already done. If you keep seeing logins that are not yours, visit a registration office with your document or call support."))
	ErrPasswordDisabled = i18n.New("password.disabled",
		i18n.T("Tu contraseña está desactivada porque avisaste de una entrada que no hiciste tú.",
			"Your password is disabled because you reported a login you did not make."),
		i18n.T("Entra con un PIN por SMS o con tu certificado y pon una contraseña nueva en «Mi llavero».",
			"Log in with a PIN by SMS or your certificate and set a new password in \"My llavero\"."))
)

// notMePerHour bounds the reports per person: each sends an SMS and an
// email, and the first one already did everything.
const notMePerHour = 3

// NotMe is the person's answer to a login they did not make (eventID, one
// of their login events; "" when reported in general): in one transaction
// with its audit event, every session of theirs ends (the caller's too),
// the password is disabled (a PIN or certificate login and a new password
// bring it back, as after a lock), and the phone app's devices are
// switched off. Then the certificates they ticked are revoked for
// keyCompromise, each by the RA under its own rules (substantial or above)
// and audit event, and a notice goes by SMS and email in their language.
func (p *IdP) NotMe(ctx context.Context, personID, eventID, sessionACR string, revoke []string, lang i18n.Lang) (NotMeResult, error) {
	now := p.clock()
	n, err := p.st.CountAttempt(ctx, "notme:"+personID, now, time.Hour)
	if err != nil {
		return NotMeResult{}, err
	}
	if n > notMePerHour {
		if err := p.st.InTx(ctx, func(tx store.Tx) error {
			return p.record(ctx, tx, "citizen:"+personID, "account.not_me", personID, audit.Refused, map[string]any{"event": eventID, "refusal": ErrNotMeTooOften.Code})
		}); err != nil {
			return NotMeResult{}, err
		}
		return NotMeResult{}, ErrNotMeTooOften
	}
	var res NotMeResult
	var acc store.Account
	err = p.st.InTx(ctx, func(tx store.Tx) error {
		res = NotMeResult{}
		var err error
		if acc, err = tx.UpdateAccount(ctx, personID, func(a *store.Account) error {
			if a.PasswordHash != "" && a.PasswordLockedAt.IsZero() {
				// Failures stay below the limit: that is how a login tells
				// "disabled by the person" from "locked by guessing".
				a.PasswordLockedAt, a.PasswordFailures, a.UpdatedAt = now, 0, now
			}
			// Already locked by guessing, it stays locked: either way it
			// no longer works until the person sets a new one.
			res.PasswordDisabled = a.PasswordHash != ""
			return nil
		}); err != nil {
			if errors.Is(err, store.ErrNotFound) {
				return ErrNoAccount
			}
			return err
		}
		if res.Sessions, err = tx.DeletePersonSessions(ctx, personID); err != nil {
			return err
		}
		devs, err := tx.ListDevices(ctx, personID)
		if err != nil {
			return err
		}
		for _, d := range devs {
			if d.Disabled {
				continue
			}
			if _, err := tx.UpdateDevice(ctx, d.ID, func(d *store.Device) error { d.Disabled = true; return nil }); err != nil {
				return err
			}
			res.DevicesDisabled++
		}
		return p.record(ctx, tx, "citizen:"+personID, "account.not_me", personID, audit.OK, map[string]any{
			"event": eventID, "sessions": res.Sessions, "password_disabled": res.PasswordDisabled,
			"devices_disabled": res.DevicesDisabled, "revoke_asked": len(revoke)})
	})
	if err != nil {
		return NotMeResult{}, err
	}
	rv, _ := p.certs.(CertificateRevoker)
	for _, serial := range revoke {
		if rv == nil {
			break
		}
		c, err := rv.RevokeAsHolder(ctx, personID, serial, "keyCompromise", sessionACR)
		if err != nil {
			if res.NotRevoked == nil {
				res.NotRevoked = map[string]error{}
			}
			res.NotRevoked[serial] = err
			continue
		}
		res.Revoked = append(res.Revoked, c)
	}
	if l, ok := i18n.Parse(acc.Lang); ok {
		lang = l
	}
	res.SMS, res.Email = acc.Mobile != "", acc.Email != ""
	when := now.Format("02/01/2006 15:04 UTC")
	p.tell(ctx, acc, lang,
		i18n.Tf("llavero: %s avisaste de una entrada que no hiciste. Hemos cerrado tus sesiones, desactivado tu contraseña y la aplicación del móvil. Entra con PIN o certificado y pon una contraseña nueva.",
			"llavero: %s you reported a login you did not make. We ended your sessions and disabled your password and phone app. Log in with a PIN or certificate and set a new password.", when),
		i18n.T("Has avisado de una entrada que no hiciste", "You reported a login you did not make"),
		i18n.Tf("Hola:\n\nEl %s avisaste en «Mi llavero» de una entrada en tu cuenta que no hiciste tú. Hemos hecho esto:\n\n- cerrar todas tus sesiones abiertas (%d);\n- desactivar tu contraseña: entra con un PIN por SMS o con tu certificado y pon una nueva;\n- dar de baja la aplicación del móvil (%d): vuelve a registrar tu móvil cuando quieras;\n- revocar los certificados que marcaste (%d).\n\nQué hacer ahora: revisa en «Mi llavero» tus certificados y tus últimas entradas. Si alguien cambió tu número de móvil, ve a una oficina de registro con tu documento para recuperarlo.\n\nSi no avisaste tú, entra en llavero y revisa tu cuenta, o llama a soporte.\n",
			"Hello,\n\nOn %s you reported on \"My llavero\" a login to your account that you did not make. We have:\n\n- ended all your open sessions (%d);\n- disabled your password: log in with a PIN by SMS or your certificate and set a new one;\n- removed the phone app (%d): register your phone again whenever you like;\n- revoked the certificates you ticked (%d).\n\nWhat to do now: check your certificates and latest logins on \"My llavero\". If someone changed your mobile number, visit a registration office with your document to get it back.\n\nIf it was not you who reported this, log in to llavero and check your account, or call support.\n",
			when, res.Sessions, res.DevicesDisabled, len(res.Revoked)))
	return res, nil
}
