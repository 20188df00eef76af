package notify

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"log"
	"math/big"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	gosmtp "github.com/emersion/go-smtp"

	"github.com/llavero/llavero/internal/i18n"
)

const (
	testUser = "llavero@example.es"
	testPass = "s3cret-Pässword"
)

// testCert is one self-signed certificate for 127.0.0.1 and localhost,
// shared by every test server; generating it is the slow part.
var testCert = sync.OnceValues(func() (tls.Certificate, *x509.CertPool) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "llavero test SMTP"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		DNSNames:              []string{"localhost"},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		panic(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		panic(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool
})

// captured is one message as the test server received it.
type captured struct {
	from string
	to   []string
	data []byte
	tls  bool
	user string
}

// smtpServer is an in-process submission server that demands AUTH PLAIN
// with testUser/testPass and keeps what it receives.
type smtpServer struct {
	host string
	port int
	pool *x509.CertPool

	mu       sync.Mutex
	msgs     []captured
	sessions int
}

func (s *smtpServer) messages() []captured {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]captured(nil), s.msgs...)
}

func (s *smtpServer) sessionCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sessions
}

func (s *smtpServer) NewSession(c *gosmtp.Conn) (gosmtp.Session, error) {
	s.mu.Lock()
	s.sessions++
	s.mu.Unlock()
	return &smtpSession{srv: s, conn: c}, nil
}

type smtpSession struct {
	srv  *smtpServer
	conn *gosmtp.Conn
	user string
	cur  captured
}

func (s *smtpSession) AuthMechanisms() []string { return []string{sasl.Plain} }

func (s *smtpSession) Auth(mech string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(identity, username, password string) error {
		if identity != "" && identity != username {
			return errors.New("identity mismatch")
		}
		if username != testUser || password != testPass {
			return gosmtp.ErrAuthFailed
		}
		s.user = username
		return nil
	}), nil
}

func (s *smtpSession) Mail(from string, _ *gosmtp.MailOptions) error {
	if s.user == "" && s.srv.requireAuth() {
		return gosmtp.ErrAuthRequired
	}
	_, isTLS := s.conn.TLSConnectionState()
	s.cur = captured{from: from, tls: isTLS, user: s.user}
	return nil
}

func (s *smtpSession) Rcpt(to string, _ *gosmtp.RcptOptions) error {
	s.cur.to = append(s.cur.to, to)
	return nil
}

func (s *smtpSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.cur.data = b
	s.srv.mu.Lock()
	s.srv.msgs = append(s.srv.msgs, s.cur)
	s.srv.mu.Unlock()
	return nil
}

func (s *smtpSession) Reset()        { s.cur = captured{} }
func (s *smtpSession) Logout() error { return nil }

// requireAuth is false only for the plain server, which stands for a local
// relay that cannot authenticate without TLS.
func (s *smtpServer) requireAuth() bool { return s.pool != nil }

// startSMTP runs a server on 127.0.0.1:0. mode is "starttls" (STARTTLS
// offered), "tls" (implicit TLS) or "plain" (no TLS at all).
func startSMTP(tb testing.TB, mode string) *smtpServer {
	tb.Helper()
	cert, pool := testCert()
	srv := &smtpServer{}
	s := gosmtp.NewServer(srv)
	s.Domain = "localhost"
	s.ErrorLog = log.New(io.Discard, "", 0)
	s.ReadTimeout = 10 * time.Second
	s.WriteTimeout = 10 * time.Second
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	tcfg := &tls.Config{Certificates: []tls.Certificate{cert}}
	switch mode {
	case "starttls":
		s.TLSConfig = tcfg
		srv.pool = pool
	case "tls":
		s.TLSConfig = tcfg
		srv.pool = pool
		l = tls.NewListener(l, tcfg)
	case "plain":
	default:
		tb.Fatalf("mode %q", mode)
	}
	addr := l.Addr().(*net.TCPAddr)
	srv.host, srv.port = "127.0.0.1", addr.Port
	go func() { _ = s.Serve(l) }()
	tb.Cleanup(func() { _ = s.Close() })
	return srv
}

