package main

import (
	"context"
	"fmt"
	"os"
	"runtime/pprof"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/llavero/llavero/internal/loadtest"
	"github.com/llavero/llavero/internal/store"
)

// benchCmd holds the load driver behind BENCHMARKS.md's load figures. It
// talks to a running server over HTTP like browsers and offices do; only
// the preparation and the reading of SMS go to the database directly.
func (a *app) benchCmd() *cobra.Command {
	c := &cobra.Command{
		Use:   "bench",
		Short: "Load runs against a running llavero (for benchmarks; never against production)",
		Long: `Load runs against a running llavero over HTTP.

  llavero --data D bench prepare --people 20000
  llavero --data D serve --log-level warn --trusted-proxies 127.0.0.1/32 &
  llavero --data D bench login --server http://127.0.0.1:8080 --client-id ID \
      --client-secret-file secret --redirect-uri http://127.0.0.1:9/callback \
      --people 20000 --concurrency 16 --duration 20s --server-pid $!

The login run reads each PIN from the outbox in the server's database, so
the server must keep the outbox (the development default) and the run needs
the same --data or --database. Each virtual browser says it comes from its
person's own address in X-Forwarded-For; start the server with
--trusted-proxies 127.0.0.1/32 so the IdP's per-address try limit counts
each citizen apart, as it would behind a real reverse proxy.`,
	}
	c.AddCommand(a.benchPrepareCmd(), a.benchLoginCmd(), a.benchClientCredentialsCmd())
	return c
}

func (a *app) benchPrepareCmd() *cobra.Command {
	var people, first int
	cmd := &cobra.Command{
		Use:   "prepare",
		Short: "Add synthetic people with advanced accounts and distinct mobiles, in one transaction",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.withStore(cmd, func(ctx context.Context, st store.Store) error {
				t0 := time.Now()
				if err := loadtest.Prepare(ctx, st, first, people); err != nil {
					return err
				}
				fmt.Fprintf(a.stdout, "prepared people %d..%d (%s … %s) in %.1f s\n", first, first+people-1,
					loadtest.PersonAt(first).ID, loadtest.PersonAt(first+people-1).ID, time.Since(t0).Seconds())
				return nil
			})
		},
	}
	cmd.Flags().IntVar(&people, "people", 1000, "how many people to add")
	cmd.Flags().IntVar(&first, "first", 0, "index of the first one (a rerun within the hour needs people the rate limits have not counted)")
	return cmd
}

type benchTarget struct {
	loadtest.Target
	secretFile  string
	concurrency int
	duration    time.Duration
	pid         int
	cpuProfile  string
}

func (t *benchTarget) flags(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&t.Server, "server", "http://127.0.0.1:8080", "the platform's base URL")
	f.StringVar(&t.ClientID, "client-id", "", "the relying party's client ID")
	f.StringVar(&t.secretFile, "client-secret-file", "", "file holding the client secret")
	f.IntVar(&t.concurrency, "concurrency", 16, "concurrent virtual clients")
	f.DurationVar(&t.duration, "duration", 10*time.Second, "how long to run")
	f.IntVar(&t.pid, "server-pid", 0, "the server's process ID, to report its largest RSS and CPU time during the run")
	f.StringVar(&t.cpuProfile, "cpuprofile", "", "write the driver's own CPU profile to this file (the server's: serve --debug-listen)")
}

func (t *benchTarget) load() error {
	if t.ClientID == "" || t.secretFile == "" {
		return fmt.Errorf("--client-id and --client-secret-file: the confidential client the run acts as (llavero admin client add)")
	}
	b, err := os.ReadFile(t.secretFile)
	if err != nil {
		return fmt.Errorf("--client-secret-file: %v", err)
	}
	t.ClientSecret = strings.TrimSpace(string(b))
	return nil
}

// measure runs fn while following the server's memory, when asked to.
func (a *app) measure(t *benchTarget, fn func() (loadtest.Report, error)) error {
	var rss *loadtest.RSSSampler
	var cpu0 time.Duration
	if t.pid > 0 {
		var err error
		if rss, err = loadtest.SampleRSS(t.pid, 250*time.Millisecond); err != nil {
			return fmt.Errorf("--server-pid %d: %v", t.pid, err)
		}
		if cpu0, err = loadtest.ProcessCPU(t.pid); err != nil {
			return fmt.Errorf("--server-pid %d: %v", t.pid, err)
		}
	}
	if t.cpuProfile != "" {
		f, err := os.Create(t.cpuProfile)
		if err != nil {
			return fmt.Errorf("--cpuprofile: %v", err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return fmt.Errorf("--cpuprofile: %v", err)
		}
	}
	self0, _ := loadtest.ProcessCPU(os.Getpid())
	r, err := fn()
	if t.cpuProfile != "" {
		pprof.StopCPUProfile()
	}
	if self1, err := loadtest.ProcessCPU(os.Getpid()); err == nil {
		r.DriverCPU = self1 - self0
	}
	if rss != nil {
		r.MaxRSS = rss.Stop()
		if cpu1, err := loadtest.ProcessCPU(t.pid); err == nil {
			r.ServerCPU = cpu1 - cpu0
		}
	}
	if err != nil {
		return err
	}
	r.Write(a.stdout)
	return nil
}

func (a *app) benchLoginCmd() *cobra.Command {
	var t benchTarget
	var people, first int
	cmd := &cobra.Command{
		Use:   "login",
		Short: "Full authorization code logins with a PIN by SMS, as many browsers at once",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := t.load(); err != nil {
				return err
			}
			if t.RedirectURI == "" {
				return fmt.Errorf("--redirect-uri: one registered for the client (it is never connected to)")
			}
			return a.withStore(cmd, func(ctx context.Context, st store.Store) error {
				return a.measure(&t, func() (loadtest.Report, error) {
					return loadtest.RunLogin(ctx, loadtest.LoginConfig{Target: t.Target, First: first, People: people,
						Concurrency: t.concurrency, Duration: t.duration, Outbox: st})
				})
			})
		},
	}
	t.flags(cmd)
	cmd.Flags().StringVar(&t.RedirectURI, "redirect-uri", "", "a redirect URI registered for the client")
	cmd.Flags().IntVar(&people, "people", 1000, "how many prepared people to log in (each at most 5 times an hour)")
	cmd.Flags().IntVar(&first, "first", 0, "index of the first prepared person to use")
	return cmd
}

func (a *app) benchClientCredentialsCmd() *cobra.Command {
	var t benchTarget
	cmd := &cobra.Command{
		Use:   "client-credentials",
		Short: "Client-credentials token grants, as many services at once",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := t.load(); err != nil {
				return err
			}
			return a.measure(&t, func() (loadtest.Report, error) {
				return loadtest.RunClientCredentials(cmd.Context(), loadtest.ClientCredentialsConfig{Target: t.Target,
					Concurrency: t.concurrency, Duration: t.duration})
			})
		},
	}
	t.flags(cmd)
	return cmd
}
