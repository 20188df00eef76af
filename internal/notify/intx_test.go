package notify

import (
	"context"
	"errors"
	"testing"

	"github.com/llavero/llavero/internal/i18n"
)

// TestEmailInRecordsInTheTransaction: EmailIn writes the outbox entry
// through the caller's transaction, not the configured outbox; without an
// outbox (production) it records nothing anywhere; a transport failure
// records nothing.
func TestEmailInRecordsInTheTransaction(t *testing.T) {
	ctx := context.Background()
	configured, tx := &memOutbox{}, &memOutbox{}
	mailer := &fakeMailer{}
	n, err := New(Config{Mailer: mailer, Outbox: configured})
	if err != nil {
		t.Fatal(err)
	}
	m, err := n.EmailIn(ctx, tx, "ana@example.org", "X1234567L", i18n.EN, "Your certificate expires", "Renew it online now.")
	if err != nil {
		t.Fatal(err)
	}
	if got := tx.all(); len(got) != 1 || got[0].ID != m.ID || got[0].Lang != "en" {
		t.Errorf("transaction's outbox = %+v, want the message %s", got, m.ID)
	}
	if got := configured.all(); len(got) != 0 {
		t.Errorf("configured outbox = %+v, want nothing", got)
	}
	if len(mailer.sent) != 1 || mailer.sent[0].ID != m.ID {
		t.Errorf("sent %+v", mailer.sent)
	}

	mailer.err = errors.New("connection refused")
	if _, err := n.EmailIn(ctx, tx, "ana@example.org", "X1234567L", i18n.ES, "s", "b"); err == nil {
		t.Error("a failed send was reported sent")
	}
	if got := tx.all(); len(got) != 1 {
		t.Errorf("a failed send was recorded: %+v", got)
	}

	mailer.err = nil
	prod, err := New(Config{Mailer: mailer, LetterDir: t.TempDir(), SMS: &fakeSMS{}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := prod.EmailIn(ctx, tx, "ana@example.org", "X1234567L", i18n.ES, "s", "b"); err != nil {
		t.Fatal(err)
	}
	if got := tx.all(); len(got) != 1 {
		t.Errorf("without an outbox, EmailIn recorded %+v", got)
	}
}
