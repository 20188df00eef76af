package catest_test

import (
	"testing"

	"github.com/llavero/llavero/internal/ca"
	"github.com/llavero/llavero/internal/ca/catest"
)

// The in-memory store other packages' tests use meets the same contract.
func TestMemKeyStoreConformance(t *testing.T) {
	catest.RunKeyStore(t, func(*testing.T) ca.KeyStore { return catest.NewMemKeyStore() })
}

func TestNewCAVerifiesWithOpenSSL(t *testing.T) {
	c := catest.New(t)
	catest.VerifyWithOpenSSL(t, c, c.Issuing(), "")
}
