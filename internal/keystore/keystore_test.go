package keystore

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/llavero/llavero/internal/i18n"
)

func TestSaveLoadRoundTrip(t *testing.T) {
	for _, kt := range KeyTypes {
		t.Run(string(kt), func(t *testing.T) {
			s := newStore(t)
			key := testKey(t, kt, 0)
			e, err := s.Save(key, Entry{Server: "https://Sede.Example/", ID: "x-1234567-l", Email: "ana@example.org"}, passphrase)
			if err != nil {
				t.Fatal(err)
			}
			fp, _ := Fingerprint(key.Public())
			if e.Fingerprint != fp || e.KeyType != kt || e.CreatedAt.IsZero() {
				t.Errorf("entry %+v: want fingerprint %s, type %s and a creation time", e, fp, kt)
			}
			if e.Server != "https://sede.example" || e.ID != "X1234567L" {
				t.Errorf("entry not canonical: server %q id %q", e.Server, e.ID)
			}
			got, err := s.Load(fp, passphrase)
			if err != nil {
				t.Fatal(err)
			}
			if !samePublicKey(got.Public(), key.Public()) || !got.(interface{ Equal(crypto.PrivateKey) bool }).Equal(key) {
				t.Error("loaded key differs from the saved one")
			}
			// Upper-case fingerprints are the same entry.
			if _, err := s.Load(strings.ToUpper(fp), passphrase); err != nil {
				t.Errorf("upper-case fingerprint: %v", err)
			}
		})
	}
}

func TestLoadErrors(t *testing.T) {
	s := newStore(t)
	key := testKey(t, P256, 0)
	e, err := s.Save(key, Entry{ID: "12345678Z"}, passphrase)
	if err != nil {
		t.Fatal(err)
	}
	other, _ := Fingerprint(testKey(t, P256, 1).Public())
	for _, c := range []struct {
		name, fp string
		pass     []byte
		code     string
	}{
		{"right", e.Fingerprint, passphrase, ""},
		{"wrong passphrase", e.Fingerprint, []byte("correct horse battery!"), "keystore.passphrase"},
		{"empty passphrase", e.Fingerprint, nil, "keystore.passphrase"},
		{"no such key", other, passphrase, "keystore.not_found"},
		{"not a fingerprint", "../../../etc/passwd", passphrase, "keystore.not_found"},
		{"empty fingerprint", "", passphrase, "keystore.not_found"},
	} {
		_, err := s.Load(c.fp, c.pass)
		wantCode(t, c.name, err, c.code)
	}
}

func TestPassphraseIsNormalized(t *testing.T) {
	s := newStore(t)
	e, err := s.Save(testKey(t, P256, 0), Entry{}, []byte("contrase\u00f1a segura"))
	if err != nil {
		t.Fatal(err)
	}
	// n + COMBINING TILDE, as a macOS file or some editors produce it.
	if _, err := s.Load(e.Fingerprint, []byte("contrasen\u0303a segura")); err != nil {
		t.Errorf("decomposed ñ did not open a key saved with a precomposed one: %v", err)
	}
}

func TestSaveRefuses(t *testing.T) {
	s := newStore(t)
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	key := testKey(t, P256, 0)
	for _, c := range []struct {
		name string
		err  error
		code string
	}{
		{"short passphrase", second(s.Save(key, Entry{}, []byte("1234567"))), "keystore.weak_passphrase"},
		{"seven characters with ñ in eight bytes", second(s.Save(key, Entry{}, []byte("añoaño1"))), "keystore.weak_passphrase"},
		{"P-384", second(s.Save(p384, Entry{}, passphrase)), "keystore.key_type"},
		{"type disagrees", second(s.Save(key, Entry{KeyType: RSA2048}, passphrase)), "keystore.key_type"},
	} {
		wantCode(t, c.name, c.err, c.code)
	}
	if _, err := s.Save(key, Entry{Fingerprint: strings.Repeat("0", 64)}, passphrase); err == nil {
		t.Error("Save accepted an entry whose fingerprint is not the key's")
	}
	if list, _ := s.List(); len(list) != 0 {
		t.Errorf("refused saves left %d entries", len(list))
	}
}

func second[T any](_ T, err error) error { return err }

