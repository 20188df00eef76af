package server

import (
	"crypto/x509"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/llavero/llavero/internal/ca"
	"github.com/llavero/llavero/internal/config"
	"github.com/llavero/llavero/internal/signing/validate"
	"github.com/llavero/llavero/internal/store"
	"github.com/llavero/llavero/internal/web"
)

// SignatureValidator builds the validator of an installation. Its anchors
// are llavero's root (when root is given) and the trust list; revocation
// comes from the store for llavero's own certificates and, when network is
// set, from OCSP and CRLs for the trust list's.
func SignatureValidator(root, issuing *x509.Certificate, trust []string, certs validate.CertificateGetter, network bool) (*validate.Validator, error) {
	anchors, err := validate.LoadTrust(trust...)
	if err != nil {
		return nil, err
	}
	v := &validate.Validator{}
	var sources validate.Sources
	if root != nil {
		anchors = append(anchors, root)
	}
	if issuing != nil {
		v.Intermediates = []*x509.Certificate{issuing}
		if certs != nil {
			sources = append(sources, validate.StoreRevocation{Certs: certs, Issuer: issuing})
		}
	}
	if len(anchors) == 0 {
		return nil, validate.ErrNoRoots
	}
	if network {
		sources = append(sources, validate.NetworkRevocation{})
	}
	v.Roots = validate.Pool(anchors...)
	if len(sources) > 0 {
		v.Revocation = sources
	}
	return v, nil
}

// SplitList splits a comma-separated setting, dropping empty items.
func SplitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// ReadCACertificates reads the root and issuing certificates of the
// installation in data, without opening the CA's keys (nil, nil when the
// installation has no CA yet).
func ReadCACertificates(data string) (root, issuing *x509.Certificate, err error) {
	dir := filepath.Join(data, "ca")
	read := func(name string) (*x509.Certificate, error) {
		certs, err := validate.LoadTrust(filepath.Join(dir, name))
		if err != nil {
			return nil, err
		}
		return certs[0], nil
	}
	if _, err := os.Stat(filepath.Join(dir, ca.RootCertFile)); errors.Is(err, fs.ErrNotExist) {
		return nil, nil, nil
	}
	if root, err = read(ca.RootCertFile); err != nil {
		return nil, nil, err
	}
	if issuing, err = read(ca.IssuingCertFile); err != nil {
		return nil, nil, err
	}
	return root, issuing, nil
}

// mountSignatures adds the signature validation API.
func (p *Platform) mountSignatures(cfg *config.Config, st store.Store) error {
	v, err := SignatureValidator(p.CA.Root(), p.CA.Issuing(), SplitList(cfg.SignatureTrust), st, true)
	if err != nil {
		return err
	}
	p.Web.MountSignatures(web.SignatureDeps{Validator: v})
	return nil
}
