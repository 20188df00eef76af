package remotesign

import (
	"bytes"
	"context"
	"crypto"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"strings"
	"time"

	"golang.org/x/crypto/ocsp"

	"github.com/llavero/llavero/internal/audit"
	"github.com/llavero/llavero/internal/ca"
	"github.com/llavero/llavero/internal/signing"
	"github.com/llavero/llavero/internal/store"
)

// The keys llavero holds for people. A person's key is made on their first
// remote signature, in the platform's key store (the CA's: encrypted files
// in development, a PKCS#11 token in production) under a random label, and
// certified by the CA for remote signing. It is used as long as its record
// is not revoked, its certificate still has RenewBefore to run, and the
// certificate names the person as the registry does today; otherwise a
// new key and certificate replace it (the old record revoked in the same
// transaction).

// credential returns the person's remote-signing credential, making it
// when there is none fit to use.
func (s *Service) credential(ctx context.Context, personID string) (signing.Credential, error) {
	person, err := s.st.GetPerson(ctx, personID)
	if err != nil {
		return signing.Credential{}, fmt.Errorf("remote signing key of %s: %w", personID, err)
	}
	want := ca.Person{ID: person.ID, GivenName: person.GivenName, FirstSurname: person.FirstSurname, SecondSurname: person.SecondSurname}
	old, err := s.st.ActiveRemoteSigningKey(ctx, personID)
	reason := "first"
	switch {
	case errors.Is(err, store.ErrNotFound):
	case err != nil:
		return signing.Credential{}, err
	default:
		cred, why, err := s.load(ctx, old, want)
		if err != nil {
			return signing.Credential{}, err
		}
		if why == "" {
			return cred, nil
		}
		reason = why
	}
	return s.newKey(ctx, want, old, reason)
}

// load returns the credential of a key on record, or why it must be
// replaced.
func (s *Service) load(ctx context.Context, k store.RemoteSigningKey, want ca.Person) (signing.Credential, string, error) {
	cert, err := x509.ParseCertificate(k.CertDER)
	if err != nil {
		return signing.Credential{}, "", fmt.Errorf("remote signing key %s: certificate: %w", k.Label, err)
	}
	switch {
	case !names(cert, want):
		return signing.Credential{}, "registry_changed", nil
	case !s.clock().Add(s.cfg.RenewBefore).Before(cert.NotAfter):
		return signing.Credential{}, "expiring", nil
	}
	key, err := s.keys.Load(ctx, k.Label)
	if errors.Is(err, ca.ErrKeyNotFound) {
		// The token lost it (restored from an older backup): a new one.
		return signing.Credential{}, "key_missing", nil
	}
	if err != nil {
		return signing.Credential{}, "", fmt.Errorf("remote signing key %s: %w", k.Label, err)
	}
	if pk, ok := key.Public().(interface{ Equal(crypto.PublicKey) bool }); !ok || !pk.Equal(cert.PublicKey) {
		return signing.Credential{}, "", fmt.Errorf("remote signing key %s: the key store holds another key under this label", k.Label)
	}
	return signing.Credential{Signer: key, Certificate: cert, Chain: s.ca.Chain()}, "", nil
}

var (
	oidGivenName    = asn1.ObjectIdentifier{2, 5, 4, 42}
	oidSurname      = asn1.ObjectIdentifier{2, 5, 4, 4}
	oidSerialNumber = asn1.ObjectIdentifier{2, 5, 4, 5}
)

// names reports whether cert's subject names p as IssueRemoteSigning
// would today.
func names(cert *x509.Certificate, p ca.Person) bool {
	surnames := strings.TrimSpace(p.FirstSurname + " " + p.SecondSurname)
	found := 0
	for _, n := range cert.Subject.Names {
		v, _ := n.Value.(string)
		switch {
		case n.Type.Equal(oidGivenName):
			if v != p.GivenName {
				return false
			}
			found++
		case n.Type.Equal(oidSurname):
			if v != surnames {
				return false
			}
			found++
		case n.Type.Equal(oidSerialNumber):
			if v != "IDCES-"+p.ID {
				return false
			}
			found++
		}
	}
	return found == 3
}

