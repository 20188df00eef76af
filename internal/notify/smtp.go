package notify

// The client is the standard library's net/smtp rather than go-smtp's
// client. net/smtp exposes Hello, Extension and StartTLS as separate steps,
// so we can look for STARTTLS and refuse with our own error before anything
// else is said; go-smtp v0.25 only offers STARTTLS bundled into its
// constructor, and reports its absence with an untyped string. net/smtp also
// leaves the connection deadline alone, so the one deadline we derive from
// ctx holds for the whole session, whereas go-smtp's client resets the
// deadline around every command. net/smtp is frozen, not deprecated, and
// submission (RFC 6409) has not changed. The test server is go-smtp's.

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/smtp"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/llavero/llavero/internal/i18n"
)

// TLS modes of an SMTPConfig.
const (
	TLSStartTLS = "starttls" // plain connection upgraded with STARTTLS; refused if not offered
	TLSImplicit = "tls"      // TLS from the first byte (submissions, port 465)
	TLSNone     = "none"     // no TLS and no AUTH: only a relay on this machine
)

// Errors an SMTPMailer returns. Check them with errors.Is.
var (
	// ErrHeaderInjection means a header value held a line break or another
	// control character: someone tried to add headers or recipients.
	ErrHeaderInjection = errors.New("notify: control character in a mail header")
	// ErrNoSTARTTLS means the server did not offer STARTTLS, so nothing was
	// sent: credentials and the message would have crossed in clear.
	ErrNoSTARTTLS = errors.New("notify: SMTP server does not offer STARTTLS")
)

// SMTPConfig says how to reach the submission server.
type SMTPConfig struct {
	Host string
	// Port defaults to 587 for starttls, 465 for tls and 25 for none.
	Port               int
	Username, Password string
	// From is the sender, "noreply@example.es" or "Llavero <noreply@example.es>".
	From string
	// TLS is "starttls" (the default), "tls" or "none" (localhost only).
	TLS string
	// Timeout bounds one whole send, connection included. Default 30s; a
	// shorter ctx deadline wins.
	Timeout time.Duration
	// TLSConfig is cloned for each connection; tests inject RootCAs here.
	// ServerName defaults to Host and MinVersion to TLS 1.2.
	TLSConfig *tls.Config
}

// Email is one plain-text message to one recipient.
type Email struct {
	To      string // "juan@example.es" or "Juan <juan@example.es>"
	Subject string
	Body    string // plain text, UTF-8; line breaks may be \n or \r\n
	Lang    i18n.Lang

	// ID, when set, becomes the local part of the Message-ID, so a bounce
	// can be matched to its outbox entry. Letters, digits, '.', '_' and '-'.
	ID string
	// Date is the Date header. Zero: now.
	Date time.Time
}

// SMTPMailer sends email through an SMTP submission server. Each SendEmail
// opens its own connection, so an SMTPMailer is safe for concurrent use and
// a server that drops idle connections costs nothing.
type SMTPMailer struct {
	host     string
	addr     string
	mode     string
	username string
	password string
	from     *mail.Address
	timeout  time.Duration
	tls      *tls.Config
}

