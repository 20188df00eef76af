package main

import (
	"context"
	"crypto"
	"crypto/tls"
	"crypto/x509"
	"encoding/asn1"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/llavero/llavero/internal/client"
	"github.com/llavero/llavero/internal/config"
	"github.com/llavero/llavero/internal/i18n"
	"github.com/llavero/llavero/internal/identity"
	"github.com/llavero/llavero/internal/keystore"
	"github.com/llavero/llavero/internal/keystore/prompt"
)

// defaultServer is where the README's "llavero serve" listens.
func defaultServer() string {
	if v := os.Getenv("LLAVERO_SERVER"); v != "" {
		return v
	}
	return config.DefaultServer
}

// citizenFlags are shared by the commands that talk to a server.
type citizenFlags struct {
	server, id, surname, code string
	keystore, passFile        string
	p12PassFile               string
	asJSON                    bool
}

func (f *citizenFlags) addServer(c *cobra.Command) {
	c.Flags().StringVar(&f.server, "server", defaultServer(), "the platform's address (or LLAVERO_SERVER)")
	c.Flags().BoolVar(&f.asJSON, "json", false, "print the result as JSON")
}

func (f *citizenFlags) addPerson(c *cobra.Command, withCode bool) {
	c.Flags().StringVar(&f.id, "id", "", "your DNI or NIE")
	c.Flags().StringVar(&f.surname, "surname", "", "your first surname, as on your document")
	_ = c.MarkFlagRequired("id")
	_ = c.MarkFlagRequired("surname")
	if withCode {
		c.Flags().StringVar(&f.code, "code", "", "the application code from your email")
		_ = c.MarkFlagRequired("code")
	}
}

func (f *citizenFlags) addKeystore(c *cobra.Command) {
	c.Flags().StringVar(&f.keystore, "keystore", "", "directory of your keystore (default: your user config directory)")
	c.Flags().StringVar(&f.passFile, "passphrase-file", "", "file holding the keystore passphrase (default: ask on the terminal)")
}

func (f *citizenFlags) openKeystore() (*keystore.Store, error) {
	dir := f.keystore
	if dir == "" {
		d, err := keystore.DefaultDir()
		if err != nil {
			return nil, err
		}
		dir = d
	}
	return keystore.Open(dir)
}

func (a *app) client(server string) (*client.Client, error) {
	return client.New(server, a.lang())
}

func (a *app) certCmd() *cobra.Command {
	c := &cobra.Command{
		Use:   "cert",
		Short: "Your personal certificate: request, download, status, renew, revoke, cancel",
		Long: `Your personal certificate, in the right order:

  1. llavero cert request   makes your key on this computer and applies
  2. (go to a registration office with your document and the code)
  3. llavero cert download  fetches the certificate and writes your backup .p12
  4. llavero cert backup    checks a copy of the .p12 kept elsewhere (a USB
                            stick) and tells the platform you have one

Do steps 1 and 3 on the same computer: the key never leaves it.`,
	}
	c.AddCommand(a.certRequestCmd(), a.certDownloadCmd(), a.certBackupCmd(), a.certStatusCmd(), a.certRenewCmd(), a.certRevokeCmd(), a.certCancelCmd())
	return c
}

