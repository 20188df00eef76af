package notify

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

var testSecret = []byte("0123456789abcdef-webhook-secret")

// webhookCall is one request as the test gateway saw it.
type webhookCall struct {
	body      []byte
	signature string
	timestamp string
	ctype     string
}

// gateway is an httptest server answering with statuses in turn (the last
// one repeats) and keeping every request.
type gateway struct {
	*httptest.Server
	mu       sync.Mutex
	calls    []webhookCall
	statuses []int
	reply    string
}

func newGateway(t *testing.T, reply string, statuses ...int) *gateway {
	t.Helper()
	g := &gateway{statuses: statuses, reply: reply}
	g.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		g.mu.Lock()
		g.calls = append(g.calls, webhookCall{
			body:      b,
			signature: r.Header.Get("X-Llavero-Signature"),
			timestamp: r.Header.Get("X-Llavero-Timestamp"),
			ctype:     r.Header.Get("Content-Type"),
		})
		status := g.statuses[min(len(g.calls), len(g.statuses))-1]
		g.mu.Unlock()
		if r.Method != http.MethodPost {
			status = http.StatusMethodNotAllowed
		}
		w.WriteHeader(status)
		_, _ = io.WriteString(w, g.reply)
	}))
	t.Cleanup(g.Close)
	return g
}

func (g *gateway) got() []webhookCall {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]webhookCall(nil), g.calls...)
}

// verify checks a request the way a gateway would.
func verify(t *testing.T, c webhookCall, secret []byte) map[string]string {
	t.Helper()
	mac := hmac.New(sha256.New, secret)
	mac.Write(c.body)
	want := "sha256=" + hex.EncodeToString(mac.Sum(nil))
	if !hmac.Equal([]byte(c.signature), []byte(want)) {
		t.Errorf("signature %q does not verify (want %q)", c.signature, want)
	}
	ts, err := strconv.ParseInt(c.timestamp, 10, 64)
	if err != nil || time.Since(time.Unix(ts, 0)).Abs() > time.Minute {
		t.Errorf("timestamp %q is not about now", c.timestamp)
	}
	if c.ctype != "application/json" {
		t.Errorf("Content-Type = %q", c.ctype)
	}
	var m map[string]string
	if err := json.Unmarshal(c.body, &m); err != nil {
		t.Fatalf("body is not a JSON object of strings: %v: %s", err, c.body)
	}
	return m
}

func TestWebhookSMS(t *testing.T) {
	defer func(d time.Duration) { webhookBackoff = d }(webhookBackoff)
	webhookBackoff = 10 * time.Millisecond

	const code = "483920"
	body := "Tu código de llavero es " + code + ". No lo compartas — ñ."
	tests := []struct {
		name       string
		statuses   []int
		reply      string
		wantCalls  int
		wantStatus int // 0: success
	}{
		{"accepted", []int{200}, `{"ok":true}`, 1, 0},
		{"202 accepted", []int{202}, "", 1, 0},
		{"500 then 200 retries once", []int{500, 200}, "", 2, 0},
		{"503 twice gives up", []int{503, 503}, "down for maintenance", 2, 503},
		{"400 is final", []int{400}, `{"error":"invalid number"}`, 1, 400},
		{"401 is final", []int{401}, "bad signature", 1, 401},
		{"429 is final", []int{429}, "slow down", 1, 429},
		{"echoed code is redacted", []int{422}, `{"error":"rejected","request":{"body":"Tu código de llavero es ` + code + `"}}`, 1, 422},
		{"long reply is trimmed", []int{400}, strings.Repeat("error \x1b[31m ", 500), 1, 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := newGateway(t, tt.reply, tt.statuses...)
			w := &WebhookSMS{URL: g.URL + "/sms?token=gateway-token", Secret: testSecret}
			err := w.SendSMS(context.Background(), SMS{To: "+34600123456", Body: body, ID: "m-1"})

			calls := g.got()
			if len(calls) != tt.wantCalls {
				t.Errorf("%d calls, want %d", len(calls), tt.wantCalls)
			}
			for _, c := range calls {
				m := verify(t, c, testSecret)
				if m["id"] != "m-1" || m["to"] != "+34600123456" || m["body"] != body || len(m) != 3 {
					t.Errorf("payload = %v", m)
				}
			}
			if tt.wantStatus == 0 {
				if err != nil {
					t.Fatalf("SendSMS: %v", err)
				}
				return
			}
			var se *StatusError
			if !errors.As(err, &se) || se.StatusCode != tt.wantStatus {
				t.Fatalf("err = %v, want a StatusError %d", err, tt.wantStatus)
			}
			msg := err.Error()
			if !strings.Contains(msg, strconv.Itoa(tt.wantStatus)) {
				t.Errorf("error %q does not name the status", msg)
			}
			if strings.Contains(msg, code) || strings.Contains(msg, body) {
				t.Errorf("error %q holds the message body", msg)
			}
			if strings.Contains(msg, "gateway-token") {
				t.Errorf("error %q holds the URL's token", msg)
			}
			if len([]rune(se.Snippet)) > 201 || strings.ContainsAny(se.Snippet, "\x1b\n") {
				t.Errorf("snippet not trimmed: %q", se.Snippet)
			}
			if tt.reply != "" && se.Snippet == "" {
				t.Error("no snippet of the reply")
			}
		})
	}
}

