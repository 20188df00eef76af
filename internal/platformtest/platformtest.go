// Package platformtest runs a whole llavero platform in the test process
// with the sample traffic office registered as its relying party, for the
// end-to-end tests that drive both over HTTP: with a Go client
// (internal/sampleoffice) or in a real browser (internal/e2e/...). One
// place builds it, so a change to how the server starts is made once.
//
// The platform runs on loopback on SQLite in a temp dir, with the outbox
// on (SMS are read back from the store) and a sample registry of a few
// fictional people whose accounts are created directly in the store, as
// an office registration leaves them.
package platformtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"log/slog"
	"net"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/llavero/llavero/internal/config"
	"github.com/llavero/llavero/internal/idp/password"
	"github.com/llavero/llavero/internal/oidc"
	"github.com/llavero/llavero/internal/registry"
	"github.com/llavero/llavero/internal/sampleoffice"
	"github.com/llavero/llavero/internal/server"
	"github.com/llavero/llavero/internal/store"
)

// People are the registry rows of the sample registry (registry.Header
// columns). Each person has a mobile of their own, because a phone number
// belongs to one identifier at a time, and the rate limits are per person,
// so tests that must not interfere use different people.
const People = `X1234567L,Olena,Kovalenko,,1990-04-02,UA,TIE,X1234567L,2031-05-01,E12345678,Calle Mayor 1,28013,Madrid,Madrid,olena@example.org,+34612345678
12345678Z,José,Muñoz,Pérez,1970-07-07,ES,DNI,12345678Z,2032-01-01,ABC123456,Calle Real 3,08001,Barcelona,Barcelona,,
87654321X,Lucía,García,Sanz,1985-11-20,ES,DNI,87654321X,2033-03-03,BCD234567,Calle Luna 5,41001,Sevilla,Sevilla,lucia@example.org,+34622000111
11111111H,Marta,Ruiz,López,1979-02-14,ES,DNI,11111111H,2030-09-09,CDE345678,Calle Sol 7,46001,Valencia,Valencia,,
Y1234567X,Ahmed,Benali,,1992-06-30,MA,TIE,Y1234567X,2029-12-31,E23456789,Calle Olmo 9,50001,Zaragoza,Zaragoza,,
`

// Facts are the second facts of People (the document support number) that
// the PIN login asks for with the identifier.
var Facts = map[string]string{
	"X1234567L": "E12345678", "12345678Z": "ABC123456", "87654321X": "BCD234567",
	"11111111H": "CDE345678", "Y1234567X": "E23456789",
}

// Accounts are the accounts of People: all advanced (registered at an
// office) except José's, which is basic (invitation letter), so he cannot
// reach substantial.
var Accounts = []store.Account{
	{PersonID: "X1234567L", Level: store.LevelAdvanced, RegisteredVia: store.ViaOffice, Mobile: "+34612345678"},
	{PersonID: "12345678Z", Level: store.LevelBasic, RegisteredVia: store.ViaLetter, Mobile: "+34699000111"},
	{PersonID: "87654321X", Level: store.LevelAdvanced, RegisteredVia: store.ViaOffice, Mobile: "+34622000111"},
	{PersonID: "11111111H", Level: store.LevelAdvanced, RegisteredVia: store.ViaOffice, Mobile: "+34633000222"},
	{PersonID: "Y1234567X", Level: store.LevelAdvanced, RegisteredVia: store.ViaOffice, Mobile: "+34644000333"},
}

// Options tune Start.
type Options struct {
	// Host is the name browsers use for both the platform and the office:
	// "127.0.0.1" when empty. Browser tests that use WebAuthn need
	// "localhost", the one plain-HTTP host browsers treat as a secure
	// context and accept as a relying-party ID.
	Host string
	// DevOutbox mounts the development outbox at /dev/outbox, as
	// "serve --demo" does (the only effect of the demo setting on the
	// server itself).
	DevOutbox bool
}

// Env is a running platform and the sample office registered with it.
type Env struct {
	Platform *server.Platform
	Config   *config.Config
	Store    store.Store
	Issuer   string // llavero's public URL, the OpenID issuer
	Office   string // the sample office's public URL
	ClientID string // the office's client id at llavero
}

