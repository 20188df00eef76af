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