func (s *smtpServer) config(mode string) SMTPConfig {
	c := SMTPConfig{
		Host: s.host, Port: s.port, From: "Llavero <noreply@llavero.example.es>",
		TLS: mode, Timeout: 5 * time.Second,
	}
	if s.pool != nil {
		c.Username, c.Password = testUser, testPass
		c.TLSConfig = &tls.Config{RootCAs: s.pool}
	}
	return c
}

// parsed is a received message decoded the way a mail client would.
type parsed struct {
	header  mail.Header
	subject string
	body    string
}

func decodeMessage(t *testing.T, raw []byte) parsed {
	t.Helper()
	for i, line := range bytes.Split(raw, []byte("\r\n")) {
		if len(line) > 78 {
			t.Errorf("line %d is %d octets long: %q", i+1, len(line), line)
		}
		for _, c := range line {
			if c >= 0x80 || c == '\n' || c == '\r' {
				t.Errorf("line %d holds a raw byte %#x: %q", i+1, c, line)
				break
			}
		}
	}
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("net/mail cannot read the message: %v\n%s", err, raw)
	}
	subj, err := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
	if err != nil {
		t.Fatalf("subject: %v", err)
	}
	if m.Header.Get("Content-Transfer-Encoding") != "quoted-printable" {
		t.Fatalf("Content-Transfer-Encoding = %q", m.Header.Get("Content-Transfer-Encoding"))
	}
	body, err := io.ReadAll(quotedprintable.NewReader(m.Body))
	if err != nil {
		t.Fatalf("body: %v", err)
	}
	return parsed{header: m.Header, subject: subj, body: string(body)}
}

func TestSMTPMailerDelivers(t *testing.T) {
	long := strings.Repeat("Notificación de la sede electrónica ", 6)
	tests := []struct {
		name    string
		server  string
		tls     string
		lang    i18n.Lang
		subject string
		body    string
	}{
		{"starttls ascii", "starttls", TLSStartTLS, i18n.EN, "Your request", "Hello.\nThe code is 123456.\n"},
		{"starttls default mode", "starttls", "", i18n.ES, "Solicitud", "Hola."},
		{"implicit tls", "tls", TLSImplicit, i18n.ES, "Tu código de solicitud — ñ", "Hola,\n\nTu código de solicitud es 123456 — ñ ¿ ¡ €.\n"},
		{"non-ascii round trip", "starttls", TLSStartTLS, i18n.ES, "Tu código de solicitud — ñ",
			"Línea uno con acentos: á é í ó ú ü ñ Ñ ¿qué? ¡sí! 20 €\r\n.\r\n.línea que empieza con punto\n" + long + "\n"},
		{"long subject folds", "starttls", TLSStartTLS, i18n.ES, long, "Cuerpo."},
		{"long ascii subject folds", "starttls", TLSStartTLS, i18n.EN, strings.Repeat("Your request was received ", 8), "Body."},
		{"relay on localhost without tls", "plain", TLSNone, i18n.ES, "Prueba ñ", "Sin TLS, sin AUTH."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := startSMTP(t, tt.server)
			m, err := NewSMTPMailer(srv.config(tt.tls))
			if err != nil {
				t.Fatal(err)
			}
			date := time.Date(2026, 3, 5, 9, 30, 0, 0, time.FixedZone("CET", 3600))
			e := Email{To: "Ciudadana <ana.garcia@example.es>", Subject: tt.subject, Body: tt.body, Lang: tt.lang, ID: "0123abcd", Date: date}
			if err := m.SendEmail(context.Background(), e); err != nil {
				t.Fatalf("SendEmail: %v", err)
			}
			msgs := srv.messages()
			if len(msgs) != 1 {
				t.Fatalf("server got %d messages, want 1", len(msgs))
			}
			got := msgs[0]
			if got.from != "noreply@llavero.example.es" || len(got.to) != 1 || got.to[0] != "ana.garcia@example.es" {
				t.Errorf("envelope from %q to %q", got.from, got.to)
			}
			if wantTLS := tt.server != "plain"; got.tls != wantTLS {
				t.Errorf("message over TLS = %v, want %v", got.tls, wantTLS)
			}
			if wantUser := map[bool]string{true: testUser, false: ""}[tt.server != "plain"]; got.user != wantUser {
				t.Errorf("authenticated as %q, want %q", got.user, wantUser)
			}

			p := decodeMessage(t, got.data)
			if p.subject != strings.TrimSpace(tt.subject) {
				t.Errorf("subject = %q, want %q", p.subject, tt.subject)
			}
			wantBody := strings.ReplaceAll(tt.body, "\r\n", "\n")
			if gotBody := strings.ReplaceAll(p.body, "\r\n", "\n"); strings.TrimSuffix(gotBody, "\n") != strings.TrimSuffix(wantBody, "\n") {
				t.Errorf("body = %q, want %q", gotBody, wantBody)
			}
			h := p.header
			if d, err := h.Date(); err != nil || !d.Equal(date) {
				t.Errorf("Date = %v (%v), want %v", d, err, date)
			}
			if from, err := h.AddressList("From"); err != nil || len(from) != 1 || from[0].Address != "noreply@llavero.example.es" || from[0].Name != "Llavero" {
				t.Errorf("From = %v (%v)", from, err)
			}
			if to, err := h.AddressList("To"); err != nil || len(to) != 1 || to[0].Address != "ana.garcia@example.es" {
				t.Errorf("To = %v (%v)", to, err)
			}
			for k, want := range map[string]string{
				"Message-Id":       "<0123abcd@llavero.example.es>",
				"Mime-Version":     "1.0",
				"Content-Type":     "text/plain; charset=UTF-8",
				"Content-Language": string(tt.lang),
				"Auto-Submitted":   "auto-generated",
				"Bcc":              "",
			} {
				if got := h.Get(k); got != want {
					t.Errorf("%s = %q, want %q", k, got, want)
				}
			}
			if bytes.Contains(got.data, []byte(testPass)) {
				t.Error("the message holds the password")
			}
		})
	}
}

