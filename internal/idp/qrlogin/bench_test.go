package qrlogin

import (
	"testing"
	"time"
)

func BenchmarkNew(b *testing.B) {
	for b.Loop() {
		if _, err := New(nil, base, "session", "Oficina"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkPayload(b *testing.B) {
	c := fixedChallenge(b, 1)
	now := at(c, secs(42))
	for b.Loop() {
		_ = c.Payload(now)
	}
}

func BenchmarkVerify(b *testing.B) {
	c := fixedChallenge(b, 1)
	now := at(c, secs(42))
	p := c.Payload(now)
	for b.Loop() {
		if err := Verify(c, p, now, 0); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSVG measures what one waiting browser costs the server each
// second: a fresh payload and its SVG.
func BenchmarkSVG(b *testing.B) {
	c := fixedChallenge(b, 1)
	s := 0
	for b.Loop() {
		// A different second each time, so no run benefits from a repeat.
		if _, err := SVG(c.Payload(at(c, time.Duration(s%300)*time.Second))); err != nil {
			b.Fatal(err)
		}
		s++
	}
}

func BenchmarkPNG(b *testing.B) {
	c := fixedChallenge(b, 1)
	p := c.Payload(at(c, secs(42)))
	for b.Loop() {
		if _, err := PNG(p, 245); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSVGParallel keeps every core busy, as many waiting browsers would.
// Its ns/op is the server's cost per refresh at full load; one core-second
// divided by it, times the cores, is how many browsers can wait at once.
func BenchmarkSVGParallel(b *testing.B) {
	c := fixedChallenge(b, 1)
	b.RunParallel(func(pb *testing.PB) {
		s := 0
		for pb.Next() {
			if _, err := SVG(c.Payload(at(c, time.Duration(s%300)*time.Second))); err != nil {
				b.Error(err)
				return
			}
			s++
		}
	})
}
