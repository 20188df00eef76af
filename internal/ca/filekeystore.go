package ca

import (
	"bytes"
	"context"
	"crypto"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"sync"

	"golang.org/x/crypto/argon2"
)

// ErrWrongPassphrase is returned (wrapped) by FileKeyStore.Load when a key
// file does not open with the store's passphrase.
var ErrWrongPassphrase = errors.New("wrong passphrase, or the key file was altered")

// FileKeyStore keeps each key in its own file, encrypted at rest. It is
// meant for development and small deployments; production keys belong in a
// PKCS#11 token.
//
// A key file, DIR/<label>.key (mode 0600, DIR mode 0700), is JSON:
//
//	{
//	  "format": "llavero-key",
//	  "version": 1,
//	  "label": "issuing-citizens",
//	  "alg": "p256",
//	  "kdf": {"name": "argon2id", "time": 3, "memory_kib": 65536, "threads": 4, "salt": "<base64, 16 bytes>"},
//	  "cipher": {"name": "aes-256-gcm", "nonce": "<base64, 12 bytes>"},
//	  "ciphertext": "<base64: AES-256-GCM of the PKCS#8 DER private key>"
//	}
//
// The AES key is argon2id(passphrase, salt) with the parameters written in
// the file, so they can be raised for new keys without breaking old ones.
// The label, version and algorithm are the GCM additional data: a file
// renamed to another label, or edited, fails to open.
type FileKeyStore struct {
	dir string
	kdf kdfParams // for new keys; tests lower it, files carry their own

	mu         sync.RWMutex
	passphrase []byte // nil once closed
}

const (
	keyFileFormat  = "llavero-key"
	keyFileVersion = 1
	keyFileExt     = ".key"
)

type kdfParams struct {
	Name      string `json:"name"`
	Time      uint32 `json:"time"`
	MemoryKiB uint32 `json:"memory_kib"`
	Threads   uint8  `json:"threads"`
	Salt      []byte `json:"salt"`
}

// defaultKDF is RFC 9106's second recommended option: about 160 ms and
// 64 MiB on the 2-core machine, paid once per key at start-up.
var defaultKDF = kdfParams{Name: "argon2id", Time: 3, MemoryKiB: 64 * 1024, Threads: 4}

// Reading a file's parameters must not let a crafted file make us allocate
// without bound.
const (
	maxKDFTime      = 64
	maxKDFMemoryKiB = 4 * 1024 * 1024
)

type keyFile struct {
	Format  string    `json:"format"`
	Version int       `json:"version"`
	Label   string    `json:"label"`
	Alg     KeyAlg    `json:"alg"`
	KDF     kdfParams `json:"kdf"`
	Cipher  struct {
		Name  string `json:"name"`
		Nonce []byte `json:"nonce"`
	} `json:"cipher"`
	Ciphertext []byte `json:"ciphertext"`
}

// NewFileKeyStore opens (creating it if needed, mode 0700) the directory dir
// for key files encrypted under passphrase. The passphrase is copied; Close
// wipes the copy.
func NewFileKeyStore(dir string, passphrase []byte) (*FileKeyStore, error) {
	if dir == "" {
		return nil, errors.New("ca: file key store: no directory given")
	}
	if len(passphrase) == 0 {
		return nil, errors.New("ca: file key store: the passphrase is empty")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("ca: file key store: %w", err)
	}
	fi, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("ca: file key store: %w", err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("ca: file key store: %s is not a directory", dir)
	}
	if runtime.GOOS != "windows" && fi.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("ca: file key store: %s is open to other users (mode %04o): run chmod 700 %s", dir, fi.Mode().Perm(), dir)
	}
	return &FileKeyStore{dir: dir, kdf: defaultKDF, passphrase: bytes.Clone(passphrase)}, nil
}

// String keeps the passphrase out of anything that prints the store.
func (s *FileKeyStore) String() string { return "FileKeyStore(" + s.dir + ")" }

// GoString does the same for %#v.
func (s *FileKeyStore) GoString() string { return s.String() }

func (s *FileKeyStore) path(label string) string {
	return filepath.Join(s.dir, label+keyFileExt)
}

// checkFileLabel keeps labels to names that are safe as file names
// everywhere: no separators, no dot files, no case folding surprises.
func checkFileLabel(label string) error {
	if label == "" || len(label) > 64 {
		return fmt.Errorf("ca: key label %q must be 1 to 64 characters", label)
	}
	for i, r := range label {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
		case (r == '-' || r == '_' || r == '.') && i > 0:
		default:
			return fmt.Errorf("ca: key label %q may hold only a-z, 0-9 and - _ . (not first)", label)
		}
	}
	return nil
}

// Generate makes a key under label and writes it, refusing to replace an
// existing file.
func (s *FileKeyStore) Generate(ctx context.Context, label string, alg KeyAlg) (crypto.Signer, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := checkFileLabel(label); err != nil {
		return nil, err
	}
	if err := alg.check(); err != nil {
		return nil, err
	}
	path := s.path(label)
	// Checked first so that a clash costs neither a key generation nor a
	// key derivation; the link below is what really guarantees it.
	if _, err := os.Lstat(path); err == nil {
		return nil, fmt.Errorf("ca: key %q (%s): %w", label, path, ErrKeyExists)
	}
	key, err := GenerateSoftwareKey(alg)
	if err != nil {
		return nil, err
	}
	data, err := s.seal(label, alg, key)
	if err != nil {
		return nil, err
	}
	if err := writeNew(path, data, 0o600); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return nil, fmt.Errorf("ca: key %q (%s): %w", label, path, ErrKeyExists)
		}
		return nil, fmt.Errorf("ca: key %q: %w", label, err)
	}
	return key, nil
}

