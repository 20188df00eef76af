package demo

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"time"

	"github.com/llavero/llavero/internal/sampleoffice"
)

// Listeners opens the sample offices' addresses before anything is
// registered, so that a busy port stops the demo before it writes, and a
// port chosen by the system (":0", in tests) is known in time for the
// redirect URIs. An address on every interface (a --demo-public run) is
// reached by the name of publicURL, llavero's own.
func Listeners(addrs []string, publicURL string) ([]net.Listener, []string, error) {
	var lns []net.Listener
	var urls []string
	for i, a := range addrs {
		ln, err := net.Listen("tcp", a)
		if err != nil {
			for _, l := range lns {
				l.Close()
			}
			name := "?"
			if i < len(sampleoffice.Catalogue) {
				name = sampleoffice.Catalogue[i].ID
			}
			return nil, nil, fmt.Errorf("setting --demo-offices-listen: the sample %s office cannot listen on %s: %v (is another demo running? choose other addresses with --demo-offices-listen)", name, a, err)
		}
		lns = append(lns, ln)
		// An address on every interface is reached by llavero's own host
		// name, and so is 127.0.0.1 when llavero is "localhost" (one name
		// for the whole demo in the browser's address bar).
		host, _, _ := net.SplitHostPort(a)
		public := ""
		if u, err := url.Parse(publicURL); err == nil {
			public = u.Hostname()
		}
		if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() || host == "127.0.0.1" && public == "localhost" {
			host = public
		}
		if host == "" {
			host = "127.0.0.1"
		}
		_, port, _ := net.SplitHostPort(ln.Addr().String())
		urls = append(urls, "http://"+net.JoinHostPort(host, port))
	}
	return lns, urls, nil
}

// Running are the sample electronic offices running in this process.
type Running struct {
	servers []*http.Server
	done    chan error
}

// StartOffices runs the sample offices on their listeners, logging in
// through llavero at issuer, which must already answer (each office reads
// its discovery document on start). Stop ends them.
func StartOffices(ctx context.Context, s *Setup, lns []net.Listener, issuer string, log *slog.Logger) (*Running, error) {
	if len(lns) != len(s.Clients) {
		return nil, fmt.Errorf("demo: %d listeners for %d offices", len(lns), len(s.Clients))
	}
	o := &Running{done: make(chan error, len(lns))}
	for i, c := range s.Clients {
		office, err := sampleoffice.New(ctx, sampleoffice.Config{Issuer: issuer, ClientID: c.ID, ClientSecret: c.Secret, Office: c.Kind,
			PublicURL: c.URL, Log: log})
		if err != nil {
			o.Stop(context.Background())
			for _, l := range lns[i:] {
				l.Close()
			}
			return nil, err
		}
		srv := &http.Server{Handler: office.Handler(), ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second,
			WriteTimeout: 30 * time.Second, IdleTimeout: 2 * time.Minute}
		o.servers = append(o.servers, srv)
		go func(ln net.Listener) { o.done <- srv.Serve(ln) }(lns[i])
	}
	return o, nil
}

// Stop shuts the offices down, letting requests in flight finish until ctx
// ends.
func (o *Running) Stop(ctx context.Context) error {
	var errs []error
	for _, s := range o.servers {
		if err := s.Shutdown(ctx); err != nil {
			errs = append(errs, err)
		}
	}
	for range o.servers {
		if err := <-o.done; err != nil && !errors.Is(err, http.ErrServerClosed) {
			errs = append(errs, err)
		}
	}
	o.servers = nil
	return errors.Join(errs...)
}
