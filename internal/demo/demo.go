// Package demo is the first run, "llavero serve --demo": on an empty data
// directory it fills an installation with everything a newcomer needs to
// walk a person from nothing to a signed form, and on a second start it
// finds all of it again instead of making it twice.
//
// What it makes: a sample registry of fictional people (people.go), two
// registration offices with one operator each, whose operator
// certificates are written as .p12 files under DATA/demo with one printed
// passphrase, and the sample electronic offices of sampleoffice's
// catalogue registered as OpenID clients. Every change goes through the
// services that audit it (RA for offices and operators) or is audited here
// (registry import, clients).
package demo

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/llavero/llavero/internal/audit"
	"github.com/llavero/llavero/internal/keystore"
	"github.com/llavero/llavero/internal/oidc"
	"github.com/llavero/llavero/internal/ra"
	"github.com/llavero/llavero/internal/registry"
	"github.com/llavero/llavero/internal/sampleoffice"
	"github.com/llavero/llavero/internal/store"
)

// Actor is who the audit log says made the demo's changes.
const Actor = "system:demo"

// Deps are the parts of a wired platform the demo writes through.
type Deps struct {
	Store store.Store
	RA    *ra.RA
	// Issuer issues the operators' certificates; Chain goes into their
	// .p12 files.
	Issuer ra.OperatorIssuer
	Chain  []*x509.Certificate
}

// OfficePlan is a registration office the demo keeps, with its operator.
type OfficePlan struct {
	Slug     string // names the operator's file: operator-SLUG.p12
	Office   store.Office
	Operator string // the operator's name
}

// Offices are the two registration offices: one for certificates and
// accounts (and video reviews), one for certificates only, so that "this
// office does not handle that check" can be met too.
var Offices = []OfficePlan{
	{Slug: "centro", Operator: "Ana Demo García", Office: store.Office{Name: "Oficina de demostración Centro",
		Address: "Plaza Mayor 1", PostalCode: "28012", City: "Madrid", Province: "Madrid", Hours: "L-V 9:00-14:00",
		Handles: []string{"certificate", "account", "video-review"}}},
	{Slug: "triana", Operator: "Rafael Demo Ortiz", Office: store.Office{Name: "Oficina de demostración Triana",
		Address: "Calle Betis 10", PostalCode: "41010", City: "Sevilla", Province: "Sevilla", Hours: "L-J 9:00-17:00, V 9:00-14:00",
		Handles: []string{"certificate"}}},
}

// Office is a registration office as the demo left it.
type Office struct {
	Plan     OfficePlan
	Office   store.Office
	Operator store.Operator
	P12      string // the operator's .p12 file
}

// Client is a sample electronic office registered with llavero.
type Client struct {
	Kind   sampleoffice.Kind
	ID     string
	Secret string // this run's secret (rotated on every start, never written)
	URL    string // where browsers reach the office
}

// Setup is what the demo made or found.
type Setup struct {
	Dir        string // DATA/demo
	Passphrase string // of every operator .p12
	Offices    []Office
	Clients    []Client
	// Imported says whether this start (re)wrote the sample registry;
	// false when every sample person was already there as written.
	Imported bool
}

// Prepare makes or finds everything in the data directory dataDir, with
// the sample offices reached at officeURLs (one per office of the
// sampleoffice catalogue, in its order).
func Prepare(ctx context.Context, d Deps, dataDir string, officeURLs []string) (*Setup, error) {
	if len(officeURLs) != len(sampleoffice.Catalogue) {
		return nil, fmt.Errorf("demo: %d sample office addresses for %d offices (%s)", len(officeURLs), len(sampleoffice.Catalogue),
			strings.Join(sampleoffice.IDs(), ", "))
	}
	s := &Setup{Dir: filepath.Join(dataDir, "demo")}
	if err := os.MkdirAll(s.Dir, 0o700); err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	var err error
	if s.Imported, err = importPeople(ctx, d.Store); err != nil {
		return nil, err
	}
	if s.Passphrase, err = passphrase(filepath.Join(s.Dir, "operator-passphrase")); err != nil {
		return nil, err
	}
	for _, plan := range Offices {
		o, err := ensureOffice(ctx, d, plan, s.Dir, s.Passphrase)
		if err != nil {
			return nil, err
		}
		s.Offices = append(s.Offices, o)
	}
	for i, k := range sampleoffice.Catalogue {
		c, err := ensureClient(ctx, d.Store, k, strings.TrimRight(officeURLs[i], "/"))
		if err != nil {
			return nil, err
		}
		s.Clients = append(s.Clients, c)
	}
	return s, nil
}

