package loadtest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/llavero/llavero/internal/store"
)

// CodesPerHour is the IdP's default limit of codes sent to one person in an
// hour: a run uses each person at most this many times.
const CodesPerHour = 5

// Outbox is where the driver reads the SMS the server sent; a store opened
// on the server's database satisfies it.
type Outbox interface {
	ListOutbox(ctx context.Context, f store.OutboxFilter) ([]store.Message, error)
}

// Target is the platform and the relying party a run talks to.
type Target struct {
	Server       string // base URL, e.g. http://127.0.0.1:8080
	ClientID     string
	ClientSecret string
	RedirectURI  string // registered for the client; never connected to
}

// LoginConfig sets up a PIN login run.
type LoginConfig struct {
	Target
	First, People int // the synthetic population's range prepared for the run
	Concurrency   int
	Duration      time.Duration
	Outbox        Outbox
	// MaxUses caps logins per person in the run; 0 means CodesPerHour.
	MaxUses int
}

// Steps of a PIN login, in the order a browser takes them.
var LoginSteps = []string{"authorize", "login_page", "pin_form", "pin_start", "read_sms", "pin_verify", "continue", "token"}

var (
	codeIDRe = regexp.MustCompile(`name="code_id" value="([^"]+)"`)
	pinRe    = regexp.MustCompile(`\b\d{6}\b`)
)

// stepError names the step that failed and how, for the error tally.
type stepError struct {
	step, why string
}

func (e *stepError) Error() string { return e.step + ":" + e.why }

func fail(step, why string) error { return &stepError{step, why} }

type endpoints struct {
	Authorization string `json:"authorization_endpoint"`
	Token         string `json:"token_endpoint"`
}

func discover(ctx context.Context, hc *http.Client, server string) (endpoints, error) {
	var ep endpoints
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(server, "/")+"/.well-known/openid-configuration", nil)
	if err != nil {
		return ep, err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return ep, fmt.Errorf("OpenID discovery at %s: %w", server, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return ep, fmt.Errorf("OpenID discovery at %s: HTTP %d", server, resp.StatusCode)
	}
	if err := json.NewDecoder(resp.Body).Decode(&ep); err != nil || ep.Authorization == "" || ep.Token == "" {
		return ep, fmt.Errorf("OpenID discovery at %s: no authorization or token endpoint (%v)", server, err)
	}
	return ep, nil
}

// transport is shared by all virtual browsers: connections are reused as
// a browser's would be, and the pool is big enough that no browser waits
// for another's connection.
func transport(conc int) *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns = 2 * conc
	t.MaxIdleConnsPerHost = 2 * conc
	t.DisableCompression = true
	return t
}

// RunLogin runs Concurrency virtual browsers for Duration, each logging in
// one person after another with a PIN by SMS through the whole
// authorization code flow. It stops early when every person has been used
// MaxUses times, and says so in the report.
func RunLogin(ctx context.Context, cfg LoginConfig) (Report, error) {
	if cfg.Concurrency < 1 || cfg.People < 1 || cfg.Duration <= 0 || cfg.Outbox == nil {
		return Report{}, errors.New("loadtest: concurrency, people, duration and outbox are required")
	}
	if cfg.People < 2*cfg.Concurrency {
		// Two browsers on one person at once would read each other's PIN.
		return Report{}, fmt.Errorf("--people %d: use at least twice --concurrency (%d) people", cfg.People, 2*cfg.Concurrency)
	}
	if cfg.MaxUses == 0 {
		cfg.MaxUses = CodesPerHour
	}
	tr := transport(cfg.Concurrency)
	defer tr.CloseIdleConnections()
	ep, err := discover(ctx, &http.Client{Transport: tr, Timeout: 10 * time.Second}, cfg.Server)
	if err != nil {
		return Report{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, cfg.Duration)
	defer cancel()

	var next atomic.Int64
	limit := int64(cfg.People) * int64(cfg.MaxUses)
	var exhausted atomic.Bool
	all := newSamples()
	var mu sync.Mutex
	var wg sync.WaitGroup
	start := time.Now()
	for w := 0; w < cfg.Concurrency; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := newSamples()
			b := &browser{cfg: &cfg, ep: ep, tr: tr, s: s}
			for ctx.Err() == nil {
				k := next.Add(1) - 1
				if k >= limit {
					exhausted.Store(true)
					break
				}
				p := PersonAt(cfg.First + int(k%int64(cfg.People)))
				t0 := time.Now()
				err := b.login(ctx, p)
				switch {
				case err == nil:
					s.whole = append(s.whole, time.Since(t0))
				case ctx.Err() != nil:
					// Cut off by the end of the run: neither done nor failed.
				default:
					var se *stepError
					if errors.As(err, &se) {
						s.errors[se.Error()]++
					} else {
						s.errors["other"]++
					}
				}
			}
			mu.Lock()
			all.merge(s)
			mu.Unlock()
		}()
	}
	wg.Wait()
	r := build("PIN login (authorization code + PKCE)", cfg.Concurrency, time.Since(start), all, LoginSteps)
	if exhausted.Load() {
		r.Note = fmt.Sprintf("every one of the %d people was used %d times (the IdP sends at most %d codes a person an hour): raise --people (about logins/s × seconds / %d)",
			cfg.People, cfg.MaxUses, CodesPerHour, CodesPerHour)
	}
	return r, nil
}

