package notify

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/llavero/llavero/internal/i18n"
	"github.com/llavero/llavero/internal/store"
)

// memOutbox is an in-memory OutboxStore that enforces unique IDs, as the
// real backends do.
type memOutbox struct {
	mu   sync.Mutex
	msgs []store.Message
	fail error
}

func (o *memOutbox) AddOutbox(_ context.Context, m store.Message) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.fail != nil {
		return o.fail
	}
	if m.ID == "" {
		return errors.New("outbox: empty ID")
	}
	for _, x := range o.msgs {
		if x.ID == m.ID {
			return store.ErrConflict
		}
	}
	o.msgs = append(o.msgs, m)
	return nil
}

func (o *memOutbox) all() []store.Message {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]store.Message(nil), o.msgs...)
}

// fakeMailer and fakeSMS record what they were asked to send and fail
// while err is set.
type fakeMailer struct {
	mu   sync.Mutex
	sent []Email
	err  error
}

func (f *fakeMailer) SendEmail(_ context.Context, e Email) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return f.err
	}
	f.sent = append(f.sent, e)
	return nil
}

type fakeSMS struct {
	mu   sync.Mutex
	sent []SMS
	err  error
}

func (f *fakeSMS) SendSMS(_ context.Context, s SMS) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return f.err
	}
	f.sent = append(f.sent, s)
	return nil
}

var (
	testNow = time.Date(2026, 3, 5, 10, 30, 0, 0, time.UTC)
	hexID   = regexp.MustCompile(`^[0-9a-f]{32}$`)
)

func testPerson() store.Person {
	return store.Person{
		ID:            "X1234567L",
		GivenName:     "Íñigo",
		FirstSurname:  "Muñoz",
		SecondSurname: "Güell",
		Address:       "Calle del Niño Jesús, 3, 2º B",
		PostalCode:    "28013",
		City:          "Madrid",
		Province:      "Madrid",
		Email:         "inigo@example.es",
		Mobile:        "+34600123456",
	}
}