// flakyTransport fails the first request at the network level.
type flakyTransport struct {
	mu    sync.Mutex
	calls int
}

func (f *flakyTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	f.mu.Lock()
	f.calls++
	n := f.calls
	f.mu.Unlock()
	if n == 1 {
		return nil, errors.New("connection reset by peer")
	}
	return http.DefaultTransport.RoundTrip(r)
}

func TestWebhookSMSRetriesNetworkError(t *testing.T) {
	defer func(d time.Duration) { webhookBackoff = d }(webhookBackoff)
	webhookBackoff = 10 * time.Millisecond

	g := newGateway(t, "", 200)
	ft := &flakyTransport{}
	w := &WebhookSMS{URL: g.URL, Secret: testSecret, Client: &http.Client{Transport: ft}}
	if err := w.SendSMS(context.Background(), SMS{To: "+34600123456", Body: "123456"}); err != nil {
		t.Fatal(err)
	}
	if ft.calls != 2 || len(g.got()) != 1 {
		t.Errorf("transport calls %d, gateway calls %d; want 2 and 1", ft.calls, len(g.got()))
	}
	// The random ID must be generated once, not per attempt.
	verify(t, g.got()[0], testSecret)
}

func TestWebhookSMSHonoursContext(t *testing.T) {
	defer func(d time.Duration) { webhookBackoff = d }(webhookBackoff)
	webhookBackoff = 5 * time.Second

	t.Run("cancel during backoff", func(t *testing.T) {
		g := newGateway(t, "", 500)
		w := &WebhookSMS{URL: g.URL, Secret: testSecret}
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		start := time.Now()
		err := w.SendSMS(ctx, SMS{To: "+34600123456", Body: "123456"})
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("err = %v, want DeadlineExceeded", err)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("took %v", d)
		}
		if n := len(g.got()); n != 1 {
			t.Errorf("%d calls, want 1", n)
		}
	})
	t.Run("slow gateway", func(t *testing.T) {
		release := make(chan struct{})
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-release:
			case <-r.Context().Done():
			}
		}))
		defer srv.Close()
		defer close(release)
		w := &WebhookSMS{URL: srv.URL, Secret: testSecret}
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		start := time.Now()
		err := w.SendSMS(ctx, SMS{To: "+34600123456", Body: "123456"})
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("err = %v, want DeadlineExceeded", err)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("took %v", d)
		}
	})
}

func TestWebhookSMSRefuses(t *testing.T) {
	g := newGateway(t, "", 200)
	tests := []struct {
		name string
		w    WebhookSMS
		sms  SMS
		want string
	}{
		{"not E.164", WebhookSMS{URL: g.URL, Secret: testSecret}, SMS{To: "600123456", Body: "x"}, "E.164"},
		{"leading zero", WebhookSMS{URL: g.URL, Secret: testSecret}, SMS{To: "+034600123456", Body: "x"}, "E.164"},
		{"empty body", WebhookSMS{URL: g.URL, Secret: testSecret}, SMS{To: "+34600123456", Body: "  "}, "empty"},
		{"body too long", WebhookSMS{URL: g.URL, Secret: testSecret}, SMS{To: "+34600123456", Body: strings.Repeat("x", 1601)}, "more than"},
		{"http to a remote host", WebhookSMS{URL: "http://sms.example.es/send?key=k", Secret: testSecret}, SMS{To: "+34600123456", Body: "x"}, "want https"},
		{"no URL", WebhookSMS{Secret: testSecret}, SMS{To: "+34600123456", Body: "x"}, "want https"},
		{"short secret", WebhookSMS{URL: g.URL, Secret: []byte("short")}, SMS{To: "+34600123456", Body: "x"}, "secret"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.w.SendSMS(context.Background(), tt.sms)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want %q", err, tt.want)
			}
			if err != nil && strings.Contains(err.Error(), "key=k") {
				t.Errorf("error shows the URL's query: %v", err)
			}
		})
	}
	if n := len(g.got()); n != 0 {
		t.Errorf("gateway got %d calls", n)
	}
}

func TestSnippetRedacts(t *testing.T) {
	body := "Código: 123456 (válido 10 min)"
	got := snippet([]byte("echo: "+body+" / code=123456 / ref 10"), body)
	if strings.Contains(got, "123456") {
		t.Errorf("snippet %q holds the code", got)
	}
}
