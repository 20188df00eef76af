package a11y_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"image"
	"image/png"
	"io/fs"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/llavero/llavero/internal/browsertest"
	"github.com/llavero/llavero/internal/i18n"
	"github.com/llavero/llavero/internal/keystore"
	"github.com/llavero/llavero/internal/platformtest"
	"github.com/llavero/llavero/internal/ra"
	"github.com/llavero/llavero/internal/registry"
	"github.com/llavero/llavero/internal/store"
)

func TestMain(m *testing.M) { os.Exit(browsertest.Main(m)) }

// screenshots is where the walk also leaves a PNG of every page, language
// and width, for reviewers (scripts/screenshots); none when empty.
var screenshots = flag.String("screenshots", "", "write a full-page PNG of each page checked into this directory")

// axePath is axe-core's browser build, installed by "npm ci" in
// interop/axe (relative to this package's directory, where go test runs).
const axePath = "../../../interop/axe/node_modules/axe-core/axe.min.js"

// widths are the screens every page is checked at: a phone (375x812,
// the narrowest common one) and a desktop.
var widths = []struct {
	name          string
	width, height int64
	mobile        bool
}{
	{"phone", 375, 812, true},
	{"desktop", 1280, 900, false},
}

// tags are the axe-core rule sets of WCAG 2.1 levels A and AA.
const tagsJSON = `["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]`

// violation is one axe-core rule an element breaks.
type violation struct {
	ID      string   `json:"id"`
	Impact  string   `json:"impact"`
	Help    string   `json:"help"`
	Targets []string `json:"targets"`
}

// checker runs axe-core in the pages of one browser person.
type checker struct {
	t    *testing.T
	axe  string // axe.min.js
	lang i18n.Lang
	n    int // pages checked, for the screenshots' order
}

// check runs axe-core on p's page, as loaded, at each width, and fails t
// with every violation found; it also takes the screenshots when asked.
func (c *checker) check(p *browsertest.Person, name string) {
	c.t.Helper()
	if got := p.Lang(); got != string(c.lang) {
		c.t.Errorf("%s: lang %q, want %q (%s)", name, got, c.lang, p.URL())
	}
	c.n++
	for _, w := range widths {
		vs := c.run(p, name, w.width, w.height, w.mobile)
		for _, v := range vs {
			c.t.Errorf("%s (%s, %s, %s): %s [%s]: %s at %s", name, c.lang, w.name, p.URL(), v.ID, v.Impact, v.Help, strings.Join(v.Targets, ", "))
		}
		if *screenshots != "" {
			c.screenshot(p, name, w.name)
		}
	}
}

// run sets p's viewport and runs axe-core on its page, injecting it
// first when the page does not have it.
func (c *checker) run(p *browsertest.Person, name string, width, height int64, mobile bool) []violation {
	c.t.Helper()
	// The script is injected anew in each document, from the file: the
	// network is closed where the tests run.
	if !browsertest.Eval[bool](p, `typeof axe === "object"`) {
		browsertest.Eval[bool](p, c.axe+"\n;true")
	}
	ctx, cancel := context.WithTimeout(p.Context(), browsertest.Timeout)
	defer cancel()
	var opts []chromedp.EmulateViewportOption
	if mobile {
		opts = append(opts, chromedp.EmulateMobile)
	}
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(width, height, opts...)); err != nil {
		c.t.Fatalf("%s: viewport %dx%d: %v", name, width, height, err)
	}
	return browsertest.Eval[[]violation](p, fmt.Sprintf(`axe.run(document, {
		runOnly: {type: "tag", values: %s},
		resultTypes: ["violations"]
	}).then(r => r.violations.map(v => ({id: v.id, impact: v.impact || "", help: v.help,
		targets: v.nodes.map(n => n.target.join(" "))})))`, tagsJSON))
}

func (c *checker) screenshot(p *browsertest.Person, name, width string) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(p.Context(), browsertest.Timeout)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		c.t.Fatalf("%s: screenshot: %v", name, err)
	}
	file := fmt.Sprintf("%02d-%s-%s-%s.png", c.n, name, c.lang, width)
	if err := os.WriteFile(filepath.Join(*screenshots, file), png, 0o644); err != nil {
		c.t.Fatal(err)
	}
}

