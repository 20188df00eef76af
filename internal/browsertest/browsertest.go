// Package browsertest drives llavero's pages in a real headless Chromium
// (through chromedp), for the tests that must prove what a Go HTTP client
// cannot: that the forms work in a browser, with a keyboard, under the
// browser's own cross-origin rules, and with WebAuthn.
//
// One browser serves all the tests of a test binary (starting Chromium is
// the slow part); each "person" in a test gets a new browser context, which
// is as isolated as a separate browser profile: own cookies, storage and
// cache. A package that uses it sets up
//
//	func TestMain(m *testing.M) { os.Exit(browsertest.Main(m)) }
//
// so the browser is closed when the tests end, and then in each test
//
//	olena := browsertest.New(t, "olena")
//	olena.Go(office + "/")
//	olena.Fill("#id", "X1234567L")
//	olena.Submit("button[type=submit]")
//
// For WebAuthn (the app login's passkeys), give the person a phone before
// the page calls navigator.credentials:
//
//	phone := olena.AddAuthenticator(browsertest.PlatformAuthenticator())
//	... // register the passkey, then log in with it
//	creds := phone.Credentials() // what the "phone" holds
//
// WebAuthn needs a secure context whose host is a valid relying-party ID,
// so run the platform with platformtest.Options{Host: "localhost"}.
//
// Pages whose scripts act by themselves (a poll, a status that changes)
// are driven with Press (a click that loads no page) and WaitFor (until a
// JavaScript condition holds, across navigations); Capture takes a
// picture of one element, such as a QR code to decode. A test binary that
// needs switches the shared browser has not (FakeMedia: a camera) starts
// its own with Own and opens people in it with NewPerson; OwnWith also
// gives that browser a client certificate (ClientCert) that it presents,
// with no prompt, to the origins named, as the office console needs.
// Select and TypeDate fill the form controls Fill cannot.
//
// Every helper fails the test (t.Fatal) when the browser does, and a test
// that fails leaves a screenshot and the HTML of each person's last page in
// a directory it logs. A test is skipped only when Chromium is not
// installed; a broken Chromium fails.
package browsertest

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// DefaultPath is where Debian's chromium package installs the browser.
const DefaultPath = "/usr/bin/chromium"

// EnvPath names the environment variable that points at another Chromium
// (or Chrome) binary.
const EnvPath = "LLAVERO_CHROMIUM"

// EnvArtifacts names the environment variable of the directory where
// failing tests leave screenshots; a new temporary directory when unset.
const EnvArtifacts = "LLAVERO_BROWSERTEST_ARTIFACTS"

// errAbsent is Find's answer when the default browser is not installed:
// the one case in which a test skips.
var errAbsent = errors.New("browsertest: Chromium is not installed (apt-get install chromium, or set " + EnvPath + ")")

// Find returns the browser binary: $LLAVERO_CHROMIUM when set, else
// DefaultPath. It returns errAbsent (tests skip) when the default is
// missing, and another error (tests fail) when LLAVERO_CHROMIUM names
// something that is not there: an explicit setting that does not work is
// a mistake to report, not a reason to quietly test less.
func Find() (string, error) { return find(os.Getenv(EnvPath), os.Stat) }

func find(env string, stat func(string) (fs.FileInfo, error)) (string, error) {
	path := DefaultPath
	if env != "" {
		path = env
	}
	fi, err := stat(path)
	switch {
	case err == nil && !fi.IsDir():
		return path, nil
	case env != "":
		return "", fmt.Errorf("browsertest: %s=%q is not a browser binary: %v", EnvPath, env, err)
	case errors.Is(err, fs.ErrNotExist):
		return "", errAbsent
	case err == nil:
		return "", fmt.Errorf("browsertest: %s is a directory", path)
	default:
		return "", err
	}
}

// Flags are the command-line switches Chromium gets besides chromedp's
// defaults. The network is closed where the tests run, so everything that
// would call Google (background networking, component updates, sync, QUIC
// probes) is off; without them the browser stalls or fails there.
// --no-sandbox because CI runs as root in a container.
var Flags = map[string]any{
	"headless":                      true,
	"no-sandbox":                    true,
	"disable-gpu":                   true,
	"disable-quic":                  true,
	"no-first-run":                  true,
	"disable-background-networking": true,
	"disable-component-update":      true,
	"disable-sync":                  true,
	"lang":                          "en-GB",
	"accept-lang":                   "en-GB,en",
}