// importPeople imports the sample registry unless every person in it is
// already there as written, so a second start adds no audit event and
// touches no row. An earlier demo's registry is brought up to date.
func importPeople(ctx context.Context, st store.Store) (bool, error) {
	now := time.Now()
	current := true
	for _, p := range People {
		want, rerr := registry.ParseRow(p.Row, now)
		if rerr != nil {
			return false, fmt.Errorf("demo: sample person %s: %v", p.ID(), rerr)
		}
		got, err := st.GetPerson(ctx, want.ID)
		if errors.Is(err, store.ErrNotFound) {
			current = false
			break
		}
		if err != nil {
			return false, fmt.Errorf("demo: %w", err)
		}
		got.UpdatedAt = want.UpdatedAt
		if got != want {
			current = false
			break
		}
	}
	if current {
		return false, nil
	}
	rep, err := registry.Import(ctx, st, strings.NewReader(CSV()), registry.ImportOptions{Now: now})
	if err != nil {
		return false, fmt.Errorf("demo: importing the sample registry: %w", err)
	}
	if _, err := audit.New(nil, nil).Record(ctx, st, audit.Event{Actor: Actor, Action: "registry.import", Subject: "demo",
		Outcome: audit.OK, Detail: map[string]any{"rows": rep.Rows, "created": rep.Created, "updated": rep.Updated}}); err != nil {
		return false, fmt.Errorf("demo: the sample registry is imported, but its audit event could not be written: %w", err)
	}
	return true, nil
}

// passphrase reads the operators' passphrase from path, or makes one and
// keeps it there (readable by the owner only) for the next start.
func passphrase(path string) (string, error) {
	if b, err := os.ReadFile(path); err == nil {
		if p := strings.TrimSpace(string(b)); p != "" {
			return p, nil
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return "", fmt.Errorf("demo: %w", err)
	}
	// Four groups of four letters and digits without look-alikes, easy to
	// type into a browser's certificate import: about 80 bits.
	const alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
	var raw [16]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return "", err
	}
	var b strings.Builder
	for i, c := range raw {
		if i > 0 && i%4 == 0 {
			b.WriteByte('-')
		}
		b.WriteByte(alphabet[int(c)%len(alphabet)])
	}
	if err := os.WriteFile(path, []byte(b.String()+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("demo: %w", err)
	}
	return b.String(), nil
}

// ensureOffice finds the office by name (or adds it), and its operator
// with a .p12 that opens with the passphrase and holds the operator's
// current certificate. An operator whose file is gone or no longer
// matches is disabled and their certificate revoked (the key went with
// the file), and a new operator is made.
func ensureOffice(ctx context.Context, d Deps, plan OfficePlan, dir, pass string) (Office, error) {
	out := Office{Plan: plan, P12: filepath.Join(dir, "operator-"+plan.Slug+".p12")}
	offices, err := d.Store.ListOffices(ctx)
	if err != nil {
		return out, fmt.Errorf("demo: %w", err)
	}
	i := slices.IndexFunc(offices, func(o store.Office) bool { return o.Name == plan.Office.Name })
	if i >= 0 {
		out.Office = offices[i]
	} else if out.Office, err = d.RA.AddOffice(ctx, plan.Office, Actor); err != nil {
		return out, fmt.Errorf("demo: office %s: %w", plan.Office.Name, err)
	}
	ops, err := d.Store.ListOperators(ctx, out.Office.ID)
	if err != nil {
		return out, fmt.Errorf("demo: %w", err)
	}
	serial := p12Serial(out.P12, pass)
	for _, op := range ops {
		if op.Name != plan.Operator || op.Disabled {
			continue
		}
		if serial != "" && op.CertSerial == serial {
			out.Operator = op
			return out, nil
		}
		if err := retire(ctx, d, op); err != nil {
			return out, err
		}
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return out, err
	}
	op, cert, err := d.RA.AddOperator(ctx, d.Issuer, out.Office.ID, plan.Operator, key.Public(), Actor)
	if err != nil {
		return out, fmt.Errorf("demo: operator %s: %w", plan.Operator, err)
	}
	data, err := keystore.WriteP12(key, cert, d.Chain, []byte(pass), false)
	if err != nil {
		return out, err
	}
	if err := os.WriteFile(out.P12, data, 0o600); err != nil {
		return out, fmt.Errorf("demo: %w", err)
	}
	out.Operator = op
	return out, nil
}

// p12Serial is the serial of the certificate in the .p12 at path, or ""
// when there is no such file or it does not open with pass.
func p12Serial(path, pass string) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	_, cert, _, err := keystore.ReadP12(data, []byte(pass))
	if err != nil || cert == nil {
		return ""
	}
	return ra.SerialHex(cert.SerialNumber)
}