// axeScript reads axe-core, skipping t when it is not installed.
func axeScript(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(axePath)
	if errors.Is(err, fs.ErrNotExist) && *screenshots == "" {
		t.Skip("axe-core is not installed: run \"npm ci\" in interop/axe (.ci/run does)")
	}
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestPages checks every page of llavero, of the sample office and of the
// office console, in both languages and at both widths.
func TestPages(t *testing.T) {
	axe := axeScript(t)
	if _, err := browsertest.Find(); err != nil {
		if *screenshots != "" {
			t.Fatal(err) // asked for pictures: not a reason to skip
		}
		browsertest.Shared(t) // skips, naming what to install, or fails
	}
	if *screenshots != "" {
		if err := os.MkdirAll(*screenshots, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	e := platformtest.Start(t, platformtest.Options{DevOutbox: true})
	b := browsertest.OwnWith(t, browsertest.Options{ClientCert: operator(t, e)})
	if _, err := registry.Import(context.Background(), e.Store, strings.NewReader(strings.Join(registry.Header, ",")+"\n"+newcomers), registry.ImportOptions{}); err != nil {
		t.Fatal(err)
	}

	// One person per language logs in with a PIN: Olena in English,
	// Lucía in Spanish (both advanced accounts).
	citizen := map[i18n.Lang]string{i18n.EN: "X1234567L", i18n.ES: "87654321X"}
	for _, lang := range []i18n.Lang{i18n.ES, i18n.EN} {
		t.Run(string(lang), func(t *testing.T) {
			c := &checker{t: t, axe: axe, lang: lang}
			p := b.NewPerson(t, "visitor-"+string(lang))
			q := "?lang=" + string(lang)

			// Logged out.
			p.Go(e.Issuer + "/" + q)
			c.check(p, "home")
			for _, pg := range []struct {
				name, path string
				status     int // 0: 200
			}{
				{"login", "/login", 0},
				{"login-pin", "/login/pin", 0},
				{"login-password", "/login/password", 0},
				// The app login needs a secure context (localhost or HTTPS)
				// for passkeys: on 127.0.0.1 the page explains it is off.
				{"login-app", "/login/app", http.StatusServiceUnavailable},
				{"register", "/account/register", 0},
				{"register-letter", "/account/register/letter", 0},
				{"register-video", "/account/register/video", 0},
				{"start", "/start", 0},
				{"start-plan", "/start/plan?doc=tie&phone=foreign&cert=none&proc=" + e.ClientID + ".licence-exchange&proc=" + e.ClientID + ".points-balance", 0},
				{"start-plan-cert", "/start/plan?doc=dni&phone=es&cert=valid", 0},
				{"offices", "/offices", 0},
				{"dev-outbox", "/dev/outbox", 0},
			} {
				want := pg.status
				if want == 0 {
					want = http.StatusOK
				}
				if st := p.Go(e.Issuer + pg.path); st != want {
					t.Errorf("%s: status %d at %s, want %d", pg.name, st, p.URL(), want)
				}
				c.check(p, pg.name)
			}
			if st := p.Go(e.Issuer + "/no-such-page"); st != 404 {
				t.Errorf("a missing page: status %d", st)
			}
			c.check(p, "not-found")

			// The code page, a wrong code's error, and the account.
			id := citizen[lang]
			p.Go(e.Issuer + "/login/pin")
			p.Fill("#id", id)
			p.Fill("#fact", platformtest.Facts[id])
			p.Submit(`form[action="/login/pin"] button[type=submit]`)
			c.check(p, "login-code")
			code := e.LastCode(t, id)
			wrong := "000000"
			if code == wrong {
				wrong = "111111"
			}
			p.Fill("#pin", wrong)
			p.Submit(`form[action="/login/pin/verify"] button[type=submit]`)
			c.check(p, "login-code-wrong")
			p.Fill("#pin", code)
			p.Submit(`form[action="/login/pin/verify"] button[type=submit]`)
			c.check(p, "account")
			// "This was not me": the confirmation step only (it changes
			// nothing; confirming would end the session the walk needs).
			p.Submit(`form[action="/account/not-me"] button[type=submit]`)
			c.check(p, "account-not-me")
			p.Go(e.Issuer + "/account/app")
			c.check(p, "account-app")
			if st := p.Go(e.Issuer + "/app/scan"); st != http.StatusOK {
				t.Errorf("app-scan: status %d", st)
			}
			c.check(p, "app-scan")

			// Registering: a letter asked for, and video identification
			// up to the camera step, by people with no account yet.
			nc := newcomer[lang]
			reg := b.NewPerson(t, "newcomer-"+string(lang))
			reg.Go(e.Issuer + "/account/register" + q)
			reg.Fill("#id", nc.letter)
			reg.Submit(`form[action="/account/register/request-letter"] button[type=submit]`)
			c.check(reg, "register-letter-sent")
			reg.Go(e.Issuer + "/account/register/video")
			reg.Fill("#id", nc.video)
			reg.Fill("#fact", nc.fact)
			reg.Fill("#mobile", nc.mobile)
			reg.Submit(`form[action="/account/register/video"] button[type=submit]`)
			c.check(reg, "register-video-code")
			reg.Fill("#pin", e.LastCode(t, nc.video))
			reg.Submit(`form[action="/account/register/video/verify"] button[type=submit]`)
			c.check(reg, "register-video-steps")
			// The newcomer's evidence, sent for review, for the console.
			review := submitVideo(t, e, nc.video)

			// The sample office and its procedure page, logged in.
			p.Go(e.Office + "/" + q)
			c.check(p, "office-home")
			p.Submit(`form[action="/start/points-balance"] button`)
			c.check(p, "office-procedure")

			// The wrong-method page: the office takes only passwords for a
			// while, and the visitor logged in with a PIN.
			// The office forgets the visitor, so that it asks llavero.
			ctx, cancel := context.WithTimeout(p.Context(), browsertest.Timeout)
			_, err := chromedp.Run(ctx, func(ctx context.Context, _ *chromedp.Target) (cdp.Empty, error) {
				return chromedp.Call(ctx, network.DeleteCookies, network.DeleteCookiesParams{Name: "trafico_session", URL: e.Office + "/"})
			})
			cancel()
			if err != nil {
				t.Fatal(err)
			}
			methods(t, e, []string{"password"})
			p.Go(e.Office + "/")
			if st := p.Submit(`form[action="/start/points-balance"] button`); st != 403 {
				t.Errorf("a PIN session at an office that takes passwords: status %d at %s", st, p.URL())
			}
			c.check(p, "wrong-method")
			methods(t, e, nil)

			// The level-too-low refusal: José's basic account at a
			// substantial procedure.
			// (He chose the language at llavero: it does not follow the
			// office's ui_locales.)
			jose := b.NewPerson(t, "jose-"+string(lang))
			jose.Go(e.Issuer + "/" + q)
			jose.Go(e.Office + "/" + q)
			jose.Submit(`form[action="/start/licence-exchange"] button`)
			jose.Click(`a[href^="/login/pin"]`)
			jose.Fill("#id", "12345678Z")
			jose.Fill("#fact", platformtest.Facts["12345678Z"])
			jose.Submit(`form[action="/login/pin"] button[type=submit]`)
			jose.Fill("#pin", e.LastCode(t, "12345678Z"))
			if st := jose.Submit(`form[action="/login/pin/verify"] button[type=submit]`); st != 403 {
				t.Errorf("a basic account at a substantial procedure: status %d", st)
			}
			c.check(jose, "level-too-low")

			// The office console, with the operator's certificate.
			op := b.NewPerson(t, "operator-"+string(lang))
			op.Go(console(e) + "/office" + q)
			c.check(op, "console")
			op.Go(console(e) + "/office/reviews")
			c.check(op, "console-reviews")
			if st := op.Go(console(e) + "/office/reviews/" + review); st != http.StatusOK || !op.Has("video") {
				t.Errorf("console-review: status %d, video shown %v", st, op.Has("video"))
			}
			c.check(op, "console-review")
			// A person with a pending application, found by DNI, and the
			// result of refusing it.
			applicant := pendingApplication(t, e, nc.letter)
			if st := op.Go(console(e) + "/office/case?q=" + applicant); st != http.StatusOK || !op.Has(`form[action="/office/refuse"]`) {
				t.Errorf("console-case: status %d, refusal form %v", st, op.Has(`form[action="/office/refuse"]`))
			}
			c.check(op, "console-case")
			op.Select(`form[action="/office/refuse"] select[name=reason]`, "identity.not_proven")
			if st := op.Submit(`form[action="/office/refuse"] button[type=submit]`); st != http.StatusOK {
				t.Errorf("refusing at the desk: status %d at %s", st, op.URL())
			}
			c.check(op, "console-result")
			// The certificate pages of the same origin, shown an
			// operator's certificate instead of a citizen's.
			op.Go(console(e) + "/login/certificate")
			c.check(op, "certificate-login")
			op.Go(console(e) + "/account/register")
			c.check(op, "certificate-register")
		})
	}
}

// newcomers are DNI holders in the registry with no account: one per
// language asks for a letter, one starts video identification.
const newcomers = `23456781R,Pedro,Sanz,Gil,1981-01-01,ES,DNI,23456781R,2034-01-01,FGH111111,Calle Pino 1,28001,Madrid,Madrid,,
34567812P,Inés,Mora,Vega,1982-02-02,ES,DNI,34567812P,2034-02-02,FGH222222,Calle Pino 2,28001,Madrid,Madrid,,
45678123P,Pablo,Ortiz,Ramos,1983-03-03,ES,DNI,45678123P,2034-03-03,FGH333333,Calle Pino 3,28001,Madrid,Madrid,,
56781234F,Elena,Castro,Díaz,1984-04-04,ES,DNI,56781234F,2034-04-04,FGH444444,Calle Pino 4,28001,Madrid,Madrid,,
`

var newcomer = map[i18n.Lang]struct{ letter, video, fact, mobile string }{
	i18n.ES: {"23456781R", "34567812P", "FGH222222", "+34655100001"},
	i18n.EN: {"45678123P", "56781234F", "FGH444444", "+34655100002"},
}

// TestCheckerFinds makes sure the check can fail: a page with an image
// without a text alternative, a field without a label and no lang gives
// those violations.
func TestCheckerFinds(t *testing.T) {
	axe := axeScript(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte(`<!doctype html><html><title>Bad</title><body><main><h1>Bad</h1>
<img src="/x.png"><form><input name="q"></form></main></body></html>`))
	}))
	defer srv.Close()
	p := browsertest.New(t, "checker")
	p.Go(srv.URL)
	c := &checker{t: t, axe: axe}
	got := map[string]bool{}
	for _, v := range c.run(p, "bad", 375, 812, true) {
		got[v.ID] = true
		if len(v.Targets) == 0 || v.Impact == "" {
			t.Errorf("violation without target or impact: %+v", v)
		}
	}
	for _, want := range []string{"image-alt", "label", "html-has-lang"} {
		if !got[want] {
			t.Errorf("axe did not report %s; reported %v", want, got)
		}
	}
}