func TestSMTPMailerRefuses(t *testing.T) {
	tests := []struct {
		name   string
		server string
		edit   func(*SMTPConfig)
		email  Email
		want   error  // errors.Is target, when set
		substr string // in the error text, when set
		dials  bool   // whether a session may have been opened
	}{
		{name: "wrong password", server: "starttls", edit: func(c *SMTPConfig) { c.Password = "wrong-password" },
			substr: "535", dials: true},
		{name: "no STARTTLS offered", server: "plain", edit: func(c *SMTPConfig) {
			c.TLS = TLSStartTLS
			c.Username, c.Password = testUser, testPass
		}, want: ErrNoSTARTTLS, dials: true},
		{name: "untrusted certificate", server: "starttls", edit: func(c *SMTPConfig) { c.TLSConfig = nil },
			substr: "certificate", dials: true},
		{name: "wrong certificate name", server: "tls", edit: func(c *SMTPConfig) {
			c.TLSConfig = &tls.Config{RootCAs: c.TLSConfig.RootCAs, ServerName: "mail.example.es"}
		}, substr: "certificate", dials: true},
		{name: "CRLF in To", server: "starttls",
			email: Email{To: "ana@example.es\r\nBcc: eve@example.com", Subject: "Hola", Body: "x"}, want: ErrHeaderInjection},
		{name: "LF in To", server: "starttls",
			email: Email{To: "ana@example.es\nBcc: eve@example.com", Subject: "Hola", Body: "x"}, want: ErrHeaderInjection},
		{name: "CRLF in Subject", server: "starttls",
			email: Email{To: "ana@example.es", Subject: "Hola\r\nBcc: eve@example.com", Body: "x"}, want: ErrHeaderInjection},
		{name: "bare CR in Subject", server: "starttls",
			email: Email{To: "ana@example.es", Subject: "Hola\rBcc: eve@example.com", Body: "x"}, want: ErrHeaderInjection},
		{name: "NUL in Subject", server: "starttls",
			email: Email{To: "ana@example.es", Subject: "Hola\x00", Body: "x"}, want: ErrHeaderInjection},
		{name: "two recipients", server: "starttls",
			email: Email{To: "ana@example.es, eve@example.com", Subject: "Hola", Body: "x"}, substr: "address"},
		{name: "not an address", server: "starttls",
			email: Email{To: "ana", Subject: "Hola", Body: "x"}, substr: "address"},
		{name: "invalid UTF-8 body", server: "starttls",
			email: Email{To: "ana@example.es", Subject: "Hola", Body: "\xff"}, substr: "UTF-8"},
		{name: "ID unfit for Message-ID", server: "starttls",
			email: Email{To: "ana@example.es", Subject: "Hola", Body: "x", ID: "a>b"}, substr: "Message-ID"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := startSMTP(t, tt.server)
			cfg := srv.config(TLSStartTLS)
			if tt.server == "tls" {
				cfg.TLS = TLSImplicit
			}
			if tt.edit != nil {
				tt.edit(&cfg)
			}
			m, err := NewSMTPMailer(cfg)
			if err != nil {
				t.Fatal(err)
			}
			e := tt.email
			if e.To == "" {
				e = Email{To: "ana@example.es", Subject: "Código", Body: "123456"}
			}
			err = m.SendEmail(context.Background(), e)
			if err == nil {
				t.Fatal("SendEmail succeeded")
			}
			if tt.want != nil && !errors.Is(err, tt.want) {
				t.Errorf("err = %v, want %v", err, tt.want)
			}
			if tt.substr != "" && !strings.Contains(err.Error(), tt.substr) {
				t.Errorf("err = %v, want it to mention %q", err, tt.substr)
			}
			if strings.Contains(err.Error(), testPass) || strings.Contains(err.Error(), "wrong-password") {
				t.Errorf("the error holds the password: %v", err)
			}
			if n := len(srv.messages()); n != 0 {
				t.Errorf("server got %d messages", n)
			}
			if !tt.dials && srv.sessionCount() != 0 {
				t.Errorf("opened %d sessions for a message refused up front", srv.sessionCount())
			}
		})
	}
}

