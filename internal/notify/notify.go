// Package notify reaches citizens: email over SMTP, SMS through a provider,
// and paper letters rendered to PDF for the print queue.
//
// Services use one entry point, [Notifier]. It sends through the transport
// configured for each kind and, in development, records what was sent in the
// outbox (store.Message) so an operator can read what a citizen got without a
// mail server or an SMS contract. A kind with neither a transport nor an
// outbox is a configuration error: a notification must never vanish.
//
// What is never written anywhere but the transport and the outbox: message
// bodies (SMS bodies carry one-time codes), SMTP passwords and webhook
// secrets. Logs carry the message ID, kind, person and a masked recipient.
package notify

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/llavero/llavero/internal/i18n"
	"github.com/llavero/llavero/internal/store"
)

// ErrNotRecorded marks an error from a Notifier method whose message did
// reach the citizen but could not be written to the outbox. Callers must not
// retry such a message: it would arrive twice.
var ErrNotRecorded = errors.New("notify: sent but not recorded in the outbox")

// Mailer sends one email. [SMTPMailer] is the production implementation.
type Mailer interface {
	SendEmail(ctx context.Context, e Email) error
}

// OutboxStore is where a Notifier records what it sent. store.Store and
// store.Tx satisfy it.
type OutboxStore interface {
	AddOutbox(ctx context.Context, m store.Message) error
}

// Config wires a Notifier. For each kind (email, SMS, letter) at least one of
// the transport or the outbox must be set.
type Config struct {
	// Mailer sends email. Nil: email only reaches the outbox.
	Mailer Mailer
	// SMS sends text messages. Nil: SMS only reaches the outbox.
	SMS SMSProvider
	// LetterDir is where letter PDFs are written (the print queue). Empty:
	// letters only reach the outbox, without a PDF.
	LetterDir string
	// Outbox records every message sent. Nil in production.
	Outbox OutboxStore
	// Clock stamps messages and dates letters. Nil: time.Now.
	Clock func() time.Time
	// Rand feeds message IDs. Nil: crypto/rand.
	Rand io.Reader
	// Logger receives one line per message sent or failed. Nil: discard.
	Logger *slog.Logger
	// SenderName heads letters. Empty: "llavero".
	SenderName string
}

// Notifier is the one entry point services use to reach a citizen. It is
// safe for concurrent use.
type Notifier struct {
	mailer  Mailer
	sms     SMSProvider
	printer *LetterPrinter
	outbox  OutboxStore
	clock   func() time.Time
	log     *slog.Logger
	sender  string

	randMu sync.Mutex // Config.Rand may be any reader, not only crypto/rand
	rand   io.Reader
}

// New checks cfg and returns a Notifier. It fails when a kind of message has
// nowhere to go, and creates LetterDir (0700) so a bad path is found at
// start-up rather than at the first letter.
func New(cfg Config) (*Notifier, error) {
	var errs []error
	if cfg.Mailer == nil && cfg.Outbox == nil {
		errs = append(errs, errors.New("notify: email has nowhere to go: configure an SMTP mailer, or an outbox in development"))
	}
	if cfg.SMS == nil && cfg.Outbox == nil {
		errs = append(errs, errors.New("notify: SMS has nowhere to go: configure an SMS provider, or an outbox in development"))
	}
	if cfg.LetterDir == "" && cfg.Outbox == nil {
		errs = append(errs, errors.New("notify: letters have nowhere to go: configure a letter directory, or an outbox in development"))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}

	n := &Notifier{
		mailer: cfg.Mailer,
		sms:    cfg.SMS,
		outbox: cfg.Outbox,
		clock:  cfg.Clock,
		rand:   cfg.Rand,
		log:    cfg.Logger,
		sender: cfg.SenderName,
	}
	if n.clock == nil {
		n.clock = time.Now
	}
	if n.rand == nil {
		n.rand = rand.Reader
	}
	if n.log == nil {
		n.log = slog.New(slog.DiscardHandler)
	}
	if n.sender == "" {
		n.sender = DefaultSender
	}
	if cfg.LetterDir != "" {
		p, err := NewLetterPrinter(cfg.LetterDir)
		if err != nil {
			return nil, err
		}
		n.printer = p
	}
	return n, nil
}

