package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/llavero/llavero/internal/audit"
	"github.com/llavero/llavero/internal/idp/loa"
	"github.com/llavero/llavero/internal/oidc"
	"github.com/llavero/llavero/internal/store"
)

// adminClientCmd registers relying parties (electronic offices) as OpenID
// Connect clients.
func (a *app) adminClientCmd() *cobra.Command {
	c := &cobra.Command{Use: "client", Short: "Relying parties (electronic offices): add, list"}
	var name, minACR, methods string
	var redirects, procs []string
	var public, asJSON bool
	add := &cobra.Command{
		Use:   "add",
		Short: "Register an electronic office as an OpenID Connect client; prints its ID and secret",
		Example: `  llavero admin client add --name "Sede de Tráfico" --redirect-uri https://trafico.example.es/callback \
    --min-acr low --procedure "points-balance:Saldo de puntos|Points balance:low" --procedure "licence-exchange:Canje de permiso|Licence exchange:substantial:remote" \
    --procedure "vat-return:Declaración del IVA|VAT return:substantial:certificate"`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cl := store.Client{Name: strings.TrimSpace(name), MinACR: minACR, RedirectURIs: redirects, Procedures: []store.Procedure{}}
			if cl.Name == "" {
				return fmt.Errorf("--name: the office's name is shown to people when they log in")
			}
			if _, ok := loa.FromURI(minACR); !ok {
				return fmt.Errorf("--min-acr %q: use low, substantial or high", minACR)
			}
			if len(redirects) == 0 {
				return fmt.Errorf("--redirect-uri: at least one (matched exactly)")
			}
			for _, r := range redirects {
				u, err := url.Parse(r)
				if err != nil || u.Scheme == "" || u.Host == "" || u.Fragment != "" {
					return fmt.Errorf("--redirect-uri %q: an absolute URL without a fragment", r)
				}
			}
			for _, m := range strings.Split(methods, ",") {
				if m = strings.TrimSpace(m); m != "" {
					switch m {
					case loa.MethodPIN, loa.MethodPassword, loa.MethodApp, loa.MethodCertificate:
					default:
						return fmt.Errorf("--methods: %q is not pin, password, app or certificate", m)
					}
					cl.Methods = append(cl.Methods, m)
				}
			}
			for _, p := range procs {
				proc, err := parseProcedure(p)
				if err != nil {
					return err
				}
				cl.Procedures = append(cl.Procedures, proc)
			}
			var idb [12]byte
			if _, err := rand.Read(idb[:]); err != nil {
				return err
			}
			cl.ID = hex.EncodeToString(idb[:])
			var secret string
			if !public {
				secret, cl.SecretHash = oidc.NewSecret()
			}
			return a.withStore(cmd, func(ctx context.Context, st store.Store) error {
				cl.CreatedAt = time.Now().UTC().Truncate(time.Microsecond)
				// Which offices may ask llavero who a person is, at what
				// level, is an identity decision: it goes in the audit
				// chain with the client, in one transaction.
				err := st.InTx(ctx, func(tx store.Tx) error {
					if err := tx.CreateClient(ctx, cl); err != nil {
						return err
					}
					_, err := audit.New(nil, nil).Record(ctx, tx, audit.Event{
						Actor: "admin:" + currentUser(), Action: "client.add", Subject: cl.ID, Outcome: audit.OK,
						Detail: map[string]any{"name": cl.Name, "redirect_uris": cl.RedirectURIs, "min_acr": cl.MinACR,
							"methods": cl.Methods, "procedures": len(cl.Procedures), "public": public},
					})
					return err
				})
				if err != nil {
					return err
				}
				if asJSON {
					return writeJSON(a.stdout, map[string]any{"id": cl.ID, "secret": secret, "name": cl.Name, "redirect_uris": cl.RedirectURIs,
						"min_acr": cl.MinACR, "methods": cl.Methods, "procedures": cl.Procedures})
				}
				fmt.Fprintf(a.stdout, "client %s registered for %s\n  client_id:     %s\n", cl.Name, strings.Join(cl.RedirectURIs, " "), cl.ID)
				if secret != "" {
					fmt.Fprintf(a.stdout, "  client_secret: %s\n  (shown once: store it in the office's configuration now)\n", secret)
				}
				return nil
			})
		},
	}
	add.Flags().StringVar(&name, "name", "", "the office's name, as people will see it")
	add.Flags().StringArrayVar(&redirects, "redirect-uri", nil, "a redirect URI, matched exactly (repeat for several)")
	add.Flags().StringVar(&minACR, "min-acr", loa.Low, "the least level of assurance: low, substantial or high")
	add.Flags().StringVar(&methods, "methods", "", "accepted login methods: pin,password,app,certificate (default all)")
	add.Flags().StringArrayVar(&procs, "procedure", nil, "a procedure as ID:NAME[|ENGLISH NAME]:LEVEL[:certificate|:remote], the last part if it needs a signature (repeat for several)")
	add.Flags().BoolVar(&public, "public", false, "a public client (no secret; PKCE protects it)")
	add.Flags().BoolVar(&asJSON, "json", false, "print the client as JSON")

	var listJSON bool
	list := &cobra.Command{
		Use:   "list",
		Short: "List the relying parties",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.withStore(cmd, func(ctx context.Context, st store.Store) error {
				cls, err := st.ListClients(ctx)
				if err != nil {
					return err
				}
				if listJSON {
					out := []map[string]any{}
					for _, c := range cls {
						out = append(out, map[string]any{"id": c.ID, "name": c.Name, "redirect_uris": c.RedirectURIs, "min_acr": c.MinACR, "methods": c.Methods, "procedures": c.Procedures})
					}
					return writeJSON(a.stdout, out)
				}
				for _, c := range cls {
					fmt.Fprintf(a.stdout, "%s  %s  min %s  %s\n", c.ID, c.Name, c.MinACR, strings.Join(c.RedirectURIs, " "))
				}
				return nil
			})
		},
	}
	list.Flags().BoolVar(&listJSON, "json", false, "print the clients as JSON")
	c.AddCommand(add, list)
	return c
}

