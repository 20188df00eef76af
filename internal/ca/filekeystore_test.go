package ca_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/llavero/llavero/internal/ca"
	"github.com/llavero/llavero/internal/ca/catest"
)

var testPassphrase = []byte("correct horse battery staple")

func newFileKeyStore(t *testing.T, dir string, pass []byte) *ca.FileKeyStore {
	t.Helper()
	ks, err := ca.NewFileKeyStore(dir, pass)
	if err != nil {
		t.Fatal(err)
	}
	ks.UseFastKDF()
	return ks
}

func TestFileKeyStoreConformance(t *testing.T) {
	catest.RunKeyStore(t, func(t *testing.T) ca.KeyStore {
		return newFileKeyStore(t, filepath.Join(t.TempDir(), "keys"), testPassphrase)
	}, ca.P256, ca.P384, ca.RSA2048)
}

func TestFileKeyStoreKeepsKeysAcrossReopen(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "keys")
	ctx := context.Background()
	k, err := newFileKeyStore(t, dir, testPassphrase).Generate(ctx, "issuing-citizens", ca.P256)
	if err != nil {
		t.Fatal(err)
	}
	loaded, err := newFileKeyStore(t, dir, bytes.Clone(testPassphrase)).Load(ctx, "issuing-citizens")
	if err != nil {
		t.Fatal(err)
	}
	if !samePub(loaded.Public(), k.Public()) {
		t.Fatal("reopened store loaded another key")
	}
}

// The real argon2id parameters, once, so the suite covers what production
// writes.
func TestFileKeyStoreDefaultKDF(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "keys")
	ks, err := ca.NewFileKeyStore(dir, testPassphrase)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := ks.Generate(ctx, "root", ca.P384); err != nil {
		t.Fatal(err)
	}
	if _, err := ks.Load(ctx, "root"); err != nil {
		t.Fatal(err)
	}
	var f struct {
		Format  string
		Version int
		Alg     string
		KDF     struct {
			Name      string
			Time      int
			MemoryKiB int `json:"memory_kib"`
			Threads   int
			Salt      []byte
		}
		Cipher struct{ Name string }
	}
	data, err := os.ReadFile(filepath.Join(dir, "root.key"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &f); err != nil {
		t.Fatal(err)
	}
	got := fmt.Sprintf("%s v%d %s %s t=%d m=%d p=%d salt=%d %s", f.Format, f.Version, f.Alg, f.KDF.Name, f.KDF.Time, f.KDF.MemoryKiB, f.KDF.Threads, len(f.KDF.Salt), f.Cipher.Name)
	if want := "llavero-key v1 p384 argon2id t=3 m=65536 p=4 salt=16 aes-256-gcm"; got != want {
		t.Errorf("key file header:\n got %s\nwant %s", got, want)
	}
}

func TestFileKeyStoreWrongPassphrase(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "keys")
	ctx := context.Background()
	if _, err := newFileKeyStore(t, dir, testPassphrase).Generate(ctx, "root", ca.P256); err != nil {
		t.Fatal(err)
	}
	_, err := newFileKeyStore(t, dir, []byte("Correct horse battery staple")).Load(ctx, "root")
	if !errors.Is(err, ca.ErrWrongPassphrase) {
		t.Fatalf("got %v, want ErrWrongPassphrase", err)
	}
	if errors.Is(err, ca.ErrKeyNotFound) {
		t.Fatal("a wrong passphrase must not look like a missing key")
	}
	for _, want := range []string{`"root"`, "root.key", "wrong passphrase"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %s", err, want)
		}
	}
}

func TestFileKeyStoreFilesAreSealed(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "keys")
	ks := newFileKeyStore(t, dir, testPassphrase)
	k, err := ks.Generate(context.Background(), "issuing-citizens", ca.P256)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "issuing-citizens.key")
	for p, want := range map[string]os.FileMode{dir: 0o700, path: 0o600} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != want {
			t.Errorf("%s: mode %04o, want %04o", p, fi.Mode().Perm(), want)
		}
	}
	data, _ := os.ReadFile(path)
	der, _ := x509.MarshalPKCS8PrivateKey(k)
	if bytes.Contains(data, der[len(der)-32:]) || bytes.Contains(data, testPassphrase) {
		t.Error("the key file holds the private key or the passphrase in the clear")
	}
	if s := fmt.Sprintf("%v %+v %#v %s", ks, ks, ks, ks); bytes.Contains([]byte(s), testPassphrase) {
		t.Errorf("printing the store shows the passphrase: %s", s)
	}
}

