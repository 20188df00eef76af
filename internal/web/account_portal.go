package web

import (
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"time"

	"github.com/llavero/llavero/internal/config"
	"github.com/llavero/llavero/internal/i18n"
	"github.com/llavero/llavero/internal/idp"
	"github.com/llavero/llavero/internal/ra"
	"github.com/llavero/llavero/internal/store"
)

// "My llavero" beyond the account itself: the person's certificates
// (state, renewal window, revocation), applications and letters with
// their deadlines, the procedures they can do now and why not the others,
// and "this was not me". The RA and the IdP decide; these handlers only
// show and carry.

type certView struct {
	Serial       string
	State        string // ra.Held*
	StateText    i18n.Text
	Reason       i18n.Text // revoked: why
	NotAfter     string
	NotAfterISO  string
	RenewalOpens string
	RenewNow     bool
	Revocable    bool
	DaysLeft     int
}

type pendingView struct {
	State     string // ra.Pending*
	StateText i18n.Text
	Created   string
	Deadline  string // "" when the state has none
	DaysLeft  int
	Refusal   i18n.Text
	Next      i18n.Text
}

type letterView struct {
	Sent, Expires, City string
	Used, Lapsed        bool
	DaysLeft            int
}

type reachView struct {
	Office, Name string
	Level        i18n.Text
	Again        bool
	Why          i18n.Text
	WaysUp       []i18n.Text
	Signature    bool
	CanSign      bool
	SignWhy      i18n.Text
}

// portalView is the part of accountPage this file fills.
type portalView struct {
	On        bool // the RA is wired: the certificate sections exist
	Certs     []certView
	Pending   []pendingView
	Offices   []officeView
	Letters   []letterView
	Server    string // the renewal command's " --server URL" (config.ServerFlag)
	CanRevoke bool
	RevokeWhy *problemView
	Now       []reachView
	NotYet    []reachView
	Revoked   bool // a revocation just happened (the redirect's flag)
}

var (
	heldLabels = map[string]i18n.Text{
		ra.HeldValid:      i18n.T("en vigor", "valid"),
		ra.HeldExpired:    i18n.T("caducado", "expired"),
		ra.HeldRevoked:    i18n.T("revocado", "revoked"),
		ra.HeldSuperseded: i18n.T("sustituido por su renovación", "superseded by its renewal"),
	}
	pendingLabels = map[string]i18n.Text{
		ra.PendingCheck:   i18n.T("esperando la comprobación de identidad en una oficina", "waiting for the identity check at an office"),
		ra.PendingReady:   i18n.T("aprobada: el certificado está listo para descargar", "approved: the certificate is ready to download"),
		ra.PendingRefused: i18n.T("rechazada en la oficina", "refused at the office"),
		ra.PendingExpired: i18n.T("caducada: nadie comprobó tu identidad a tiempo", "lapsed: nobody checked your identity in time"),
	}
	reasonLabels = map[string]i18n.Text{
		"keyCompromise":        i18n.T("alguien más pudo usar mi clave (clave comprometida)", "someone else may have used my key (key compromise)"),
		"affiliationChanged":   i18n.T("han cambiado mis datos", "my details have changed (affiliation changed)"),
		"superseded":           i18n.T("tengo otro certificado que lo sustituye", "I have another certificate that replaces it (superseded)"),
		"cessationOfOperation": i18n.T("ya no lo necesito", "I no longer need it (cessation of operation)"),
		"unspecified":          i18n.T("prefiero no decirlo", "I prefer not to say (unspecified)"),
	}
	// reasonOrder is the order the confirmation page offers them in: the
	// one that matters most first.
	reasonOrder = []string{"keyCompromise", "affiliationChanged", "superseded", "cessationOfOperation", "unspecified"}
)

func (a *accountRoutes) day(t time.Time) string { return t.In(a.loc).Format("02/01/2006") }

