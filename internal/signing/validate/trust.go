package validate

import (
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// LoadTrust reads trust anchors from each path: a PEM bundle, a DER
// certificate, or a directory whose .pem, .crt and .cer files are read.
func LoadTrust(paths ...string) ([]*x509.Certificate, error) {
	var out []*x509.Certificate
	for _, p := range paths {
		fi, err := os.Stat(p)
		if err != nil {
			return nil, ErrTrustList.Wrap(err)
		}
		files := []string{p}
		if fi.IsDir() {
			entries, err := os.ReadDir(p)
			if err != nil {
				return nil, ErrTrustList.Wrap(err)
			}
			files = files[:0]
			for _, e := range entries {
				switch strings.ToLower(filepath.Ext(e.Name())) {
				case ".pem", ".crt", ".cer":
					if !e.IsDir() {
						files = append(files, filepath.Join(p, e.Name()))
					}
				}
			}
		}
		for _, f := range files {
			certs, err := readCerts(f)
			if err != nil {
				return nil, ErrTrustList.Wrap(fmt.Errorf("%s: %w", f, err))
			}
			out = append(out, certs...)
		}
	}
	return out, nil
}

func readCerts(path string) ([]*x509.Certificate, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if c, err := x509.ParseCertificate(data); err == nil {
		return []*x509.Certificate{c}, nil
	}
	var out []*x509.Certificate
	for {
		var blk *pem.Block
		blk, data = pem.Decode(data)
		if blk == nil {
			break
		}
		if blk.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(blk.Bytes)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	if len(out) == 0 {
		return nil, errors.New("no certificate found")
	}
	return out, nil
}

// Pool makes a certificate pool of anchors.
func Pool(anchors ...*x509.Certificate) *x509.CertPool {
	p := x509.NewCertPool()
	for _, c := range anchors {
		p.AddCert(c)
	}
	return p
}
