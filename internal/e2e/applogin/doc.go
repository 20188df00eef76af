// Package applogin holds the browser tests of the app login (issue 4,
// item 8): a person registers their phone's passkey at "My llavero" on a
// "phone" browser context with a virtual platform authenticator, and logs
// in on a "desktop" context at the sample traffic office by scanning the
// QR code with it, in a real headless Chromium. The phone reads the code
// off the desktop's screen (a screenshot of the image, decoded), as a
// camera would; nothing in llavero helps the test. The tests also show
// what a copied code, another browser's poll, a refusal on the phone and
// a failed screen lock come to, and that a basic account's app login
// stays at low. The package has no code of its own; its tests use
// internal/browsertest and internal/platformtest.
package applogin
