// Package docscheck holds tests that keep the documentation honest: a page
// that promises "this is tested by TestX" must name a test that exists.
// It has no code of its own.
package docscheck