// newKey makes and certifies a new key for p, replacing old (when its
// Label is set), and records both in one transaction with the audit
// event. Of two first signatures at once, the second finds the first's
// key (the store allows one key in use per person) and uses that.
func (s *Service) newKey(ctx context.Context, p ca.Person, old store.RemoteSigningKey, reason string) (signing.Credential, error) {
	rid, err := s.randomID()
	if err != nil {
		return signing.Credential{}, err
	}
	label := "remote-" + rid
	key, err := s.keys.Generate(ctx, label, s.cfg.KeyAlg)
	if err != nil {
		return signing.Credential{}, fmt.Errorf("remote signing key for %s: %w", p.ID, err)
	}
	now := s.clock()
	cert, err := s.ca.IssueRemoteSigning(ctx, key.Public(), p, now)
	if err != nil {
		return signing.Credential{}, fmt.Errorf("remote signing certificate for %s: %w", p.ID, err)
	}
	// The certificate's status, as llavero's OCSP responder will serve it
	// (the RA re-signs it on its own schedule from then on).
	good, err := s.ca.SignOCSP(cert.SerialNumber, ocsp.Good, time.Time{}, 0, now, now.Add(time.Hour))
	if err != nil {
		return signing.Credential{}, err
	}
	var oldCert *x509.Certificate
	var revoked []byte
	if old.Label != "" {
		if oldCert, err = x509.ParseCertificate(old.CertDER); err != nil {
			return signing.Credential{}, fmt.Errorf("remote signing key %s: certificate: %w", old.Label, err)
		}
		if revoked, err = s.ca.SignOCSP(oldCert.SerialNumber, ocsp.Revoked, now, ocsp.Superseded, now, now.Add(time.Hour)); err != nil {
			return signing.Credential{}, err
		}
	}
	conflict := false
	err = s.st.InTx(ctx, func(tx store.Tx) error {
		if old.Label != "" {
			if err := tx.RevokeRemoteSigningKey(ctx, old.Label, now); err != nil {
				return err
			}
			if err := s.revokeCertificate(ctx, tx, oldCert, revoked, now); err != nil {
				return err
			}
		}
		err := tx.CreateRemoteSigningKey(ctx, store.RemoteSigningKey{Label: label, PersonID: p.ID, CertDER: cert.Raw, CreatedAt: now})
		if errors.Is(err, store.ErrConflict) {
			conflict = true
			return err
		}
		if err != nil {
			return err
		}
		serial := cert.SerialNumber.Text(16)
		if err := tx.CreateCertificate(ctx, store.Certificate{Serial: serial, Kind: store.CertRemoteSigning, PersonID: p.ID, DER: cert.Raw,
			NotBefore: cert.NotBefore, NotAfter: cert.NotAfter, CreatedAt: now}); err != nil {
			return err
		}
		if err := tx.PutOCSP(ctx, store.OCSPEntry{Serial: serial, DER: good, ThisUpdate: now, NextUpdate: now.Add(time.Hour)}); err != nil {
			return err
		}
		return s.record(ctx, tx, "system", "sign.key_create", p.ID, audit.OK, map[string]any{
			"label": label, "certificate": cert.SerialNumber.Text(16), "replaces": old.Label, "reason": reason,
		})
	})
	if conflict {
		s.log.Warn("remote signing key made twice at once; the other one is used", "person", p.ID, "unused_label", label)
		k, err := s.st.ActiveRemoteSigningKey(ctx, p.ID)
		if err != nil {
			return signing.Credential{}, err
		}
		cred, why, err := s.load(ctx, k, p)
		if err == nil && why != "" {
			err = fmt.Errorf("remote signing key %s of %s not usable: %s", k.Label, p.ID, why)
		}
		return cred, err
	}
	if err != nil {
		return signing.Credential{}, err
	}
	return signing.Credential{Signer: key, Certificate: cert, Chain: s.ca.Chain()}, nil
}

// revokeCertificate marks a replaced key's certificate revoked
// (superseded) with its OCSP answer; one not on record (made before the
// certificates were recorded) is left alone.
func (s *Service) revokeCertificate(ctx context.Context, tx store.Tx, cert *x509.Certificate, ocspDER []byte, now time.Time) error {
	serial := cert.SerialNumber.Text(16)
	_, err := tx.UpdateCertificate(ctx, serial, func(c *store.Certificate) error {
		if c.RevokedAt.IsZero() {
			c.RevokedAt, c.RevocationReason = now, ocsp.Superseded
		}
		return nil
	})
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	return tx.PutOCSP(ctx, store.OCSPEntry{Serial: serial, DER: ocspDER, ThisUpdate: now, NextUpdate: now.Add(time.Hour)})
}

// sign makes the signature a request asks for: the CMS for a digest, or
// the signed PDF.
func (s *Service) sign(ctx context.Context, sg *signers, r store.SignatureRequest, personID string) (cms, pdf []byte, cert *x509.Certificate, err error) {
	h, ok := HashOf(r.HashAlg)
	if !ok {
		return nil, nil, nil, fmt.Errorf("request %s: hash %q", r.ID, r.HashAlg)
	}
	switch {
	case r.Kind == store.SignKindDigest && sg.digest == nil, r.Kind == store.SignKindPDF && sg.pdf == nil:
		return nil, nil, nil, ErrUnavailable
	}
	cred, err := s.credential(ctx, personID)
	if err != nil {
		return nil, nil, nil, err
	}
	if r.Kind == store.SignKindDigest {
		cms, err = sg.digest.SignDetached(ctx, r.Digest, h, cred)
		return cms, nil, cred.Certificate, err
	}
	doc, err := s.st.SignatureDocument(ctx, r.ID)
	if err != nil {
		return nil, nil, nil, err
	}
	// What is signed must be what the person saw the hash of.
	sum := h.New()
	sum.Write(doc)
	if !bytes.Equal(sum.Sum(nil), r.Digest) {
		return nil, nil, nil, fmt.Errorf("request %s: the stored PDF is not the one approved", r.ID)
	}
	var out bytes.Buffer
	err = sg.pdf.SignPDF(ctx, bytes.NewReader(doc), &out, cred, PDFOptions{
		Name: cred.Certificate.Subject.CommonName, Reason: "Firmado con llavero / Signed with llavero", Location: s.cfg.PublicURL, Time: s.clock(),
	})
	return nil, out.Bytes(), cred.Certificate, err
}