func (a *app) certRequestCmd() *cobra.Command {
	var f citizenFlags
	var email, keyType string
	cmd := &cobra.Command{
		Use:   "request",
		Short: "Make your key on this computer and apply for a certificate",
		Example: `  llavero cert request --id X1234567L --surname Kovalenko --email olena@example.org
  llavero cert request --id 12345678Z --surname "Muñoz" --email jose@example.org --key-type rsa3072`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			lang := a.lang()
			id, err := identity.ParseID(f.id)
			if err != nil {
				return err
			}
			kt, err := keystore.ParseKeyType(keyType)
			if err != nil {
				return err
			}
			cl, err := a.client(f.server)
			if err != nil {
				return err
			}
			ks, err := f.openKeystore()
			if err != nil {
				return err
			}
			pass, err := prompt.ReadPassphrase(f.passFile, msg(lang, "Contraseña para proteger tu clave: ", "Passphrase to protect your key: "), true, os.Stdin, a.stderr)
			if err != nil {
				return err
			}
			defer clear(pass)
			key, err := keystore.Generate(kt)
			if err != nil {
				return err
			}
			csr, err := keystore.CreateCSR(key, id.Value, f.surname, email)
			if err != nil {
				return err
			}
			// The key is saved before the server hears of it: an application
			// whose key was never kept is the dead end this order prevents.
			entry, err := ks.Save(key, keystore.Entry{KeyType: kt, Server: cl.Server(), ID: id.Value, Email: email, CreatedAt: time.Now()}, pass)
			if err != nil {
				return err
			}
			res, err := cl.Apply(ctx, client.ApplyRequest{ID: id.Value, Surname: f.surname, Email: email, CSR: string(csr), Lang: string(lang)})
			if err != nil {
				_ = ks.Remove(entry.Fingerprint)
				return err
			}
			if err := ks.Update(entry.Fingerprint, func(e *keystore.Entry) { e.ApplicationExpiresAt = res.ExpiresAt }); err != nil {
				return err
			}
			if f.asJSON {
				return writeJSON(a.stdout, map[string]any{
					"code": res.Code, "expires_at": res.ExpiresAt, "application_id": res.ApplicationID, "person_id": res.PersonID,
					"key_fingerprint": entry.Fingerprint, "keystore": ks.Dir(), "offices": res.Offices, "bring": res.Bring,
				})
			}
			out := a.stdout
			fmt.Fprintln(out, msg(lang, "Solicitud registrada.", "Application registered."))
			fmt.Fprintf(out, "  %s %s\n", msg(lang, "Código de solicitud:", "Application code:"), res.Code)
			fmt.Fprintf(out, "  %s %s\n", msg(lang, "Válido hasta:", "Valid until:"), res.ExpiresAt.Local().Format("2006-01-02"))
			fmt.Fprintf(out, "  %s %s\n", msg(lang, "Tu clave está en:", "Your key is in:"), ks.Dir())
			fmt.Fprintln(out, msg(lang, "\nSiguiente paso: ve a una oficina de registro antes de esa fecha con tu documento de identidad original y el código (también te lo hemos enviado por correo).",
				"\nNext step: go to a registration office before that date with your original identity document and the code (we also emailed it to you)."))
			if res.Bring != "" {
				fmt.Fprintf(out, "  %s %s\n", msg(lang, "Lleva:", "Bring:"), res.Bring)
			}
			for _, o := range res.Offices {
				fmt.Fprintf(out, "  - %s, %s, %s %s", o.Name, o.Address, o.PostalCode, o.City)
				if o.Hours != "" {
					fmt.Fprintf(out, " (%s)", o.Hours)
				}
				fmt.Fprintln(out)
			}
			fmt.Fprintf(out, msg(lang, "\nDespués, EN ESTE ORDENADOR:\n  llavero cert download --server %s --id %s --surname %q --code %s --out certificado.p12\n",
				"\nThen, ON THIS COMPUTER:\n  llavero cert download --server %s --id %s --surname %q --code %s --out certificate.p12\n"), cl.Server(), id.Value, f.surname, res.Code)
			return nil
		},
	}
	f.addServer(cmd)
	f.addPerson(cmd, false)
	f.addKeystore(cmd)
	cmd.Flags().StringVar(&email, "email", "", "your email: the code and notices go there")
	cmd.Flags().StringVar(&keyType, "key-type", "p256", "key type: p256, rsa2048 or rsa3072")
	_ = cmd.MarkFlagRequired("email")
	return cmd
}

func msg(lang i18n.Lang, es, en string) string { return i18n.T(es, en).In(lang) }