// browser is one virtual browser. Each login starts with a fresh cookie
// jar (a new private window): a kept session would let the IdP skip the
// login entirely.
type browser struct {
	cfg *LoginConfig
	ep  endpoints
	tr  *http.Transport
	s   *samples
	hc  *http.Client
	ip  string
}

func (b *browser) timed(step string, t0 time.Time) {
	b.s.steps[step] = append(b.s.steps[step], time.Since(t0))
}

// do sends one request and reads the whole answer, as a browser would
// before acting on it. Redirects are not followed: the caller does, so
// that each hop is timed as its own step.
func (b *browser) do(ctx context.Context, step, method, u string, form url.Values) (*http.Response, string, error) {
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return nil, "", fail(step, "request")
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.Header.Set("Accept-Language", "es")
	req.Header.Set("X-Forwarded-For", b.ip)
	resp, err := b.hc.Do(req)
	if err != nil {
		return nil, "", fail(step, "transport")
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, "", fail(step, "transport")
	}
	return resp, string(raw), nil
}

func status(step string, resp *http.Response) error {
	return fail(step, fmt.Sprint(resp.StatusCode))
}

func isRedirect(code int) bool { return code >= 300 && code < 400 }

func (b *browser) resolve(resp *http.Response) (string, error) {
	loc, err := resp.Location()
	if err != nil {
		return "", err
	}
	return loc.String(), nil
}

