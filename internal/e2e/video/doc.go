// Package video holds the browser test of registration by video
// identification (issue 4, item 8): a DNI holder registers in headless
// Chromium with its fake camera (browsertest.FakeMedia), taking the two
// document photos and recording the selfie video in the page, and sends
// them for review; an operator approves through the office's JSON API
// with their certificate (TLS client authentication, which headless
// Chromium cannot be given without changing the machine's NSS database
// and policies); and the citizen's browser then shows the account as
// advanced. A NIE holder is told that video is for DNI holders, with the
// other ways. The package has no code of its own.
package video