// logBuffer is a concurrency-safe sink for a JSON slog handler.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func TestNewRefusesMessagesWithNowhereToGo(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name string
		cfg  Config
		want []string // each kind New must complain about; none: New succeeds
	}{
		{"nothing", Config{}, []string{"email", "SMS", "letters"}},
		{"outbox covers all", Config{Outbox: &memOutbox{}}, nil},
		{"transports cover all", Config{Mailer: &fakeMailer{}, SMS: &fakeSMS{}, LetterDir: dir}, nil},
		{"no SMS", Config{Mailer: &fakeMailer{}, LetterDir: dir}, []string{"SMS"}},
		{"no email", Config{SMS: &fakeSMS{}, LetterDir: dir}, []string{"email"}},
		{"no letters", Config{Mailer: &fakeMailer{}, SMS: &fakeSMS{}}, []string{"letters"}},
		{"mixed with outbox", Config{Mailer: &fakeMailer{}, Outbox: &memOutbox{}}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, err := New(tt.cfg)
			if len(tt.want) == 0 {
				if err != nil || n == nil {
					t.Fatalf("New: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("New accepted a config where a message could vanish")
			}
			for _, k := range tt.want {
				if !strings.Contains(err.Error(), k+" has nowhere to go") && !strings.Contains(err.Error(), k+" have nowhere to go") {
					t.Errorf("error %q does not name %s", err, k)
				}
			}
		})
	}

	t.Run("letter dir unusable", func(t *testing.T) {
		f := filepath.Join(t.TempDir(), "file")
		if err := os.WriteFile(f, nil, 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := New(Config{Outbox: &memOutbox{}, LetterDir: filepath.Join(f, "letters")}); err == nil {
			t.Error("New accepted a letter directory under a file")
		}
	})
}

// TestNotifierOutboxOnly is development: no transport, everything lands in
// the outbox, letters as PDFs in the letter directory.
func TestNotifierOutboxOnly(t *testing.T) {
	ob := &memOutbox{}
	dir := filepath.Join(t.TempDir(), "letters")
	var logs logBuffer
	n, err := New(Config{
		Outbox: ob, LetterDir: dir, Clock: func() time.Time { return testNow },
		Logger: slog.New(slog.NewJSONHandler(&logs, nil)), SenderName: "Llavero Madrid",
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	p := testPerson()

	const code = "483920"
	em, err := n.Email(ctx, "Íñigo <inigo@example.es>", p.ID, i18n.ES, "Tu código de solicitud — ñ", "Tu código es "+code+".")
	if err != nil {
		t.Fatal(err)
	}
	sm, err := n.SMS(ctx, "+34600123456", p.ID, i18n.EN, "Your llavero code is "+code)
	if err != nil {
		t.Fatal(err)
	}
	lm, err := n.Letter(ctx, p, "fr", "Carta de activación", "Su código de activación es "+code+".", "ACT-1")
	if err != nil {
		t.Fatal(err)
	}

	got := ob.all()
	if len(got) != 3 {
		t.Fatalf("outbox holds %d messages, want 3", len(got))
	}
	for i, want := range []store.Message{
		{Kind: store.KindEmail, To: "inigo@example.es", PersonID: p.ID, Lang: "es", Subject: "Tu código de solicitud — ñ", Body: "Tu código es " + code + "."},
		{Kind: store.KindSMS, To: "+34600123456", PersonID: p.ID, Lang: "en", Body: "Your llavero code is " + code},
		{Kind: store.KindLetter, To: "Íñigo Muñoz Güell, Calle del Niño Jesús, 3, 2º B, 28013 Madrid", PersonID: p.ID, Lang: "es",
			Subject: "Carta de activación", Body: "Su código de activación es " + code + ".", Path: filepath.Join(dir, got[2].ID+".pdf")},
	} {
		m := got[i]
		if !hexID.MatchString(m.ID) {
			t.Errorf("%s: ID %q is not 128 bits of hex", m.Kind, m.ID)
		}
		if !m.CreatedAt.Equal(testNow) {
			t.Errorf("%s: CreatedAt %v, want %v", m.Kind, m.CreatedAt, testNow)
		}
		want.ID, want.CreatedAt = m.ID, m.CreatedAt
		if m != want {
			t.Errorf("outbox[%d] =\n %+v\nwant\n %+v", i, m, want)
		}
	}
	if em != got[0] || sm != got[1] || lm != got[2] {
		t.Error("returned messages differ from the outbox")
	}
	if got[0].ID == got[1].ID || got[1].ID == got[2].ID || got[0].ID == got[2].ID {
		t.Error("IDs repeat")
	}

	pdf, err := os.ReadFile(lm.Path)
	if err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(lm.Path); fi.Mode().Perm() != 0o600 {
		t.Errorf("letter mode %v", fi.Mode().Perm())
	}
	text := pdfTextOrEmpty(t, pdf)
	for _, w := range []string{"Llavero Madrid", "Íñigo Muñoz Güell", "28013 Madrid", "5 de marzo de 2026", "ACT-1"} {
		if text != "" && !strings.Contains(text, w) {
			t.Errorf("letter lacks %q: %s", w, text)
		}
	}

	out := logs.String()
	if strings.Contains(out, code) {
		t.Errorf("the log holds the one-time code:\n%s", out)
	}
	for _, pii := range []string{"inigo@example.es", "+34600123456", "Niño Jesús"} {
		if strings.Contains(out, pii) {
			t.Errorf("the log holds %q unmasked:\n%s", pii, out)
		}
	}
	for _, m := range got {
		if !strings.Contains(out, m.ID) {
			t.Errorf("the log does not mention message %s", m.ID)
		}
	}
}

// pdfTextOrEmpty is pdfText without the skip, for tests whose main point
// is elsewhere.
func pdfTextOrEmpty(t *testing.T, pdf []byte) string {
	var text string
	t.Run("pdftotext", func(t *testing.T) { text = pdfText(t, pdf) })
	return text
}

func TestNotifierTransports(t *testing.T) {
	ctx := context.Background()
	sendErr := errors.New("gateway down")
	tests := []struct {
		name       string
		outbox     bool
		fail       bool
		wantOutbox int
	}{
		{"production: transports only", false, false, 0},
		{"staging: transports and outbox", true, false, 3},
		// The letter printer does not fail, so only the letter is recorded.
		{"transport fails: nothing recorded", true, true, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mailer, sms := &fakeMailer{}, &fakeSMS{}
			if tt.fail {
				mailer.err, sms.err = sendErr, sendErr
			}
			ob := &memOutbox{}
			cfg := Config{Mailer: mailer, SMS: sms, LetterDir: t.TempDir(), Clock: func() time.Time { return testNow }}
			if tt.outbox {
				cfg.Outbox = ob
			}
			var logs logBuffer
			cfg.Logger = slog.New(slog.NewTextHandler(&logs, nil))
			n, err := New(cfg)
			if err != nil {
				t.Fatal(err)
			}

			em, errE := n.Email(ctx, "ana@example.es", "X1234567L", i18n.EN, "Code", "Your code is 771122")
			sm, errS := n.SMS(ctx, "+34600123456", "X1234567L", i18n.ES, "Tu código es 771122")
			lm, errL := n.Letter(ctx, testPerson(), i18n.ES, "Asunto", "Cuerpo", "")
			if errL != nil {
				t.Fatalf("Letter: %v", errL)
			}
			if _, err := os.Stat(lm.Path); err != nil {
				t.Errorf("letter not printed: %v", err)
			}
			if tt.fail {
				if !errors.Is(errE, sendErr) || !errors.Is(errS, sendErr) {
					t.Errorf("errors %v, %v; want %v", errE, errS, sendErr)
				}
				if em.ID != "" || sm.ID != "" {
					t.Error("a failed send returned a message")
				}
				if strings.Contains(logs.String(), "771122") {
					t.Errorf("the failure log holds the code:\n%s", logs.String())
				}
				if !strings.Contains(logs.String(), "gateway down") {
					t.Errorf("the failure is not logged:\n%s", logs.String())
				}
			} else {
				if errE != nil || errS != nil {
					t.Fatalf("errors %v, %v", errE, errS)
				}
				if len(mailer.sent) != 1 || len(sms.sent) != 1 {
					t.Fatalf("sent %d emails, %d SMS", len(mailer.sent), len(sms.sent))
				}
				e := mailer.sent[0]
				if e.ID != em.ID || !e.Date.Equal(testNow) || e.Lang != i18n.EN || e.To != "ana@example.es" || e.Body != em.Body {
					t.Errorf("mailer got %+v for message %+v", e, em)
				}
				if s := sms.sent[0]; s.ID != sm.ID || s.To != "+34600123456" || s.Body != sm.Body {
					t.Errorf("SMS provider got %+v for message %+v", s, sm)
				}
			}
			if n := len(ob.all()); n != tt.wantOutbox {
				t.Errorf("outbox holds %d messages, want %d", n, tt.wantOutbox)
			}
		})
	}
}

func TestNotifierNotRecorded(t *testing.T) {
	mailer := &fakeMailer{}
	n, err := New(Config{Mailer: mailer, Outbox: &memOutbox{fail: errors.New("disk full")}})
	if err != nil {
		t.Fatal(err)
	}
	m, err := n.Email(context.Background(), "ana@example.es", "", i18n.ES, "Asunto", "Cuerpo")
	if !errors.Is(err, ErrNotRecorded) {
		t.Fatalf("err = %v, want ErrNotRecorded", err)
	}
	if m.ID == "" || len(mailer.sent) != 1 {
		t.Error("the message was sent but not returned")
	}
}

func TestNotifierRefusesBadInput(t *testing.T) {
	// Outbox only: development must refuse what production would.
	ob := &memOutbox{}
	n, err := New(Config{Outbox: ob})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	noAddress := testPerson()
	noAddress.Address = ""
	tests := []struct {
		name string
		send func() (store.Message, error)
		want string
	}{
		{"email header injection", func() (store.Message, error) {
			return n.Email(ctx, "ana@example.es\r\nBcc: eve@example.com", "", i18n.ES, "s", "b")
		}, "control character"},
		{"subject header injection", func() (store.Message, error) {
			return n.Email(ctx, "ana@example.es", "", i18n.ES, "s\nBcc: eve@example.com", "b")
		}, "control character"},
		{"bad address", func() (store.Message, error) { return n.Email(ctx, "ana", "", i18n.ES, "s", "b") }, "address"},
		{"empty email body", func() (store.Message, error) { return n.Email(ctx, "ana@example.es", "", i18n.ES, "s", " ") }, "empty body"},
		{"SMS not E.164", func() (store.Message, error) { return n.SMS(ctx, "600123456", "", i18n.ES, "b") }, "E.164"},
		{"SMS invalid UTF-8", func() (store.Message, error) { return n.SMS(ctx, "+34600123456", "", i18n.ES, "\xff") }, "UTF-8"},
		{"letter without address", func() (store.Message, error) { return n.Letter(ctx, noAddress, i18n.ES, "s", "b", "") }, "no address"},
		{"letter, cancelled", func() (store.Message, error) {
			c, cancel := context.WithCancel(ctx)
			cancel()
			return n.Letter(c, testPerson(), i18n.ES, "s", "b", "")
		}, "canceled"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.send()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want %q", err, tt.want)
			}
		})
	}
	if got := ob.all(); len(got) != 0 {
		t.Errorf("outbox holds %d refused messages", len(got))
	}
}