func (a *app) certDownloadCmd() *cobra.Command {
	var f citizenFlags
	var out string
	var legacy bool
	cmd := &cobra.Command{
		Use:     "download",
		Short:   "Fetch your approved certificate and write it with its key as a backup .p12",
		Example: `  llavero cert download --id X1234567L --surname Kovalenko --code ABCD-EFGH-JKLM --out certificate.p12`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			lang := a.lang()
			id, err := identity.ParseID(f.id)
			if err != nil {
				return err
			}
			if _, err := os.Stat(out); err == nil {
				return fmt.Errorf(msg(lang, "%s ya existe: elige otro nombre con --out para no sobrescribir una copia de seguridad", "%s already exists: choose another name with --out so no backup is overwritten"), out)
			}
			cl, err := a.client(f.server)
			if err != nil {
				return err
			}
			ks, err := f.openKeystore()
			if err != nil {
				return err
			}
			entries, err := ks.Find(cl.Server(), id.Value)
			if err != nil {
				return err
			}
			if len(entries) == 0 {
				return keystore.ErrNotFound
			}
			pass, err := prompt.ReadPassphrase(f.passFile, msg(lang, "Contraseña de tu clave: ", "Your key's passphrase: "), false, os.Stdin, a.stderr)
			if err != nil {
				return err
			}
			defer clear(pass)
			// Several requests from this computer: the server says which key
			// is the application's by accepting its signature.
			var issued client.Issued
			var key crypto.Signer
			var used keystore.Entry
			for i, e := range entries {
				k, err := ks.Load(e.Fingerprint, pass)
				if err != nil {
					return err
				}
				ch, sig, err := signedChallenge(ctx, cl, k, keystore.SignChallenge)
				if err != nil {
					return err
				}
				issued, err = cl.Download(ctx, client.DownloadRequest{ID: id.Value, Surname: f.surname, Code: f.code, Challenge: ch, Signature: sig})
				if client.IsCode(err, "download.key_mismatch") && i < len(entries)-1 {
					continue
				}
				if err != nil {
					return err
				}
				key, used = k, e
				break
			}
			abs, leaf, err := a.writeBackup(key, issued, out, f.p12PassFile,
				msg(lang, "Contraseña para la copia de seguridad (.p12): ", "Passphrase for the backup (.p12): "), legacy)
			if err != nil {
				return err
			}
			_ = ks.Update(used.Fingerprint, func(e *keystore.Entry) { e.CertificateSerial = issued.Serial })
			if f.asJSON {
				return writeJSON(a.stdout, map[string]any{"p12": abs, "serial": issued.Serial, "not_after": issued.NotAfter, "subject": leaf.Subject.CommonName, "legacy": legacy})
			}
			fmt.Fprintf(a.stdout, msg(lang, "Certificado guardado en %s\n  %s\n  válido hasta %s\n\n", "Certificate saved in %s\n  %s\n  valid until %s\n\n"),
				abs, leaf.Subject.CommonName, leaf.NotAfter.Local().Format("2006-01-02"))
			fmt.Fprintln(a.stdout, keystore.ImportHelp(lang, abs))
			fmt.Fprintln(a.stdout, backupStep(lang, f.server, abs))
			return nil
		},
	}
	f.addServer(cmd)
	f.addPerson(cmd, true)
	f.addKeystore(cmd)
	cmd.Flags().StringVar(&out, "out", "", "where to write the .p12 backup")
	cmd.Flags().StringVar(&f.p12PassFile, "p12-passphrase-file", "", "file holding the passphrase for the .p12 (default: ask on the terminal)")
	cmd.Flags().BoolVar(&legacy, "legacy-p12", false, "use old encryption (3DES) for importers that cannot read AES; weaker")
	_ = cmd.MarkFlagRequired("out")
	return cmd
}

// backupStep is the last thing download and renew print: keep a copy
// elsewhere, and confirm it so the platform stops reminding. The commands
// it shows name server (config.ServerFlag), so that they work as copied.
func backupStep(lang i18n.Lang, server, p12 string) string {
	sf := config.ServerFlag(server)
	return fmt.Sprintf(msg(lang,
		"Último paso: guarda una copia de %s fuera de este ordenador (una memoria USB, un disco externo) y su contraseña aparte. "+
			"Si pierdes el ordenador sin copia, tendrás que pedir un certificado nuevo y volver a una oficina.\n"+
			"Cuando la tengas, compruébala:\n  llavero cert backup%s --p12 %s --copy-to /ruta/de/la/memoria-usb\n"+
			"(o, si ya la copiaste: llavero cert backup%s --p12 /ruta/de/la/copia.p12). Si no la confirmas, te lo recordaremos por correo.",
		"Last step: keep a copy of %s away from this computer (a USB stick, an external disk) and its passphrase apart from it. "+
			"If you lose the computer without a copy, you will have to apply for a new certificate and visit an office again.\n"+
			"When you have it, check it:\n  llavero cert backup%s --p12 %s --copy-to /path/to/the/usb-stick\n"+
			"(or, if you already copied it: llavero cert backup%s --p12 /path/to/the/copy.p12). If you do not confirm it, we will remind you by email."),
		p12, sf, p12, sf)
}

