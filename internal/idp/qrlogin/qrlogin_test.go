package qrlogin

import (
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/llavero/llavero/internal/i18n"
)

// base is a fixed moment with a sub-second part, so tests see the rounding
// New applies.
var base = time.Date(2031, 5, 24, 10, 30, 15, 250_000_000, time.FixedZone("CEST", 2*3600))

// fixedChallenge makes a reproducible challenge whose random bytes all equal
// seed, so two seeds give two unrelated challenges.
func fixedChallenge(t testing.TB, seed byte) Challenge {
	t.Helper()
	c, err := New(bytes.NewReader(bytes.Repeat([]byte{seed}, idBytes+secretBytes)), base, fmt.Sprintf("session-hash-%d", seed), "Oficina de Tráfico")
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// at is CreatedAt plus a duration: every test moment is relative to it.
func at(c Challenge, d time.Duration) time.Time { return c.CreatedAt.Add(d) }

func secs(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

var lowerHex32 = regexp.MustCompile(`^[0-9a-f]{32}$`)

func TestNew(t *testing.T) {
	c, err := New(nil, base, "abc", "Agencia Tributaria")
	if err != nil {
		t.Fatal(err)
	}
	if !lowerHex32.MatchString(c.ID) {
		t.Errorf("ID %q is not 16 bytes of lower-case hex", c.ID)
	}
	if len(c.Secret) != 32 {
		t.Errorf("Secret has %d bytes, want 32", len(c.Secret))
	}
	if c.SessionHash != "abc" || c.ClientName != "Agencia Tributaria" {
		t.Errorf("session or client name not kept: %+v", c)
	}
	want := time.Date(2031, 5, 24, 8, 30, 15, 0, time.UTC)
	if !c.CreatedAt.Equal(want) || c.CreatedAt.Location() != time.UTC {
		t.Errorf("CreatedAt = %v, want %v in UTC, whole seconds", c.CreatedAt, want)
	}
	if c.ExpiresAt.Sub(c.CreatedAt) != 5*time.Minute {
		t.Errorf("lifetime = %v, want 5m", c.ExpiresAt.Sub(c.CreatedAt))
	}

	errCases := []struct {
		name            string
		r               []byte
		session, client string
	}{
		{"no session", make([]byte, 48), " ", "Tráfico"},
		{"no client name", make([]byte, 48), "abc", ""},
		{"short randomness", make([]byte, 47), "abc", "Tráfico"},
	}
	for _, tc := range errCases {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := New(bytes.NewReader(tc.r), base, tc.session, tc.client); err == nil {
				t.Error("New succeeded")
			}
		})
	}
}

func TestNewDoesNotAliasTheReadersBuffer(t *testing.T) {
	c1 := fixedChallenge(t, 1)
	c2 := fixedChallenge(t, 1)
	c1.Secret[0] ^= 0xff
	if c2.Secret[0] == c1.Secret[0] {
		t.Fatal("two challenges share a Secret backing array")
	}
}

func TestCheckIsThreeDigitsAndStable(t *testing.T) {
	threeDigits := regexp.MustCompile(`^[0-9]{3}$`)
	seen := map[string]bool{}
	const n = 2000
	for i := 0; i < n; i++ {
		c, err := New(rand.Reader, base, "s", "Oficina")
		if err != nil {
			t.Fatal(err)
		}
		if !threeDigits.MatchString(c.Check) {
			t.Fatalf("Check %q is not three digits", c.Check)
		}
		if again := deriveCheck(c.Secret, c.ID); again != c.Check {
			t.Fatalf("Check not stable: %q then %q", c.Check, again)
		}
		seen[c.Check] = true
	}
	// 2000 draws from 1000 values cover about 865 of them. Far fewer would
	// mean the derivation lost entropy, and neighbouring logins would then
	// often show the same digits.
	if len(seen) < 800 {
		t.Errorf("only %d distinct checks in %d challenges", len(seen), n)
	}

	// Same randomness, same check: the page and the phone both derive it
	// from the stored challenge.
	if a, b := fixedChallenge(t, 7), fixedChallenge(t, 7); a.Check != b.Check {
		t.Errorf("same challenge, different checks %q %q", a.Check, b.Check)
	}
}

var payloadShape = regexp.MustCompile(`^llavero://qr\?id=[0-9a-f]{32}&t=(0|[1-9][0-9]*)&m=[0-9a-f]{32}$`)

