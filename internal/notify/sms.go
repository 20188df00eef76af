package notify

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// SMS is one text message.
type SMS struct {
	To   string // E.164, e.g. "+34600123456"
	Body string

	// ID identifies the message to the provider. It is the same on a retry,
	// so a provider that got the first attempt can drop the second. Empty:
	// random.
	ID string
}

// SMSProvider sends text messages.
type SMSProvider interface {
	SendSMS(ctx context.Context, s SMS) error
}

var e164 = regexp.MustCompile(`^\+[1-9][0-9]{6,14}$`)

// maxSMSBody bounds a body in bytes: ten concatenated parts of 160 GSM
// characters. Ours are a sentence and a code.
const maxSMSBody = 1600

func (s SMS) validate() error {
	if !e164.MatchString(s.To) {
		return fmt.Errorf("notify: SMS: %q is not an E.164 number", s.To)
	}
	if err := checkText("SMS body", s.Body, maxSMSBody); err != nil {
		return err
	}
	if strings.TrimSpace(s.Body) == "" {
		return errors.New("notify: SMS: empty body")
	}
	return nil
}

// WebhookSMS hands messages to an SMS gateway over HTTPS. Each request is a
// JSON object {"id","to","body"} POSTed to URL with
//
//	X-Llavero-Timestamp: <Unix seconds>
//	X-Llavero-Signature: sha256=<hex HMAC-SHA256(Secret, request body)>
//
// The gateway authenticates us by recomputing the HMAC over the exact bytes
// received, and should drop an "id" it has already seen: that id is how a
// retry, or a replayed request, is recognised.
type WebhookSMS struct {
	URL string
	// Secret keys the signature; at least 16 bytes (32 random recommended).
	Secret []byte
	// Client sends the requests. Nil: a client with a 10s timeout that does
	// not follow redirects, since a redirect would carry a one-time code to
	// a host nobody configured.
	Client *http.Client
}

// webhookBackoff is the pause before the one retry: long enough for a
// gateway restart or a dropped keep-alive, short enough that the citizen
// waiting for the code barely notices.
var webhookBackoff = 300 * time.Millisecond

var defaultWebhookClient = &http.Client{
	Timeout:       10 * time.Second,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

// StatusError is a non-2xx answer from a webhook. Snippet is the start of
// the response body, with anything from the message body removed.
type StatusError struct {
	StatusCode int
	Snippet    string
}

// Error names the status and quotes the snippet.
func (e *StatusError) Error() string {
	s := fmt.Sprintf("notify: SMS webhook answered %d %s", e.StatusCode, http.StatusText(e.StatusCode))
	if e.Snippet != "" {
		s += ": " + e.Snippet
	}
	return s
}

// SendSMS posts s to the gateway. It retries once, after a short pause, on
// a 5xx answer or a network error; any other non-2xx answer is final.
func (w WebhookSMS) SendSMS(ctx context.Context, s SMS) error {
	if err := s.validate(); err != nil {
		return err
	}
	u, err := w.checkURL()
	if err != nil {
		return err
	}
	if len(w.Secret) < 16 {
		return errors.New("notify: SMS webhook: secret shorter than 16 bytes")
	}
	if s.ID == "" {
		var b [16]byte
		if _, err := rand.Read(b[:]); err != nil {
			return err
		}
		s.ID = hex.EncodeToString(b[:])
	}
	payload, err := json.Marshal(struct {
		ID   string `json:"id"`
		To   string `json:"to"`
		Body string `json:"body"`
	}{s.ID, s.To, s.Body})
	if err != nil {
		return err
	}
	mac := hmac.New(sha256.New, w.Secret)
	mac.Write(payload)
	sig := "sha256=" + hex.EncodeToString(mac.Sum(nil))

	retry, err := w.post(ctx, u, payload, sig, s.Body)
	if err == nil || !retry {
		return err
	}
	t := time.NewTimer(webhookBackoff)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return fmt.Errorf("%w (first attempt: %w)", ctx.Err(), err)
	case <-t.C:
	}
	_, err2 := w.post(ctx, u, payload, sig, s.Body)
	if err2 != nil {
		return fmt.Errorf("%w (after a retry; first attempt: %v)", err2, err)
	}
	return nil
}

// post makes one attempt and says whether another could succeed.
func (w WebhookSMS) post(ctx context.Context, u *url.URL, payload []byte, sig, body string) (retry bool, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), bytes.NewReader(payload))
	if err != nil {
		return false, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "llavero-notify")
	req.Header.Set("X-Llavero-Signature", sig)
	req.Header.Set("X-Llavero-Timestamp", strconv.FormatInt(time.Now().Unix(), 10))

	client := w.Client
	if client == nil {
		client = defaultWebhookClient
	}
	resp, err := client.Do(req)
	if err != nil {
		// url.Error repeats the full URL, which may carry a token in its
		// query; name the endpoint without it.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return ctx.Err() == nil, fmt.Errorf("notify: SMS webhook %s: %w", redactURL(u), err)
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		// Draining lets the connection be reused for the next code.
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		return false, nil
	}
	snip, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
	return resp.StatusCode >= 500, &StatusError{StatusCode: resp.StatusCode, Snippet: snippet(snip, body)}
}

// checkURL insists on HTTPS except to this machine: the HMAC proves who
// sent a request but does not hide the one-time code inside it.
func (w WebhookSMS) checkURL() (*url.URL, error) {
	u, err := url.Parse(w.URL)
	if err != nil {
		return nil, fmt.Errorf("notify: SMS webhook URL: %w", err)
	}
	switch {
	case u.Scheme == "https" && u.Host != "":
	case u.Scheme == "http" && isLoopback(u.Hostname()):
	default:
		return nil, fmt.Errorf("notify: SMS webhook URL %s: want https (http only to localhost)", redactURL(u))
	}
	return u, nil
}

// redactURL keeps scheme, host and path: query strings and user info are
// where gateways put their tokens.
func redactURL(u *url.URL) string {
	return (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path}).String()
}

// snippet makes a response body fit for an error message and a log: one
// line, printable, at most 200 characters, and without the message body or
// any word of it holding a digit, since gateways like to echo the request
// and the code must not land in a log.
func snippet(b []byte, body string) string {
	s := strings.ToValidUTF8(string(b), "?")
	secrets := []string{body}
	for _, f := range strings.FieldsFunc(body, func(r rune) bool {
		return unicode.IsSpace(r) || strings.ContainsRune(`"'.,:;()[]{}<>`, r)
	}) {
		if strings.ContainsFunc(f, unicode.IsDigit) {
			secrets = append(secrets, f)
		}
	}
	for _, sec := range secrets {
		if sec != "" {
			s = strings.ReplaceAll(s, sec, "[redacted]")
		}
	}
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || !unicode.IsPrint(r) {
			return ' '
		}
		return r
	}, s)
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > 200 {
		s = string(r[:200]) + "…"
	}
	return s
}