// portalOf gathers the portal's sections for the account page.
func (a *accountRoutes) portalOf(r *http.Request, sess store.Session) (portalView, error) {
	ctx := r.Context()
	v := portalView{On: a.d.RA != nil, Server: config.ServerFlag(a.s.publicURL), Revoked: r.URL.Query().Get("revoked") != ""}
	v.CanRevoke, v.RevokeWhy = revokeFrom(sess)
	if v.On {
		h, err := a.d.RA.Holdings(ctx, sess.PersonID)
		if err != nil {
			return v, err
		}
		v.Certs = a.certViews(h)
		for _, p := range h.Pending {
			pv := pendingView{State: p.State, StateText: label(pendingLabels, p.State), Created: a.day(p.CreatedAt),
				DaysLeft: p.DaysLeft, Refusal: p.Refusal, Next: p.Next}
			if !p.Deadline.IsZero() {
				pv.Deadline = a.day(p.Deadline)
			}
			v.Pending = append(v.Pending, pv)
		}
		for _, o := range h.CheckOffices {
			v.Offices = append(v.Offices, officeOf(o))
		}
	}
	letters, err := a.d.IdP.Letters(ctx, sess.PersonID)
	if err != nil {
		return v, err
	}
	for _, l := range letters {
		v.Letters = append(v.Letters, letterView{Sent: a.day(l.SentAt), Expires: a.day(l.ExpiresAt), City: l.City, Used: l.Used, Lapsed: l.Lapsed, DaysLeft: l.DaysLeft})
	}
	reach, err := a.d.IdP.Reach(ctx, sess.PersonID, idp.ReachOptions{SessionACR: sess.ACR, RemoteSigning: a.d.RemoteSigning})
	if err != nil {
		return v, err
	}
	for _, p := range reach {
		rv := reachView{Office: p.Office, Name: p.Procedure.NameFor(string(LangOf(r))), Level: label(acrLabels, p.Need), Again: p.LogInAgain,
			Why: p.Why, WaysUp: p.WaysUp, Signature: p.Procedure.SignatureNeeded() != "", CanSign: p.CanSign, SignWhy: p.SignWhy}
		if p.Now {
			v.Now = append(v.Now, rv)
		} else {
			v.NotYet = append(v.NotYet, rv)
		}
	}
	return v, nil
}

func (a *accountRoutes) certViews(h ra.Holdings) []certView {
	out := make([]certView, 0, len(h.Certificates))
	for _, c := range h.Certificates {
		cv := certView{Serial: c.Serial, State: c.State, StateText: label(heldLabels, c.State),
			NotAfter: a.day(c.NotAfter), NotAfterISO: c.NotAfter.UTC().Format(time.RFC3339), RenewalOpens: a.day(c.RenewalOpens),
			RenewNow: c.RenewNow, Revocable: c.Revocable, DaysLeft: c.DaysLeft}
		if c.Reason != "" {
			cv.Reason = label(reasonLabels, c.Reason)
		}
		out = append(out, cv)
	}
	return out
}

// certsOf lists the person's certificates as the page shows them; none
// when the RA is not wired.
func (a *accountRoutes) certsOf(r *http.Request, personID string) ([]certView, error) {
	if a.d.RA == nil {
		return nil, nil
	}
	h, err := a.d.RA.Holdings(r.Context(), personID)
	if err != nil {
		return nil, err
	}
	return a.certViews(h), nil
}

func officeOf(o store.Office) officeView {
	addr := o.Address
	if o.PostalCode != "" || o.City != "" {
		addr += ", " + o.PostalCode + " " + o.City
	}
	return officeView{Name: o.Name, Address: addr, Hours: o.Hours}
}

// Revocation from the account.

type revokePage struct {
	Cert    certView
	Reasons []reasonChoice
	Problem *problemView
	// Cannot: the session's level does not allow it (Problem says why);
	// the page then shows the ways to a stronger login instead of a form.
	Cannot  bool
	PINURL  string
	CertURL string
}

type reasonChoice struct {
	Value   string
	Label   i18n.Text
	Checked bool
}

// serialRE bounds what a form may name as a serial before the store is
// asked: lower-case hex, as SerialHex writes it.
var serialRE = regexp.MustCompile(`^[0-9a-f]{1,40}$`)

func (a *accountRoutes) mountPortal() {
	a.s.Handle("POST /account/certificates/revoke", http.HandlerFunc(a.revokeAsk))
	a.s.Handle("POST /account/certificates/revoke/confirm", http.HandlerFunc(a.revokeConfirm))
	a.s.Handle("POST /account/not-me", http.HandlerFunc(a.notMeAsk))
	a.s.Handle("POST /account/not-me/confirm", http.HandlerFunc(a.notMeConfirm))
}

