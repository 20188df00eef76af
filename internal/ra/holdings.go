package ra

import (
	"context"
	"errors"
	"sort"
	"time"

	"github.com/llavero/llavero/internal/audit"
	"github.com/llavero/llavero/internal/i18n"
	"github.com/llavero/llavero/internal/idp/loa"
	"github.com/llavero/llavero/internal/store"
)

// States of a certificate as its holder reads it on "My llavero".
const (
	HeldValid      = "valid"
	HeldExpired    = "expired"
	HeldRevoked    = "revoked"
	HeldSuperseded = "superseded" // renewed: still works until it expires, but the new one is the one to use
)

// HeldCertificate is one of a person's certificates with what its holder
// may do with it now.
type HeldCertificate struct {
	store.Certificate
	State string // Held*
	// Reason names the RFC 5280 revocation reason of a revoked certificate
	// as the CLI spells it ("keyCompromise"); "" otherwise.
	Reason string
	// RenewalOpens is the first moment online renewal is allowed.
	RenewalOpens time.Time
	// RenewNow: valid, not renewed yet, and inside the renewal window.
	RenewNow bool
	// Revocable: not revoked and not expired, so revoking it changes
	// something (an expired certificate no longer works anywhere).
	Revocable bool
	// DaysLeft until NotAfter, counted in whole days, rounded up; 0 once
	// expired.
	DaysLeft int
}

// States of an application still on its way to a certificate.
const (
	PendingCheck    = "check"   // waiting for the identity check at an office
	PendingReady    = "ready"   // approved: the certificate waits for the download
	PendingRefused  = "refused" // refused at the office
	PendingExpired  = "expired" // the code lapsed before any office checked the person
	shownAfterClose = 30 * 24 * time.Hour
)

// PendingApplication is an application its holder still has something
// to do about. The code itself is never here: only its hash is stored.
type PendingApplication struct {
	store.Application
	State string // Pending*
	// Deadline is when the code lapses (PendingCheck, PendingExpired);
	// zero for the other states, which have none.
	Deadline time.Time
	DaysLeft int       // whole days until Deadline, rounded up
	Refusal  i18n.Text // why the office refused, and what to do
	Next     i18n.Text // what to do now
}

// Holdings is everything certificate-related a person has: what
// "My llavero" shows.
type Holdings struct {
	Certificates []HeldCertificate // newest first
	Pending      []PendingApplication
	// CheckOffices are the offices that do certificate identity checks,
	// listed when some application waits for one.
	CheckOffices []store.Office
}

// daysUntil counts whole days from now to t, rounding up, so "expires
// tomorrow at noon" is 1 day left, not 0.
func daysUntil(now, t time.Time) int {
	if !t.After(now) {
		return 0
	}
	return int((t.Sub(now) + 24*time.Hour - 1) / (24 * time.Hour))
}

// reasonName is the CLI's name of an RFC 5280 reason code.
func reasonName(code int) string {
	for name, c := range RevocationReasons {
		if c == code {
			return name
		}
	}
	return "unspecified"
}

// Holdings returns the person's certificates and the applications they
// still have something to do about. Refused and lapsed applications stay
// listed for 30 days after the fact, long enough to read why; after that
// they are history, not news. Downloaded and cancelled ones are not listed.
func (r *RA) Holdings(ctx context.Context, personID string) (Holdings, error) {
	now := r.now()
	certs, err := r.st.ListCertificates(ctx, store.CertificateFilter{PersonID: personID, Kind: store.CertPerson, OmitDER: true})
	if err != nil {
		return Holdings{}, err
	}
	var h Holdings
	for _, c := range certs {
		hc := HeldCertificate{Certificate: c, RenewalOpens: r.RenewalOpens(c), DaysLeft: daysUntil(now, c.NotAfter)}
		switch {
		case !c.RevokedAt.IsZero():
			hc.State, hc.Reason = HeldRevoked, reasonName(c.RevocationReason)
		case !now.Before(c.NotAfter):
			hc.State = HeldExpired
		case c.RenewedBy != "":
			hc.State, hc.Revocable = HeldSuperseded, true
		default:
			hc.State, hc.Revocable = HeldValid, true
			hc.RenewNow = !now.Before(hc.RenewalOpens)
		}
		h.Certificates = append(h.Certificates, hc)
	}
	apps, err := r.st.ListApplications(ctx, store.ApplicationFilter{PersonID: personID})
	if err != nil {
		return Holdings{}, err
	}
	waiting := false
	for _, a := range apps {
		p := PendingApplication{Application: a}
		switch {
		case a.State == store.AppApproved:
			p.State = PendingReady
			p.Next = i18n.T("Descarga el certificado en el ordenador donde hiciste la solicitud, con «llavero cert download» y el código de tu correo.",
				"Download the certificate on the computer where you applied, with \"llavero cert download\" and the code from your email.")
		case a.State == store.AppPending && now.Before(a.ExpiresAt):
			p.State, p.Deadline, p.DaysLeft, waiting = PendingCheck, a.ExpiresAt, daysUntil(now, a.ExpiresAt), true
			p.Next = ErrNotChecked.Next
		case a.State == store.AppPending && now.Sub(a.ExpiresAt) < shownAfterClose:
			p.State, p.Deadline = PendingExpired, a.ExpiresAt
			p.Next = ErrCodeExpired.Next
		case a.State == store.AppRefused && now.Sub(a.DecidedAt) < shownAfterClose:
			p.State = PendingRefused
			p.Refusal = refusalReasons[a.RefusalCode]
			if a.RefusalCode == "other" || p.Refusal.EN == "" {
				// The operator's own words went by email only.
				p.Refusal = ErrRefused.Next
			}
			p.Next = i18n.T("Corrige lo que dice el motivo y haz una solicitud nueva con «llavero cert request».",
				"Fix what the reason says and make a new request with \"llavero cert request\".")
		default:
			continue
		}
		h.Pending = append(h.Pending, p)
	}
	// The nearest deadline first: that is what the person must act on.
	sort.SliceStable(h.Pending, func(i, j int) bool {
		a, b := h.Pending[i], h.Pending[j]
		if (a.State == PendingCheck) != (b.State == PendingCheck) {
			return a.State == PendingCheck
		}
		return a.Deadline.Before(b.Deadline)
	})
	if waiting {
		if h.CheckOffices, err = r.OfficesFor(ctx, "certificate"); err != nil {
			return Holdings{}, err
		}
	}
	return h, nil
}

