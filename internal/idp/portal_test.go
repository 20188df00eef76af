package idp

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/llavero/llavero/internal/i18n"
	"github.com/llavero/llavero/internal/ra"
	"github.com/llavero/llavero/internal/store"
)

// catalogue registers the sample offices: procedures at every level, a
// remote signature and a certificate one, and an office that takes
// certificates only.
func (e *env) catalogue() {
	e.t.Helper()
	ctx := context.Background()
	for _, c := range []store.Client{
		{ID: "a-traffic", Name: "Sede de Tráfico", MinACR: "low", Procedures: []store.Procedure{
			{ID: "points", Name: "Saldo de puntos", ACR: "low"},
			{ID: "exchange", Name: "Canje de permiso", ACR: "substantial", SignatureKind: store.SignatureRemote},
		}},
		{ID: "b-tax", Name: "Sede Tributaria", MinACR: "low", Methods: []string{"certificate"}, Procedures: []store.Procedure{
			// Stored as before signature kinds: a certificate signature.
			{ID: "vat", Name: "IVA trimestral", ACR: "substantial", Signature: true},
		}},
		{ID: "c-court", Name: "Sede Judicial", MinACR: "high", Procedures: []store.Procedure{
			{ID: "file", Name: "Presentar escrito", ACR: "low"},
		}},
	} {
		c.RedirectURIs = []string{"https://" + c.ID + ".example/cb"}
		if err := e.st.CreateClient(ctx, c); err != nil {
			e.t.Fatal(err)
		}
	}
}

func TestReach(t *testing.T) {
	type want struct {
		now, again, sign bool
		why              string // words of Why (English) when not now
		way              string // words of the first way up
		signWhy          string // words of SignWhy (English), signature procedures
	}
	cases := []struct {
		name     string
		setup    func(e *env)
		person   string
		session  string
		noRemote bool            // the deployment does not offer remote signing
		want     map[string]want // by procedure ID
	}{
		{"basic account by letter", func(e *env) { e.basicAccount("X1234567L", "+34612345678") }, "X1234567L", "low", false, map[string]want{
			"points":   {now: true},
			"exchange": {why: "basic", way: "Get your certificate", signWhy: "code by SMS after logging in at the substantial level, and your account is basic"},
			"vat":      {why: "basic", way: "Get your certificate", signWhy: "signed with your own certificate and you have no valid one"},
			"file":     {why: "high level", way: "smart card"},
		}},
		{"advanced at an office, PIN session", func(e *env) { e.appAccount("X1234567L", store.LevelAdvanced) }, "X1234567L", "low", false, map[string]want{
			"points":   {now: true},
			"exchange": {now: true, again: true, sign: true, signWhy: "we send you a code by SMS"},
			"vat":      {why: "only accepts: certificate", way: "Get your certificate", signWhy: "signed with your own certificate and you have no valid one"},
			"file":     {why: "high level", way: "smart card"},
		}},
		{"advanced with a certificate, certificate session", func(e *env) {
			e.certificate("X1234567L", "Kovalenko", "TIE", "X1234567L", "2031-05-01")
			e.appAccount("X1234567L", store.LevelAdvanced)
		}, "X1234567L", "substantial", false, map[string]want{
			"points":   {now: true},
			"exchange": {now: true, sign: true, signWhy: "we send you a code by SMS"},
			"vat":      {now: true, sign: true, signWhy: "signed with your certificate, on the computer"},
			"file":     {why: "high level", way: "smart card"},
		}},
		{"a certificate, no remote signing here", func(e *env) {
			e.certificate("X1234567L", "Kovalenko", "TIE", "X1234567L", "2031-05-01")
			e.appAccount("X1234567L", store.LevelAdvanced)
		}, "X1234567L", "substantial", true, map[string]want{
			"exchange": {now: true, signWhy: "does not offer yet"},
			"vat":      {now: true, sign: true, signWhy: "signed with your certificate"},
		}},
		{"advanced, no mobile, no certificate", func(e *env) { e.appAccount("12345678Z", store.LevelAdvanced) }, "12345678Z", "substantial", false, map[string]want{
			"points":   {why: "no way to log in", way: "registration office"},
			"exchange": {why: "no way to log in", way: "registration office", signWhy: "your account has no mobile"},
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			e.catalogue()
			tc.setup(e)
			got, err := e.idp.Reach(context.Background(), tc.person, ReachOptions{SessionACR: tc.session, RemoteSigning: !tc.noRemote})
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 4 || got[0].Office != "Sede de Tráfico" || got[3].Need != "high" {
				t.Fatalf("catalogue order or levels: %+v", got)
			}
			for _, r := range got {
				w, ok := tc.want[r.Procedure.ID]
				if !ok {
					continue
				}
				if r.Now != w.now || r.LogInAgain != w.again || r.CanSign != w.sign {
					t.Errorf("%s: now %v again %v sign %v; want %+v", r.Procedure.ID, r.Now, r.LogInAgain, r.CanSign, w)
				}
				if w.signWhy == "" && r.SignWhy.EN != "" {
					t.Errorf("%s: says %q about a signature it does not need", r.Procedure.ID, r.SignWhy.EN)
				}
				if !strings.Contains(r.SignWhy.EN, w.signWhy) || (w.signWhy != "" && (r.SignWhy.ES == "" || r.SignWhy.ES == r.SignWhy.EN)) {
					t.Errorf("%s: about signing %+v, want it to say %q in both languages", r.Procedure.ID, r.SignWhy, w.signWhy)
				}
				if w.now {
					continue
				}
				if !strings.Contains(r.Why.EN, w.why) || r.Why.ES == "" || r.Why.ES == r.Why.EN {
					t.Errorf("%s: why %+v, want it to say %q in both languages", r.Procedure.ID, r.Why, w.why)
				}
				if len(r.WaysUp) == 0 || !strings.Contains(r.WaysUp[0].EN, w.way) || r.WaysUp[0].ES == "" {
					t.Errorf("%s: ways up %+v, want first %q", r.Procedure.ID, r.WaysUp, w.way)
				}
			}
		})
	}
}