// Start runs llavero and the sample office until the test ends.
func Start(t testing.TB, opts Options) *Env {
	t.Helper()
	host := opts.Host
	if host == "" {
		host = "127.0.0.1"
	}
	p, cfg := startPlatform(t, host, opts.DevOutbox)
	ctx := context.Background()
	if _, err := registry.Import(ctx, p.Store, strings.NewReader(strings.Join(registry.Header, ",")+"\n"+People), registry.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC().Truncate(time.Microsecond)
	for _, a := range Accounts {
		a.CreatedAt, a.UpdatedAt = now, now
		if err := p.Store.CreateAccount(ctx, a); err != nil {
			t.Fatal(err)
		}
	}

	// The office's address must be known before it is registered.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	public := "http://" + net.JoinHostPort(host, port(ln.Addr().String()))
	cl := store.Client{Name: sampleoffice.Name, MinACR: "low", RedirectURIs: sampleoffice.RedirectURIs(public), CreatedAt: now}
	for _, pr := range sampleoffice.Procedures {
		cl.Procedures = append(cl.Procedures, store.Procedure{ID: pr.ID, Name: pr.Name.ES, NameEN: pr.Name.EN, ACR: pr.ACR, SignatureKind: pr.Signature}.Normalized())
	}
	var idb [12]byte
	_, _ = rand.Read(idb[:])
	cl.ID = hex.EncodeToString(idb[:])
	var secret string
	secret, cl.SecretHash = oidc.NewSecret()
	if err := p.Store.CreateClient(ctx, cl); err != nil {
		t.Fatal(err)
	}

	e := &Env{Platform: p, Config: cfg, Store: p.Store, Issuer: cfg.PublicURL, Office: public, ClientID: cl.ID}
	o, err := sampleoffice.New(ctx, sampleoffice.Config{Issuer: e.Issuer, ClientID: cl.ID, ClientSecret: secret, PublicURL: public,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(o.Handler())
	srv.Listener.Close()
	srv.Listener = ln
	srv.Start()
	t.Cleanup(srv.Close)
	return e
}

// startPlatform runs llavero on loopback on SQLite in a temp dir, as
// cmd/llavero's end-to-end tests do, reachable as host.
func startPlatform(t testing.TB, host string, devOutbox bool) (*server.Platform, *config.Config) {
	t.Helper()
	listen := freePort(t)
	cfg := &config.Config{Data: t.TempDir(), Outbox: true, LogLevel: "error", LogFormat: "text", Lang: "en",
		Listen: listen, PublicURL: "http://" + net.JoinHostPort(host, port(listen)), CertListen: freePort(t),
		CAKeys: "file", CAOrganization: "llavero (end-to-end test)",
		CodeTTL: 30 * 24 * time.Hour, ShutdownTimeout: 5 * time.Second}
	cfg.Demo.Enabled = devOutbox
	if err := cfg.Validate(nil); err != nil {
		t.Fatal(err)
	}
	p, err := server.New(context.Background(), cfg, server.NewLogger(cfg), "e2e")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	up := make(chan struct{})
	done := make(chan error, 1)
	go func() { done <- p.Serve(ctx, func(server.Addrs) { close(up) }) }()
	select {
	case <-up:
	case err := <-done:
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		<-done
		p.Close()
	})
	return p, cfg
}

func freePort(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func port(addr string) string {
	_, p, _ := net.SplitHostPort(addr)
	return p
}

// SetPassword gives personID's account a permanent password, hashed with
// the default parameters, as setting it on the account page does.
func (e *Env) SetPassword(t testing.TB, personID, pw string) {
	t.Helper()
	h, err := password.Hash(pw, password.DefaultParams)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Store.UpdateAccount(context.Background(), personID, func(a *store.Account) error {
		a.PasswordHash = h
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

var sixDigits = regexp.MustCompile(`\b\d{6}\b`)

// LastCode returns the 6-digit code of the newest SMS to personID, as the
// person would read it on their phone.
func (e *Env) LastCode(t testing.TB, personID string) string {
	t.Helper()
	msgs, err := e.Store.ListOutbox(context.Background(), store.OutboxFilter{To: personID, Kind: "sms", Limit: 1})
	if err != nil || len(msgs) != 1 {
		t.Fatalf("the SMS to %s: %v (%d messages)", personID, err, len(msgs))
	}
	code := sixDigits.FindString(msgs[0].Body)
	if code == "" {
		t.Fatalf("no code in the SMS to %s: %q", personID, msgs[0].Body)
	}
	return code
}

// SMSCount returns how many SMS personID has been sent, so a test can wait
// for a new one.
func (e *Env) SMSCount(t testing.TB, personID string) int {
	t.Helper()
	msgs, err := e.Store.ListOutbox(context.Background(), store.OutboxFilter{To: personID, Kind: "sms", Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	return len(msgs)
}
