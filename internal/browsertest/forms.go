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
// the keyboard, in the order the browser's locale shows its parts (en-GB:
// day, month, year; en-US: month, day, year). It fails the test when the
// field does not then hold the date.
func (p *Person) TypeDate(sel string, year, month, day int) {
	p.t.Helper()
	order := Eval[string](p, `new Intl.DateTimeFormat(undefined, {year: "numeric", month: "2-digit", day: "2-digit"})
		.formatToParts(new Date(2001, 1, 3)).filter(x => x.type !== "literal").map(x => x.type[0]).join("")`)
	var keys string
	for _, part := range order {
		switch part {
		case 'd':
			keys += fmt.Sprintf("%02d", day)
		case 'm':
			keys += fmt.Sprintf("%02d", month)
		case 'y':
			keys += fmt.Sprintf("%04d", year)
		}
	}
	run(p, "type a date into "+sel, chromedp.Steps(
		chromedp.Focus(chromedp.CSS(sel)),
		chromedp.SendKeys(chromedp.CSS(sel), keys),
	))
	want := fmt.Sprintf("%04d-%02d-%02d", year, month, day)
	if got := Eval[string](p, fmt.Sprintf(`document.querySelector(%q).value`, sel)); got != want {
		p.t.Fatalf("%s: typed %q (locale order %q) into %s, which holds %q, not %s", p.name, keys, order, sel, got, want)
	}
}
