package config

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"

	"github.com/spf13/pflag"

	"github.com/llavero/llavero/internal/i18n"
)

// Demo holds the settings of the first run, "llavero serve --demo": sample
// people, offices, operators and electronic offices, and the outbox in the
// browser.
type Demo struct {
	Enabled bool
	// Public lets a demo use PostgreSQL or listen beyond loopback, for a
	// shared demonstration; without it a demo stays on this computer, so
	// that nobody mistakes one for a production deployment.
	Public bool
	// OfficesListen are the addresses of the sample electronic offices,
	// one per office of the catalogue, in its order (traffic, tax, social
	// security).
	OfficesListen []string
}

// DefaultDemoOffices are the sample offices' addresses by default.
var DefaultDemoOffices = []string{"127.0.0.1:9090", "127.0.0.1:9091", "127.0.0.1:9092"}

// RegisterDemo adds the demo settings; RegisterServe calls it.
func RegisterDemo(fs *pflag.FlagSet, c *Config) {
	fs.BoolVar(&c.Demo.Enabled, "demo", false, "first run: sample people, offices with operators, the sample electronic offices and the outbox at /dev/outbox (idempotent)")
	fs.BoolVar(&c.Demo.Public, "demo-public", false, "let --demo use PostgreSQL or listen beyond loopback (a shared demonstration, never production)")
	fs.StringSliceVar(&c.Demo.OfficesListen, "demo-offices-listen", DefaultDemoOffices, "addresses of the sample traffic, tax and social-security offices with --demo (comma-separated, in that order)")
}

// The demo's refusals. A demo holds fictional people, operator files with a
// printed passphrase and an outbox that shows every code: it must not run
// where it could be taken for the real thing.
var (
	ErrDemoDatabase = i18n.New("demo.database",
		i18n.T("La demostración (--demo) no se ejecuta sobre PostgreSQL: crearía personas ficticias y operadores de prueba en una base de datos que puede ser la de producción.",
			"The demonstration (--demo) does not run on PostgreSQL: it would create fictional people and test operators in a database that may be a production one."),
		i18n.T("Quite --database para usar el SQLite de --data, o, si es una demostración compartida a propósito, añada --demo-public.",
			"Drop --database to use the SQLite inside --data or, if this is a shared demonstration on purpose, add --demo-public."))
	ErrDemoExposed = i18n.New("demo.exposed",
		i18n.T("La demostración (--demo) solo escucha en este ordenador (127.0.0.1 o localhost): muestra todos los códigos en /dev/outbox e imprime la contraseña de los operadores.",
			"The demonstration (--demo) only listens on this computer (127.0.0.1 or localhost): it shows every code at /dev/outbox and prints the operators' passphrase."),
		i18n.T("Use una dirección de loopback en --listen, --cert-listen, --public-url y --demo-offices-listen, o, si es una demostración compartida a propósito, añada --demo-public.",
			"Use a loopback address in --listen, --cert-listen, --public-url and --demo-offices-listen or, if this is a shared demonstration on purpose, add --demo-public."))
)

// validateDemo refuses a demo outside this computer without --demo-public.
// It runs after the other settings, so the database and the public URL
// already have their derived values.
func (c *Config) validateDemo(fs *pflag.FlagSet) error {
	if fs != nil && fs.Lookup("demo") == nil {
		return nil
	}
	if !c.Demo.Enabled {
		return nil
	}
	if len(c.Demo.OfficesListen) == 0 {
		c.Demo.OfficesListen = DefaultDemoOffices
	}
	for _, a := range c.Demo.OfficesListen {
		if _, _, err := net.SplitHostPort(strings.TrimSpace(a)); err != nil {
			return fmt.Errorf("setting --demo-offices-listen: %q is not host:port (%v)", a, err)
		}
	}
	// Browsers accept passkeys (the app login) from "localhost" over plain
	// HTTP, never from an IP address: a demo on loopback is reached by
	// that name unless told otherwise.
	if fs != nil && !fs.Changed("public-url") {
		if host, port, err := net.SplitHostPort(c.Listen); err == nil && host == "127.0.0.1" {
			c.PublicURL = "http://" + net.JoinHostPort("localhost", port)
		}
	}
	if !c.Outbox {
		return errors.New("setting --outbox: --demo shows what llavero sends at /dev/outbox, so the outbox must stay on")
	}
	if c.Demo.Public {
		return nil
	}
	if dialect, _, _ := ParseDatabase(c.Database); dialect != "sqlite" {
		return demoRefusal(ErrDemoDatabase, "--database", dialect+"://…")
	}
	type setting struct{ name, value string }
	addrs := []setting{{"--listen", c.Listen}, {"--cert-listen", c.CertListen}}
	for _, a := range c.Demo.OfficesListen {
		addrs = append(addrs, setting{"--demo-offices-listen", a})
	}
	for _, a := range addrs {
		host, _, _ := net.SplitHostPort(strings.TrimSpace(a.value))
		if !isLoopback(host) {
			return demoRefusal(ErrDemoExposed, a.name, a.value)
		}
	}
	for _, a := range []setting{{"--public-url", c.PublicURL}, {"--cert-login-url", c.CertLoginURL}} {
		if u, err := url.Parse(a.value); a.value != "" && (err != nil || !isLoopback(u.Hostname())) {
			return demoRefusal(ErrDemoExposed, a.name, a.value)
		}
	}
	return nil
}

// demoRefusal names the setting at fault before the template's message.
func demoRefusal(tmpl *i18n.Error, name, value string) error {
	e := tmpl.Wrap(fmt.Errorf("setting %s is %q", name, value))
	e.Msg = i18n.T(name+" "+value+": "+tmpl.Msg.ES, name+" "+value+": "+tmpl.Msg.EN)
	return e
}
