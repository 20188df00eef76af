// Command llavero is the whole platform in one binary: the server, the
// citizen's certificate tool, signing and verification, and the
// administrator's commands for the local installation.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/llavero/llavero/internal/config"
	"github.com/llavero/llavero/internal/i18n"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	ctx, cancel := context.WithCancel(context.Background())
	root := newRoot(os.Stdout, os.Stderr)
	onInterrupt(cancel)
	err := root.ExecuteContext(ctx)
	cancel()
	os.Exit(exitCode(err, os.Stderr))
}

// graceful is set by commands (serve) that finish their work on Ctrl-C
// instead of stopping at once.
var graceful atomic.Bool

// onInterrupt handles Ctrl-C and SIGTERM. A server shuts down gracefully; any
// other command stops at once, but first gives the terminal back its echo,
// which a passphrase prompt turns off.
func onInterrupt(cancel context.CancelFunc) {
	var saved *term.State
	if fd := int(os.Stdin.Fd()); term.IsTerminal(fd) {
		saved, _ = term.GetState(fd)
	}
	sig := make(chan os.Signal, 2)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-sig
		if graceful.Load() {
			cancel()
			<-sig // a second Ctrl-C stops at once
		}
		if saved != nil {
			_ = term.Restore(int(os.Stdin.Fd()), saved)
		}
		fmt.Fprintln(os.Stderr, "\nllavero: interrupted")
		os.Exit(130)
	}()
}

// app carries what every command shares.
type app struct {
	cfg    config.Config
	stdout io.Writer
	stderr io.Writer
}

func newRoot(stdout, stderr io.Writer) *cobra.Command {
	a := &app{stdout: stdout, stderr: stderr}
	root := &cobra.Command{
		Use:   "llavero",
		Short: "llavero: certificates, sign-in and signing for electronic government, self-hosted",
		Long: `llavero is a digital-identity platform: a certificate authority with
registration offices, an identity provider with levels of assurance for
electronic offices, and document signing.

Start a trial installation (SQLite, development CA, outbox, sample people,
offices and electronic offices) with:
  llavero serve --demo

Every setting is a flag, an environment variable (LLAVERO_ + the flag name
in capitals, dashes as underscores) or a key in the --config TOML file.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	config.RegisterCommon(root.PersistentFlags(), &a.cfg)
	root.AddCommand(
		a.versionCmd(),
		a.serveCmd(),
		a.idCmd(),
		a.certCmd(),
		a.officeCmd(),
		a.adminCmd(),
		a.sampleOfficeCmd(),
		a.benchCmd(),
		a.signCmd(),
		a.verifyCmd(),
	)
	return root
}

// load applies the environment and the config file to cmd's flags and
// checks them. Commands that touch the installation call it first.
func (a *app) load(cmd *cobra.Command) error {
	return config.Load(cmd.Flags(), &a.cfg)
}

func (a *app) lang() i18n.Lang {
	l, _ := i18n.Parse(a.cfg.Lang)
	return l
}

func (a *app) versionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the llavero version",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			fmt.Fprintf(a.stdout, "llavero %s\n", version)
			return nil
		},
	}
}

// exitError carries a non-zero exit status for an outcome that has already
// been explained on the terminal (a failed check, a refused import).
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

// exitCode prints err as one line plus, for errors a person can act on, the
// next step, and returns the process exit status.
func exitCode(err error, stderr io.Writer) int {
	if err == nil {
		return 0
	}
	var ee exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	lang, _ := i18n.Parse(os.Getenv(config.EnvPrefix + "LANG"))
	if ie, ok := i18n.As(err); ok {
		fmt.Fprintf(stderr, "llavero: %s\n  %s\n", ie.Message(lang), ie.Hint(lang))
		return 1
	}
	fmt.Fprintf(stderr, "llavero: %v\n", err)
	return 1
}
