package remotesign_test

import (
	"context"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/llavero/llavero/internal/i18n"
)

// BenchmarkRemoteSignature is one remote signature from the person's
// side, approve to signed: the SMS code sent (request bound, code
// stored), the code checked and spent, the key loaded, the CMS made
// (P-256, the test's digitorus/pkcs7 signer), the decision, signature
// and audit event committed, and the callback posted. The request itself
// is made outside the timer. On SQLite, with the key store in memory.
func BenchmarkRemoteSignature(b *testing.B) {
	f := newFixtureCodes(b, nil, 1<<30)
	ctx := context.Background()
	go func() {
		for range f.rp.got {
		}
	}()
	// The key is made on the first signature; measure the ones after.
	f.approve(b, "12345678Z", f.request(b, []byte("first")).ID)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		b.StopTimer()
		req := f.request(b, []byte("document "+strconv.Itoa(i)))
		b.StartTimer()
		sent, err := f.svc.SendCode(ctx, "12345678Z", "substantial", req.ID, i18n.ES)
		if err != nil {
			b.Fatal(err)
		}
		code, _ := f.sms.last(b, "12345678Z")
		if _, err := f.svc.Approve(ctx, "12345678Z", "substantial", req.ID, sent.CodeID, code); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	f.svc.Wait()
}

// BenchmarkRemoteSignatureParallel is the same from many people at once:
// the throughput a node gives (signatures/s), each person with their own
// key and codes.
func BenchmarkRemoteSignatureParallel(b *testing.B) {
	f := newFixtureCodes(b, nil, 1<<30)
	ctx := context.Background()
	go func() {
		for range f.rp.got {
		}
	}()
	// One person per goroutine: each reads its own SMS.
	ids := make([]string, 64)
	for i := range ids {
		ids[i] = f.addPerson(b, i)
		f.approve(b, ids[i], f.request(b, []byte("first "+ids[i])).ID)
	}
	var n, g atomic.Int64
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		person := ids[g.Add(1)%int64(len(ids))]
		for pb.Next() {
			i := n.Add(1)
			req := f.request(b, []byte("document "+strconv.FormatInt(i, 10)))
			sent, err := f.svc.SendCode(ctx, person, "substantial", req.ID, i18n.ES)
			if err != nil {
				b.Error(err)
				return
			}
			code, _ := f.sms.last(b, person)
			if _, err := f.svc.Approve(ctx, person, "substantial", req.ID, sent.CodeID, code); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(n.Load())/time.Since(start).Seconds(), "signatures/s")
	b.StopTimer()
	f.svc.Wait()
}
