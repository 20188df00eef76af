package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/llavero/llavero/internal/client"
	"github.com/llavero/llavero/internal/config"
	"github.com/llavero/llavero/internal/keystore"
	"github.com/llavero/llavero/internal/keystore/prompt"
	"github.com/llavero/llavero/internal/server"
	"github.com/llavero/llavero/internal/store"
)

// officeCmd holds what an operator does from a terminal, authenticated by
// their operator certificate.
func (a *app) officeCmd() *cobra.Command {
	o := &cobra.Command{
		Use:   "office",
		Short: "Registration office work: verify a person's document, refuse, revoke (operator certificate)",
	}
	var server, p12, passFile string
	var asJSON bool
	common := func(c *cobra.Command) {
		c.Flags().StringVar(&server, "server", defaultServer(), "the platform's address (or LLAVERO_SERVER)")
		c.Flags().StringVar(&p12, "operator-p12", "", "your operator certificate (.p12)")
		c.Flags().StringVar(&passFile, "p12-passphrase-file", "", "file holding the operator .p12 passphrase")
		c.Flags().BoolVar(&asJSON, "json", false, "print the result as JSON")
		_ = c.MarkFlagRequired("operator-p12")
	}
	desk := func(ctx context.Context) (*client.CertClient, error) {
		cl, err := a.client(server)
		if err != nil {
			return nil, err
		}
		tc, _, err := a.loadP12(p12, passFile)
		if err != nil {
			return nil, err
		}
		return cl.WithCertificate(ctx, tc)
	}

	var chk client.OfficeCheck
	verify := &cobra.Command{
		Use:   "verify",
		Short: "Record the document you checked and approve the application (issues the certificate)",
		Example: `  llavero office verify --code ABCD-EFGH-JKLM --document-type TIE --document-number X1234567L \
    --document-expiry 2031-05-01 --operator-p12 operator.p12`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cc, err := desk(cmd.Context())
			if err != nil {
				return err
			}
			res, err := cc.OfficeApprove(cmd.Context(), chk)
			if err != nil {
				return err
			}
			if asJSON {
				return writeJSON(a.stdout, res)
			}
			fmt.Fprintf(a.stdout, msg(a.lang(), "Aprobada. Certificado %s emitido (válido hasta %s). La persona ha recibido un correo: ya puede descargarlo en su ordenador.\n",
				"Approved. Certificate %s issued (valid until %s). The person has been emailed: they can now download it on their computer.\n"), res.Serial, res.NotAfter.Format("2006-01-02"))
			return nil
		},
	}
	common(verify)
	verify.Flags().StringVar(&chk.Code, "code", "", "the person's application code")
	verify.Flags().StringVar(&chk.ApplicationID, "application", "", "the application ID (instead of --code)")
	verify.Flags().StringVar(&chk.DocumentType, "document-type", "", "DNI, TIE, EU_CERTIFICATE or PASSPORT")
	verify.Flags().StringVar(&chk.DocumentNumber, "document-number", "", "the number on the document")
	verify.Flags().StringVar(&chk.DocumentExpiry, "document-expiry", "", "the expiry date on the document (YYYY-MM-DD)")
	verify.Flags().BoolVar(&chk.KeyOnToken, "key-on-token", false, "the key was generated on a smart card or token the person showed you (the certificate then counts for the high level)")
	for _, f := range []string{"document-type", "document-number", "document-expiry"} {
		_ = verify.MarkFlagRequired(f)
	}

	var ref client.OfficeRefusal
	refuse := &cobra.Command{
		Use:   "refuse",
		Short: "Refuse an application with a reason (the person is emailed it)",
		Long: `Refuse an application. Reasons: registry.not_found, surname.mismatch,
document.expired, office.document_mismatch, identity.not_proven, other
(with --note, which is sent to the person).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cc, err := desk(cmd.Context())
			if err != nil {
				return err
			}
			if err := cc.OfficeRefuse(cmd.Context(), ref); err != nil {
				return err
			}
			if asJSON {
				return writeJSON(a.stdout, map[string]any{"refused": true})
			}
			fmt.Fprintln(a.stdout, msg(a.lang(), "Rechazada. Se ha enviado el motivo a la persona por correo.", "Refused. The reason was emailed to the person."))
			return nil
		},
	}
	common(refuse)
	refuse.Flags().StringVar(&ref.Code, "code", "", "the person's application code")
	refuse.Flags().StringVar(&ref.ApplicationID, "application", "", "the application ID (instead of --code)")
	refuse.Flags().StringVar(&ref.Reason, "reason", "", "why (see above)")
	refuse.Flags().StringVar(&ref.Note, "note", "", "explanation sent to the person (required with --reason other)")
	_ = refuse.MarkFlagRequired("reason")

	var serial, reason string
	revoke := &cobra.Command{
		Use:   "revoke",
		Short: "Revoke a person's certificate at the office",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cc, err := desk(cmd.Context())
			if err != nil {
				return err
			}
			if err := cc.OfficeRevoke(cmd.Context(), serial, reason); err != nil {
				return err
			}
			if asJSON {
				return writeJSON(a.stdout, map[string]any{"serial": serial, "revoked": true})
			}
			fmt.Fprintln(a.stdout, msg(a.lang(), "Certificado revocado.", "Certificate revoked."))
			return nil
		},
	}
	common(revoke)
	revoke.Flags().StringVar(&serial, "serial", "", "serial number of the certificate (hex)")
	revoke.Flags().StringVar(&reason, "reason", "unspecified", "keyCompromise, superseded, cessationOfOperation, affiliationChanged or unspecified")
	_ = revoke.MarkFlagRequired("serial")

	o.AddCommand(verify, refuse, revoke)
	return o
}

// withAuthority loads the configuration and opens the store and CA.
func (a *app) withAuthority(cmd *cobra.Command, fn func(ctx context.Context, au *server.Authority) error) error {
	if err := a.load(cmd); err != nil {
		return err
	}
	au, err := server.OpenAuthority(cmd.Context(), &a.cfg, server.NewLogger(&a.cfg))
	if err != nil {
		return err
	}
	defer au.Close()
	return fn(cmd.Context(), au)
}

func fingerprint(c *x509.Certificate) string {
	h := sha256.Sum256(c.Raw)
	return strings.ToUpper(hex.EncodeToString(h[:]))
}

func (a *app) adminCACmd() *cobra.Command {
	c := &cobra.Command{Use: "ca", Short: "The certificate authority: show the chain"}
	var asJSON bool
	show := &cobra.Command{
		Use:   "show",
		Short: "Print the CA chain with fingerprints (creates the CA on first use)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.withAuthority(cmd, func(ctx context.Context, au *server.Authority) error {
				var out []map[string]any
				for i, cert := range au.CA.Chain() {
					role := []string{"issuing", "root"}[i]
					out = append(out, map[string]any{
						"role": role, "subject": cert.Subject.String(), "serial": cert.SerialNumber.Text(16),
						"not_before": cert.NotBefore, "not_after": cert.NotAfter, "sha256": fingerprint(cert),
						"key": keyDesc(cert),
					})
				}
				if asJSON {
					return writeJSON(a.stdout, out)
				}
				tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
				for _, m := range out {
					fmt.Fprintf(tw, "%s CA\t%s\n  serial\t%s\n  valid\t%s … %s\n  key\t%s\n  SHA-256\t%s\n", m["role"], m["subject"], m["serial"],
						m["not_before"].(interface{ Format(string) string }).Format("2006-01-02"), m["not_after"].(interface{ Format(string) string }).Format("2006-01-02"), m["key"], m["sha256"])
				}
				return tw.Flush()
			})
		},
	}
	show.Flags().BoolVar(&asJSON, "json", false, "print the chain as JSON")
	config.RegisterCA(show.Flags(), &a.cfg)
	c.AddCommand(show)
	return c
}

func keyDesc(c *x509.Certificate) string {
	switch k := c.PublicKey.(type) {
	case *ecdsa.PublicKey:
		return "ECDSA " + k.Curve.Params().Name
	default:
		return c.PublicKeyAlgorithm.String()
	}
}

func (a *app) adminOfficeCmd() *cobra.Command {
	c := &cobra.Command{Use: "office", Short: "Registration offices: add, list"}
	var o store.Office
	var handles string
	var asJSON bool
	add := &cobra.Command{
		Use:     "add NAME",
		Short:   "Add a registration office",
		Example: `  llavero admin office add "Oficina Centro" --address "Plaza Mayor 1" --postal-code 28012 --city Madrid --province Madrid --hours "L-V 9:00-14:00"`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Name = args[0]
			for _, h := range strings.Split(handles, ",") {
				if h = strings.TrimSpace(h); h != "" {
					o.Handles = append(o.Handles, h)
				}
			}
			return a.withAuthority(cmd, func(ctx context.Context, au *server.Authority) error {
				got, err := au.RA.AddOffice(ctx, o, "admin:"+currentUser())
				if err != nil {
					return err
				}
				if asJSON {
					return writeJSON(a.stdout, officeJSON(got))
				}
				fmt.Fprintf(a.stdout, "office %s added: %s\n", got.ID, got.Name)
				return nil
			})
		},
	}
	add.Flags().StringVar(&o.Address, "address", "", "street address")
	add.Flags().StringVar(&o.PostalCode, "postal-code", "", "postal code")
	add.Flags().StringVar(&o.City, "city", "", "city")
	add.Flags().StringVar(&o.Province, "province", "", "province")
	add.Flags().StringVar(&o.Hours, "hours", "", "opening hours as people read them")
	add.Flags().StringVar(&handles, "handles", "certificate,account", "what the office does: certificate, account, video-review (comma-separated)")
	add.Flags().BoolVar(&asJSON, "json", false, "print the office as JSON")
	_ = add.MarkFlagRequired("address")
	config.RegisterCA(add.Flags(), &a.cfg)

	var listJSON bool
	list := &cobra.Command{
		Use:   "list",
		Short: "List the registration offices",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.withStore(cmd, func(ctx context.Context, st store.Store) error {
				offices, err := st.ListOffices(ctx)
				if err != nil {
					return err
				}
				if listJSON {
					out := []map[string]any{}
					for _, o := range offices {
						out = append(out, officeJSON(o))
					}
					return writeJSON(a.stdout, out)
				}
				for _, o := range offices {
					fmt.Fprintf(a.stdout, "%s  %s, %s, %s %s  [%s]\n", o.ID, o.Name, o.Address, o.PostalCode, o.City, strings.Join(o.Handles, ","))
				}
				return nil
			})
		},
	}
	list.Flags().BoolVar(&listJSON, "json", false, "print the offices as JSON")
	c.AddCommand(add, list)
	return c
}

func officeJSON(o store.Office) map[string]any {
	return map[string]any{"id": o.ID, "name": o.Name, "address": o.Address, "postal_code": o.PostalCode, "city": o.City,
		"province": o.Province, "hours": o.Hours, "handles": o.Handles}
}

func (a *app) adminOperatorCmd() *cobra.Command {
	c := &cobra.Command{Use: "operator", Short: "Office operators: add (issues their operator certificate)"}
	var officeID, name, out, passFile string
	var asJSON bool
	add := &cobra.Command{
		Use:     "add",
		Short:   "Add an operator and write their operator certificate as a .p12",
		Example: `  llavero admin operator add --office 1a2b3c4d5e6f --name "Ana García"`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.withAuthority(cmd, func(ctx context.Context, au *server.Authority) error {
				pass, err := prompt.ReadPassphrase(passFile, "Passphrase for the operator's .p12: ", true, os.Stdin, a.stderr)
				if err != nil {
					return err
				}
				defer clear(pass)
				key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
				if err != nil {
					return err
				}
				op, cert, err := au.RA.AddOperator(ctx, au.CA, officeID, name, key.Public(), "admin:"+currentUser())
				if err != nil {
					return err
				}
				data, err := keystore.WriteP12(key, cert, au.CA.Chain(), pass, false)
				if err != nil {
					return err
				}
				path := out
				if path == "" {
					dir := filepath.Join(a.cfg.Data, "operators")
					if err := os.MkdirAll(dir, 0o700); err != nil {
						return err
					}
					path = filepath.Join(dir, op.ID+".p12")
				}
				if err := os.WriteFile(path, data, 0o600); err != nil {
					return err
				}
				abs, _ := filepath.Abs(path)
				if asJSON {
					return writeJSON(a.stdout, map[string]any{"id": op.ID, "office": op.OfficeID, "name": op.Name, "serial": op.CertSerial, "p12": abs})
				}
				fmt.Fprintf(a.stdout, "operator %s (%s) added at office %s\n  operator certificate: %s\n  they sign in to the office console with it (import it into the browser) or use it with \"llavero office verify --operator-p12\"\n",
					op.ID, op.Name, op.OfficeID, abs)
				return nil
			})
		},
	}
	add.Flags().StringVar(&officeID, "office", "", "the office ID (llavero admin office list)")
	add.Flags().StringVar(&name, "name", "", "the operator's full name")
	add.Flags().StringVarP(&out, "out", "o", "", "where to write the .p12 (default DATA/operators/ID.p12)")
	add.Flags().StringVar(&passFile, "p12-passphrase-file", "", "file holding the passphrase for the .p12 (default: ask)")
	add.Flags().BoolVar(&asJSON, "json", false, "print the operator as JSON")
	_ = add.MarkFlagRequired("office")
	_ = add.MarkFlagRequired("name")
	config.RegisterCA(add.Flags(), &a.cfg)
	c.AddCommand(add)
	return c
}