// loggedInForm is the start of every portal action: a session, the RA
// (for the certificate actions) and a parsed form.
func (a *accountRoutes) loggedInForm(w http.ResponseWriter, r *http.Request) (store.Session, bool) {
	sess, ok := a.sessionOf(r)
	if !ok {
		http.Redirect(w, r, loginURL("/account"), http.StatusSeeOther)
		return sess, false
	}
	return sess, a.form(w, r)
}

// heldCert finds one of the person's own certificates as the page shows
// it; ok is false for a serial that is not theirs (or not a serial).
func (a *accountRoutes) heldCert(r *http.Request, personID, serial string) (certView, bool, error) {
	if a.d.RA == nil || !serialRE.MatchString(serial) {
		return certView{}, false, nil
	}
	certs, err := a.certsOf(r, personID)
	if err != nil {
		return certView{}, false, err
	}
	i := slices.IndexFunc(certs, func(c certView) bool { return c.Serial == serial })
	if i < 0 {
		return certView{}, false, nil
	}
	return certs[i], true, nil
}

// revokeFrom says whether sess may revoke its holder's certificates
// (the RA's rule) and, when not, the refusal to show.
func revokeFrom(sess store.Session) (bool, *problemView) {
	err := ra.CanRevokeFrom(sess.ACR)
	if err == nil {
		return true, nil
	}
	if ie, ok := i18n.As(err); ok {
		return false, problemOf(ie)
	}
	return false, nil
}

// Stronger logins that come back to the account page.
var (
	pinBackToAccount  = "/login/pin?" + url.Values{"next": {"/account"}}.Encode()
	certBackToAccount = "/login/certificate/begin?" + url.Values{"next": {"/account"}}.Encode()
)

func (a *accountRoutes) revokePageFor(sess store.Session, c certView, chosen string, problem *problemView) revokePage {
	pg := revokePage{Cert: c, Problem: problem, PINURL: pinBackToAccount, CertURL: certBackToAccount}
	if ok, why := revokeFrom(sess); !ok {
		pg.Cannot = true
		if pg.Problem == nil {
			pg.Problem = why
		}
	}
	for _, r := range reasonOrder {
		pg.Reasons = append(pg.Reasons, reasonChoice{Value: r, Label: reasonLabels[r], Checked: r == chosen})
	}
	return pg
}

// revokeAsk shows the confirmation step: which certificate, the reason
// to choose, and what revoking means. Nothing changes yet.
func (a *accountRoutes) revokeAsk(w http.ResponseWriter, r *http.Request) {
	sess, ok := a.loggedInForm(w, r)
	if !ok {
		return
	}
	c, ok, err := a.heldCert(r, sess.PersonID, field(r, "serial"))
	if err != nil {
		a.s.Error(w, r, err)
		return
	}
	if !ok {
		a.s.Error(w, r, WithStatus(http.StatusNotFound, ra.ErrCertUnknown))
		return
	}
	pg := a.revokePageFor(sess, c, "", nil)
	status := http.StatusOK
	if pg.Cannot {
		status = http.StatusForbidden
	}
	a.s.Render(w, r, status, "account_revoke", pg)
}

// revokeConfirm revokes, under the RA's rules, and goes back to the
// account page (post/redirect/get, so a reload does not post again).
func (a *accountRoutes) revokeConfirm(w http.ResponseWriter, r *http.Request) {
	sess, ok := a.loggedInForm(w, r)
	if !ok {
		return
	}
	serial, reason := field(r, "serial"), field(r, "reason")
	c, ok, err := a.heldCert(r, sess.PersonID, serial)
	if err != nil {
		a.s.Error(w, r, err)
		return
	}
	if !ok {
		a.s.Error(w, r, WithStatus(http.StatusNotFound, ra.ErrCertUnknown))
		return
	}
	if _, err := a.d.RA.RevokeAsHolder(r.Context(), sess.PersonID, serial, reason, sess.ACR); err != nil {
		p, status, ok := a.refusal(w, r, err)
		if !ok {
			return
		}
		if i18n.CodeOf(err) == "revoke.level" {
			status = http.StatusForbidden
		}
		a.s.Render(w, r, status, "account_revoke", a.revokePageFor(sess, c, reason, p))
		return
	}
	http.Redirect(w, r, "/account?revoked=1#certificates", http.StatusSeeOther)
}

// "This was not me".

