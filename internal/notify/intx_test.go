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

// TestSMSIn: with the outbox as the only delivery the SMS is recorded
// through the caller's transaction; with a provider nothing is sent or
// recorded from inside it, and the caller is told to send after commit.
func TestSMSIn(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name          string
		withProvider  bool
		wantDelivered bool
		wantInTx      int
	}{
		{"outbox only", false, true, 1},
		{"with an SMS provider", true, false, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			configured, tx := &memOutbox{}, &memOutbox{}
			cfg := Config{Outbox: configured, Mailer: &fakeMailer{}, LetterDir: t.TempDir()}
			provider := &fakeSMS{}
			if tc.withProvider {
				cfg.SMS = provider
			}
			n, err := New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			m, delivered, err := n.SMSIn(ctx, tx, "+34612345678", "X1234567L", i18n.EN, "llavero: your code is 123456.")
			if err != nil || delivered != tc.wantDelivered {
				t.Fatalf("SMSIn: delivered %v, %v; want %v", delivered, err, tc.wantDelivered)
			}
			if got := tx.all(); len(got) != tc.wantInTx || (tc.wantInTx == 1 && (got[0].ID != m.ID || got[0].Kind != "sms")) {
				t.Errorf("transaction's outbox = %+v", got)
			}
			if got := configured.all(); len(got) != 0 {
				t.Errorf("configured outbox = %+v, want nothing", got)
			}
			if len(provider.sent) != 0 {
				t.Errorf("the provider got %+v from inside a transaction", provider.sent)
			}
			if _, _, err := n.SMSIn(ctx, tx, "600123456", "X1234567L", i18n.EN, "x"); tc.wantDelivered && err == nil {
				t.Error("a number not in E.164 was accepted")
			}
		})
	}
}