// TestTamper changes the file in the ways an accident or an attacker
// could, and checks that Load never hands back a key from a doctored file
// and always names the failure.
func TestTamper(t *testing.T) {
	key := testKey(t, P256, 0)
	cases := []struct {
		name string
		edit func(*keyFile)
		raw  func([]byte) []byte
		code string
	}{
		{name: "ciphertext bit", edit: func(k *keyFile) { k.Key.Ciphertext[3] ^= 1 }, code: "keystore.passphrase"},
		{name: "tag bit", edit: func(k *keyFile) { k.Key.Ciphertext[len(k.Key.Ciphertext)-1] ^= 0x80 }, code: "keystore.passphrase"},
		{name: "nonce bit", edit: func(k *keyFile) { k.Key.Nonce[0] ^= 1 }, code: "keystore.passphrase"},
		{name: "salt bit", edit: func(k *keyFile) { k.Key.Salt[0] ^= 1 }, code: "keystore.passphrase"},
		{name: "relabelled key type", edit: func(k *keyFile) { k.Entry.KeyType = RSA2048 }, code: "keystore.passphrase"},
		{name: "cheaper kdf", edit: func(k *keyFile) { k.Key.Time++ }, code: "keystore.passphrase"},
		{name: "another entry's fingerprint", edit: func(k *keyFile) { k.Entry.Fingerprint = strings.Repeat("a", 64) }, code: "keystore.corrupt"},
		{name: "unknown key type", edit: func(k *keyFile) { k.Entry.KeyType = "ed25519" }, code: "keystore.corrupt"},
		{name: "future version", edit: func(k *keyFile) { k.Version = 2 }, code: "keystore.corrupt"},
		{name: "other cipher", edit: func(k *keyFile) { k.Key.Cipher = "ChaCha20-Poly1305" }, code: "keystore.corrupt"},
		{name: "4 GiB of memory", edit: func(k *keyFile) { k.Key.MemoryKiB = 4 << 20 }, code: "keystore.corrupt"},
		{name: "no passes", edit: func(k *keyFile) { k.Key.Time = 0 }, code: "keystore.corrupt"},
		{name: "short salt", edit: func(k *keyFile) { k.Key.Salt = k.Key.Salt[:8] }, code: "keystore.corrupt"},
		{name: "short nonce", edit: func(k *keyFile) { k.Key.Nonce = k.Key.Nonce[:8] }, code: "keystore.corrupt"},
		{name: "no ciphertext", edit: func(k *keyFile) { k.Key.Ciphertext = nil }, code: "keystore.corrupt"},
		{name: "truncated file", raw: func(b []byte) []byte { return b[:len(b)/2] }, code: "keystore.corrupt"},
		{name: "empty file", raw: func([]byte) []byte { return nil }, code: "keystore.corrupt"},
		{name: "flipped brace", raw: func(b []byte) []byte { b[0] ^= 1; return b }, code: "keystore.corrupt"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := newStore(t)
			e, err := s.Save(key, Entry{}, passphrase)
			if err != nil {
				t.Fatal(err)
			}
			path := s.path(e.Fingerprint)
			data, _ := os.ReadFile(path)
			if c.edit != nil {
				var kf keyFile
				if err := json.Unmarshal(data, &kf); err != nil {
					t.Fatal(err)
				}
				c.edit(&kf)
				data, _ = json.Marshal(kf)
			} else {
				data = c.raw(data)
			}
			if err := os.WriteFile(path, data, 0o600); err != nil {
				t.Fatal(err)
			}
			_, err = s.Load(e.Fingerprint, passphrase)
			wantCode(t, c.name, err, c.code)
		})
	}
}

// TestFlipEveryByte flips each byte of a key file in turn. The metadata is
// not authenticated, so some flips still load; none may load another key.
func TestFlipEveryByte(t *testing.T) {
	s := newStore(t)
	key := testKey(t, P256, 0)
	e, err := s.Save(key, Entry{ID: "12345678Z", Email: "ana@example.org"}, passphrase)
	if err != nil {
		t.Fatal(err)
	}
	path := s.path(e.Fingerprint)
	orig, _ := os.ReadFile(path)
	codes := map[string]int{}
	for i := range orig {
		data := bytes.Clone(orig)
		data[i] ^= 0x01
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		got, err := s.Load(e.Fingerprint, passphrase)
		if err == nil {
			if !samePublicKey(got.Public(), key.Public()) {
				t.Fatalf("flipping byte %d loaded another key", i)
			}
			codes["loaded"]++
			continue
		}
		code := i18n.CodeOf(err)
		if code != "keystore.corrupt" && code != "keystore.passphrase" {
			t.Fatalf("flipping byte %d: %v", i, err)
		}
		codes[code]++
	}
	t.Logf("%d bytes flipped: %v", len(orig), codes)
}

func TestPermissions(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("Windows protects the profile with ACLs, not mode bits")
	}
	dir := filepath.Join(t.TempDir(), "a", "keystore")
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	s.kdf = cheapKDF
	e, err := s.Save(testKey(t, P256, 0), Entry{}, passphrase)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Update(e.Fingerprint, func(e *Entry) { e.CertificateSerial = "01" }); err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]os.FileMode{dir: 0o700, s.path(e.Fingerprint): 0o600} {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got != want {
			t.Errorf("%s: mode %o, want %o", path, got, want)
		}
	}
	// Nothing is left behind by the atomic writes.
	des, _ := os.ReadDir(dir)
	for _, de := range des {
		if strings.HasPrefix(de.Name(), ".tmp-") {
			t.Errorf("temporary file %s left behind", de.Name())
		}
	}
}

