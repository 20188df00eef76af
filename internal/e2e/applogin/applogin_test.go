package applogin_test

import (
	"bytes"
	"context"
	"fmt"
	"image/png"
	"net/http"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/chromedp"
	"github.com/makiuchi-d/gozxing"
	gozxingqr "github.com/makiuchi-d/gozxing/qrcode"

	"github.com/llavero/llavero/internal/browsertest"
	"github.com/llavero/llavero/internal/i18n"
	"github.com/llavero/llavero/internal/idp"
	"github.com/llavero/llavero/internal/idp/qrlogin"
	"github.com/llavero/llavero/internal/platformtest"
	"github.com/llavero/llavero/internal/sampleoffice"
	"github.com/llavero/llavero/internal/store"
)

func TestMain(m *testing.M) { os.Exit(browsertest.Main(m)) }

// What the pages say, as a person reads them (internal/web/account_app.go).
const (
	registered   = "Phone registered. You can now log in with the app."
	deskWaiting  = "Waiting for you to scan the code with your phone."
	deskScanned  = "Code scanned. Confirm on your phone."
	deskRefused  = "You refused this login on your phone. If it was not you who scanned the code, stop here: someone may have seen it. You can ask for a new code."
	deskAgain    = "Get a new code"
	phoneReading = "Checking the code…"
	phoneDone    = "Done. The screen will carry on by itself; you can close this page."
	phoneRefused = "Login refused. Nobody has logged in with your account. If someone asked you to scan the code, do not do it again."
	phoneCancel  = "The phone did not confirm. Try again or refuse the login."

	phoneReadingES = "Comprobando el código…"
)