func TestNotifierRand(t *testing.T) {
	seq := bytes.Repeat([]byte{0xab}, 16)
	n, err := New(Config{Outbox: &memOutbox{}, Rand: bytes.NewReader(seq)})
	if err != nil {
		t.Fatal(err)
	}
	m, err := n.SMS(context.Background(), "+34600123456", "", i18n.ES, "x")
	if err != nil || m.ID != strings.Repeat("ab", 16) {
		t.Errorf("ID %q (%v), want it from Config.Rand", m.ID, err)
	}
	if _, err := n.SMS(context.Background(), "+34600123456", "", i18n.ES, "x"); err == nil {
		t.Error("sent with an exhausted random source")
	}
}

// TestNotifierConcurrent is for -race: one Notifier shared by many
// requests, as the server uses it.
func TestNotifierConcurrent(t *testing.T) {
	ob := &memOutbox{}
	n, err := New(Config{Outbox: ob, LetterDir: t.TempDir(), Mailer: &fakeMailer{}, SMS: &fakeSMS{}})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			ctx := context.Background()
			var err error
			switch i % 3 {
			case 0:
				_, err = n.Email(ctx, "ana@example.es", "", i18n.ES, "s", "b")
			case 1:
				_, err = n.SMS(ctx, "+34600123456", "", i18n.ES, "b")
			case 2:
				_, err = n.Letter(ctx, testPerson(), i18n.ES, "s", "b", "")
			}
			if err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if got := len(ob.all()); got != 8 {
		t.Errorf("outbox holds %d, want 8", got)
	}
}