func TestLetters(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	if _, err := e.idp.RequestLetter(ctx, "12345678Z", i18n.ES); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(2 * 24 * time.Hour)
	ls, err := e.idp.Letters(ctx, "12345678Z")
	if err != nil || len(ls) != 1 || ls[0].City != "Barcelona" || ls[0].DaysLeft != 28 || ls[0].Used || ls[0].Lapsed {
		t.Fatalf("letters %+v %v", ls, err)
	}
	e.clock.Advance(28*24*time.Hour - time.Minute)
	if ls, _ := e.idp.Letters(ctx, "12345678Z"); len(ls) != 1 || ls[0].DaysLeft != 1 {
		t.Fatalf("a minute before the code lapses: %+v", ls)
	}
	e.clock.Advance(time.Minute)
	if ls, _ := e.idp.Letters(ctx, "12345678Z"); len(ls) != 1 || !ls[0].Lapsed || ls[0].DaysLeft != 0 {
		t.Fatalf("lapsed: %+v", ls)
	}
}

// TestNotMe: one report ends every session of the person (not another
// person's), disables the password and the app, revokes the certificates
// ticked when the session may, tells the person, and is audited.
func TestNotMe(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name, acr, wantRevoke string
	}{
		{"substantial session revokes", "substantial", ""},
		{"low session cannot revoke", "low", "revoke.level"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newAppEnv(t)
			cert := e.certificate("X1234567L", "Kovalenko", "TIE", "X1234567L", "2031-05-01")
			serial := ra.SerialHex(cert.SerialNumber)
			e.appAccount("X1234567L", store.LevelAdvanced)
			e.enrol("X1234567L", "substantial")
			if err := e.idp.SetPassword(ctx, "X1234567L", "Kx7!mqP2zz-llave"); err != nil {
				t.Fatal(err)
			}
			now := e.clock.Now()
			for _, s := range []store.Session{
				{ID: "mine-here", PersonID: "X1234567L", ACR: tc.acr, ExpiresAt: now.Add(time.Hour)},
				{ID: "mine-thief", PersonID: "X1234567L", ACR: "low", ExpiresAt: now.Add(time.Hour)},
				{ID: "someone-else", PersonID: "12345678Z", ACR: "low", ExpiresAt: now.Add(time.Hour)},
			} {
				if err := e.st.CreateSession(ctx, s); err != nil {
					t.Fatal(err)
				}
			}
			res, err := e.idp.NotMe(ctx, "X1234567L", "ev-1", tc.acr, []string{serial, "ffff"}, i18n.EN)
			if err != nil {
				t.Fatal(err)
			}
			if res.Sessions != 2 || !res.PasswordDisabled || res.DevicesDisabled != 1 || !res.SMS || !res.Email {
				t.Errorf("result %+v", res)
			}
			for id, alive := range map[string]bool{"mine-here": false, "mine-thief": false, "someone-else": true} {
				if _, err := e.st.GetSession(ctx, id); (err == nil) != alive {
					t.Errorf("session %s: alive %v, want %v", id, err == nil, alive)
				}
			}
			_, err = e.idp.LoginPassword(ctx, "X1234567L", "Kx7!mqP2zz-llave", "")
			wantCode(t, err, "password.disabled")
			if devs, _ := e.idp.Devices(ctx, "X1234567L"); len(devs) != 0 {
				t.Errorf("devices still active: %+v", devs)
			}
			// The level is checked first: a low session learns nothing of
			// which serials exist.
			if tc.wantRevoke == "" {
				wantCode(t, res.NotRevoked["ffff"], "certificate.unknown")
			} else {
				wantCode(t, res.NotRevoked["ffff"], tc.wantRevoke)
			}
			c, _ := e.st.GetCertificate(ctx, serial)
			if tc.wantRevoke == "" {
				if len(res.Revoked) != 1 || c.RevokedAt.IsZero() || c.RevocationReason != ra.RevocationReasons["keyCompromise"] {
					t.Errorf("not revoked for keyCompromise: %+v %+v", res.Revoked, c)
				}
			} else {
				wantCode(t, res.NotRevoked[serial], tc.wantRevoke)
				if !c.RevokedAt.IsZero() {
					t.Error("revoked from a low session")
				}
			}
			// The notice, in the account's language (Spanish), whatever
			// the page's.
			sent := map[string]bool{}
			all, _ := e.st.ListOutbox(ctx, store.OutboxFilter{To: "X1234567L"})
			for _, m := range all {
				if strings.Contains(m.Body, "avisaste de una entrada") || strings.Contains(m.Subject, "entrada que no hiciste") {
					sent[m.Kind+" to "+m.To] = true
				}
			}
			if !sent["sms to +34612345678"] || !sent["email to olena@example.org"] || len(sent) != 2 {
				t.Errorf("notices sent: %v", sent)
			}
			evs, _ := e.st.ListAudit(ctx, 0, 1000)
			found := false
			for _, ev := range evs {
				if ev.Action == "account.not_me" && ev.Subject == "X1234567L" && strings.Contains(ev.Detail, `"ev-1"`) {
					found = true
				}
			}
			if !found {
				t.Error("no audit event for the report")
			}

			// A new password (after a PIN login) brings the password back.
			if err := e.idp.SetPassword(ctx, "X1234567L", "Nuev4!clave-segura"); err != nil {
				t.Fatal(err)
			}
			if _, err := e.idp.LoginPassword(ctx, "X1234567L", "Nuev4!clave-segura", ""); err != nil {
				t.Errorf("login with the new password: %v", err)
			}
		})
	}
}

func TestNotMeIsRateLimited(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.appAccount("X1234567L", store.LevelAdvanced)
	for i := range notMePerHour {
		if _, err := e.idp.NotMe(ctx, "X1234567L", "", "low", nil, i18n.ES); err != nil {
			t.Fatalf("report %d: %v", i+1, err)
		}
	}
	_, err := e.idp.NotMe(ctx, "X1234567L", "", "low", nil, i18n.ES)
	wantCode(t, err, "notme.too_often")
	head, _ := e.st.AuditHead(ctx)
	if evs, _ := e.st.ListAudit(ctx, head.Seq-1, 1); len(evs) != 1 || evs[0].Action != "account.not_me" || evs[0].Outcome != "refused" {
		t.Errorf("the refusal is not audited: %+v", evs)
	}
	e.clock.Advance(time.Hour)
	if _, err := e.idp.NotMe(ctx, "X1234567L", "", "low", nil, i18n.ES); err != nil {
		t.Errorf("an hour later: %v", err)
	}
	// No account, nothing to do.
	_, err = e.idp.NotMe(ctx, "12345678Z", "", "low", nil, i18n.ES)
	wantCode(t, err, "account.none")
}