// Email sends subject and body (plain text) to the address to, and returns
// the message as recorded. personID is the addressee's registry ID, or "".
func (n *Notifier) Email(ctx context.Context, to, personID string, lang i18n.Lang, subject, body string) (store.Message, error) {
	return n.email(ctx, n.outbox, to, personID, lang, subject, body)
}

// email sends as Email does and records in outbox, when n has an outbox.
func (n *Notifier) email(ctx context.Context, outbox OutboxStore, to, personID string, lang i18n.Lang, subject, body string) (store.Message, error) {
	lang = normLang(lang)
	addr, err := parseRecipient(to)
	if err != nil {
		return store.Message{}, err
	}
	m, err := n.newMessage(store.KindEmail, addr, personID, lang, subject, body)
	if err != nil {
		return store.Message{}, err
	}
	e := Email{To: addr, Subject: subject, Body: body, Lang: lang, ID: m.ID, Date: m.CreatedAt}
	if _, err := e.header(); err != nil {
		return store.Message{}, err
	}
	if n.mailer != nil {
		if err := n.mailer.SendEmail(ctx, e); err != nil {
			return store.Message{}, n.failed(ctx, m, err)
		}
	}
	return n.recordIn(ctx, outbox, m)
}

// SMS sends body to the E.164 number to, and returns the message as
// recorded. The body is never logged: it usually carries a one-time code.
func (n *Notifier) SMS(ctx context.Context, to, personID string, lang i18n.Lang, body string) (store.Message, error) {
	lang = normLang(lang)
	s := SMS{To: to, Body: body}
	if err := s.validate(); err != nil {
		return store.Message{}, err
	}
	m, err := n.newMessage(store.KindSMS, to, personID, lang, "", body)
	if err != nil {
		return store.Message{}, err
	}
	if n.sms != nil {
		s.ID = m.ID
		if err := n.sms.SendSMS(ctx, s); err != nil {
			return store.Message{}, n.failed(ctx, m, err)
		}
	}
	return n.record(ctx, m)
}

// Letter renders a letter to p's fiscal address as held in the registry,
// writes it to the print queue and returns the message as recorded: To is
// the address on one line, Path the PDF.
func (n *Notifier) Letter(ctx context.Context, p store.Person, lang i18n.Lang, subject, body, reference string) (store.Message, error) {
	if err := ctx.Err(); err != nil {
		return store.Message{}, err
	}
	lang = normLang(lang)
	m, err := n.newMessage(store.KindLetter, "", p.ID, lang, subject, body)
	if err != nil {
		return store.Message{}, err
	}
	l := Letter{
		Lang:       lang,
		Name:       FullName(p),
		Address:    p.Address,
		PostalCode: p.PostalCode,
		City:       p.City,
		Province:   p.Province,
		Subject:    subject,
		Body:       body,
		Date:       m.CreatedAt,
		Reference:  reference,
		Sender:     n.sender,
	}
	// Validate even without a printer, so development refuses what
	// production would.
	if err := l.validate(); err != nil {
		return store.Message{}, err
	}
	m.To = l.OneLine()
	if n.printer != nil {
		path, err := n.printer.Print(m.ID, l)
		if err != nil {
			return store.Message{}, n.failed(ctx, m, err)
		}
		m.Path = path
	}
	return n.record(ctx, m)
}