// NewSMTPMailer checks cfg and returns a mailer. It refuses a configuration
// that could send credentials or messages in clear over a network.
func NewSMTPMailer(cfg SMTPConfig) (*SMTPMailer, error) {
	if cfg.Host == "" {
		return nil, errors.New("notify: smtp: no host")
	}
	if err := checkHeader("smtp host", cfg.Host); err != nil {
		return nil, err
	}
	mode := cfg.TLS
	if mode == "" {
		mode = TLSStartTLS
	}
	port := cfg.Port
	switch mode {
	case TLSStartTLS:
		if port == 0 {
			port = 587
		}
	case TLSImplicit:
		if port == 0 {
			port = 465
		}
	case TLSNone:
		if port == 0 {
			port = 25
		}
		if !isLoopback(cfg.Host) {
			return nil, fmt.Errorf("notify: smtp: TLS %q is only allowed to localhost, not %q", TLSNone, cfg.Host)
		}
		if cfg.Username != "" || cfg.Password != "" {
			return nil, fmt.Errorf("notify: smtp: credentials need TLS; TLS %q cannot authenticate", TLSNone)
		}
	default:
		return nil, fmt.Errorf("notify: smtp: TLS mode %q: want %q, %q or %q", cfg.TLS, TLSStartTLS, TLSImplicit, TLSNone)
	}
	if port < 1 || port > 65535 {
		return nil, fmt.Errorf("notify: smtp: port %d out of range", cfg.Port)
	}
	if (cfg.Username == "") != (cfg.Password == "") {
		return nil, errors.New("notify: smtp: set both username and password, or neither")
	}
	if err := checkHeader("smtp from", cfg.From); err != nil {
		return nil, err
	}
	from, err := mail.ParseAddress(cfg.From)
	if err != nil {
		return nil, fmt.Errorf("notify: smtp: from address: %w", err)
	}
	timeout := cfg.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	var tc *tls.Config
	if cfg.TLSConfig != nil {
		tc = cfg.TLSConfig.Clone()
	} else {
		tc = &tls.Config{}
	}
	if tc.ServerName == "" {
		tc.ServerName = cfg.Host
	}
	if tc.MinVersion == 0 {
		tc.MinVersion = tls.VersionTLS12
	}
	return &SMTPMailer{
		host:     cfg.Host,
		addr:     net.JoinHostPort(cfg.Host, strconv.Itoa(port)),
		mode:     mode,
		username: cfg.Username,
		password: cfg.Password,
		from:     from,
		timeout:  timeout,
		tls:      tc,
	}, nil
}

// String describes the mailer for logs, without the password.
func (m *SMTPMailer) String() string {
	return fmt.Sprintf("smtp://%s (%s, from %s)", m.addr, m.mode, m.from.Address)
}

// SendEmail delivers e. It returns once the server has accepted the message
// (250 after DATA): a failure to say goodbye afterwards is not an error,
// since reporting one would invite a retry and a duplicate.
func (m *SMTPMailer) SendEmail(ctx context.Context, e Email) (err error) {
	to, err := parseRecipient(e.To)
	if err != nil {
		return err
	}
	e.To = to
	msg, err := m.compose(e)
	if err != nil {
		return err
	}

	ctx, cancel := context.WithTimeout(ctx, m.timeout)
	defer cancel()
	defer func() {
		// An I/O error caused by the deadline or a cancel is reported as
		// such, so callers can tell "slow server" from "server said no".
		// Connection deadlines come only from ctx, but the I/O can fail a
		// hair before ctx's own timer fires.
		if err == nil {
			return
		}
		cerr := ctx.Err()
		if cerr == nil && errors.Is(err, os.ErrDeadlineExceeded) {
			cerr = context.DeadlineExceeded
		}
		if cerr != nil && !errors.Is(err, cerr) {
			err = fmt.Errorf("%w (%w)", err, cerr)
		}
	}()

	conn, err := m.dial(ctx)
	if err != nil {
		return fmt.Errorf("notify: smtp connect %s: %w", m.addr, err)
	}
	// net/smtp has no context: a deadline on the connection bounds every
	// read and write, and a cancel pulls the deadline into the past so a
	// blocked read returns at once.
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()

	c, err := smtp.NewClient(conn, m.host)
	if err != nil {
		conn.Close()
		return fmt.Errorf("notify: smtp greeting from %s: %w", m.addr, err)
	}
	defer func() {
		if err != nil {
			c.Close()
		}
	}()
	if err := m.session(c, to, msg); err != nil {
		return err
	}
	// The message is the server's now; a failed QUIT only leaves the
	// connection to close.
	if c.Quit() != nil {
		c.Close()
	}
	return nil
}

func (m *SMTPMailer) dial(ctx context.Context) (net.Conn, error) {
	d := &net.Dialer{}
	if m.mode == TLSImplicit {
		td := &tls.Dialer{NetDialer: d, Config: m.tls}
		return td.DialContext(ctx, "tcp", m.addr)
	}
	return d.DialContext(ctx, "tcp", m.addr)
}