func (a *app) certBackupCmd() *cobra.Command {
	var f citizenFlags
	var p12, copyTo string
	cmd := &cobra.Command{
		Use:   "backup",
		Short: "Check a copy of your .p12 kept elsewhere and tell the platform you have a backup",
		Long: `Check a backup of your certificate and record it on the platform.

The copy is read back and opened with its passphrase, and its key signs a
fresh challenge from the server: the platform learns only that a working
copy of this certificate's key exists, never the key. Until you confirm
one, the platform reminds you by email a few days after the download.

With --copy-to, the .p12 is first copied into that folder (a USB stick, an
external disk) and the copy is what gets checked.`,
		Example: `  llavero cert backup --p12 certificate.p12 --copy-to /media/usb
  llavero cert backup --p12 /media/usb/certificate.p12`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			lang := a.lang()
			path := p12
			if copyTo != "" {
				dst, err := copyP12(lang, p12, copyTo)
				if err != nil {
					return err
				}
				path = dst
			}
			cl, err := a.client(f.server)
			if err != nil {
				return err
			}
			tc, leaf, err := a.loadP12(path, f.p12PassFile)
			if err != nil {
				return err
			}
			signer, ok := tc.PrivateKey.(crypto.Signer)
			if !ok {
				return errors.New(msg(lang, "la clave del .p12 no puede firmar", "the .p12's key cannot sign"))
			}
			ch, sig, err := signedChallenge(ctx, cl, signer, keystore.SignBackupChallenge)
			if err != nil {
				return err
			}
			b, err := cl.ConfirmBackup(ctx, client.BackupRequest{Serial: leaf.SerialNumber.Text(16), Challenge: ch, Signature: sig})
			if err != nil {
				return err
			}
			abs, _ := filepath.Abs(path)
			if f.asJSON {
				return writeJSON(a.stdout, map[string]any{"p12": abs, "serial": b.Serial, "backup_confirmed_at": b.BackupConfirmedAt})
			}
			fmt.Fprintf(a.stdout, msg(lang,
				"Copia comprobada: %s se abre con su contraseña y contiene la clave de tu certificado (número de serie %s).\n"+
					"Queda anotado: no te enviaremos más avisos de copia de seguridad para este certificado.\n"+
					"Guarda la contraseña aparte de la copia; quien tenga las dos puede firmar en tu nombre.\n",
				"Copy checked: %s opens with its passphrase and holds your certificate's key (serial number %s).\n"+
					"Recorded: we will send no more backup reminders for this certificate.\n"+
					"Keep the passphrase apart from the copy; whoever has both can sign in your name.\n"),
				abs, b.Serial)
			return nil
		},
	}
	f.addServer(cmd)
	cmd.Flags().StringVar(&p12, "p12", "", "the .p12 to check (with --copy-to: the one to copy)")
	cmd.Flags().StringVar(&copyTo, "copy-to", "", "folder to copy the .p12 into first (a USB stick, an external disk)")
	cmd.Flags().StringVar(&f.p12PassFile, "p12-passphrase-file", "", "file holding the .p12's passphrase (default: ask on the terminal)")
	_ = cmd.MarkFlagRequired("p12")
	return cmd
}

// copyP12 copies src into the folder dir, never over an existing file, and
// flushes it to the device (a USB stick pulled out at once keeps it).
func copyP12(lang i18n.Lang, src, dir string) (string, error) {
	data, err := os.ReadFile(src)
	if err != nil {
		return "", err
	}
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return "", fmt.Errorf(msg(lang, "%s no es una carpeta: indica con --copy-to la carpeta de la memoria USB o del disco", "%s is not a folder: give --copy-to the folder of the USB stick or disk"), dir)
	}
	dst := filepath.Join(dir, filepath.Base(src))
	if same, _ := filepath.Abs(dst); same == mustAbs(src) {
		return "", errors.New(msg(lang, "la copia debe ir a otra carpeta, fuera de este ordenador", "the copy must go to another folder, away from this computer"))
	}
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		if errors.Is(err, os.ErrExist) {
			return "", fmt.Errorf(msg(lang, "%s ya existe: compruébalo con «llavero cert backup --p12 %s»", "%s already exists: check it with \"llavero cert backup --p12 %s\""), dst, dst)
		}
		return "", err
	}
	if _, err := out.Write(data); err != nil {
		out.Close()
		return "", err
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return "", err
	}
	return dst, out.Close()
}