func TestNewSMTPMailerValidates(t *testing.T) {
	ok := SMTPConfig{Host: "smtp.example.es", From: "noreply@example.es", Username: "u", Password: "Zq9-secret"}
	tests := []struct {
		name     string
		edit     func(*SMTPConfig)
		wantErr  string
		wantAddr string
	}{
		{name: "defaults to starttls on 587", wantAddr: "smtp.example.es:587"},
		{name: "implicit tls on 465", edit: func(c *SMTPConfig) { c.TLS = TLSImplicit }, wantAddr: "smtp.example.es:465"},
		{name: "none to localhost", edit: func(c *SMTPConfig) { c.TLS, c.Host, c.Username, c.Password = TLSNone, "localhost", "", "" }, wantAddr: "localhost:25"},
		{name: "none to ::1", edit: func(c *SMTPConfig) { c.TLS, c.Host, c.Username, c.Password = TLSNone, "::1", "", "" }, wantAddr: "[::1]:25"},
		{name: "none to a remote host", edit: func(c *SMTPConfig) { c.TLS, c.Username, c.Password = TLSNone, "", "" }, wantErr: "only allowed to localhost"},
		{name: "none with credentials", edit: func(c *SMTPConfig) { c.TLS, c.Host = TLSNone, "127.0.0.1" }, wantErr: "credentials need TLS"},
		{name: "unknown mode", edit: func(c *SMTPConfig) { c.TLS = "ssl" }, wantErr: "TLS mode"},
		{name: "no host", edit: func(c *SMTPConfig) { c.Host = "" }, wantErr: "no host"},
		{name: "bad port", edit: func(c *SMTPConfig) { c.Port = 70000 }, wantErr: "port"},
		{name: "user without password", edit: func(c *SMTPConfig) { c.Password = "" }, wantErr: "both"},
		{name: "bad from", edit: func(c *SMTPConfig) { c.From = "nobody" }, wantErr: "from"},
		{name: "CRLF in from", edit: func(c *SMTPConfig) { c.From = "a@b.es\r\nBcc: e@f.com" }, wantErr: "control character"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := ok
			if tt.edit != nil {
				tt.edit(&cfg)
			}
			m, err := NewSMTPMailer(cfg)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if m.addr != tt.wantAddr {
				t.Errorf("addr = %q, want %q", m.addr, tt.wantAddr)
			}
			if strings.Contains(m.String(), cfg.Password) && cfg.Password != "" {
				t.Errorf("String() shows the password: %s", m)
			}
		})
	}
}

