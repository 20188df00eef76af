package notify

import (
	"context"

	"github.com/llavero/llavero/internal/i18n"
	"github.com/llavero/llavero/internal/store"
)

// EmailIn sends an email as Email does, but records it (when the Notifier
// has an outbox) through tx, the caller's transaction, instead of the
// configured outbox. A caller that claims a message in a transaction
// (a reminder's unique key) then commits the claim and the record
// together, or neither: of several nodes sending the same claim, one
// sends and the rest find the key taken. Writing through the Store from
// inside that transaction would instead wait on it (SQLite has one
// writer).
//
// The email leaves before the commit: if the commit then fails the
// citizen has it and the claim is gone, and a retry sends it again. That
// is the one way a claimed message can go twice; a claim committed before
// sending could instead be lost with the node, and a reminder is better
// twice than never.
func (n *Notifier) EmailIn(ctx context.Context, tx OutboxStore, to, personID string, lang i18n.Lang, subject, body string) (store.Message, error) {
	return n.email(ctx, tx, to, personID, lang, subject, body)
}

// SMSIn delivers an SMS inside the caller's transaction when it can, so
// that whatever the message is about (a one-time code) and the message
// commit together. It can when the outbox is the only delivery
// (development and load runs): the record written through tx is the
// message. With an SMS provider it cannot, since a provider's round trip
// must never hold the database's writer: it returns delivered false and
// sends nothing, and the caller sends with SMS after its commit.
func (n *Notifier) SMSIn(ctx context.Context, tx OutboxStore, to, personID string, lang i18n.Lang, body string) (m store.Message, delivered bool, err error) {
	if n.sms != nil {
		return store.Message{}, false, nil
	}
	lang = normLang(lang)
	s := SMS{To: to, Body: body}
	if err := s.validate(); err != nil {
		return store.Message{}, false, err
	}
	if m, err = n.newMessage(store.KindSMS, to, personID, lang, "", body); err != nil {
		return store.Message{}, false, err
	}
	m, err = n.recordIn(ctx, tx, m)
	return m, err == nil, err
}