type notMePage struct {
	Event     string
	EventWhen string
	Method    i18n.Text
	Certs     []certView // the revocable ones
	CanRevoke bool
	RevokeWhy *problemView
	HasPass   bool
	Devices   int
	Problem   *problemView
}

type notMeDonePage struct {
	Res      idp.NotMeResult
	Revoked  []string
	Refused  []refusedCert
	Mobile   string
	CertURL  string
	PINURL   string
	Password bool
}

type refusedCert struct {
	Serial string
	Why    *problemView
}

// eventRE: login event IDs are random hex; anything else is not one.
var eventRE = regexp.MustCompile(`^[0-9a-f]{8,64}$`)

func (a *accountRoutes) notMePageFor(r *http.Request, sess store.Session) (notMePage, error) {
	ctx := r.Context()
	pg := notMePage{}
	if ev := field(r, "event"); eventRE.MatchString(ev) {
		events, err := a.d.Store.ListLoginEvents(ctx, sess.PersonID, 10)
		if err != nil {
			return pg, err
		}
		for _, e := range events {
			if e.ID == ev {
				pg.Event, pg.EventWhen, pg.Method = e.ID, a.when(e.At), label(methodLabels, e.Method)
			}
		}
	}
	pg.CanRevoke, pg.RevokeWhy = revokeFrom(sess)
	certs, err := a.certsOf(r, sess.PersonID)
	if err != nil {
		return pg, err
	}
	for _, c := range certs {
		if c.Revocable {
			pg.Certs = append(pg.Certs, c)
		}
	}
	acc, err := a.d.Store.GetAccount(ctx, sess.PersonID)
	if err != nil {
		return pg, err
	}
	pg.HasPass = acc.PasswordHash != ""
	devs, err := a.d.IdP.Devices(ctx, sess.PersonID)
	if err != nil {
		return pg, err
	}
	pg.Devices = len(devs)
	return pg, nil
}

// notMeAsk shows what "this was not me" will do, with the certificates
// to tick for revocation. Nothing changes yet.
func (a *accountRoutes) notMeAsk(w http.ResponseWriter, r *http.Request) {
	sess, ok := a.loggedInForm(w, r)
	if !ok {
		return
	}
	pg, err := a.notMePageFor(r, sess)
	if err != nil {
		a.s.Error(w, r, err)
		return
	}
	a.s.Render(w, r, http.StatusOK, "account_notme", pg)
}

// notMeConfirm does it, then shows what was done. The session this page
// runs in is gone with the others, so the cookie goes too: the result
// page is the last thing this browser sees logged in.
func (a *accountRoutes) notMeConfirm(w http.ResponseWriter, r *http.Request) {
	sess, ok := a.loggedInForm(w, r)
	if !ok {
		return
	}
	event := field(r, "event")
	if !eventRE.MatchString(event) {
		event = ""
	}
	var serials []string
	for _, s := range r.PostForm["revoke"] {
		if serialRE.MatchString(s) && !slices.Contains(serials, s) && len(serials) < 20 {
			serials = append(serials, s)
		}
	}
	res, err := a.d.IdP.NotMe(r.Context(), sess.PersonID, event, sess.ACR, serials, LangOf(r))
	if err != nil {
		p, status, ok := a.refusal(w, r, err)
		if !ok {
			return
		}
		pg, perr := a.notMePageFor(r, sess)
		if perr != nil {
			a.s.Error(w, r, perr)
			return
		}
		pg.Problem = p
		a.s.Render(w, r, status, "account_notme", pg)
		return
	}
	_ = a.endSession(w, r)
	pg := notMeDonePage{Res: res, Password: res.PasswordDisabled, PINURL: pinBackToAccount, CertURL: certBackToAccount}
	for _, c := range res.Revoked {
		pg.Revoked = append(pg.Revoked, c.Serial)
	}
	for _, s := range serials {
		if err, ok := res.NotRevoked[s]; ok {
			rc := refusedCert{Serial: s}
			if ie, ok := i18n.As(err); ok {
				rc.Why = problemOf(ie)
			}
			pg.Refused = append(pg.Refused, rc)
		}
	}
	if acc, err := a.d.Store.GetAccount(r.Context(), sess.PersonID); err == nil {
		pg.Mobile = masked(acc.Mobile)
	}
	a.s.Render(w, r, http.StatusOK, "account_notme_done", pg)
}
