package cades

import (
	"bytes"
	"context"
	"io"
	"runtime"
	"testing"

	"github.com/llavero/llavero/internal/signing"
)

// pattern is an endless reader of non-zero bytes that repeats one 64 KiB
// block, so that a large document costs no memory, and little time, of its
// own.
type pattern struct{ off int }

var block = func() []byte {
	b := make([]byte, 64<<10)
	n := byte(1)
	for i := range b {
		n = n*31 + 7
		b[i] = n
	}
	return b
}()

func (p *pattern) Read(b []byte) (int, error) {
	n := copy(b, block[p.off:])
	p.off = (p.off + n) % len(block)
	return n, nil
}

func largeDocument(size int64) io.Reader { return io.LimitReader(&pattern{}, size) }

// TestDetachedSigningDoesNotHoldTheContent signs 64 MiB detached and
// checks what was allocated meanwhile: the signature streams the document
// through the hash, so the total stays far below the document's size.
func TestDetachedSigningDoesNotHoldTheContent(t *testing.T) {
	f := newFixture(t)
	cred := f.ana(t)
	const size = 64 << 20
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	sig, err := Sign(context.Background(), largeDocument(size), cred, Options{Detached: true})
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatal(err)
	}
	if allocated := after.TotalAlloc - before.TotalAlloc; allocated > 4<<20 {
		t.Fatalf("signing 64 MiB detached allocated %d bytes", allocated)
	}
	if len(sig) > 8<<10 {
		t.Fatalf("a detached signature of %d bytes", len(sig))
	}
}

func benchmarkDetached(b *testing.B, size int64) {
	f := newFixture(b)
	cred := f.ana(b)
	ctx := context.Background()
	b.SetBytes(size)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Sign(ctx, largeDocument(size), cred, Options{Detached: true}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSignDetached1MB signs 1 MB detached (CAdES-B-B, P-256).
func BenchmarkSignDetached1MB(b *testing.B) { benchmarkDetached(b, 1<<20) }

// BenchmarkSignDetached100MB streams 100 MB: B/op shows the memory bound.
func BenchmarkSignDetached100MB(b *testing.B) { benchmarkDetached(b, 100<<20) }

// BenchmarkSignAttached1MB embeds 1 MB.
func BenchmarkSignAttached1MB(b *testing.B) {
	f := newFixture(b)
	cred := f.ana(b)
	doc := make([]byte, 1<<20)
	io.ReadFull(&pattern{}, doc)
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Sign(context.Background(), bytes.NewReader(doc), cred, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSignDigest is remote signing's work per request (CAdES-B-B
// over a digest).
func BenchmarkSignDigest(b *testing.B) {
	f := newFixture(b)
	cred := f.ana(b)
	digest := make([]byte, 32)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := SignDigest(context.Background(), digest, signing.Hash, cred, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSignLevelT signs a 1 MB document detached at level T with the
// platform's timestamp authority in process (no network).
func BenchmarkSignLevelT(b *testing.B) {
	f := newFixture(b)
	cred := f.ana(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Sign(context.Background(), largeDocument(1<<20), cred, Options{Detached: true, Level: signing.LevelT, Timestamper: f.tsa}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCoSign adds a second signer to a detached 1 MB signature.
func BenchmarkCoSign(b *testing.B) {
	f := newFixture(b)
	ana := f.ana(b)
	first, err := Sign(context.Background(), largeDocument(1<<20), ana, Options{Detached: true})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := CoSign(context.Background(), first, largeDocument(1<<20), ana, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}