// Refusals of a revocation asked for from the account.
var (
	ErrRevokeLevel = i18n.New("revoke.level",
		i18n.T("Para revocar un certificado desde tu cuenta tienes que haber entrado con nivel sustancial o superior.",
			"To revoke a certificate from your account you must have logged in at the substantial level or above."),
		i18n.T("Sal y vuelve a entrar con tu certificado, o con un PIN por SMS si tu cuenta es avanzada. Si no puedes, una oficina de registro lo revoca con tu documento.",
			"Log out and log in again with your certificate, or with a PIN by SMS if your account is advanced. If you cannot, a registration office revokes it with your document."))
	ErrRevokeExpired = i18n.New("revoke.expired",
		i18n.T("Este certificado ya ha caducado: ya no sirve en ningún sitio.", "This certificate has already expired: it no longer works anywhere."),
		i18n.T("No hace falta revocarlo. Si necesitas otro, haz una solicitud nueva con «llavero cert request».",
			"There is no need to revoke it. If you need another, make a new request with \"llavero cert request\"."))
)

// CanRevokeFrom says whether an account session at sessionACR may revoke
// its holder's certificates, and if not, why (ErrRevokeLevel). Pages ask
// it before offering the action; RevokeAsHolder asks it again.
func CanRevokeFrom(sessionACR string) error {
	if !loa.Meets(sessionACR, loa.Substantial) {
		return ErrRevokeLevel
	}
	return nil
}

// RevokeAsHolder revokes one of the person's own certificates from their
// account session. DOMAIN: the holder revokes online with the certificate
// itself or through an account login at the substantial level; a weaker
// session could be a guessed password, and revoking someone's certificate
// is harm enough to need more. Every answer, refusals included, is audited.
func (r *RA) RevokeAsHolder(ctx context.Context, personID, serial, reason, sessionACR string) (store.Certificate, error) {
	actor := "citizen:" + personID
	refuse := func(err error) (store.Certificate, error) {
		ie, _ := i18n.As(err)
		code := ""
		if ie != nil {
			code = ie.Code
		}
		if aerr := r.st.InTx(ctx, func(tx store.Tx) error {
			_, err := r.audit.Record(ctx, tx, audit.Event{Actor: actor, Action: "cert.revoke", Subject: personID, Outcome: audit.Refused,
				Detail: map[string]any{"serial": serial, "reason": reason, "acr": sessionACR, "refusal": code}})
			return err
		}); aerr != nil {
			return store.Certificate{}, aerr
		}
		return store.Certificate{}, err
	}
	code, ok := RevocationReasons[reason]
	if !ok {
		return refuse(ErrReason)
	}
	if err := CanRevokeFrom(sessionACR); err != nil {
		return refuse(err)
	}
	c, err := r.st.GetCertificate(ctx, serial)
	// Someone else's serial reads as unknown: the page must not confirm
	// which serials exist.
	if errors.Is(err, store.ErrNotFound) || (err == nil && (c.PersonID != personID || c.Kind != store.CertPerson)) {
		return refuse(ErrCertUnknown)
	}
	if err != nil {
		return store.Certificate{}, err
	}
	switch {
	case !c.RevokedAt.IsZero():
		return refuse(ErrNotRevocable)
	case !r.now().Before(c.NotAfter):
		return refuse(ErrRevokeExpired)
	}
	return r.Revoke(ctx, serial, code, actor)
}