// Browser is one running Chromium.
type Browser struct {
	root    context.Context // a chromedp context that has run once
	cancel  func()
	dataDir string
	home    string // HOME of a browser with an NSS database of its own
}

// Start runs the Chromium at path with Flags and a fresh profile
// directory.
func Start(path string) (*Browser, error) { return StartWith(path, nil) }

// StartWith is Start with extra switches besides Flags (an extra switch
// of the same name replaces the one in Flags), for the tests that need a
// browser set up differently, such as with a fake camera (FakeMedia).
func StartWith(path string, extra map[string]any) (*Browser, error) {
	dir, err := os.MkdirTemp("", "llavero-chromium-")
	if err != nil {
		return nil, err
	}
	return start(path, extra, dir, nil)
}

// start runs the Chromium at path with Flags and extra, the profile
// directory dir (removed by Close) and env added to this process's
// environment.
func start(path string, extra map[string]any, dir string, env []string) (*Browser, error) {
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(path), chromedp.UserDataDir(dir))
	// On Linux the --lang switch sets the pages' languages but not the
	// locale of form controls (a date field's order of day and month),
	// which follows the environment's: make it the same en-GB.
	env = append([]string{"LANG=en_GB.UTF-8", "LANGUAGE=en_GB:en"}, env...)
	opts = append(opts, chromedp.Env(env...))
	for k, v := range Flags {
		if _, ok := extra[k]; !ok {
			opts = append(opts, chromedp.Flag(k, v))
		}
	}
	for k, v := range extra {
		opts = append(opts, chromedp.Flag(k, v))
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	root, cancelRoot := chromedp.NewContext(allocCtx)
	b := &Browser{root: root, dataDir: dir, cancel: func() { cancelRoot(); cancelAlloc() }}
	// The first run starts the browser; it must have no deadline, or the
	// deadline would end the browser. A browser that does not come up in
	// a minute is broken, so wait for it on the side.
	started := make(chan error, 1)
	go func() { started <- chromedp.Do(root) }()
	var err error
	select {
	case err = <-started:
	case <-time.After(time.Minute):
		err = errors.New("did not start within a minute")
	}
	if err != nil {
		b.Close()
		return nil, fmt.Errorf("browsertest: starting %s: %w", path, err)
	}
	return b, nil
}

// Close ends the browser and removes its profile.
func (b *Browser) Close() {
	b.cancel()
	_ = chromedp.WaitClosed(b.root)
	_ = os.RemoveAll(b.dataDir)
}

// shared is the browser of this test binary, started by the first test
// that asks for one.
var shared struct {
	mu      sync.Mutex
	b       *Browser
	err     error
	started bool
}

// Shared returns the browser of this test binary, starting it the first
// time. It skips t when Chromium is not installed and fails it when
// Chromium does not start.
func Shared(t testing.TB) *Browser {
	t.Helper()
	shared.mu.Lock()
	defer shared.mu.Unlock()
	if !shared.started {
		shared.started = true
		var path string
		if path, shared.err = Find(); shared.err == nil {
			shared.b, shared.err = Start(path)
		}
	}
	switch {
	case errors.Is(shared.err, errAbsent):
		t.Skip(shared.err)
	case shared.err != nil:
		t.Fatal(shared.err)
	}
	return shared.b
}

// Main runs the tests and then closes the shared browser, if a test
// started it. Call it from TestMain.
func Main(m *testing.M) int {
	code := m.Run()
	shared.mu.Lock()
	defer shared.mu.Unlock()
	if shared.b != nil {
		shared.b.Close()
		shared.b = nil
	}
	return code
}

// artifacts is the directory failing tests write to when EnvArtifacts is
// unset, made on first use.
var artifacts struct {
	once sync.Once
	dir  string
	err  error
}