func mustAbs(p string) string {
	a, _ := filepath.Abs(p)
	return a
}

// signedChallenge fetches a fresh challenge from the server and signs it
// with key as sign does (a download's proof or a backup's: each under its
// own prefix, so one cannot stand for the other).
func signedChallenge(ctx context.Context, cl *client.Client, key crypto.Signer, sign func(crypto.Signer, []byte) ([]byte, error)) (challenge string, sig []byte, err error) {
	ch, err := cl.Challenge(ctx)
	if err != nil {
		return "", nil, err
	}
	raw, err := decodeChallenge(ch)
	if err != nil {
		return "", nil, err
	}
	sig, err = sign(key, raw)
	if err != nil {
		return "", nil, err
	}
	return ch, sig, nil
}

func decodeChallenge(ch string) ([]byte, error) {
	raw, err := base64URL(ch)
	if err != nil {
		return nil, errors.New("the server sent a malformed challenge: try again or update llavero")
	}
	return raw, nil
}

// loadP12 reads a .p12 and returns it as a TLS client certificate.
func (a *app) loadP12(path, passFile string) (tls.Certificate, *x509.Certificate, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	pass, err := prompt.ReadPassphrase(passFile, msg(a.lang(), "Contraseña del fichero .p12: ", "Passphrase of the .p12 file: "), false, os.Stdin, a.stderr)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	defer clear(pass)
	key, leaf, chain, err := keystore.ReadP12(data, pass)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	tc := tls.Certificate{Certificate: [][]byte{leaf.Raw}, PrivateKey: key, Leaf: leaf}
	for _, c := range chain {
		tc.Certificate = append(tc.Certificate, c.Raw)
	}
	return tc, leaf, nil
}

func (a *app) certStatusCmd() *cobra.Command {
	var f citizenFlags
	var p12 string
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show where your application or certificate stands and what to do next",
		Example: `  llavero cert status --id X1234567L --surname Kovalenko --code ABCD-EFGH-JKLM
  llavero cert status --p12 certificate.p12`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			lang := a.lang()
			cl, err := a.client(f.server)
			if err != nil {
				return err
			}
			if p12 != "" {
				tc, _, err := a.loadP12(p12, f.p12PassFile)
				if err != nil {
					return err
				}
				cc, err := cl.WithCertificate(ctx, tc)
				if err != nil {
					return err
				}
				me, err := cc.Me(ctx)
				if err != nil {
					return err
				}
				if f.asJSON {
					return writeJSON(a.stdout, me)
				}
				printCertInfo(a, lang, me)
				return nil
			}
			if f.id == "" || f.code == "" || f.surname == "" {
				return errors.New(msg(lang, "indica --id, --surname y --code de tu solicitud, o --p12 con tu certificado", "give --id, --surname and --code of your application, or --p12 with your certificate"))
			}
			st, err := cl.Status(ctx, client.CodeRequest{ID: f.id, Surname: f.surname, Code: f.code})
			if err != nil {
				return err
			}
			if f.asJSON {
				return writeJSON(a.stdout, st)
			}
			state := st.State
			if st.Expired {
				state = "expired"
			}
			fmt.Fprintf(a.stdout, "%s %s\n", msg(lang, "Estado de la solicitud:", "Application state:"), state)
			fmt.Fprintf(a.stdout, "%s %s\n", msg(lang, "Código válido hasta:", "Code valid until:"), st.ExpiresAt.Local().Format("2006-01-02"))
			if st.Certificate != nil {
				printCertInfo(a, lang, *st.Certificate)
			}
			if st.Next != "" {
				fmt.Fprintf(a.stdout, "%s %s\n", msg(lang, "Siguiente paso:", "Next step:"), st.Next)
			}
			return nil
		},
	}
	f.addServer(cmd)
	cmd.Flags().StringVar(&f.id, "id", "", "your DNI or NIE")
	cmd.Flags().StringVar(&f.surname, "surname", "", "your first surname")
	cmd.Flags().StringVar(&f.code, "code", "", "the application code")
	cmd.Flags().StringVar(&p12, "p12", "", "your certificate (.p12) instead of an application code")
	cmd.Flags().StringVar(&f.p12PassFile, "p12-passphrase-file", "", "file holding the .p12 passphrase")
	return cmd
}