// TestAppLogin runs the app login against one platform and one browser.
// The subtests build on each other (the phone registered in the first
// logs in in the next), so a failing step stops the rest.
func TestAppLogin(t *testing.T) {
	browsertest.Shared(t) // skip before starting a platform if there is no browser
	e := platformtest.Start(t, platformtest.Options{Host: "localhost"})
	const olena = "X1234567L" // advanced account

	// Olena's phone: a browser context with a passkey-capable
	// authenticator, logged in to llavero with a PIN.
	phone := browsertest.New(t, "olena-phone")
	key := phone.AddAuthenticator(browsertest.PlatformAuthenticator())

	step := func(name string, f func(t *testing.T)) {
		if !t.Run(name, f) {
			t.FailNow()
		}
	}

	step("register the phone", func(t *testing.T) {
		register(t, e, phone, olena, "Móvil de Olena")
		if n := len(key.Credentials()); n != 1 {
			t.Fatalf("the phone holds %d passkeys", n)
		}
		devs, err := e.Store.ListDevices(t.Context(), olena)
		if err != nil || len(devs) != 1 || devs[0].Name != "Móvil de Olena" || devs[0].Disabled {
			t.Fatalf("devices %+v, %v", devs, err)
		}
	})

	step("log in at the office by scanning the code", func(t *testing.T) {
		desktop := browsertest.New(t, "olena-desktop")
		ch := startAppLogin(t, e, desktop, "licence-exchange")
		if ch.office != sampleoffice.Name {
			t.Errorf("the desktop names the office %q", ch.office)
		}
		// The desktop's polls wait in its browser from here on, so the
		// approved login stays uncollected while another browser tries.
		release := holdPolls(t, desktop)
		url := scan(t, e, phone, desktop, ch)
		phone.Press("#scan-confirm")
		phone.WaitFor("the phone's confirmation", js(`document.getElementById("scan-status").textContent === %q`, phoneDone))
		if c := challenge(t, e, ch.id); c.State != store.QRApproved || c.PersonID != olena {
			t.Fatalf("after the phone confirmed: state %q, person %q", c.State, c.PersonID)
		}

		t.Run("the code scanned again in another browser", func(t *testing.T) {
			// Someone who photographed the code opens it after the
			// approval: refused, in their language, and nothing moves.
			mallory := browsertest.New(t, "mallory")
			before := challenge(t, e, ch.id)
			got := scanRefusal(t, e, mallory, url)
			wantRefusal(t, got, i18n.EN, idp.ErrAppDecided, qrlogin.ErrStale)
			mallory.Go(e.Issuer + "/?lang=es")
			got = scanRefusal(t, e, mallory, url)
			wantRefusal(t, got, i18n.ES, idp.ErrAppDecided, qrlogin.ErrStale)
			if mallory.Lang() != "es" {
				t.Errorf("the phone page's language: %q", mallory.Lang())
			}
			if after := challenge(t, e, ch.id); after.State != store.QRApproved || after.Scans != before.Scans {
				t.Errorf("a replayed scan changed the challenge: %+v", after)
			}
		})

		t.Run("another browser polls for the login", func(t *testing.T) {
			// With no app cookie, and with one of its own login page:
			// neither collects Olena's approved login.
			mallory := browsertest.New(t, "mallory-poll")
			mallory.Go(e.Issuer + "/login")
			if got := poll(t, mallory, ch.id); got.Status != http.StatusNotFound || got.Code != idp.ErrAppUnknown.Code || got.State != "" {
				t.Errorf("a poll without the cookie: %+v", got)
			}
			own := startAppLogin(t, e, mallory, "")
			if own.id == ch.id {
				t.Fatal("two browsers got the same challenge")
			}
			if got := poll(t, mallory, ch.id); got.Status != http.StatusNotFound || got.Code != idp.ErrAppUnknown.Code || got.State != "" {
				t.Errorf("a poll with another challenge's cookie: %+v", got)
			}
			if c := challenge(t, e, ch.id); c.State != store.QRApproved {
				t.Errorf("another browser's poll moved the challenge to %q", c.State)
			}
			if mallory.Has(".who") || strings.HasPrefix(mallory.URL(), e.Office) {
				t.Errorf("mallory is logged in at %s", mallory.URL())
			}
		})

		// Let the desktop's poll through: it collects the login and the
		// page carries on to the office by itself.
		release()
		desktop.WaitFor("the desktop to reach the office", js(`location.href === %q && document.readyState === "complete"`,
			e.Office+"/procedure/licence-exchange"))
		atProcedure(t, e, desktop, "licence-exchange", "Olena Kovalenko", "substantial")
		if amr := desktop.Text(".who dd:nth-of-type(5)"); !strings.Contains(amr, "hwk") {
			t.Errorf("amr %q", amr)
		}
		if c := challenge(t, e, ch.id); c.State != store.QRCollected {
			t.Errorf("after the desktop's login: state %q", c.State)
		}
		// Collected once: another browser still learns nothing.
		mallory := browsertest.New(t, "mallory-late")
		mallory.Go(e.Issuer + "/login")
		if got := poll(t, mallory, ch.id); got.Status != http.StatusNotFound || got.Code != idp.ErrAppUnknown.Code {
			t.Errorf("a poll after the login: %+v", got)
		}
		devs, err := e.Store.ListDevices(t.Context(), olena)
		if err != nil || len(devs) != 1 || devs[0].LastUsedAt.IsZero() || devs[0].SignCount == 0 {
			t.Errorf("the device after the login: %+v, %v", devs, err)
		}
	})

	step("refuse on the phone", func(t *testing.T) {
		desktop := browsertest.New(t, "olena-desktop-2")
		ch := startAppLogin(t, e, desktop, "licence-exchange")
		scan(t, e, phone, desktop, ch)
		desktop.WaitFor("the desktop to see the scan", js(`document.getElementById("app-status").textContent === %q`, deskScanned))
		phone.Press("#scan-refuse")
		phone.WaitFor("the phone's refusal", js(`document.getElementById("scan-status").textContent === %q`, phoneRefused))
		desktop.WaitFor("the desktop to show the refusal", js(`document.getElementById("app-status").textContent === %q`, deskRefused))
		if !visible(t, desktop, "#app-again") || visible(t, desktop, "#app-qr") {
			t.Error("after a refusal the desktop should offer a new code and hide the old one")
		}
		if got := desktop.Text("#app-again"); got != deskAgain {
			t.Errorf("the next step reads %q", got)
		}
		if c := challenge(t, e, ch.id); c.State != store.QRRefused {
			t.Errorf("state %q after the refusal", c.State)
		}

		// The next step: a new code, which logs in.
		desktop.Click("#app-again")
		desktop.WaitFor("a new code", `!document.getElementById("app-login").hidden`)
		again := appChallengeOf(t, desktop)
		if again.id == ch.id {
			t.Fatal("the new code is the refused challenge")
		}
		scan(t, e, phone, desktop, again)
		phone.Press("#scan-confirm")
		desktop.WaitFor("the desktop to reach the office", js(`location.href === %q`, e.Office+"/procedure/licence-exchange"))
		atProcedure(t, e, desktop, "licence-exchange", "Olena Kovalenko", "substantial")
	})

	step("the phone's screen lock fails", func(t *testing.T) {
		desktop := browsertest.New(t, "olena-desktop-3")
		ch := startAppLogin(t, e, desktop, "licence-exchange")
		scan(t, e, phone, desktop, ch)
		key.SetUserVerified(false)
		phone.Press("#scan-confirm")
		phone.WaitFor("the phone to give up", js(`document.getElementById("scan-status").textContent === %q`, phoneCancel))
		if !visible(t, phone, "#scan-confirm") || !visible(t, phone, "#scan-refuse") ||
			browsertest.Eval[bool](phone, `document.getElementById("scan-confirm").disabled`) {
			t.Error("after a failed screen lock the phone should let the person try again or refuse")
		}
		if c := challenge(t, e, ch.id); c.State != store.QRPending || c.PersonID != "" {
			t.Fatalf("a failed screen lock approved something: %+v", c)
		}
		// The desktop learns of the scan, and of nothing more.
		desktop.WaitFor("the desktop to see the scan", js(`document.getElementById("app-status").textContent === %q`, deskScanned))
		if c := challenge(t, e, ch.id); c.State != store.QRPending || !strings.HasPrefix(desktop.URL(), e.Issuer+"/login/app") {
			t.Fatalf("after a failed screen lock: state %q, the desktop at %s", c.State, desktop.URL())
		}

		// The lock works the second time: the same scan confirms.
		key.SetUserVerified(true)
		phone.Press("#scan-confirm")
		desktop.WaitFor("the desktop to reach the office", js(`location.href === %q`, e.Office+"/procedure/licence-exchange"))
		atProcedure(t, e, desktop, "licence-exchange", "Olena Kovalenko", "substantial")
	})

	t.Run("a basic account reaches low", func(t *testing.T) {
		const jose = "12345678Z"
		phone := browsertest.New(t, "jose-phone")
		phone.AddAuthenticator(browsertest.PlatformAuthenticator())
		register(t, e, phone, jose, "")

		desktop := browsertest.New(t, "jose-desktop")
		ch := startAppLogin(t, e, desktop, "points-balance")
		scan(t, e, phone, desktop, ch)
		phone.Press("#scan-confirm")
		desktop.WaitFor("the desktop to reach the office", js(`location.href === %q`, e.Office+"/procedure/points-balance"))
		atProcedure(t, e, desktop, "points-balance", "José Muñoz Pérez", "low")
		if amr := desktop.Text(".who dd:nth-of-type(5)"); !strings.Contains(amr, "hwk") {
			t.Errorf("amr %q", amr)
		}

		// A substantial procedure, logging in with the app from the
		// start: the app cannot lift a basic account, and the page says
		// how to get higher.
		desktop = browsertest.New(t, "jose-desktop-2")
		ch = startAppLogin(t, e, desktop, "licence-exchange")
		scan(t, e, phone, desktop, ch)
		phone.Press("#scan-confirm")
		desktop.WaitFor("the too-low page", js(`location.pathname !== "/login/app" && document.readyState === "complete" && document.querySelector("h1") !== null`))
		mustSay(t, desktop, "You need a higher level of sign-in", sampleoffice.Name,
			"asks, for this procedure, for the level substantial",
			"You logged in at the level low", "Your account is registered at the level basic",
			"How to get there", "Go to a registration office", "video identification")
		if strings.HasPrefix(desktop.URL(), e.Office) {
			t.Errorf("a low login reached the substantial procedure: %s", desktop.URL())
		}
	})
}