func artifactsDir() (string, error) {
	if d := os.Getenv(EnvArtifacts); d != "" {
		return d, os.MkdirAll(d, 0o755)
	}
	artifacts.once.Do(func() {
		artifacts.dir, artifacts.err = os.MkdirTemp("", "llavero-browsertest-")
	})
	return artifacts.dir, artifacts.err
}

// Timeout bounds each helper's wait for the browser, so a page that never
// loads fails the test with a screenshot instead of hanging until go
// test's own timeout. It is not a performance threshold: the pages answer
// in milliseconds.
var Timeout = 30 * time.Second

// Person is one browser context with one tab: a person at their own
// computer. Its helpers are for the test goroutine only.
type Person struct {
	t    testing.TB
	name string
	ctx  context.Context
}

// New opens a person in the shared browser, closed when t ends.
func New(t testing.TB, name string) *Person {
	t.Helper()
	return Shared(t).NewPerson(t, name)
}

// NewPerson opens a person (a new browser context with one tab) in b,
// closed when t ends. If t fails, the person's page is saved first.
func (b *Browser) NewPerson(t testing.TB, name string) *Person {
	t.Helper()
	ctx, cancel := chromedp.NewContext(b.root, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	p := &Person{t: t, name: name, ctx: ctx}
	// The first run opens the tab: no deadline, as for the browser.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("%s: opening a browser context: %v", name, err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			p.saveArtifacts()
		}
	})
	return p
}

// Context returns the person's chromedp context, for running chromedp
// actions the helpers do not cover. Derive deadlines from it; do not
// cancel it.
func (p *Person) Context() context.Context { return p.ctx }

// Name is the name the person was opened with.
func (p *Person) Name() string { return p.name }

// run runs a with Timeout and fails the test when it fails.
func run[T any](p *Person, what string, a chromedp.Action[T]) T {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, Timeout)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		p.t.Fatalf("%s: %s: %v (at %s)", p.name, what, err, p.location())
	}
	return v
}

// location is the page's address for messages, without failing.
func (p *Person) location() string {
	ctx, cancel := context.WithTimeout(p.ctx, 2*time.Second)
	defer cancel()
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		return "?"
	}
	return loc
}

// navigation runs steps that load a new page, waits for it, and returns
// its HTTP status (of the last response of a redirect chain).
func (p *Person) navigation(what string, steps ...chromedp.Action[chromedp.Void]) int {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, Timeout)
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, steps...)
	if err != nil {
		p.t.Fatalf("%s: %s: %v (at %s)", p.name, what, err, p.location())
	}
	if resp == nil {
		p.t.Fatalf("%s: %s: no response", p.name, what)
	}
	return int(resp.Status)
}

// Go opens url and returns the HTTP status of the page it lands on.
func (p *Person) Go(url string) int {
	p.t.Helper()
	return p.navigation("open "+url, chromedp.Navigate(url))
}

// Fill types value into the form field sel (a CSS selector), replacing
// what it held, as a person typing would (key events, not a script
// setting the value).
func (p *Person) Fill(sel, value string) {
	p.t.Helper()
	run(p, "fill "+sel, chromedp.Steps(chromedp.Clear(chromedp.CSS(sel)), chromedp.SendKeys(chromedp.CSS(sel), value)))
}

// Click clicks the element sel (a link or a submit button) and returns
// the HTTP status of the page that loads.
func (p *Person) Click(sel string) int {
	p.t.Helper()
	return p.navigation("click "+sel, chromedp.Click(chromedp.CSS(sel)))
}

// Submit is Click for a form's button, named for what the test means.
func (p *Person) Submit(sel string) int {
	p.t.Helper()
	return p.navigation("submit "+sel, chromedp.Click(chromedp.CSS(sel)))
}

// Type sends keys to whatever has the focus, as key events (kb.Tab,
// kb.Enter and the other constants of chromedp's kb package work).
func (p *Person) Type(keys string) {
	p.t.Helper()
	run(p, fmt.Sprintf("type %q", keys), chromedp.KeyEvent(keys))
}

// TypeAndWait sends keys that load a new page (Enter on a link or in a
// form) and returns its HTTP status.
func (p *Person) TypeAndWait(keys string) int {
	p.t.Helper()
	return p.navigation(fmt.Sprintf("type %q", keys), chromedp.KeyEvent(keys))
}