func TestListFindByPublicKey(t *testing.T) {
	s := newStore(t)
	const server = "https://sede.example"
	saves := []struct {
		kt      KeyType
		n       int
		server  string
		id      string
		created time.Time
	}{
		{P256, 0, server, "12345678Z", epoch},
		{P256, 1, server, "X1234567L", epoch.Add(time.Hour)},
		{RSA2048, 0, "https://other.example", "12345678Z", epoch.Add(2 * time.Hour)},
		{RSA2048, 1, server, "12345678Z", epoch.Add(3 * time.Hour)},
	}
	fps := make([]string, len(saves))
	for i, v := range saves {
		e, err := s.Save(testKey(t, v.kt, v.n), Entry{Server: v.server, ID: v.id, CreatedAt: v.created}, passphrase)
		if err != nil {
			t.Fatal(err)
		}
		fps[i] = e.Fingerprint
	}
	// Files that are not entries are ignored.
	os.WriteFile(filepath.Join(s.dir, "notes.json"), []byte("{}"), 0o600)
	os.WriteFile(filepath.Join(s.dir, ".tmp-"+fps[0]+".json-123"), []byte("half"), 0o600)

	list, err := s.List()
	if err != nil {
		t.Fatal(err)
	}
	if got, want := fingerprints(list), []string{fps[3], fps[2], fps[1], fps[0]}; !equal(got, want) {
		t.Errorf("List order %v, want newest first %v", got, want)
	}

	for _, c := range []struct {
		server, id string
		want       []string
		code       string
	}{
		{server, "12345678Z", []string{fps[3], fps[0]}, ""},
		{"HTTPS://SEDE.EXAMPLE/", "12.345.678-z", []string{fps[3], fps[0]}, ""},
		{"", "12345678Z", []string{fps[3], fps[2], fps[0]}, ""},
		{server, "x1234567l", []string{fps[1]}, ""},
		{"https://other.example", "X1234567L", nil, "keystore.not_found"},
		{server, "Y1234567X", nil, "keystore.not_found"},
	} {
		found, err := s.Find(c.server, c.id)
		wantCode(t, "Find "+c.server+" "+c.id, err, c.code)
		if got := fingerprints(found); !equal(got, c.want) {
			t.Errorf("Find(%q, %q) = %v, want %v", c.server, c.id, got, c.want)
		}
	}

	e, err := s.ByPublicKey(testKey(t, P256, 1).Public())
	if err != nil || e.Fingerprint != fps[1] || e.ID != "X1234567L" {
		t.Errorf("ByPublicKey = %+v, %v", e, err)
	}
	_, err = s.ByPublicKey(testKey(t, RSA3072, 0).Public())
	wantCode(t, "ByPublicKey of a key not here", err, "keystore.not_found")
}

// TestFindWithDamagedFile: when the key looked for may be the damaged one,
// "not found" (make a new request) would be the wrong advice.
func TestFindWithDamagedFile(t *testing.T) {
	s := newStore(t)
	e, err := s.Save(testKey(t, P256, 0), Entry{Server: "https://sede.example", ID: "12345678Z"}, passphrase)
	if err != nil {
		t.Fatal(err)
	}
	bad := strings.Repeat("b", 64) + fileExt
	os.WriteFile(filepath.Join(s.dir, bad), []byte("{not json"), 0o600)

	if found, err := s.Find("https://sede.example", "12345678Z"); err != nil || len(found) != 1 {
		t.Errorf("a damaged neighbour hid the entry: %v %v", found, err)
	}
	_, err = s.Find("https://sede.example", "X1234567L")
	wantCode(t, "Find with a damaged file", err, "keystore.corrupt")
	if cause := errors.Unwrap(err); cause == nil || !strings.Contains(cause.Error(), bad) {
		t.Errorf("the error does not name the damaged file: %v", cause)
	}
	if list, _ := s.List(); len(list) != 1 || list[0].Fingerprint != e.Fingerprint {
		t.Errorf("List = %v", list)
	}
}