// TestNotifierWithSMTP runs the whole path: Notifier, SMTPMailer, the
// in-process server. The Message-ID carries the outbox ID.
func TestNotifierWithSMTP(t *testing.T) {
	srv := startSMTP(t, "starttls")
	mailer, err := NewSMTPMailer(srv.config(TLSStartTLS))
	if err != nil {
		t.Fatal(err)
	}
	ob := &memOutbox{}
	n, err := New(Config{Mailer: mailer, Outbox: ob, SMS: &fakeSMS{}, LetterDir: t.TempDir(), Clock: func() time.Time { return testNow }})
	if err != nil {
		t.Fatal(err)
	}
	m, err := n.Email(context.Background(), "ana@example.es", "X1234567L", i18n.ES, "Tu código de solicitud — ñ", "Código: 123456")
	if err != nil {
		t.Fatal(err)
	}
	msgs := srv.messages()
	if len(msgs) != 1 {
		t.Fatalf("server got %d messages", len(msgs))
	}
	p := decodeMessage(t, msgs[0].data)
	if got, want := p.header.Get("Message-Id"), "<"+m.ID+"@llavero.example.es>"; got != want {
		t.Errorf("Message-ID %q, want %q", got, want)
	}
	if d, _ := p.header.Date(); !d.Equal(testNow) {
		t.Errorf("Date %v, want %v", d, testNow)
	}
	if p.subject != m.Subject || strings.TrimSuffix(p.body, "\r\n") != m.Body {
		t.Errorf("got %q / %q, want %q / %q", p.subject, p.body, m.Subject, m.Body)
	}
	if len(ob.all()) != 1 {
		t.Error("not recorded")
	}
}

func TestMaskRecipient(t *testing.T) {
	for _, tt := range []struct{ kind, to, want string }{
		{store.KindEmail, "inigo@example.es", "i***@example.es"},
		{store.KindEmail, "nobody", "***"},
		{store.KindSMS, "+34600123456", "+34******456"},
		{store.KindSMS, "+3412", "***"},
		{store.KindLetter, "Íñigo Muñoz, Calle Mayor, 3, 28013 Madrid", "*** 28013 Madrid"},
		{store.KindLetter, "x", "***"},
	} {
		if got := maskRecipient(tt.kind, tt.to); got != tt.want {
			t.Errorf("maskRecipient(%s, %q) = %q, want %q", tt.kind, tt.to, got, tt.want)
		}
	}
}
