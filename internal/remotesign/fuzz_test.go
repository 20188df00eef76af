package remotesign

import (
	"encoding/hex"
	"net/url"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/llavero/llavero/internal/store"
)

// The parsing a relying party or a person controls: the uploaded file's
// name, the description and document name, the callback and return
// addresses, and the digest as the page shows it.

func FuzzCleanFileName(f *testing.F) {
	for _, s := range []string{"contrato.pdf", `C:\Users\ana\x.PDF`, "../../etc/passwd", "", "a\u202egnp.pdf", "\"quoted\".pdf", "\xff\xfe", strings.Repeat("ñ", 300)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		got := cleanFileName(name)
		switch {
		case !utf8.ValidString(got):
			t.Fatalf("%q: not UTF-8", got)
		case utf8.RuneCountInString(got) > MaxDocumentName:
			t.Fatalf("%q: %d characters", got, utf8.RuneCountInString(got))
		case !strings.HasSuffix(strings.ToLower(got), ".pdf"):
			t.Fatalf("%q: no .pdf", got)
		case strings.ContainsAny(got, "/\\\""):
			t.Fatalf("%q: a path or a quote", got)
		}
		for _, r := range got {
			if unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r) {
				t.Fatalf("%q: control character %U", got, r)
			}
		}
	})
}

func FuzzPlainText(f *testing.F) {
	for _, s := range []string{"Solicitud de canje", "dos\nlíneas", "\x1b[31m", "a\u2028b", "", strings.Repeat("x", 501)} {
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, s string, multiline bool) {
		if !plainText(s, MaxDescription, multiline) {
			return
		}
		if !utf8.ValidString(s) || utf8.RuneCountInString(s) > MaxDescription || s == "" {
			t.Fatalf("%q accepted", s)
		}
		for _, r := range s {
			if (unicode.IsControl(r) && !(multiline && r == '\n')) || unicode.Is(unicode.Bidi_Control, r) {
				t.Fatalf("%q accepted with %U", s, r)
			}
		}
	})
}

// FuzzOwnedBy: an accepted callback is an http(s) URL on the origin of a
// registered redirect URI, and never carries credentials or a fragment.
func FuzzOwnedBy(f *testing.F) {
	c := store.Client{RedirectURIs: []string{"https://trafico.example.es/callback", "http://127.0.0.1:8080/"}}
	for _, s := range []string{"https://trafico.example.es/firma", "https://trafico.example.es.evil.example/", "https://evil@trafico.example.es/",
		"https://trafico.example.es:443/", "http://127.0.0.1:8080/x#f", "javascript:alert(1)", "//trafico.example.es/", "https://TRAFICO.example.es/x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		if !ownedBy(c, raw, false) {
			return
		}
		u, err := url.Parse(raw)
		if err != nil || u.User != nil || u.Fragment != "" || (u.Scheme != "https" && u.Scheme != "http") {
			t.Fatalf("%q accepted", raw)
		}
		host := strings.ToLower(u.Host)
		if !(u.Scheme == "https" && host == "trafico.example.es") && !(u.Scheme == "http" && host == "127.0.0.1:8080") {
			t.Fatalf("%q accepted for host %q", raw, host)
		}
	})
}

func FuzzDigestHex(f *testing.F) {
	f.Add(make([]byte, 32))
	f.Add(make([]byte, 64))
	f.Fuzz(func(t *testing.T, d []byte) {
		joined := strings.ReplaceAll(strings.Join(DigestHex(d), ""), " ", "")
		if !strings.EqualFold(joined, hex.EncodeToString(d)) {
			t.Fatalf("%x shown as %q", d, DigestHex(d))
		}
	})
}