// register logs the person in on their phone with a PIN, at "My llavero"
// > phone app, and registers the phone's passkey under name.
func register(t *testing.T, e *platformtest.Env, phone *browsertest.Person, id, name string) {
	t.Helper()
	phone.Go(e.Issuer + "/account/app")
	if !strings.HasPrefix(phone.URL(), e.Issuer+"/login") {
		t.Fatalf("/account/app without a session went to %s", phone.URL())
	}
	phone.Click(`a[href^="/login/pin"]`)
	phone.Fill("#id", id)
	phone.Fill("#fact", platformtest.Facts[id])
	phone.Submit(`form[action="/login/pin"] button[type=submit]`)
	phone.Fill("#pin", e.LastCode(t, id))
	phone.Submit(`form[action="/login/pin/verify"] button[type=submit]`)
	if u := phone.URL(); u != e.Issuer+"/account/app" {
		t.Fatalf("after the PIN the phone is at %s", u)
	}
	if phone.Has("#app-devices li") {
		t.Fatal("a phone is registered already")
	}
	phone.WaitFor("the register form", `!document.getElementById("app-register").hidden`)
	if name != "" {
		phone.Fill("#app-device-name", name)
	}
	sms := e.SMSCount(t, id)
	phone.Press("#app-register-button")
	phone.WaitFor("the registration", js(`document.getElementById("app-register-status").textContent === %q`, registered))
	// The page reloads to list the phone.
	phone.WaitFor("the phone in the list", `document.querySelector("#app-devices li") !== null`)
	if name == "" {
		name = "Mi móvil"
	}
	if got := phone.Text("#app-devices li strong"); got != name {
		t.Errorf("the phone is listed as %q", got)
	}
	if e.SMSCount(t, id) != sms+1 {
		t.Error("no SMS about the new phone")
	}
}

