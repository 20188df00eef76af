package loadtest

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"sync"
	"time"
)

// ClientCredentialsConfig sets up a client-credentials run.
type ClientCredentialsConfig struct {
	Target
	Concurrency int
	Duration    time.Duration
}

// RunClientCredentials has Concurrency services ask the token endpoint for
// tokens in a loop for Duration.
func RunClientCredentials(ctx context.Context, cfg ClientCredentialsConfig) (Report, error) {
	if cfg.Concurrency < 1 || cfg.Duration <= 0 {
		return Report{}, errors.New("loadtest: concurrency and duration are required")
	}
	tr := transport(cfg.Concurrency)
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	ep, err := discover(ctx, hc, cfg.Server)
	if err != nil {
		return Report{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, cfg.Duration)
	defer cancel()
	form := url.Values{"grant_type": {"client_credentials"}}
	all := newSamples()
	var mu sync.Mutex
	var wg sync.WaitGroup
	start := time.Now()
	for w := 0; w < cfg.Concurrency; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := newSamples()
			for ctx.Err() == nil {
				t0 := time.Now()
				err := tokenRequest(ctx, hc, ep.Token, cfg.Target, form, "token", "access_token")
				switch {
				case err == nil:
					s.whole = append(s.whole, time.Since(t0))
				case ctx.Err() != nil:
				default:
					s.errors[err.Error()]++
				}
			}
			mu.Lock()
			all.merge(s)
			mu.Unlock()
		}()
	}
	wg.Wait()
	return build("client-credentials grant", cfg.Concurrency, time.Since(start), all, nil), nil
}