// Load reads and decrypts the key under label.
func (s *FileKeyStore) Load(ctx context.Context, label string) (crypto.Signer, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := checkFileLabel(label); err != nil {
		return nil, err
	}
	path := s.path(label)
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("ca: key %q: no file %s: %w", label, path, ErrKeyNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("ca: key %q: %w", label, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("ca: key %q: %w", label, err)
	}
	if runtime.GOOS != "windows" && fi.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("ca: key %q: %s is open to other users (mode %04o): run chmod 600 %s", label, path, fi.Mode().Perm(), path)
	}
	var kf keyFile
	dec := json.NewDecoder(f)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&kf); err != nil {
		return nil, fmt.Errorf("ca: key %q: %s is not a llavero key file: %w", label, path, err)
	}
	key, err := s.open(label, &kf)
	if err != nil {
		return nil, fmt.Errorf("ca: key %q (%s): %w", label, path, err)
	}
	return key, nil
}

// Close wipes the passphrase; the store cannot be used afterwards.
func (s *FileKeyStore) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.passphrase)
	s.passphrase = nil
	return nil
}

func keyFileAAD(label string, alg KeyAlg) []byte {
	return fmt.Appendf(nil, "%s/v%d\n%s\n%s", keyFileFormat, keyFileVersion, label, alg)
}

// deriveKey runs argon2id under the read lock so that Close cannot wipe
// the passphrase halfway through.
func (s *FileKeyStore) deriveKey(p kdfParams) ([]byte, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.passphrase == nil {
		return nil, errors.New("the key store is closed")
	}
	k := argon2.IDKey(s.passphrase, p.Salt, p.Time, p.MemoryKiB, p.Threads, 32)
	// argon2id's 64 MiB are garbage now. Hand them back to the system at
	// once: a server opens two keys at start, and without this both blocks
	// stay in its resident memory until the collector gets round to them,
	// which doubled the server's peak (170 MB) before it served anything.
	debug.FreeOSMemory()
	return k, nil
}

func (s *FileKeyStore) seal(label string, alg KeyAlg, key crypto.Signer) ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, err
	}
	defer clear(der)
	kf := keyFile{Format: keyFileFormat, Version: keyFileVersion, Label: label, Alg: alg, KDF: s.kdf}
	kf.KDF.Salt = make([]byte, 16)
	kf.Cipher.Name = "aes-256-gcm"
	kf.Cipher.Nonce = make([]byte, 12)
	if _, err := rand.Read(kf.KDF.Salt); err != nil {
		return nil, err
	}
	if _, err := rand.Read(kf.Cipher.Nonce); err != nil {
		return nil, err
	}
	aead, err := s.aead(kf.KDF)
	if err != nil {
		return nil, err
	}
	kf.Ciphertext = aead.Seal(nil, kf.Cipher.Nonce, der, keyFileAAD(label, alg))
	return json.MarshalIndent(&kf, "", "  ")
}

func (s *FileKeyStore) open(label string, kf *keyFile) (crypto.Signer, error) {
	switch {
	case kf.Format != keyFileFormat:
		return nil, fmt.Errorf("format %q is not %q", kf.Format, keyFileFormat)
	case kf.Version != keyFileVersion:
		return nil, fmt.Errorf("key file version %d is not supported (this llavero reads version %d)", kf.Version, keyFileVersion)
	case kf.Label != label:
		return nil, fmt.Errorf("the file holds the key labelled %q", kf.Label)
	case kf.KDF.Name != "argon2id" || kf.Cipher.Name != "aes-256-gcm":
		return nil, fmt.Errorf("unsupported protection %s/%s", kf.KDF.Name, kf.Cipher.Name)
	case kf.KDF.Time < 1 || kf.KDF.Time > maxKDFTime || kf.KDF.MemoryKiB < 8 || kf.KDF.MemoryKiB > maxKDFMemoryKiB ||
		kf.KDF.Threads < 1 || len(kf.KDF.Salt) < 16 || len(kf.Cipher.Nonce) != 12:
		return nil, errors.New("key derivation parameters out of range")
	}
	if err := kf.Alg.check(); err != nil {
		return nil, err
	}
	aead, err := s.aead(kf.KDF)
	if err != nil {
		return nil, err
	}
	der, err := aead.Open(nil, kf.Cipher.Nonce, kf.Ciphertext, keyFileAAD(label, kf.Alg))
	if err != nil {
		return nil, ErrWrongPassphrase
	}
	defer clear(der)
	k, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, fmt.Errorf("decrypted key does not parse: %w", err)
	}
	signer, ok := k.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("key of type %T cannot sign", k)
	}
	if alg, err := keyAlgOf(signer.Public()); err != nil || alg != kf.Alg {
		return nil, fmt.Errorf("the file says %s but holds another kind of key", kf.Alg)
	}
	return signer, nil
}

func (s *FileKeyStore) aead(p kdfParams) (cipher.AEAD, error) {
	k, err := s.deriveKey(p)
	if err != nil {
		return nil, err
	}
	defer clear(k)
	block, err := aes.NewCipher(k)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// writeNew writes data to path only if path does not exist, and never
// leaves a half-written file there: the data goes to a temporary file that
// is then hard-linked into place, which fails if path was taken meanwhile.
func writeNew(path string, data []byte, perm fs.FileMode) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-"+filepath.Base(path)+"-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(perm); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Link(tmp.Name(), path); err != nil {
		return err
	}
	return syncDir(filepath.Dir(path))
}

func syncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