// TabTo presses Tab until the element sel has the focus (none when it
// has it already, as a field with autofocus does), at most max times, and
// fails the test when it never does: the element is not reachable with
// the keyboard.
func (p *Person) TabTo(sel string, max int) {
	p.t.Helper()
	for range max {
		if p.Focused(sel) {
			return
		}
		p.Type("\t")
	}
	if p.Focused(sel) {
		return
	}
	p.t.Fatalf("%s: %s not reached with %d Tabs; focus is on %s", p.name, sel, max, p.focusDescription())
}

// Focused reports whether the element sel has the keyboard focus.
func (p *Person) Focused(sel string) bool {
	p.t.Helper()
	return Eval[bool](p, fmt.Sprintf(`document.activeElement !== null && document.activeElement.matches(%q)`, sel))
}

func (p *Person) focusDescription() string {
	return Eval[string](p, `(function(e){ return e ? e.outerHTML.slice(0, 200) : "nothing" })(document.activeElement)`)
}

// Text returns the text of the element sel as the page shows it.
func (p *Person) Text(sel string) string {
	p.t.Helper()
	return run(p, "read "+sel, chromedp.Text(chromedp.CSS(sel)))
}

// PageText returns the text of the whole page as shown (innerText), for
// asserting what a person reads.
func (p *Person) PageText() string {
	p.t.Helper()
	return Eval[string](p, `document.body ? document.body.innerText : ""`)
}

// HTML returns the page's markup.
func (p *Person) HTML() string {
	p.t.Helper()
	return Eval[string](p, `document.documentElement.outerHTML`)
}

// URL returns the page's address.
func (p *Person) URL() string {
	p.t.Helper()
	return run(p, "location", chromedp.Location())
}

// Lang returns the page's language (the lang attribute of <html>).
func (p *Person) Lang() string {
	p.t.Helper()
	return Eval[string](p, `document.documentElement.lang`)
}

// Has reports whether an element matches sel.
func (p *Person) Has(sel string) bool {
	p.t.Helper()
	return Eval[bool](p, fmt.Sprintf(`document.querySelector(%q) !== null`, sel))
}

// Eval runs a JavaScript expression in p's page and returns its value;
// an expression that returns a promise is awaited.
func Eval[T any](p *Person, js string) T {
	p.t.Helper()
	return run(p, "evaluate "+abbrev(js), chromedp.Evaluate[T](js, chromedp.EvalAwaitPromise))
}

func abbrev(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 60 {
		return s[:57] + "..."
	}
	return s
}

// Screenshot saves a full-page PNG of p's page as name.png in the
// artifacts directory and returns its path.
func (p *Person) Screenshot(name string) string {
	p.t.Helper()
	png := run(p, "screenshot", chromedp.FullScreenshot(100))
	path, err := p.writeArtifact(name+".png", png)
	if err != nil {
		p.t.Fatal(err)
	}
	return path
}

func (p *Person) writeArtifact(name string, b []byte) (string, error) {
	dir, err := artifactsDir()
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, safeName(p.t.Name()+"-"+p.name+"-"+name))
	return path, os.WriteFile(path, b, 0o644)
}

func safeName(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '/' || r == '\\' || r == ' ' || r == ':' {
			return '_'
		}
		return r
	}, s)
}

// saveArtifacts keeps a failing test's page: a screenshot and the HTML.
// It must not fail the test again, so errors are only logged.
func (p *Person) saveArtifacts() {
	ctx, cancel := context.WithTimeout(p.ctx, 10*time.Second)
	defer cancel()
	if png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)); err == nil {
		if path, err := p.writeArtifact("failure.png", png); err == nil {
			p.t.Logf("%s: screenshot of the last page: %s", p.name, path)
		}
	} else {
		p.t.Logf("%s: no screenshot: %v", p.name, err)
	}
	if html, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.documentElement.outerHTML`)); err == nil {
		if path, err := p.writeArtifact("failure.html", []byte(html)); err == nil {
			p.t.Logf("%s: HTML of the last page (%s): %s", p.name, p.location(), path)
		}
	}
}
