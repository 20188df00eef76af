package qrlogin

import (
	"strings"
	"testing"
	"time"
)

// FuzzVerify checks two things: Verify never panics, and it never accepts a
// payload that Payload did not produce for that challenge at some second of
// its life.
func FuzzVerify(f *testing.F) {
	c := fixedChallenge(f, 9)
	for _, s := range []float64{0, 1, 10, 10.5, 150, 299} {
		p := c.Payload(at(c, secs(s)))
		f.Add(p, int64(secs(s)))
		f.Add(p, int64(secs(s+6)))
		f.Add(strings.Replace(p, "&t=", "&t=0", 1), int64(secs(s)))
		f.Add(p[:len(p)-1]+"0", int64(secs(s)))
		f.Add(strings.ToUpper(p), int64(secs(s)))
	}
	f.Add("", int64(0))
	f.Add("llavero://qr?id=", int64(0))
	f.Add("llavero://qr?id="+c.ID+"&t=&m=", int64(0))
	f.Add("llavero://qr?id="+c.ID+"&t=9999999&m="+strings.Repeat("0", 32), int64(0))
	f.Add("llavero://qr?id="+c.ID+"&t=5&m="+strings.Repeat("0", 32), int64(secs(5)))

	f.Fuzz(func(t *testing.T, payload string, offset int64) {
		now := c.CreatedAt.Add(time.Duration(offset))
		err := Verify(c, payload, now, 0)
		if err == nil {
			if !producedByPayload(c, payload) {
				t.Fatalf("accepted %q at %v, which Payload never produces", payload, time.Duration(offset))
			}
			id, perr := ParseID(payload)
			if perr != nil || id != c.ID {
				t.Fatalf("accepted %q but ParseID gives %q, %v", payload, id, perr)
			}
		}
		// The zero challenge must refuse everything, including its own
		// payloads: an empty secret is no secret.
		if Verify(Challenge{}, payload, now, 0) == nil {
			t.Fatalf("zero challenge accepted %q", payload)
		}
		_, _ = ParseID(payload)
	})
}

// producedByPayload searches every second the challenge can be verified in,
// plus the skew, for a Payload equal to p.
func producedByPayload(c Challenge, p string) bool {
	for s := 0; s <= int(Lifetime/time.Second)+int(Skew/time.Second); s++ {
		if c.Payload(c.CreatedAt.Add(time.Duration(s)*time.Second)) == p {
			return true
		}
	}
	return false
}