func TestUpdate(t *testing.T) {
	s := newStore(t)
	key := testKey(t, P256, 0)
	e, err := s.Save(key, Entry{Server: "https://sede.example", ID: "12345678Z", Email: "ana@example.org"}, passphrase)
	if err != nil {
		t.Fatal(err)
	}
	expires := epoch.Add(30 * 24 * time.Hour)
	if err := s.Update(e.Fingerprint, func(e *Entry) { e.ApplicationExpiresAt = expires }); err != nil {
		t.Fatal(err)
	}
	if err := s.Update(e.Fingerprint, func(e *Entry) { e.CertificateSerial = "7f3a" }); err != nil {
		t.Fatal(err)
	}
	got, _ := s.ByPublicKey(key.Public())
	if !got.ApplicationExpiresAt.Equal(expires) || got.CertificateSerial != "7f3a" || got.Email != "ana@example.org" || !got.CreatedAt.Equal(e.CreatedAt) {
		t.Errorf("after Update: %+v", got)
	}
	// The key itself is untouched by Update.
	if _, err := s.Load(e.Fingerprint, passphrase); err != nil {
		t.Errorf("Load after Update: %v", err)
	}
	if err := s.Update(e.Fingerprint, func(e *Entry) { e.Fingerprint = strings.Repeat("0", 64) }); err == nil {
		t.Error("Update changed the fingerprint")
	}
	if err := s.Update(e.Fingerprint, func(e *Entry) { e.KeyType = RSA2048 }); err == nil {
		t.Error("Update changed the key type")
	}
	wantCode(t, "Update of a missing entry", s.Update(strings.Repeat("c", 64), func(*Entry) {}), "keystore.not_found")
}

// TestConcurrentUpdates runs under -race in CI: writers must not interleave.
func TestConcurrentUpdates(t *testing.T) {
	s := newStore(t)
	e, err := s.Save(testKey(t, P256, 0), Entry{}, passphrase)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := s.Update(e.Fingerprint, func(e *Entry) { e.CertificateSerial = fmt.Sprint(i) }); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if _, err := s.Load(e.Fingerprint, passphrase); err != nil {
		t.Fatal(err)
	}
}

func TestRemove(t *testing.T) {
	s := newStore(t)
	e, err := s.Save(testKey(t, P256, 0), Entry{}, passphrase)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Remove(e.Fingerprint); err != nil {
		t.Fatal(err)
	}
	_, err = s.Load(e.Fingerprint, passphrase)
	wantCode(t, "Load after Remove", err, "keystore.not_found")
	wantCode(t, "Remove twice", s.Remove(e.Fingerprint), "keystore.not_found")
	wantCode(t, "Remove a path", s.Remove("../x"), "keystore.not_found")
}

func TestSaveReplacesSameKey(t *testing.T) {
	s := newStore(t)
	key := testKey(t, P256, 0)
	e, _ := s.Save(key, Entry{}, passphrase)
	if _, err := s.Save(key, Entry{}, []byte("another passphrase")); err != nil {
		t.Fatal(err)
	}
	_, err := s.Load(e.Fingerprint, passphrase)
	wantCode(t, "old passphrase", err, "keystore.passphrase")
	if _, err := s.Load(e.Fingerprint, []byte("another passphrase")); err != nil {
		t.Error(err)
	}
}

func TestDefaultDir(t *testing.T) {
	d, err := DefaultDir()
	if err != nil {
		t.Skip("no user configuration directory here:", err)
	}
	if filepath.Base(d) != "keystore" || filepath.Base(filepath.Dir(d)) != "llavero" {
		t.Errorf("DefaultDir = %s", d)
	}
}

func TestReadmeIsWritten(t *testing.T) {
	s := newStore(t)
	b, err := os.ReadFile(filepath.Join(s.Dir(), "README.txt"))
	if err != nil || !bytes.Contains(b, []byte("private keys")) {
		t.Errorf("README: %v", err)
	}
}

func TestParseKeyType(t *testing.T) {
	for in, want := range map[string]KeyType{"": P256, "p256": P256, "P-256": P256, "RSA-2048": RSA2048, " rsa3072 ": RSA3072} {
		got, err := ParseKeyType(in)
		if err != nil || got != want {
			t.Errorf("ParseKeyType(%q) = %q, %v", in, got, err)
		}
	}
	_, err := ParseKeyType("rsa1024")
	wantCode(t, "rsa1024", err, "keystore.key_type")
	_, err = Generate("ed25519")
	wantCode(t, "Generate ed25519", err, "keystore.key_type")
}

// TestNoTerminalDependency keeps the package importable by the server.
func TestNoTerminalDependency(t *testing.T) {
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go command not found")
	}
	out, err := exec.Command(gobin, "list", "-deps", ".").Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, dep := range strings.Fields(string(out)) {
		if dep == "golang.org/x/term" || dep == "os/signal" {
			t.Errorf("keystore depends on %s; the server imports it", dep)
		}
	}
}

func fingerprints(es []Entry) []string {
	var out []string
	for _, e := range es {
		out = append(out, e.Fingerprint)
	}
	return out
}

func equal(a, b []string) bool {
	return strings.Join(a, ",") == strings.Join(b, ",")
}