// appChallenge is what the desktop's login page shows.
type appChallenge struct{ id, office, check string }

var threeDigits = regexp.MustCompile(`^\d{3}$`)

// startAppLogin starts proc at the office ("" for llavero's own login
// page) on desktop, chooses the phone app, and returns what the page
// shows.
func startAppLogin(t *testing.T, e *platformtest.Env, desktop *browsertest.Person, proc string) appChallenge {
	t.Helper()
	if proc == "" {
		desktop.Go(e.Issuer + "/login")
	} else {
		desktop.Go(e.Office + "/")
		desktop.Submit(fmt.Sprintf(`form[action="/start/%s"] button`, proc))
	}
	if !strings.HasPrefix(desktop.URL(), e.Issuer+"/login") {
		t.Fatalf("not on llavero's login page: %s", desktop.URL())
	}
	if st := desktop.Click(`a[href^="/login/app"]`); st != http.StatusOK {
		t.Fatalf("the app login page: status %d\n%s", st, desktop.PageText())
	}
	desktop.WaitFor("the QR code", `!document.getElementById("app-login").hidden && document.getElementById("app-qr").complete`)
	ch := appChallengeOf(t, desktop)
	if !threeDigits.MatchString(ch.check) || ch.id == "" {
		t.Fatalf("the login page shows %+v", ch)
	}
	if got := desktop.Text("#app-status"); got != deskWaiting {
		t.Errorf("status %q before the scan", got)
	}
	return ch
}

func appChallengeOf(t *testing.T, desktop *browsertest.Person) appChallenge {
	t.Helper()
	return appChallenge{
		id:     browsertest.Eval[string](desktop, `document.getElementById("app-login").dataset.id`),
		office: desktop.Text("#app-office"),
		check:  desktop.Text("#app-check"),
	}
}

