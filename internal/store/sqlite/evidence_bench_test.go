package sqlite_test

import (
	"testing"

	"github.com/llavero/llavero/internal/store/storetest"
)

// BenchmarkEvidence: a document photo (10 MB) and a selfie video (30 MB),
// the upload limits, stored in the database.
func BenchmarkEvidence(b *testing.B) {
	b.Run("photo-10MB", func(b *testing.B) { storetest.BenchEvidence(b, openBench, 10<<20) })
	b.Run("video-30MB", func(b *testing.B) { storetest.BenchEvidence(b, openBench, 30<<20) })
}
