package cades

import (
	"bytes"
	"context"
	"testing"

	"github.com/llavero/llavero/internal/signing"
)

// FuzzParse feeds the parser CoSign and CounterSign use arbitrary bytes,
// seeded with real signatures. It must never panic, and whatever it
// accepts must encode back to something it accepts again, with the same
// signers, each signer's signed part unchanged.
func FuzzParse(f *testing.F) {
	fx := newFixture(f)
	ana, luis := fx.ana(f), fx.luis(f)
	ctx := context.Background()
	attached, err := Sign(ctx, bytes.NewReader(document), ana, Options{Level: signing.LevelT, Timestamper: fx.tsa})
	if err != nil {
		f.Fatal(err)
	}
	detached, err := Sign(ctx, bytes.NewReader(document), luis, Options{Detached: true})
	if err != nil {
		f.Fatal(err)
	}
	cosigned, err := CoSign(ctx, detached, bytes.NewReader(document), ana, Options{})
	if err != nil {
		f.Fatal(err)
	}
	countersigned, err := CounterSign(ctx, attached, 0, luis, Options{})
	if err != nil {
		f.Fatal(err)
	}
	for _, seed := range [][]byte{attached, detached, cosigned, countersigned, {0x30, 0x80, 0, 0}, nil} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		sd, signers, err := parse(data)
		if err != nil {
			return
		}
		for i := range signers {
			sd.signerInfos[i] = signers[i].marshal()
		}
		again, err := sd.marshal()
		if err != nil {
			t.Fatalf("re-encoding: %v", err)
		}
		sd2, signers2, err := parse(again)
		if err != nil {
			t.Fatalf("re-encoded signature does not parse: %v", err)
		}
		if len(signers2) != len(signers) || sd2.hasContent != sd.hasContent || !bytes.Equal(sd2.content, sd.content) {
			t.Fatal("re-encoding changed the signature")
		}
		for i := range signers {
			if !bytes.Equal(signers[i].head, signers2[i].head) {
				t.Fatalf("signer %d's signed part changed", i)
			}
		}
	})
}