// newMessage builds the outbox entry. Subject and body must be valid UTF-8
// because the outbox and every transport are UTF-8.
func (n *Notifier) newMessage(kind, to, personID string, lang i18n.Lang, subject, body string) (store.Message, error) {
	if err := checkText("subject", subject, 0); err != nil {
		return store.Message{}, err
	}
	if err := checkText("body", body, 0); err != nil {
		return store.Message{}, err
	}
	if strings.TrimSpace(body) == "" {
		return store.Message{}, fmt.Errorf("notify: %s: empty body", kind)
	}
	id, err := n.newID()
	if err != nil {
		return store.Message{}, err
	}
	return store.Message{
		ID:        id,
		Kind:      kind,
		To:        to,
		PersonID:  personID,
		Lang:      string(lang),
		Subject:   subject,
		Body:      body,
		CreatedAt: n.clock(),
	}, nil
}

// newID returns 128 random bits in hex: unguessable, so a message ID in a
// log or a Message-ID header reveals nothing and cannot be enumerated.
func (n *Notifier) newID() (string, error) {
	var b [16]byte
	n.randMu.Lock()
	_, err := io.ReadFull(n.rand, b[:])
	n.randMu.Unlock()
	if err != nil {
		return "", fmt.Errorf("notify: message ID: %w", err)
	}
	return hex.EncodeToString(b[:]), nil
}

// record writes m to the outbox, if there is one. It runs only after the
// transport succeeded, so the outbox shows what the citizen actually got.
func (n *Notifier) record(ctx context.Context, m store.Message) (store.Message, error) {
	return n.recordIn(ctx, n.outbox, m)
}

// recordIn is record into outbox, when n has an outbox.
func (n *Notifier) recordIn(ctx context.Context, outbox OutboxStore, m store.Message) (store.Message, error) {
	attrs := []any{"id", m.ID, "kind", m.Kind, "person_id", m.PersonID, "to", maskRecipient(m.Kind, m.To)}
	if n.outbox != nil {
		if err := outbox.AddOutbox(ctx, m); err != nil {
			n.log.ErrorContext(ctx, "notify: message sent but not recorded", append(attrs, "err", err)...)
			return m, fmt.Errorf("%w: %s %s: %w", ErrNotRecorded, m.Kind, m.ID, err)
		}
	}
	n.log.InfoContext(ctx, "notify: message sent", attrs...)
	return m, nil
}

// failed logs a transport failure and returns err. Nothing reaches the
// outbox: the citizen got nothing, and the caller decides whether to retry.
func (n *Notifier) failed(ctx context.Context, m store.Message, err error) error {
	n.log.WarnContext(ctx, "notify: message not sent",
		"id", m.ID, "kind", m.Kind, "person_id", m.PersonID, "to", maskRecipient(m.Kind, m.To), "err", err)
	return err
}

// FullName is a registry entry's name as it goes on an envelope.
func FullName(p store.Person) string {
	parts := make([]string, 0, 3)
	for _, s := range []string{p.GivenName, p.FirstSurname, p.SecondSurname} {
		if s = strings.TrimSpace(s); s != "" {
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, " ")
}

// normLang maps anything but English to Spanish, as i18n.Text.In does, so a
// message and its Content-Language always agree.
func normLang(l i18n.Lang) i18n.Lang {
	if l == i18n.EN {
		return i18n.EN
	}
	return i18n.ES
}

// maskRecipient keeps enough of an address for an operator to tell messages
// apart in a log without the log becoming a directory of citizens.
func maskRecipient(kind, to string) string {
	switch kind {
	case store.KindEmail:
		at := strings.LastIndexByte(to, '@')
		if at < 1 {
			return "***"
		}
		return to[:1] + "***" + to[at:]
	case store.KindSMS:
		if len(to) < 7 {
			return "***"
		}
		return to[:3] + strings.Repeat("*", len(to)-6) + to[len(to)-3:]
	case store.KindLetter:
		// The postal code and city route the letter; the street is personal.
		if i := strings.Index(to, ", "); i >= 0 {
			if j := strings.LastIndex(to, ", "); j > i {
				return "*** " + to[j+2:]
			}
		}
		return "***"
	}
	return "***"
}