func TestFileKeyStoreRefusesTampering(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name   string
		tamper func(t *testing.T, dir string)
		want   string
	}{
		{"file renamed to another label", func(t *testing.T, dir string) {
			mustRename(t, filepath.Join(dir, "root.key"), filepath.Join(dir, "issuing-citizens.key"))
		}, `holds the key labelled "root"`},
		{"label edited to match the file name", func(t *testing.T, dir string) {
			mustRename(t, filepath.Join(dir, "root.key"), filepath.Join(dir, "issuing-citizens.key"))
			editFile(t, filepath.Join(dir, "issuing-citizens.key"), `"label": "root"`, `"label": "issuing-citizens"`)
		}, "wrong passphrase, or the key file was altered"},
		{"algorithm edited", func(t *testing.T, dir string) {
			editFile(t, filepath.Join(dir, "root.key"), `"alg": "p256"`, `"alg": "p384"`)
			mustRename(t, filepath.Join(dir, "root.key"), filepath.Join(dir, "issuing-citizens.key"))
			editFile(t, filepath.Join(dir, "issuing-citizens.key"), `"label": "root"`, `"label": "issuing-citizens"`)
		}, "wrong passphrase, or the key file was altered"},
		{"future version", func(t *testing.T, dir string) {
			mustRename(t, filepath.Join(dir, "root.key"), filepath.Join(dir, "issuing-citizens.key"))
			editFile(t, filepath.Join(dir, "issuing-citizens.key"), `"version": 1`, `"version": 2`)
		}, "version 2 is not supported"},
		{"readable by others", func(t *testing.T, dir string) {
			mustRename(t, filepath.Join(dir, "root.key"), filepath.Join(dir, "issuing-citizens.key"))
			if err := os.Chmod(filepath.Join(dir, "issuing-citizens.key"), 0o644); err != nil {
				t.Fatal(err)
			}
		}, "chmod 600"},
		{"not a key file", func(t *testing.T, dir string) {
			if err := os.WriteFile(filepath.Join(dir, "issuing-citizens.key"), []byte("-----BEGIN PRIVATE KEY-----\n"), 0o600); err != nil {
				t.Fatal(err)
			}
		}, "is not a llavero key file"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "keys")
			ks := newFileKeyStore(t, dir, testPassphrase)
			if _, err := ks.Generate(ctx, "root", ca.P256); err != nil {
				t.Fatal(err)
			}
			tc.tamper(t, dir)
			_, err := ks.Load(ctx, "issuing-citizens")
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Load: got %v, want an error containing %q", err, tc.want)
			}
		})
	}
}

func TestNewFileKeyStoreRefuses(t *testing.T) {
	open := t.TempDir()
	if err := os.Chmod(open, 0o755); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, dir string
		pass      []byte
		want      string
	}{
		{"empty passphrase", filepath.Join(t.TempDir(), "k"), nil, "passphrase is empty"},
		{"no directory", "", testPassphrase, "no directory"},
		{"directory open to others", open, testPassphrase, "chmod 700"},
		{"a file, not a directory", file, testPassphrase, "not a directory"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ca.NewFileKeyStore(tc.dir, tc.pass)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error containing %q", err, tc.want)
			}
		})
	}
}

func TestFileKeyStoreLabels(t *testing.T) {
	ks := newFileKeyStore(t, filepath.Join(t.TempDir(), "keys"), testPassphrase)
	for _, label := range []string{"../root", "a/b", ".hidden", "Root", "root key", strings.Repeat("a", 65)} {
		if _, err := ks.Generate(context.Background(), label, ca.P256); err == nil {
			t.Errorf("Generate accepted label %q", label)
		}
	}
}

func TestFileKeyStoreClosed(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "keys")
	ks := newFileKeyStore(t, dir, testPassphrase)
	if _, err := ks.Generate(context.Background(), "root", ca.P256); err != nil {
		t.Fatal(err)
	}
	if err := ks.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := ks.Load(context.Background(), "root"); err == nil || !strings.Contains(err.Error(), "closed") {
		t.Fatalf("Load after Close: got %v", err)
	}
}

func samePub(a, b crypto.PublicKey) bool {
	return a.(interface{ Equal(crypto.PublicKey) bool }).Equal(b)
}

func mustRename(t *testing.T, from, to string) {
	t.Helper()
	if err := os.Rename(from, to); err != nil {
		t.Fatal(err)
	}
}

func editFile(t *testing.T, path, old, new string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b, []byte(old)) {
		t.Fatalf("%s does not contain %s:\n%s", path, old, b)
	}
	if err := os.WriteFile(path, bytes.Replace(b, []byte(old), []byte(new), 1), 0o600); err != nil {
		t.Fatal(err)
	}
}
