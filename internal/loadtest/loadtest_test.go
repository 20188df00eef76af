package loadtest

import (
	"context"
	"net"
	"os"
	"testing"
	"time"

	"github.com/llavero/llavero/internal/config"
	"github.com/llavero/llavero/internal/idp/loa"
	"github.com/llavero/llavero/internal/oidc"
	"github.com/llavero/llavero/internal/server"
	"github.com/llavero/llavero/internal/store"
)

func TestPercentile(t *testing.T) {
	ms := func(v ...int) []time.Duration {
		out := make([]time.Duration, len(v))
		for i, x := range v {
			out[i] = time.Duration(x) * time.Millisecond
		}
		return out
	}
	if got := Percentile(nil, 50); got != 0 {
		t.Errorf("empty: %v", got)
	}
	one := ms(7)
	for _, p := range []float64{1, 50, 99, 100} {
		if got := Percentile(one, p); got != 7*time.Millisecond {
			t.Errorf("one sample, p%v = %v", p, got)
		}
	}
	// 1..100 ms: nearest rank gives exactly the p-th value.
	hundred := make([]time.Duration, 100)
	for i := range hundred {
		hundred[i] = time.Duration(i+1) * time.Millisecond
	}
	for _, c := range []struct {
		p    float64
		want int
	}{{50, 50}, {90, 90}, {99, 99}, {100, 100}, {0.5, 1}, {99.5, 100}} {
		if got := Percentile(hundred, c.p); got != time.Duration(c.want)*time.Millisecond {
			t.Errorf("1..100, p%v = %v, want %d ms", c.p, got, c.want)
		}
	}
	// Four samples: the median is the 2nd (rank ceil(2)), p90 the 4th.
	four := ms(10, 20, 30, 40)
	if Percentile(four, 50) != 20*time.Millisecond || Percentile(four, 90) != 40*time.Millisecond || Percentile(four, 75) != 30*time.Millisecond {
		t.Errorf("four samples: p50 %v p75 %v p90 %v", Percentile(four, 50), Percentile(four, 75), Percentile(four, 90))
	}
	s := Summarize(ms(40, 10, 30, 20))
	if s.Count != 4 || s.Mean != 25*time.Millisecond || s.P50 != 20*time.Millisecond || s.Max != 40*time.Millisecond {
		t.Errorf("summary %+v", s)
	}
}

func TestParseVmRSS(t *testing.T) {
	got, err := parseVmRSS("Name:\tllavero\nVmPeak:\t  900 kB\nVmRSS:\t   51234 kB\nThreads:\t9\n")
	if err != nil || got != 51234*1024 {
		t.Fatalf("%d %v", got, err)
	}
	if _, err := parseVmRSS("Name:\tkthreadd\n"); err == nil {
		t.Fatal("a kernel thread has no VmRSS")
	}
}

func TestParseStatCPU(t *testing.T) {
	cases := []struct {
		name, stat string
		want       time.Duration
		ok         bool
	}{
		{"plain", "4242 (llavero) S 1 4242 4242 0 -1 4194560 100 0 0 0 250 75 0 0 20 0 9 0 1000 0 0", 3250 * time.Millisecond, true},
		{"name with spaces and parentheses", "7 (a (b) c) R 1 7 7 0 -1 0 0 0 0 0 3 4 0 0", 70 * time.Millisecond, true},
		{"no name", "7 a R 1", 0, false},
		{"short", "7 (x) R 1 2 3", 0, false},
		{"not numbers", "7 (x) R 1 7 7 0 -1 0 0 0 0 0 u s 0 0", 0, false},
	}
	for _, c := range cases {
		got, err := parseStatCPU(c.stat)
		if (err == nil) != c.ok || got != c.want {
			t.Errorf("%s: got %v, %v; want %v (ok %v)", c.name, got, err, c.want, c.ok)
		}
	}
	self, err := ProcessCPU(os.Getpid())
	if err != nil || self < 0 {
		t.Fatalf("own CPU time: %v %v", self, err)
	}
}

func TestPersonAtIsValidAndDistinct(t *testing.T) {
	seen := map[string]bool{}
	for _, i := range []int{0, 1, 22, 23, 255, 256, 65536, 9999999} {
		p := PersonAt(i)
		if seen[p.ID] || seen[p.IP] {
			t.Fatalf("person %d repeats: %+v", i, p)
		}
		seen[p.ID], seen[p.IP] = true, true
	}
}

func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// TestShortRun is two browsers for a second against a real platform on
// loopback: every login they start must complete.
func TestShortRun(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a platform")
	}
	data := t.TempDir()
	cfg := &config.Config{Data: data, Outbox: true, LogLevel: "error", LogFormat: "text", Lang: "en",
		Listen: freePort(t), CertListen: freePort(t), CAKeys: "file", CAOrganization: "llavero (loadtest)",
		CodeTTL: 24 * time.Hour, ShutdownTimeout: 5 * time.Second, TrustedProxies: "127.0.0.1/32"}
	if err := cfg.Validate(nil); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	p, err := server.New(ctx, cfg, server.NewLogger(cfg), "loadtest")
	if err != nil {
		t.Fatal(err)
	}
	const people = 200
	if err := Prepare(ctx, p.Store, 0, people); err != nil {
		t.Fatal(err)
	}
	secret, hash := oidc.NewSecret()
	const redirect = "http://127.0.0.1:9/callback"
	if err := p.Store.CreateClient(ctx, store.Client{ID: "loadtest", Name: "Sede de carga", SecretHash: hash, MinACR: loa.Substantial,
		RedirectURIs: []string{redirect}, Procedures: []store.Procedure{}, CreatedAt: time.Now().UTC().Truncate(time.Microsecond)}); err != nil {
		t.Fatal(err)
	}
	sctx, cancel := context.WithCancel(ctx)
	up, done := make(chan struct{}), make(chan error, 1)
	go func() { done <- p.Serve(sctx, func(server.Addrs) { close(up) }) }()
	select {
	case <-up:
	case err := <-done:
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); <-done; p.Close() })

	tg := Target{Server: "http://" + cfg.Listen, ClientID: "loadtest", ClientSecret: secret, RedirectURI: redirect}
	// Five seconds, not one: a login cut off by the end of the run counts
	// for nothing, and under -race on a loaded 2-core machine one login
	// can take over a second (one second once gave 0 completed).
	r, err := RunLogin(ctx, LoginConfig{Target: tg, People: people, Concurrency: 2, Duration: 5 * time.Second, Outbox: p.Store})
	if err != nil {
		t.Fatal(err)
	}
	if r.Completed == 0 || len(r.Errors) != 0 || len(r.Steps) != len(LoginSteps) {
		t.Fatalf("logins: %d completed, errors %v, %d steps timed", r.Completed, r.Errors, len(r.Steps))
	}
	cc, err := RunClientCredentials(ctx, ClientCredentialsConfig{Target: tg, Concurrency: 2, Duration: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if cc.Completed == 0 || len(cc.Errors) != 0 {
		t.Fatalf("grants: %d completed, errors %v", cc.Completed, cc.Errors)
	}
}
