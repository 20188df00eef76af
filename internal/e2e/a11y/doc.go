// Package a11y holds the accessibility check of llavero's pages (issue 6,
// item 6): every page a citizen or an operator sees is opened in headless
// Chromium, in Spanish and in English, at a phone's width and at a
// desktop's, and axe-core (npm, installed by .ci/run into interop/axe) is
// run in it against the WCAG 2.1 A and AA rules. A test fails listing
// every violation: rule, impact, element and page.
//
// The same walk through the pages takes the reviewers' screenshots when
// the test is run with -screenshots DIR (scripts/screenshots does). The
// package has no code of its own; its test uses internal/browsertest and
// internal/platformtest.
package a11y