// parseProcedure reads --procedure ID:NAME[|ENGLISH NAME]:LEVEL[:SIGNATURE].
// The Spanish name is required; the English one, after a "|", is shown on
// English pages (without it they show the Spanish one). SIGNATURE is
// "certificate" (the person signs with their own certificate), "remote"
// (remote signing on llavero with an SMS code, from a substantial login or
// higher) or, as before kinds existed, "signature", which means
// "certificate".
func parseProcedure(spec string) (store.Procedure, error) {
	const use = "use ID:NAME[|ENGLISH NAME]:LEVEL, or ID:NAME[|ENGLISH NAME]:LEVEL:certificate or ID:NAME[|ENGLISH NAME]:LEVEL:remote for a procedure signed with the person's certificate or by remote signing with an SMS code"
	f := strings.Split(spec, ":")
	if len(f) < 3 || len(f) > 4 {
		return store.Procedure{}, fmt.Errorf("--procedure %q: %s", spec, use)
	}
	es, en, two := strings.Cut(f[1], "|")
	es, en = strings.TrimSpace(es), strings.TrimSpace(en)
	switch {
	case strings.TrimSpace(f[0]) == "" || es == "":
		return store.Procedure{}, fmt.Errorf("--procedure %q: the ID and the Spanish name are required; %s", spec, use)
	case two && (en == "" || strings.Contains(en, "|")):
		return store.Procedure{}, fmt.Errorf("--procedure %q: after \"|\" comes one English name", spec)
	}
	level, ok := loa.FromURI(f[2])
	if !ok {
		return store.Procedure{}, fmt.Errorf("--procedure %q: level %q is not low, substantial or high", spec, f[2])
	}
	p := store.Procedure{ID: strings.TrimSpace(f[0]), Name: es, NameEN: en, ACR: f[2]}
	if len(f) == 4 {
		switch f[3] {
		case store.SignatureCertificate, "signature":
			p.SignatureKind = store.SignatureCertificate
		case store.SignatureRemote:
			if loa.Rank(level) < loa.Rank(loa.Substantial) {
				return store.Procedure{}, fmt.Errorf("--procedure %q: remote signing needs a substantial login: make the level substantial or high", spec)
			}
			p.SignatureKind = store.SignatureRemote
		default:
			return store.Procedure{}, fmt.Errorf("--procedure %q: signature %q is not certificate or remote; %s", spec, f[3], use)
		}
	}
	return p.Normalized(), nil
}
