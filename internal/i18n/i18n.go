// Package i18n holds the two languages every citizen-facing text exists in,
// and the error type that carries a stable code, what went wrong and the
// next step, in both.
//
// Packages keep their own texts beside the code that uses them (a Text
// literal with both languages), so a missing translation is a compile-time
// omission a reviewer sees, not a runtime lookup that silently falls back.
package i18n

import (
	"errors"
	"fmt"
	"strings"
)

// Lang is a language llavero speaks.
type Lang string

// The languages of llavero. Spanish is the default.
const (
	ES Lang = "es"
	EN Lang = "en"
)

// Langs lists the supported languages, default first.
var Langs = []Lang{ES, EN}

// Parse maps a language tag ("en", "en-GB", "ES") to a supported language,
// and reports whether it was one.
func Parse(tag string) (Lang, bool) {
	tag = strings.ToLower(strings.TrimSpace(tag))
	if i := strings.IndexAny(tag, "-_;"); i >= 0 {
		tag = tag[:i]
	}
	switch tag {
	case "es":
		return ES, true
	case "en":
		return EN, true
	}
	return ES, false
}

// Text is one message in both languages.
type Text struct {
	ES string
	EN string
}

// In returns the text in lang, Spanish for anything unknown.
func (t Text) In(lang Lang) string {
	if lang == EN {
		return t.EN
	}
	return t.ES
}

// T builds a Text.
func T(es, en string) Text { return Text{ES: es, EN: en} }

// Tf builds a Text from two format strings sharing the same arguments.
func Tf(es, en string, args ...any) Text {
	return Text{ES: fmt.Sprintf(es, args...), EN: fmt.Sprintf(en, args...)}
}

// Error is an error a person can meet. Code is stable (scripts and tests
// match on it); Msg says what went wrong and Next what to do about it.
// Cause, when set, is internal detail for the log, never for the page.
type Error struct {
	Code  string
	Msg   Text
	Next  Text
	Cause error
}

// New returns an Error with the given code, message and next step.
func New(code string, msg, next Text) *Error {
	return &Error{Code: code, Msg: msg, Next: next}
}

// Error returns the English message with its code, for logs and tests.
func (e *Error) Error() string {
	return e.Code + ": " + e.Msg.EN
}

// Unwrap returns the internal cause.
func (e *Error) Unwrap() error { return e.Cause }

// Is matches another *Error with the same code, so callers can write
// errors.Is(err, identity.ErrControlLetter) against a template value.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code
}

// Wrap returns a copy of e carrying cause.
func (e *Error) Wrap(cause error) *Error {
	c := *e
	c.Cause = cause
	return &c
}

// Message returns the message in lang.
func (e *Error) Message(lang Lang) string { return e.Msg.In(lang) }

// Hint returns the next step in lang.
func (e *Error) Hint(lang Lang) string { return e.Next.In(lang) }

// As returns the *Error in err's chain, if there is one.
func As(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

// CodeOf returns the stable code of err, or "" if err carries none.
func CodeOf(err error) string {
	if e, ok := As(err); ok {
		return e.Code
	}
	return ""
}
