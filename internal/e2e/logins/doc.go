// Package logins holds the browser tests of llavero's login pages (issue
// 4, item 8): a person at the sample traffic office logs in through
// llavero in a real headless Chromium, with a PIN, with a password and the
// SMS code, by stepping up, with the keyboard alone, and is refused with
// a page that explains why; and forms posted from another website are
// refused. The package has no code of its own; its tests use
// internal/browsertest and internal/platformtest.
package logins