// retire disables an operator whose .p12 is lost and revokes their
// certificate: nobody can use it any more, and nobody should.
func retire(ctx context.Context, d Deps, op store.Operator) error {
	if _, err := d.Store.UpdateOperator(ctx, op.ID, func(o *store.Operator) error {
		o.Disabled = true
		return nil
	}); err != nil {
		return fmt.Errorf("demo: disabling operator %s: %w", op.ID, err)
	}
	if op.CertSerial != "" {
		if _, err := d.RA.Revoke(ctx, op.CertSerial, revokeSuperseded, Actor); err != nil && !errors.Is(err, ra.ErrCertUnknown) {
			return fmt.Errorf("demo: revoking operator %s's certificate: %w", op.ID, err)
		}
	}
	return nil
}

// revokeSuperseded is RFC 5280's reason "superseded".
const revokeSuperseded = 4

// ensureClient registers the sample office k as a client, or finds it by
// name, and sets what this start needs: its redirect URIs at url, its
// procedures and a new secret (the store keeps only secrets' hashes, so a
// restarted demo cannot learn the old one; rotating it is what an
// administrator would do).
func ensureClient(ctx context.Context, st store.Store, k sampleoffice.Kind, url string) (Client, error) {
	out := Client{Kind: k, URL: url}
	secret, hash := oidc.NewSecret()
	out.Secret = secret
	want := store.Client{Name: k.Name.ES, SecretHash: hash, RedirectURIs: sampleoffice.RedirectURIs(url), MinACR: k.MinACR(),
		Methods: []string{}, Procedures: []store.Procedure{}}
	for _, p := range k.Procedures {
		want.Procedures = append(want.Procedures, store.Procedure{ID: p.ID, Name: p.Name.ES, NameEN: p.Name.EN, ACR: p.ACR, SignatureKind: p.Signature}.Normalized())
	}
	clients, err := st.ListClients(ctx)
	if err != nil {
		return out, fmt.Errorf("demo: %w", err)
	}
	log := audit.New(nil, nil)
	i := slices.IndexFunc(clients, func(c store.Client) bool { return c.Name == want.Name })
	err = st.InTx(ctx, func(tx store.Tx) error {
		action := "client.update"
		if i >= 0 {
			want.ID = clients[i].ID
			if _, err := tx.UpdateClient(ctx, want.ID, func(c *store.Client) error {
				c.SecretHash, c.RedirectURIs, c.MinACR, c.Procedures = want.SecretHash, want.RedirectURIs, want.MinACR, want.Procedures
				return nil
			}); err != nil {
				return err
			}
		} else {
			action = "client.add"
			var idb [12]byte
			if _, err := rand.Read(idb[:]); err != nil {
				return err
			}
			want.ID = fmt.Sprintf("%x", idb)
			want.CreatedAt = time.Now().UTC().Truncate(time.Microsecond)
			if err := tx.CreateClient(ctx, want); err != nil {
				return err
			}
		}
		_, err := log.Record(ctx, tx, audit.Event{Actor: Actor, Action: action, Subject: want.ID, Outcome: audit.OK,
			Detail: map[string]any{"name": want.Name, "redirect_uris": want.RedirectURIs}})
		return err
	})
	if err != nil {
		return out, fmt.Errorf("demo: registering %s: %w", k.Name.ES, err)
	}
	out.ID = want.ID
	return out, nil
}