func (b *browser) login(ctx context.Context, p Person) error {
	jar, _ := cookiejar.New(nil)
	b.hc = &http.Client{Transport: b.tr, Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	b.ip = p.IP
	verifier, challenge := pkce()
	state := randomString(12)
	q := url.Values{"client_id": {b.cfg.ClientID}, "redirect_uri": {b.cfg.RedirectURI}, "response_type": {"code"},
		"scope": {"openid profile"}, "state": {state}, "nonce": {randomString(12)},
		"code_challenge": {challenge}, "code_challenge_method": {"S256"}}

	t0 := time.Now()
	resp, _, err := b.do(ctx, "authorize", http.MethodGet, b.ep.Authorization+"?"+q.Encode(), nil)
	if err != nil {
		return err
	}
	if !isRedirect(resp.StatusCode) {
		return status("authorize", resp)
	}
	b.timed("authorize", t0)

	// The login page, through whatever redirects the provider puts first.
	t0 = time.Now()
	u, err := b.resolve(resp)
	var loginURL *url.URL
	for hop := 0; ; hop++ {
		if err != nil || hop > 5 {
			return fail("login_page", "redirects")
		}
		resp, _, err = b.do(ctx, "login_page", http.MethodGet, u, nil)
		if err != nil {
			return err
		}
		if !isRedirect(resp.StatusCode) {
			loginURL = resp.Request.URL
			break
		}
		u, err = b.resolve(resp)
	}
	if resp.StatusCode != http.StatusOK {
		return status("login_page", resp)
	}
	b.timed("login_page", t0)
	next := loginURL.Query().Get("next")
	if next == "" {
		return fail("login_page", "no_next")
	}

	t0 = time.Now()
	resp, _, err = b.do(ctx, "pin_form", http.MethodGet, b.abs("/login/pin?"+url.Values{"next": {next}}.Encode()), nil)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return status("pin_form", resp)
	}
	b.timed("pin_form", t0)

	t0 = time.Now()
	resp, body, err := b.do(ctx, "pin_start", http.MethodPost, b.abs("/login/pin"), url.Values{"id": {p.ID}, "fact": {p.Fact}, "next": {next}})
	if err != nil {
		return err
	}
	m := codeIDRe.FindStringSubmatch(body)
	if resp.StatusCode != http.StatusOK {
		return status("pin_start", resp)
	}
	if m == nil {
		return fail("pin_start", "no_code_id")
	}
	b.timed("pin_start", t0)

	t0 = time.Now()
	msgs, err := b.cfg.Outbox.ListOutbox(ctx, store.OutboxFilter{To: p.ID, Kind: store.KindSMS, Limit: 1})
	if err != nil {
		return fail("read_sms", "store")
	}
	if len(msgs) == 0 {
		return fail("read_sms", "none")
	}
	pin := pinRe.FindString(msgs[0].Body)
	if pin == "" {
		return fail("read_sms", "no_pin")
	}
	b.timed("read_sms", t0)

	t0 = time.Now()
	resp, _, err = b.do(ctx, "pin_verify", http.MethodPost, b.abs("/login/pin/verify"), url.Values{"code_id": {m[1]}, "pin": {pin}, "next": {next}})
	if err != nil {
		return err
	}
	if !isRedirect(resp.StatusCode) {
		return status("pin_verify", resp)
	}
	b.timed("pin_verify", t0)

	// Back to the office: follow until the Location is the redirect URI,
	// which is never connected to.
	t0 = time.Now()
	u, err = b.resolve(resp)
	for hop := 0; err == nil && !strings.HasPrefix(u, b.cfg.RedirectURI); hop++ {
		if hop > 5 {
			return fail("continue", "redirects")
		}
		resp, _, err = b.do(ctx, "continue", http.MethodGet, u, nil)
		if err != nil {
			return err
		}
		if !isRedirect(resp.StatusCode) {
			return status("continue", resp)
		}
		u, err = b.resolve(resp)
	}
	if err != nil {
		return fail("continue", "location")
	}
	back, err := url.Parse(u)
	if err != nil || back.Query().Get("state") != state || back.Query().Get("code") == "" {
		return fail("continue", "no_code")
	}
	b.timed("continue", t0)

	t0 = time.Now()
	form := url.Values{"grant_type": {"authorization_code"}, "code": {back.Query().Get("code")},
		"redirect_uri": {b.cfg.RedirectURI}, "code_verifier": {verifier}}
	if err := tokenRequest(ctx, b.hc, b.ep.Token, b.cfg.Target, form, "token", "id_token"); err != nil {
		return err
	}
	b.timed("token", t0)
	return nil
}

// abs puts a path of the platform's own pages on the server's origin.
func (b *browser) abs(path string) string {
	return strings.TrimRight(b.cfg.Server, "/") + path
}

// tokenRequest posts to the token endpoint with HTTP basic client
// authentication (id and secret form-encoded first, as RFC 6749 §2.3.1
// asks) and checks the answer carries want.
func tokenRequest(ctx context.Context, hc *http.Client, endpoint string, t Target, form url.Values, step, want string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return fail(step, "request")
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(t.ClientID), url.QueryEscape(t.ClientSecret))
	resp, err := hc.Do(req)
	if err != nil {
		return fail(step, "transport")
	}
	defer resp.Body.Close()
	var tok map[string]any
	derr := json.NewDecoder(resp.Body).Decode(&tok)
	if resp.StatusCode != http.StatusOK {
		if e, ok := tok["error"].(string); ok {
			return fail(step, fmt.Sprintf("%d_%s", resp.StatusCode, e))
		}
		return status(step, resp)
	}
	if derr != nil {
		return fail(step, "json")
	}
	if s, _ := tok[want].(string); s == "" {
		return fail(step, "no_"+want)
	}
	return nil
}

func pkce() (verifier, challenge string) {
	verifier = randomString(32)
	sum := sha256.Sum256([]byte(verifier))
	return verifier, base64.RawURLEncoding.EncodeToString(sum[:])
}

func randomString(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