// submitVideo uploads a small photo of each side of the document and a
// video header for personID (whose video registration left a draft) and
// sends them for review; it returns the review's ID.
func submitVideo(t *testing.T, e *platformtest.Env, personID string) string {
	t.Helper()
	ctx := context.Background()
	var buf bytes.Buffer
	img := image.NewRGBA(image.Rect(0, 0, 8, 5))
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	webm := append([]byte{0x1A, 0x45, 0xDF, 0xA3}, make([]byte, 64)...)
	for kind, data := range map[string][]byte{
		store.EvidenceDocumentFront: buf.Bytes(), store.EvidenceDocumentBack: buf.Bytes(), store.EvidenceSelfieVideo: webm,
	} {
		if _, err := e.Platform.IdP.AddEvidence(ctx, personID, kind, bytes.NewReader(data), int64(len(data))); err != nil {
			t.Fatalf("evidence %s: %v", kind, err)
		}
	}
	v, err := e.Platform.IdP.SubmitVideo(ctx, personID)
	if err != nil {
		t.Fatal(err)
	}
	return v.ID
}

// pendingApplication applies for a certificate as personID (in the
// registry, surname from it) and returns the identifier to look up.
func pendingApplication(t *testing.T, e *platformtest.Env, personID string) string {
	t.Helper()
	ctx := context.Background()
	person, err := e.Store.GetPerson(ctx, personID)
	if err != nil {
		t.Fatal(err)
	}
	key, err := keystore.Generate(keystore.P256)
	if err != nil {
		t.Fatal(err)
	}
	csr, err := keystore.CreateCSR(key, personID, person.FirstSurname, "applicant@example.org")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Platform.RA.Apply(ctx, ra.ApplyRequest{ID: personID, Surname: person.FirstSurname, Email: "applicant@example.org", CSR: csr, Lang: i18n.ES}); err != nil {
		t.Fatal(err)
	}
	return personID
}

