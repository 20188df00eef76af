//go:build cgo

package server

import (
	"github.com/llavero/llavero/internal/ca"
	"github.com/llavero/llavero/internal/ca/pkcs11"
)

func openPKCS11(module, token, pin string) (ca.KeyStore, error) {
	return pkcs11.Open(pkcs11.Config{Module: module, TokenLabel: token, PIN: pin})
}
