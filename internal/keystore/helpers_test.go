package keystore

import (
	"crypto"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/llavero/llavero/internal/i18n"
)

// cheapKDF keeps the suite fast: argon2id's work does not change what the
// tests check, only how long each derivation takes.
var cheapKDF = kdfParams{Time: 1, MemoryKiB: 64, Threads: 1}

func newStore(t testing.TB) *Store {
	t.Helper()
	s, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	s.kdf = cheapKDF
	return s
}

// RSA 3072 takes seconds to generate under the race detector, so each type
// is generated once, plus a second key per type for "the wrong key" cases.
var (
	keysOnce sync.Once
	keys     map[KeyType][2]crypto.Signer
)

func testKey(t testing.TB, kt KeyType, n int) crypto.Signer {
	t.Helper()
	keysOnce.Do(func() {
		keys = map[KeyType][2]crypto.Signer{}
		var mu sync.Mutex
		var wg sync.WaitGroup
		for _, kt := range KeyTypes {
			wg.Add(1)
			go func() {
				defer wg.Done()
				var pair [2]crypto.Signer
				for i := range pair {
					k, err := Generate(kt)
					if err != nil {
						panic(err)
					}
					pair[i] = k
				}
				mu.Lock()
				keys[kt] = pair
				mu.Unlock()
			}()
		}
		wg.Wait()
	})
	return keys[kt][n]
}

var passphrase = []byte("correct horse battery")

// wantCode checks that err is an *i18n.Error with the given code and both
// languages filled in ("" expects no error).
func wantCode(t testing.TB, what string, err error, code string) {
	t.Helper()
	if code == "" {
		if err != nil {
			t.Fatalf("%s: unexpected error %v", what, err)
		}
		return
	}
	e, ok := i18n.As(err)
	if !ok {
		t.Fatalf("%s: got %v, want an *i18n.Error with code %s", what, err, code)
	}
	if e.Code != code {
		t.Fatalf("%s: got %s (%v), want %s", what, e.Code, err, code)
	}
	if e.Msg.ES == "" || e.Msg.EN == "" || e.Next.ES == "" || e.Next.EN == "" {
		t.Fatalf("%s: %s lacks a text: %+v", what, code, e)
	}
	if tmpl := templateFor(code); tmpl != nil && (!errors.Is(err, tmpl) || tmpl == e) {
		t.Fatalf("%s: %s is not a copy of its template", what, code)
	}
}

func templateFor(code string) *i18n.Error {
	for _, e := range templates {
		if e.Code == code {
			return e
		}
	}
	return nil
}

var epoch = time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)

func i18nCode(err error) (string, bool) {
	e, ok := i18n.As(err)
	if !ok {
		return "", false
	}
	return e.Code, true
}
