package browsertest

import (
	"context"
	"fmt"
	"time"

	"github.com/chromedp/chromedp"
)

// pollEvery is how often WaitFor asks the page again. It only sets how
// soon a test notices a change, never whether it passes.
const pollEvery = 50 * time.Millisecond

// WaitFor waits until the JavaScript expression js is true in p's page,
// for what a page's script does by itself: a status that changes, a page
// that moves on after a poll. The page may navigate meanwhile (the
// expression is then asked of the new page). It fails the test, with
// what and the page's text, when js is not true within Timeout.
func (p *Person) WaitFor(what, js string) {
	p.t.Helper()
	deadline := time.Now().Add(Timeout)
	var lastErr error
	for {
		ctx, cancel := context.WithTimeout(p.ctx, 5*time.Second)
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](js))
		cancel()
		switch {
		case err == nil && ok:
			return
		case err != nil:
			// Between two pages nothing answers: ask again.
			lastErr = err
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("%s: waited %v for %s (%s): last error %v, at %s; the page says:\n%s",
				p.name, Timeout, what, abbrev(js), lastErr, p.location(), p.pageTextQuiet())
		}
		select {
		case <-p.ctx.Done():
			p.t.Fatalf("%s: waiting for %s: %v", p.name, what, p.ctx.Err())
		case <-time.After(pollEvery):
		}
	}
}

// pageTextQuiet is the page's text for a failure message, without
// failing again.
func (p *Person) pageTextQuiet() string {
	ctx, cancel := context.WithTimeout(p.ctx, 2*time.Second)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText : ""`))
	if err != nil {
		return fmt.Sprintf("(unreadable: %v)", err)
	}
	return s
}

// Press clicks the element sel, as Click does, for a button that does not
// load a page (one a script handles); wait for its effect with WaitFor.
func (p *Person) Press(sel string) {
	p.t.Helper()
	run(p, "press "+sel, chromedp.Click(chromedp.CSS(sel)))
}

// Capture returns a PNG of the element sel as the screen shows it: what a
// camera pointed at the screen would see, such as a QR code.
func (p *Person) Capture(sel string) []byte {
	p.t.Helper()
	return run(p, "capture "+sel, chromedp.Screenshot(chromedp.CSS(sel)))
}