// session runs the SMTP dialogue after the greeting.
func (m *SMTPMailer) session(c *smtp.Client, to string, msg []byte) error {
	if err := c.Hello(helloName()); err != nil {
		return fmt.Errorf("notify: smtp EHLO: %w", err)
	}
	if m.mode == TLSStartTLS {
		if ok, _ := c.Extension("STARTTLS"); !ok {
			return fmt.Errorf("%w (%s)", ErrNoSTARTTLS, m.addr)
		}
		if err := c.StartTLS(m.tls); err != nil {
			return fmt.Errorf("notify: smtp STARTTLS: %w", err)
		}
	}
	if m.username != "" {
		// net/smtp's PlainAuth would also accept a clear connection to
		// localhost; we do not, so a misrouted "localhost" never sees a
		// password in clear.
		if _, ok := c.TLSConnectionState(); !ok {
			return errors.New("notify: smtp: refusing AUTH over a connection without TLS")
		}
		ok, mechs := c.Extension("AUTH")
		if !ok || !slices.Contains(strings.Fields(strings.ToUpper(mechs)), "PLAIN") {
			return fmt.Errorf("notify: smtp: server does not offer AUTH PLAIN (offers %q)", mechs)
		}
		if err := c.Auth(smtp.PlainAuth("", m.username, m.password, m.host)); err != nil {
			return fmt.Errorf("notify: smtp AUTH as %q: %w", m.username, err)
		}
	}
	if err := c.Mail(m.from.Address); err != nil {
		return fmt.Errorf("notify: smtp MAIL FROM: %w", err)
	}
	if err := c.Rcpt(to); err != nil {
		return fmt.Errorf("notify: smtp RCPT TO: %w", err)
	}
	w, err := c.Data()
	if err != nil {
		return fmt.Errorf("notify: smtp DATA: %w", err)
	}
	if _, err := w.Write(msg); err != nil {
		w.Close()
		return fmt.Errorf("notify: smtp DATA: %w", err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("notify: smtp message refused: %w", err)
	}
	return nil
}

// compose renders e as an RFC 5322 message with CRLF line ends. Dot
// stuffing is the SMTP client's job.
func (m *SMTPMailer) compose(e Email) ([]byte, error) {
	h, err := e.header()
	if err != nil {
		return nil, err
	}
	date := e.Date
	if date.IsZero() {
		date = time.Now()
	}
	id := e.ID
	if id == "" {
		var b [16]byte
		if _, err := rand.Read(b[:]); err != nil {
			return nil, err
		}
		id = hex.EncodeToString(b[:])
	}
	domain := m.from.Address[strings.LastIndexByte(m.from.Address, '@')+1:]
	to := &mail.Address{Address: e.To}

	var buf bytes.Buffer
	buf.Grow(len(e.Body)*2 + 512)
	writeHeader(&buf, "Date", date.Format(time.RFC1123Z))
	writeHeader(&buf, "From", m.from.String())
	writeHeader(&buf, "To", to.String())
	writeHeader(&buf, "Subject", h.subject)
	writeHeader(&buf, "Message-ID", "<"+id+"@"+domain+">")
	writeHeader(&buf, "MIME-Version", "1.0")
	writeHeader(&buf, "Content-Type", "text/plain; charset=UTF-8")
	writeHeader(&buf, "Content-Transfer-Encoding", "quoted-printable")
	writeHeader(&buf, "Content-Language", string(normLang(e.Lang)))
	// RFC 3834: tells vacation responders not to answer a machine.
	writeHeader(&buf, "Auto-Submitted", "auto-generated")
	buf.WriteString("\r\n")

	// Quoted-printable keeps every line 7-bit and under 76 octets, so the
	// message passes any relay whatever its 8BITMIME support; the writer
	// turns \n and \r\n alike into CRLF.
	qp := quotedprintable.NewWriter(&buf)
	if _, err := qp.Write([]byte(e.Body)); err != nil {
		return nil, err
	}
	if err := qp.Close(); err != nil {
		return nil, err
	}
	if !bytes.HasSuffix(buf.Bytes(), []byte("\r\n")) {
		buf.WriteString("\r\n")
	}
	return buf.Bytes(), nil
}

type emailHeader struct {
	subject string // encoded and ready to fold
}

// maxSubject bounds a subject in bytes; ours are one line of template text,
// and a bound keeps every folded header line far below RFC 5322's 998.
const maxSubject = 500

var messageIDLocal = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// header checks e's header fields and encodes the subject.
func (e Email) header() (emailHeader, error) {
	if err := checkHeader("to", e.To); err != nil {
		return emailHeader{}, err
	}
	if err := checkHeader("subject", e.Subject); err != nil {
		return emailHeader{}, err
	}
	if err := checkText("subject", e.Subject, maxSubject); err != nil {
		return emailHeader{}, err
	}
	if strings.TrimSpace(e.Subject) == "" {
		return emailHeader{}, errors.New("notify: email: empty subject")
	}
	if err := checkText("body", e.Body, 0); err != nil {
		return emailHeader{}, err
	}
	if e.ID != "" && !messageIDLocal.MatchString(e.ID) {
		return emailHeader{}, fmt.Errorf("notify: email: ID %q is not usable in a Message-ID", e.ID)
	}
	// Readers trim the ends of an unstructured header; trimming here makes
	// what is sent what is read.
	return emailHeader{subject: mime.QEncoding.Encode("UTF-8", strings.TrimSpace(e.Subject))}, nil
}

// writeHeader writes one header field folded at spaces so lines stay within
// the 76 characters RFC 2047 allows a line holding encoded-words. Folding
// only inserts CRLF before existing whitespace, which unfolding removes, so
// the value is unchanged; between encoded-words the whitespace is ignored
// on decoding anyway. An encoded-word may move to its own line even when it
// is the first word; other text is never folded right after the colon.
func writeHeader(buf *bytes.Buffer, name, value string) {
	const limit = 76
	buf.WriteString(name)
	buf.WriteString(":")
	lineLen := len(name) + 1
	words := strings.Split(value, " ")
	for i, w := range words {
		if lineLen+1+len(w) > limit && (i > 0 || strings.HasPrefix(w, "=?")) {
			buf.WriteString("\r\n")
			lineLen = 0
		}
		buf.WriteString(" ")
		buf.WriteString(w)
		lineLen += 1 + len(w)
	}
	buf.WriteString("\r\n")
}

// parseRecipient returns the bare address of a recipient given as
// "a@b.es" or "Name <a@b.es>", refusing anything that could smuggle a
// second header or recipient.
func parseRecipient(to string) (string, error) {
	if err := checkHeader("to", to); err != nil {
		return "", err
	}
	a, err := mail.ParseAddress(to)
	if err != nil {
		return "", fmt.Errorf("notify: email address %q: %w", to, err)
	}
	if !strings.Contains(a.Address, "@") {
		return "", fmt.Errorf("notify: email address %q has no domain", to)
	}
	return a.Address, nil
}

// checkHeader refuses control characters (tab aside) in a header value. CR
// and LF are the injection vector; the other controls have no business in a
// header and some relays treat them as line ends.
func checkHeader(field, s string) error {
	for _, r := range s {
		if (r < 0x20 && r != '\t') || r == 0x7f || r == '\u2028' || r == '\u2029' || r == '\u0085' {
			return fmt.Errorf("%w: %s", ErrHeaderInjection, field)
		}
	}
	return nil
}

// helloName is the name we give in EHLO: the host name when it is a
// plausible domain, else "localhost" (what net/smtp says by default).
func helloName() string {
	h, err := os.Hostname()
	if err != nil || !hostnameRE.MatchString(h) {
		return "localhost"
	}
	return h
}

var hostnameRE = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$`)

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