func printCertInfo(a *app, lang i18n.Lang, c client.CertInfo) {
	fmt.Fprintf(a.stdout, "%s %s\n", msg(lang, "Certificado:", "Certificate:"), c.Serial)
	fmt.Fprintf(a.stdout, "  %s %s\n", msg(lang, "válido hasta:", "valid until:"), c.NotAfter.Local().Format("2006-01-02"))
	switch {
	case c.RevokedAt != nil:
		fmt.Fprintf(a.stdout, "  %s %s\n", msg(lang, "REVOCADO el", "REVOKED on"), c.RevokedAt.Local().Format("2006-01-02"))
	case c.RenewedBy != "":
		fmt.Fprintf(a.stdout, "  %s %s\n", msg(lang, "renovado; el nuevo es", "renewed; the new one is"), c.RenewedBy)
	case time.Now().After(c.RenewalOpens):
		fmt.Fprintln(a.stdout, "  "+msg(lang, "la renovación en línea está abierta: llavero cert renew", "online renewal is open: llavero cert renew"))
	default:
		fmt.Fprintf(a.stdout, "  %s %s\n", msg(lang, "renovación en línea desde", "online renewal from"), c.RenewalOpens.Local().Format("2006-01-02"))
	}
}

func (a *app) certRenewCmd() *cobra.Command {
	var f citizenFlags
	var p12, out, keyType string
	cmd := &cobra.Command{
		Use:     "renew",
		Short:   "Renew your certificate online, within the 60 days before it expires",
		Example: `  llavero cert renew --p12 certificate.p12 --out certificate-2030.p12`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			lang := a.lang()
			if _, err := os.Stat(out); err == nil {
				return fmt.Errorf(msg(lang, "%s ya existe: elige otro nombre con --out", "%s already exists: choose another name with --out"), out)
			}
			kt, err := keystore.ParseKeyType(keyType)
			if err != nil {
				return err
			}
			cl, err := a.client(f.server)
			if err != nil {
				return err
			}
			tc, old, err := a.loadP12(p12, f.p12PassFile)
			if err != nil {
				return err
			}
			cc, err := cl.WithCertificate(ctx, tc)
			if err != nil {
				return err
			}
			key, err := keystore.Generate(kt)
			if err != nil {
				return err
			}
			csr, err := keystore.CreateCSR(key, strings.TrimPrefix(old.Subject.SerialNumber, "IDCES-"), certSurname(old), firstEmail(old))
			if err != nil {
				return err
			}
			issued, err := cc.Renew(ctx, string(csr))
			if err != nil {
				return err
			}
			abs, leaf, err := a.writeBackup(key, issued, out, f.passFile,
				msg(lang, "Contraseña para el nuevo .p12: ", "Passphrase for the new .p12: "), false)
			if err != nil {
				return err
			}
			if f.asJSON {
				return writeJSON(a.stdout, map[string]any{"p12": abs, "serial": issued.Serial, "not_after": issued.NotAfter})
			}
			fmt.Fprintf(a.stdout, msg(lang, "Certificado renovado, válido hasta %s, guardado en %s\n\n", "Certificate renewed, valid until %s, saved in %s\n\n"), leaf.NotAfter.Local().Format("2006-01-02"), abs)
			fmt.Fprintln(a.stdout, keystore.ImportHelp(lang, abs))
			fmt.Fprintln(a.stdout, backupStep(lang, f.server, abs))
			return nil
		},
	}
	f.addServer(cmd)
	cmd.Flags().StringVar(&p12, "p12", "", "your current certificate (.p12)")
	cmd.Flags().StringVar(&out, "out", "", "where to write the renewed certificate (.p12)")
	cmd.Flags().StringVar(&keyType, "key-type", "p256", "key type of the new key: p256, rsa2048 or rsa3072")
	cmd.Flags().StringVar(&f.p12PassFile, "p12-passphrase-file", "", "file holding the current .p12's passphrase")
	cmd.Flags().StringVar(&f.passFile, "new-p12-passphrase-file", "", "file holding the passphrase for the new .p12")
	_ = cmd.MarkFlagRequired("p12")
	_ = cmd.MarkFlagRequired("out")
	return cmd
}

