package browsertest

import (
	"fmt"

	"github.com/chromedp/chromedp"
)

// Select chooses the option whose value is value in the <select> sel, as
// picking it from the list does (the change event fires). It fails the
// test when the list has no such option.
func (p *Person) Select(sel, value string) {
	p.t.Helper()
	ok := Eval[bool](p, fmt.Sprintf(`(function(s, v) {
		if (s === null || !Array.from(s.options).some(o => o.value === v)) { return false; }
		s.focus(); s.value = v;
		s.dispatchEvent(new Event("input", {bubbles: true}));
		s.dispatchEvent(new Event("change", {bubbles: true}));
		return true;
	})(document.querySelector(%q), %q)`, sel, value))
	if !ok {
		p.t.Fatalf("%s: select %q in %s: no such option (at %s)", p.name, value, sel, p.location())
	}
}

// TypeDate types a date (year, month, day) into the date field sel with
// the keyboard, in the order the browser's locale (en-GB: day, month,
// year) shows its parts.
func (p *Person) TypeDate(sel string, year, month, day int) {
	p.t.Helper()
	run(p, "type a date into "+sel, chromedp.Steps(
		chromedp.Focus(chromedp.CSS(sel)),
		chromedp.SendKeys(chromedp.CSS(sel), fmt.Sprintf("%02d%02d%04d", day, month, year)),
	))
}