// methods sets the login methods the sample office accepts (nil: all).
func methods(t *testing.T, e *platformtest.Env, m []string) {
	t.Helper()
	if _, err := e.Store.UpdateClient(context.Background(), e.ClientID, func(c *store.Client) error {
		c.Methods = m
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

// operator adds an office with an operator to e and returns the
// operator's certificate for the browser, presented to the console.
func operator(t *testing.T, e *platformtest.Env) *browsertest.ClientCert {
	t.Helper()
	ctx := context.Background()
	p := e.Platform
	office, err := p.RA.AddOffice(ctx, store.Office{Name: "Oficina de prueba", Address: "Plaza Mayor 1", City: "Madrid",
		PostalCode: "28012", Province: "Madrid", Handles: []string{"certificate", "account", "video-review"}}, "admin:test")
	if err != nil {
		t.Fatal(err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	_, cert, err := p.RA.AddOperator(ctx, p.CA, office.ID, "Ana García", key.Public(), "admin:test")
	if err != nil {
		t.Fatal(err)
	}
	const pass = "Operadora-Ana-2026"
	p12, err := keystore.WriteP12(key, cert, p.CA.Chain(), []byte(pass), false)
	if err != nil {
		t.Fatal(err)
	}
	return &browsertest.ClientCert{P12: p12, Passphrase: pass, Origins: []string{console(e)}, Trust: p.CA.Chain()}
}

// console is the office console's origin: the certificate-login address,
// by the name its server certificate carries.
func console(e *platformtest.Env) string {
	_, port, _ := net.SplitHostPort(e.Config.CertListen)
	return "https://localhost:" + port
}