func TestPayloadChangesEverySecondAndVerifies(t *testing.T) {
	c := fixedChallenge(t, 1)
	prev := ""
	for s := 0; s < 300; s++ {
		start := at(c, time.Duration(s)*time.Second)
		p := c.Payload(start)
		if !payloadShape.MatchString(p) {
			t.Fatalf("second %d: payload %q has the wrong shape", s, p)
		}
		if !strings.Contains(p, "&t="+strconv.Itoa(s)+"&") {
			t.Fatalf("second %d: payload %q does not carry t=%d", s, p, s)
		}
		if p == prev {
			t.Fatalf("second %d: payload did not change", s)
		}
		if end := c.Payload(start.Add(999 * time.Millisecond)); end != p {
			t.Fatalf("second %d: payload changed within the second", s)
		}
		for _, scanDelay := range []time.Duration{0, 999 * time.Millisecond} {
			now := start.Add(scanDelay)
			if now.Before(c.ExpiresAt) {
				if err := Verify(c, p, now, 0); err != nil {
					t.Fatalf("second %d, checked %v later: %v", s, scanDelay, err)
				}
			}
		}
		prev = p
	}
	if p := c.Payload(c.CreatedAt.Add(-time.Hour)); !strings.Contains(p, "&t=0&") {
		t.Errorf("payload before CreatedAt = %q, want second 0", p)
	}
}

func TestVerify(t *testing.T) {
	// 0xab gives an ID with letters, so the upper-case case means something.
	c := fixedChallenge(t, 0xab)
	other := fixedChallenge(t, 2)
	// sameID has c's public ID but its own secret: what an attacker who saw
	// the QR could build.
	sameID := other
	sameID.ID = c.ID

	p10 := c.Payload(at(c, secs(10)))       // t=10
	p10late := c.Payload(at(c, secs(10.9))) // still t=10
	swapT := strings.Replace(p10, "&t=10&", "&t=11&", 1)

	tests := []struct {
		name    string
		c       Challenge
		payload string
		now     time.Duration // after CreatedAt
		maxAge  time.Duration
		code    string // "" accepts
	}{
		{"fresh", c, p10, secs(10), 0, ""},
		{"checked at the end of its second", c, p10, secs(10.999), 0, ""},
		{"4 s later", c, p10late, secs(14.9), 0, ""},
		{"exactly 5 s after its second began", c, p10, secs(15), 0, ""},
		{"6 s ago is stale", c, p10, secs(16), 0, "qr.stale"},
		{"6 s ago, late in its second, is stale", c, p10late, secs(16.9), 0, "qr.stale"},
		{"a minute old is stale", c, p10, secs(70), 0, "qr.stale"},
		{"shorter maxAge", c, p10, secs(12.5), 2 * time.Second, "qr.stale"},
		{"longer maxAge", c, p10, secs(25), 20 * time.Second, ""},
		{"negative maxAge means default", c, p10, secs(16), -time.Second, "qr.stale"},
		{"node 1 s ahead (skew)", c, c.Payload(at(c, secs(11))), secs(10), 0, ""},
		{"t in the future", c, c.Payload(at(c, secs(20))), secs(10), 0, "qr.invalid"},
		{"t 2 s in the future", c, c.Payload(at(c, secs(12))), secs(10), 0, "qr.invalid"},
		{"another challenge's payload", c, other.Payload(at(other, secs(10))), secs(10), 0, "qr.invalid"},
		{"same ID, attacker's secret", c, sameID.Payload(at(c, secs(10))), secs(10), 0, "qr.invalid"},
		{"t changed, MAC kept", c, swapT, secs(11), 0, "qr.invalid"},
		{"last second of the challenge", c, c.Payload(at(c, secs(299))), secs(299.9), 0, ""},
		{"after 5 minutes", c, c.Payload(at(c, secs(299))), secs(300), 0, "qr.expired"},
		{"long after", c, p10, 24 * time.Hour, 0, "qr.expired"},
		{"drawn after expiry", c, c.Payload(at(c, secs(301))), secs(301), 0, "qr.expired"},
		{"upper-case MAC", c, p10[:len(p10)-32] + strings.ToUpper(p10[len(p10)-32:]), secs(10), 0, "qr.invalid"},
		{"upper-case ID", c, strings.Replace(p10, c.ID, strings.ToUpper(c.ID), 1), secs(10), 0, "qr.invalid"},
		{"leading zero in t", c, strings.Replace(p10, "&t=10&", "&t=010&", 1), secs(10), 0, "qr.invalid"},
		{"negative t", c, strings.Replace(p10, "&t=10&", "&t=-10&", 1), secs(10), 0, "qr.invalid"},
		{"huge t", c, strings.Replace(p10, "&t=10&", "&t=99999999999999999999&", 1), secs(10), 0, "qr.invalid"},
		{"trailing data", c, p10 + "&x=1", secs(10), 0, "qr.invalid"},
		{"truncated MAC", c, p10[:len(p10)-1], secs(10), 0, "qr.invalid"},
		{"fields reordered", c, "llavero://qr?t=10&id=" + c.ID + "&m=" + p10[len(p10)-32:], secs(10), 0, "qr.invalid"},
		{"other scheme", c, "https://qr?" + strings.TrimPrefix(p10, "llavero://qr?"), secs(10), 0, "qr.invalid"},
		{"empty", c, "", secs(10), 0, "qr.invalid"},
		{"zero challenge, its own payload", Challenge{}, Challenge{}.Payload(base), 0, 0, "qr.invalid"},
		{"challenge without secret", Challenge{ID: c.ID, CreatedAt: c.CreatedAt, ExpiresAt: c.ExpiresAt},
			Challenge{ID: c.ID, CreatedAt: c.CreatedAt}.Payload(at(c, secs(10))), secs(10), 0, "qr.invalid"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := Verify(tc.c, tc.payload, at(c, tc.now), tc.maxAge)
			wantCode(t, err, tc.code)
		})
	}
}

