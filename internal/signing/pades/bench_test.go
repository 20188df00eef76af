package pades

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/go-pdf/fpdf"

	"github.com/llavero/llavero/internal/signing"
)

// fpdfOfSize makes an uncompressed text PDF of at least size bytes, many
// pages of it, as a scanned-free office document would be.
func fpdfOfSize(t testing.TB, size int) []byte {
	t.Helper()
	gen := func(pages int) []byte {
		p := fpdf.New("P", "mm", "A4", "")
		p.SetCompression(false)
		p.SetFont("Helvetica", "", 10)
		for i := 0; i < pages; i++ {
			p.AddPage()
			for l := 0; l < 50; l++ {
				p.Cell(0, 5, fmt.Sprintf("Página %d, línea %d: texto de la solicitud que se firma.", i+1, l+1))
				p.Ln(5)
			}
		}
		var b bytes.Buffer
		if err := p.Output(&b); err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}
	doc := gen(10)
	return gen(10*size/len(doc) + 1)
}

func benchmarkSign(b *testing.B, doc []byte, opt Options) {
	f := newFixture(b)
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	cpu := startCPU()
	for b.Loop() {
		if err := Sign(context.Background(), bytes.NewReader(doc), int64(len(doc)), io.Discard, f.cred, opt); err != nil {
			b.Fatal(err)
		}
	}
	cpu.report(b)
}

// cpuClock reports the process's CPU time per operation besides wall time:
// the 2-core machine is shared, and CPU time is what a signature costs
// when other work competes for the cores.
type cpuClock struct{ start time.Duration }

func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func startCPU() cpuClock { return cpuClock{processCPU()} }

func (c cpuClock) report(b *testing.B) {
	b.ReportMetric(float64(processCPU()-c.start)/float64(time.Millisecond)/float64(b.N), "cpu-ms/op")
}

// BenchmarkSignB1MB: PAdES-B of a 1 MB, ~200-page PDF, visible signature.
func BenchmarkSignB1MB(b *testing.B) {
	benchmarkSign(b, fpdfOfSize(b, 1<<20), Options{Visible: &Visible{}})
}

// BenchmarkSignB1MBOneStream: the same size in one stream object, so that
// the figure is the cost of digesting and copying the bytes.
func BenchmarkSignB1MBOneStream(b *testing.B) {
	benchmarkSign(b, streamDoc(b, 1<<20), Options{})
}

// BenchmarkSignT1MB: PAdES-T, the timestamp from an RFC 3161 responder in
// process, over HTTP with signing.TSAClient.
func BenchmarkSignT1MB(b *testing.B) {
	f := newFixture(b)
	srv := f.tsa.server(b)
	doc := fpdfOfSize(b, 1<<20)
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	opt := Options{Level: signing.LevelT, Timestamper: &signing.TSAClient{URL: srv.URL}}
	cpu := startCPU()
	for b.Loop() {
		if err := Sign(context.Background(), bytes.NewReader(doc), int64(len(doc)), io.Discard, f.cred, opt); err != nil {
			b.Fatal(err)
		}
	}
	cpu.report(b)
}

// BenchmarkSign100MB signs a 100 MB PDF from a file to a file. B/op is
// what one signature allocates; peak-RSS-MB the process's peak resident
// memory, which stays far below the document's size. Run it alone to read
// peak RSS:
//
//	go test -run '^$' -bench Sign100MB -benchtime 3x ./internal/signing/pades
func BenchmarkSign100MB(b *testing.B) {
	f := newFixture(b)
	dir := b.TempDir()
	in := bigFile(b, dir, 100<<20)
	b.SetBytes(100 << 20)
	b.ReportAllocs()
	cpu := startCPU()
	for b.Loop() {
		signFile(b, f, in, filepath.Join(dir, "signed.pdf"))
	}
	cpu.report(b)
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err == nil {
		b.ReportMetric(float64(ru.Maxrss)/1024, "peak-RSS-MB") // Linux: kilobytes
	}
}

// bigFile writes a PDF of about size bytes to dir, streamed.
func bigFile(t testing.TB, dir string, size int64) string {
	t.Helper()
	path := filepath.Join(dir, "big.pdf")
	file, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := writeStreamPDF(file, size); err != nil {
		t.Fatal(err)
	}
	if err := file.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

func signFile(t testing.TB, f *fixture, in, out string) {
	t.Helper()
	src, err := os.Open(in)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	st, err := src.Stat()
	if err != nil {
		t.Fatal(err)
	}
	dst, err := os.Create(out)
	if err != nil {
		t.Fatal(err)
	}
	if err := Sign(context.Background(), src, st.Size(), dst, f.cred, Options{Visible: &Visible{}}); err != nil {
		t.Fatal(err)
	}
	if err := dst.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestSignMemoryBounded: signing a 64 MB PDF allocates a small fraction of
// it; a signer holding the document in memory would allocate it all.
func TestSignMemoryBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("writes 128 MB of temporary files")
	}
	f := newFixture(t)
	dir := t.TempDir()
	const size = 64 << 20
	in := bigFile(t, dir, size)
	out := filepath.Join(dir, "signed.pdf")
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	signFile(t, f, in, out)
	runtime.ReadMemStats(&after)
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > size/16 {
		t.Errorf("signing a %d MB file allocated %d bytes", size>>20, alloc)
	}
	signed, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	checkCMS(t, f, signatures(t, signed)[0], false)
}
