package client

import (
	"crypto/x509"
	"encoding/pem"
	"errors"
)

func parsePEM(s string) (*x509.Certificate, error) {
	blk, _ := pem.Decode([]byte(s))
	if blk == nil || blk.Type != "CERTIFICATE" {
		return nil, errors.New("the server sent a certificate that is not PEM")
	}
	return x509.ParseCertificate(blk.Bytes)
}