// certSurname returns the surname attribute of a certificate's subject.
func certSurname(c *x509.Certificate) string {
	for _, n := range c.Subject.Names {
		if n.Type.Equal(asn1.ObjectIdentifier{2, 5, 4, 4}) {
			if v, ok := n.Value.(string); ok {
				return v
			}
		}
	}
	return ""
}

func firstEmail(c *x509.Certificate) string {
	if len(c.EmailAddresses) > 0 {
		return c.EmailAddresses[0]
	}
	return ""
}

func (a *app) certRevokeCmd() *cobra.Command {
	var f citizenFlags
	var p12, reason string
	cmd := &cobra.Command{
		Use:     "revoke",
		Short:   "Revoke your certificate (lost, stolen, or no longer needed)",
		Example: `  llavero cert revoke --p12 certificate.p12 --reason keyCompromise`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			lang := a.lang()
			cl, err := a.client(f.server)
			if err != nil {
				return err
			}
			tc, _, err := a.loadP12(p12, f.p12PassFile)
			if err != nil {
				return err
			}
			cc, err := cl.WithCertificate(ctx, tc)
			if err != nil {
				return err
			}
			res, err := cc.Revoke(ctx, reason)
			if err != nil {
				return err
			}
			if f.asJSON {
				return writeJSON(a.stdout, res)
			}
			fmt.Fprintf(a.stdout, msg(lang, "Certificado %s revocado. Ya no sirve para identificarte ni firmar. Para tener otro: llavero cert request\n",
				"Certificate %s revoked. It no longer works for signing in or signing. To get another: llavero cert request\n"), res.Serial)
			return nil
		},
	}
	f.addServer(cmd)
	cmd.Flags().StringVar(&p12, "p12", "", "the certificate to revoke (.p12)")
	cmd.Flags().StringVar(&reason, "reason", "unspecified", "keyCompromise, superseded, cessationOfOperation, affiliationChanged or unspecified")
	cmd.Flags().StringVar(&f.p12PassFile, "p12-passphrase-file", "", "file holding the .p12 passphrase")
	_ = cmd.MarkFlagRequired("p12")
	return cmd
}

func (a *app) certCancelCmd() *cobra.Command {
	var f citizenFlags
	cmd := &cobra.Command{
		Use:   "cancel",
		Short: "Cancel an application (for example, when its key was lost)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cl, err := a.client(f.server)
			if err != nil {
				return err
			}
			if err := cl.Cancel(cmd.Context(), client.CodeRequest{ID: f.id, Surname: f.surname, Code: f.code}); err != nil {
				return err
			}
			if f.asJSON {
				return writeJSON(a.stdout, map[string]any{"cancelled": true})
			}
			fmt.Fprintln(a.stdout, msg(a.lang(), "Solicitud cancelada. Para empezar de nuevo: llavero cert request", "Application cancelled. To start again: llavero cert request"))
			return nil
		},
	}
	f.addServer(cmd)
	f.addPerson(cmd, true)
	return cmd
}

func base64URL(s string) ([]byte, error) { return base64.RawURLEncoding.DecodeString(s) }

// writeBackup writes a certificate with its key and chain as a
// passphrase-protected PKCS#12 file (0600) and returns its absolute path:
// the backup that download and renew both end with.
func (a *app) writeBackup(key crypto.Signer, issued client.Issued, out, passFile, ask string, legacy bool) (string, *x509.Certificate, error) {
	leaf, chain, err := issued.Parse()
	if err != nil {
		return "", nil, err
	}
	pass, err := prompt.ReadPassphrase(passFile, ask, true, os.Stdin, a.stderr)
	if err != nil {
		return "", nil, err
	}
	defer clear(pass)
	data, err := keystore.WriteP12(key, leaf, chain, pass, legacy)
	if err != nil {
		return "", nil, err
	}
	if err := os.WriteFile(out, data, 0o600); err != nil {
		return "", nil, err
	}
	abs, _ := filepath.Abs(out)
	return abs, leaf, nil
}
