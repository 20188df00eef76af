package idp

import (
	"bytes"
	"context"
	"testing"

	"github.com/llavero/llavero/internal/store"
)

// BenchmarkAddEvidence is an upload as the web layer hands it over: the
// body read from a reader (its length known, as a browser's upload sends
// it), hashed, sniffed and stored in SQLite with its audit record, each
// piece replacing the last. B/op shows the bytes are held once: about the
// size of the piece, not twice it.
func BenchmarkAddEvidence(b *testing.B) {
	for _, bc := range []struct {
		name string
		kind string
		data []byte
	}{
		{"photo-10MB", store.EvidenceDocumentFront, jpeg(10 << 20)},
		{"video-30MB", store.EvidenceSelfieVideo, webm(30 << 20)},
	} {
		b.Run(bc.name, func(b *testing.B) {
			e := newEnv(&testing.T{})
			e.videoStart("611222333")
			ctx := context.Background()
			b.SetBytes(int64(len(bc.data)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := e.idp.AddEvidence(ctx, "12345678Z", bc.kind, bytes.NewReader(bc.data), int64(len(bc.data))); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
