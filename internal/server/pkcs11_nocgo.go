//go:build !cgo

package server

import (
	"errors"

	"github.com/llavero/llavero/internal/ca"
)

// PKCS#11 needs cgo (the token's library is C); a binary built without it
// says so instead of failing at link time on machines without a compiler.
func openPKCS11(module, token, pin string) (ca.KeyStore, error) {
	return nil, errors.New("setting --ca-keys pkcs11: this llavero was built without cgo, so it cannot load a PKCS#11 module; rebuild with CGO_ENABLED=1 or use --ca-keys file")
}
