package keystore

import (
	"bytes"
	"testing"
)

// TestDeriveLeavesPassphraseAlone: derive clears its normalized copy, and
// that copy must never be the caller's slice.
func TestDeriveLeavesPassphraseAlone(t *testing.T) {
	for _, p := range [][]byte{[]byte("already NFC"), []byte("contrasen\u0303a"), {0xff, 0xfe, 'x'}} {
		orig := bytes.Clone(p)
		cheapKDF.derive(p, make([]byte, saltLen))
		if !bytes.Equal(p, orig) {
			t.Errorf("derive changed the passphrase %q to %q", orig, p)
		}
	}
}