// readQR reads the code on the desktop's screen, as the phone's camera
// would: a picture of the image, decoded by an independent QR decoder.
// It returns the address the code holds.
func readQR(t *testing.T, e *platformtest.Env, desktop *browsertest.Person) string {
	t.Helper()
	var url string
	for try := 1; ; try++ {
		img, err := png.Decode(bytes.NewReader(desktop.Capture("#app-qr")))
		if err != nil {
			t.Fatal(err)
		}
		bmp, err := gozxing.NewBinaryBitmapFromImage(img)
		if err != nil {
			t.Fatal(err)
		}
		// As a photo first. gozxing's finder misjudges the size of
		// some codes drawn at a fractional module width (280 px for 49
		// modules), which its reader for a bare code, what the picture
		// is, does not.
		res, err := gozxingqr.NewQRCodeReader().Decode(bmp, nil)
		if err != nil {
			res, err = gozxingqr.NewQRCodeReader().Decode(bmp, map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_PURE_BARCODE: true})
		}
		if err == nil {
			url = res.GetText()
			break
		}
		// A camera would simply look again.
		if try == 3 {
			path := desktop.Screenshot("qr")
			t.Fatalf("the QR code on the screen does not decode (%d tries): %v; the screen: %s", try, err, path)
		}
		t.Logf("try %d: the QR code did not decode (%v); looking again", try, err)
	}
	if !strings.HasPrefix(url, e.Issuer+"/app/scan#") {
		t.Fatalf("the QR code holds %q", url)
	}
	return url
}

// scan reads the code on the desktop's screen and opens it on the phone,
// as its camera app would, checks that the phone shows the office and the
// digits of the desktop's screen, and returns the address the code held.
func scan(t *testing.T, e *platformtest.Env, phone, desktop *browsertest.Person, ch appChallenge) string {
	t.Helper()
	var url string
	for try := 1; ; try++ {
		// From another page (the same page with a new fragment would
		// not load again), left before the code is read: a code is good
		// for seconds.
		phone.Go(e.Issuer + "/account")
		url = readQR(t, e, desktop)
		if st := phone.Go(url); st != http.StatusOK {
			t.Fatalf("the scan page: status %d", st)
		}
		phone.WaitFor("the question", js(`!document.getElementById("scan-question").hidden || document.getElementById("scan-status").textContent !== %q`, phoneReading))
		if visible(t, phone, "#scan-question") {
			break
		}
		// A machine so busy that the code aged past its seconds
		// between the picture and the phone: as the page says, scan
		// again.
		got := phone.Text("#scan-status")
		if got != qrlogin.ErrStale.Message(i18n.EN)+" "+qrlogin.ErrStale.Hint(i18n.EN) || try == 5 {
			t.Fatalf("the phone does not ask (try %d): %s", try, got)
		}
		t.Logf("try %d: the code was stale when the phone sent it; scanning again", try)
	}
	if strings.Contains(phone.URL(), "#") {
		t.Errorf("the payload stays in the phone's address bar: %s", phone.URL())
	}
	if got := phone.Text("#scan-office"); got != ch.office {
		t.Errorf("the phone names the office %q, the desktop %q", got, ch.office)
	}
	if got := phone.Text("#scan-check"); got != ch.check {
		t.Errorf("the phone shows the digits %q, the desktop %q", got, ch.check)
	}
	if !phone.Focused("#scan-confirm") {
		t.Error("the confirm button does not have the focus")
	}
	return url
}

// scanRefusal opens url in p and returns the refusal the scan page shows.
func scanRefusal(t *testing.T, e *platformtest.Env, p *browsertest.Person, url string) string {
	t.Helper()
	p.Go(e.Issuer + "/")
	p.Go(url)
	p.WaitFor("the scan's answer", js(`![%q, %q].includes(document.getElementById("scan-status").textContent)`, phoneReading, phoneReadingES))
	if visible(t, p, "#scan-question") {
		t.Fatalf("%s is asked to confirm a code already used", p.Name())
	}
	return p.Text("#scan-status")
}

// wantRefusal checks that got is one of errs, whole (what went wrong and
// the next step) and in lang.
func wantRefusal(t *testing.T, got string, lang i18n.Lang, errs ...*i18n.Error) {
	t.Helper()
	var want []string
	for _, e := range errs {
		w := e.Message(lang) + " " + e.Hint(lang)
		if got == w {
			return
		}
		want = append(want, w)
	}
	t.Errorf("the page says %q, want one of %q", got, want)
}

// pollResult is a status poll's answer as a browser script sees it.
type pollResult struct {
	Status int    `json:"status"`
	State  string `json:"state"`
	Code   string `json:"code"`
}