func TestVerifyRefusesEveryFlippedMACCharacter(t *testing.T) {
	c := fixedChallenge(t, 3)
	now := at(c, secs(42))
	p := c.Payload(now)
	macStart := len(p) - 32
	for i := macStart; i < len(p); i++ {
		for _, repl := range []byte("0123456789abcdef") {
			if repl == p[i] {
				continue
			}
			b := []byte(p)
			b[i] = repl
			if err := Verify(c, string(b), now, 0); i18n.CodeOf(err) != "qr.invalid" {
				t.Fatalf("MAC char %d set to %q: got %v, want qr.invalid", i-macStart, repl, err)
			}
		}
	}
}

func TestParseID(t *testing.T) {
	c := fixedChallenge(t, 4)
	id, err := ParseID(c.Payload(at(c, secs(3))))
	if err != nil || id != c.ID {
		t.Errorf("ParseID = %q, %v; want %q", id, err, c.ID)
	}
	for _, bad := range []string{"", "llavero://qr?id=", "hello", strings.ToUpper(c.Payload(base))} {
		if _, err := ParseID(bad); i18n.CodeOf(err) != "qr.invalid" {
			t.Errorf("ParseID(%q) err = %v, want qr.invalid", bad, err)
		}
	}
}

func TestBoundTo(t *testing.T) {
	c := fixedChallenge(t, 5)
	tests := []struct {
		name    string
		c       Challenge
		session string
		want    bool
	}{
		{"the session that started it", c, c.SessionHash, true},
		{"another browser", c, "another-session", false},
		{"no session", c, "", false},
		{"prefix of the session", c, c.SessionHash[:len(c.SessionHash)-1], false},
		{"challenge without session", Challenge{}, "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.c.BoundTo(tc.session); got != tc.want {
				t.Errorf("BoundTo(%q) = %v, want %v", tc.session, got, tc.want)
			}
		})
	}
}

// wantCode checks that err is a complete *i18n.Error with the given code
// that matches its template with errors.Is. An empty code expects no error.
func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if code == "" {
		if err != nil {
			t.Fatalf("unexpected error %v", err)
		}
		return
	}
	e, ok := i18n.As(err)
	if !ok {
		t.Fatalf("got %v (%T), want an *i18n.Error %s", err, err, code)
	}
	if e.Code != code {
		t.Fatalf("got %s (%v), want %s", e.Code, err, code)
	}
	tmpl := templates[codeToName[code]]
	if tmpl == nil || !errors.Is(err, tmpl) {
		t.Fatalf("%v does not match its template", err)
	}
	if e.Cause == nil {
		t.Errorf("%s carries no internal cause for the log", code)
	}
}