// TestSMTPMailerDeadline points the mailer at a server that accepts the
// connection and never greets: the ctx deadline must end the wait.
func TestSMTPMailerDeadline(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	var conns []net.Conn
	var mu sync.Mutex
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	defer func() {
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
	}()
	port := l.Addr().(*net.TCPAddr).Port

	for _, tt := range []struct {
		name   string
		ctx    func() (context.Context, context.CancelFunc)
		want   error
		config time.Duration
	}{
		{"ctx deadline", func() (context.Context, context.CancelFunc) {
			return context.WithTimeout(context.Background(), 200*time.Millisecond)
		}, context.DeadlineExceeded, time.Minute},
		{"ctx cancel", func() (context.Context, context.CancelFunc) {
			ctx, cancel := context.WithCancel(context.Background())
			time.AfterFunc(200*time.Millisecond, cancel)
			return ctx, cancel
		}, context.Canceled, time.Minute},
		{"config timeout", func() (context.Context, context.CancelFunc) {
			return context.WithCancel(context.Background())
		}, context.DeadlineExceeded, 200 * time.Millisecond},
	} {
		t.Run(tt.name, func(t *testing.T) {
			m, err := NewSMTPMailer(SMTPConfig{Host: "127.0.0.1", Port: port, From: "a@example.es", TLS: TLSNone, Timeout: tt.config})
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := tt.ctx()
			defer cancel()
			start := time.Now()
			err = m.SendEmail(ctx, Email{To: "b@example.es", Subject: "s", Body: "b"})
			if !errors.Is(err, tt.want) {
				t.Errorf("err = %v, want %v", err, tt.want)
			}
			if d := time.Since(start); d > 3*time.Second {
				t.Errorf("took %v", d)
			}
		})
	}
}

func TestWriteHeaderFolds(t *testing.T) {
	for _, v := range []string{
		"short",
		mime.QEncoding.Encode("UTF-8", strings.Repeat("ñandú ", 40)),
		strings.Repeat("word ", 50) + strings.Repeat("x", 90),
	} {
		var buf bytes.Buffer
		writeHeader(&buf, "Subject", v)
		lines := strings.Split(strings.TrimSuffix(buf.String(), "\r\n"), "\r\n")
		for i, l := range lines {
			if len(l) > 76 && !strings.Contains(l, strings.Repeat("x", 90)) {
				t.Errorf("line %d is %d long: %q", i, len(l), l)
			}
			if i > 0 && !strings.HasPrefix(l, " ") {
				t.Errorf("continuation line %d does not start with a space: %q", i, l)
			}
		}
		if unfolded := strings.ReplaceAll(strings.TrimSuffix(buf.String(), "\r\n"), "\r\n", ""); unfolded != "Subject: "+v && unfolded != "Subject:"+" "+v {
			t.Errorf("unfolded = %q, want %q", unfolded, "Subject: "+v)
		}
	}
}

func BenchmarkSMTPSend(b *testing.B) {
	srv := startSMTP(b, "starttls")
	m, err := NewSMTPMailer(srv.config(TLSStartTLS))
	if err != nil {
		b.Fatal(err)
	}
	e := Email{To: "ana.garcia@example.es", Subject: "Tu código de solicitud — ñ", Body: strings.Repeat("Tu código de solicitud es 123456. ", 20), Lang: i18n.ES}
	ctx := context.Background()
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		e.ID = "bench" + strconv.Itoa(i)
		if err := m.SendEmail(ctx, e); err != nil {
			b.Fatal(err)
		}
	}
}
