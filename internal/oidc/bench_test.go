package oidc_test

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

// The benchmarks run over loopback HTTP against SQLite, as a relying party
// would see the provider; op's per-request warnings are silenced.

func BenchmarkClientCredentials(b *testing.B) {
	defer quiet()()
	e := newEnv(b)
	cc := clientcredentials.Config{ClientID: "aeat", ClientSecret: e.secrets["aeat"], TokenURL: e.srv.URL + "/oauth/token"}
	ctx := context.Background()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := cc.Token(ctx); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "grants/s")
}

func BenchmarkCodeFlow(b *testing.B) {
	defer quiet()()
	e := newEnv(b)
	ctx := context.Background()
	cfg := e.oauth("dgt")
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			v := oauth2.GenerateVerifier()
			id := e.authorize(b, cfg.AuthCodeURL("s", oauth2.S256ChallengeOption(v)))
			code, _ := e.login(b, id, "substantial", []string{"sms", "otp"})
			if _, err := cfg.Exchange(ctx, code, oauth2.VerifierOption(v)); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "flows/s")
}

func quiet() func() {
	old := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(io.Discard, nil)))
	return func() { slog.SetDefault(old) }
}