// poll asks llavero, from p's page, for the state of the app login id,
// as the login page's script does.
func poll(t *testing.T, p *browsertest.Person, id string) pollResult {
	t.Helper()
	return browsertest.Eval[pollResult](p, js(`fetch("/api/v1/app/login/status", {method: "POST", credentials: "same-origin",
		headers: {"Content-Type": "application/json", "Accept": "application/json"}, body: JSON.stringify({id: %q, next: ""})})
		.then(r => r.json().then(j => ({status: r.status, state: j.state || "", code: j.code || ""})))`, id))
}

// holdPolls keeps the desktop's polls of the login status waiting inside
// its browser (the DevTools Fetch domain pauses them) until release is
// called. It returns once a poll is held: the page polls one at a time,
// so from then on it asks nothing until released.
func holdPolls(t *testing.T, desktop *browsertest.Person) (release func()) {
	t.Helper()
	ctx := desktop.Context()
	var mu sync.Mutex
	var held []fetch.RequestID
	first := make(chan struct{})
	lctx, stopListening := context.WithCancel(ctx)
	if err := chromedp.Listen(lctx, func(ev any) {
		if p, ok := ev.(*fetch.EventRequestPaused); ok {
			mu.Lock()
			held = append(held, p.RequestID)
			if len(held) == 1 {
				close(first)
			}
			mu.Unlock()
		}
	}); err != nil {
		t.Fatal(err)
	}
	call := func(what string, f func(ctx context.Context) error) {
		t.Helper()
		cctx, cancel := context.WithTimeout(ctx, browsertest.Timeout)
		defer cancel()
		if err := f(cctx); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	call("hold the polls", func(ctx context.Context) error {
		_, err := chromedp.Call(ctx, fetch.Enable, fetch.EnableParams{Patterns: []*fetch.RequestPattern{{URLPattern: "*/api/v1/app/login/status"}}})
		return err
	})
	select {
	case <-first:
	case <-time.After(browsertest.Timeout):
		t.Fatal("the desktop does not poll")
	}
	var once sync.Once
	release = func() {
		once.Do(func() {
			stopListening()
			mu.Lock()
			ids := held
			mu.Unlock()
			call("release the polls", func(ctx context.Context) error {
				for _, id := range ids {
					if _, err := chromedp.Call(ctx, fetch.ContinueRequest, fetch.ContinueRequestParams{RequestID: id}); err != nil {
						return err
					}
				}
				_, err := chromedp.Call(ctx, fetch.Disable, cdp.Empty{})
				return err
			})
		})
	}
	t.Cleanup(release)
	return release
}

// challenge is the store's row of an app login.
func challenge(t *testing.T, e *platformtest.Env, id string) store.QRChallenge {
	t.Helper()
	c, err := e.Store.GetQRChallenge(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// atProcedure checks that p is back at the office, on proc's page, logged
// in as name at level.
func atProcedure(t *testing.T, e *platformtest.Env, p *browsertest.Person, proc, name, level string) {
	t.Helper()
	if u := p.URL(); u != e.Office+"/procedure/"+proc {
		t.Fatalf("at %s, want the office's %s page\n%s", u, proc, p.PageText())
	}
	if got := p.Text(".who dd:nth-of-type(1)"); got != name {
		t.Errorf("name %q, want %q", got, name)
	}
	if got := p.Text(".who dd strong"); got != level {
		t.Errorf("level %q, want %q", got, level)
	}
	if got := p.Text(".who dd strong + code"); got != "http://eidas.europa.eu/LoA/"+level {
		t.Errorf("acr %q", got)
	}
}

func mustSay(t *testing.T, p *browsertest.Person, want ...string) {
	t.Helper()
	text := p.PageText()
	for _, w := range want {
		if !strings.Contains(text, w) {
			t.Errorf("the page does not say %q:\n%s", w, text)
		}
	}
}

// visible reports whether the element sel is shown (not hidden, nor in a
// hidden ancestor).
func visible(t *testing.T, p *browsertest.Person, sel string) bool {
	t.Helper()
	return browsertest.Eval[bool](p, js(`(function(e){ return e !== null && e.getClientRects().length > 0 })(document.querySelector(%q))`, sel))
}

// js formats a script with Go-quoted strings, which are valid JavaScript
// string literals.
func js(format string, args ...any) string { return fmt.Sprintf(format, args...) }
