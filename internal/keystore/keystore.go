package keystore

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/llavero/llavero/internal/identity"
)

// Entry describes one key in the keystore: which application it was made for
// and how far that application has got. It is stored in clear beside the
// encrypted key, so the tool can say "you have a pending application with
// this server" without asking for the passphrase; nothing in it is secret.
// The JSON names are part of the file format and of `--json` output.
type Entry struct {
	// Fingerprint is the hex SHA-256 of the public key's
	// SubjectPublicKeyInfo, and the entry's name.
	Fingerprint string  `json:"fingerprint"`
	KeyType     KeyType `json:"key_type"`
	// Server, ID and Email say which application the key belongs to. ID is
	// the canonical DNI or NIE.
	Server string `json:"server"`
	ID     string `json:"id"`
	Email  string `json:"email"`

	CreatedAt time.Time `json:"created_at"`
	// ApplicationExpiresAt is set once the server has answered the request.
	ApplicationExpiresAt time.Time `json:"application_expires_at,omitzero"`
	// CertificateSerial is set once the certificate has been downloaded.
	CertificateSerial string `json:"certificate_serial,omitempty"`
}

// Store is a keystore directory. Its methods are safe for concurrent use
// within one process; two processes writing the same entry at once end with
// one of the two versions, whole, never a mixture (writes are atomic).
type Store struct {
	dir string
	kdf kdfParams // tests lower it; everything else uses defaultKDF
	now func() time.Time
	mu  sync.Mutex
}

// DefaultDir is the keystore of the current user: the user's configuration
// directory plus llavero/keystore, that is ~/.config/llavero/keystore on
// Linux, ~/Library/Application Support/llavero/keystore on macOS and
// %AppData%\llavero\keystore on Windows. It lives with the user, not with a
// browser profile, so updating or changing browsers cannot lose the key.
func DefaultDir() (string, error) {
	base, err := os.UserConfigDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(base, "llavero", "keystore"), nil
}

// Open opens the keystore in dir, creating it (mode 0700) if needed.
func Open(dir string) (*Store, error) {
	if dir == "" {
		return nil, errors.New("keystore: no directory given")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	s := &Store{dir: dir, kdf: defaultKDF, now: time.Now}
	s.writeReadme()
	return s, nil
}

// Dir returns the keystore's directory, for messages that tell the citizen
// which folder to keep or copy.
func (s *Store) Dir() string { return s.dir }

// The key file format, version 1, is documented in the package comment
// (doc.go); these names are part of it.
const (
	fileFormat  = "llavero-keystore-key"
	fileVersion = 1
	fileExt     = ".json"
	kdfArgon2id = "argon2id"
	cipherGCM   = "AES-256-GCM"
)

type keyFile struct {
	Format  string     `json:"format"`
	Version int        `json:"version"`
	Entry   Entry      `json:"entry"`
	Key     sealedJSON `json:"encrypted_key"`
}

type sealedJSON struct {
	KDF        string `json:"kdf"`
	KDFVersion int    `json:"kdf_version"`
	Time       uint32 `json:"time"`
	MemoryKiB  uint32 `json:"memory_kib"`
	Threads    uint8  `json:"threads"`
	Salt       []byte `json:"salt"`
	Cipher     string `json:"cipher"`
	Nonce      []byte `json:"nonce"`
	Ciphertext []byte `json:"ciphertext"`
}

func toJSON(s sealed) sealedJSON {
	return sealedJSON{
		KDF: kdfArgon2id, KDFVersion: 0x13,
		Time: s.kdf.Time, MemoryKiB: s.kdf.MemoryKiB, Threads: s.kdf.Threads,
		Salt: s.salt, Cipher: cipherGCM, Nonce: s.nonce, Ciphertext: s.ciphertext,
	}
}

func (j sealedJSON) sealed() (sealed, error) {
	if j.KDF != kdfArgon2id || j.KDFVersion != 0x13 || j.Cipher != cipherGCM {
		return sealed{}, fmt.Errorf("unsupported algorithms %s v%d / %s", j.KDF, j.KDFVersion, j.Cipher)
	}
	s := sealed{
		kdf:  kdfParams{Time: j.Time, MemoryKiB: j.MemoryKiB, Threads: j.Threads},
		salt: j.Salt, nonce: j.Nonce, ciphertext: j.Ciphertext,
	}
	return s, s.check()
}

func aad(fp string, t KeyType) []byte {
	return []byte("llavero-keystore-key/1\x00" + fp + "\x00" + string(t))
}

func parseKeyFile(fp string, data []byte) (keyFile, sealed, error) {
	var kf keyFile
	if err := json.Unmarshal(data, &kf); err != nil {
		return keyFile{}, sealed{}, err
	}
	if kf.Format != fileFormat || kf.Version != fileVersion {
		return keyFile{}, sealed{}, fmt.Errorf("format %q version %d, want %q version %d", kf.Format, kf.Version, fileFormat, fileVersion)
	}
	if kf.Entry.Fingerprint != fp {
		return keyFile{}, sealed{}, fmt.Errorf("file %s holds entry %s", fp, kf.Entry.Fingerprint)
	}
	if !slices.Contains(KeyTypes, kf.Entry.KeyType) {
		return keyFile{}, sealed{}, fmt.Errorf("key type %q", kf.Entry.KeyType)
	}
	sl, err := kf.Key.sealed()
	if err != nil {
		return keyFile{}, sealed{}, err
	}
	return kf, sl, nil
}

func (s *Store) path(fp string) string { return filepath.Join(s.dir, fp+fileExt) }

// read loads an entry's file without touching the secret.
func (s *Store) read(fp string) (keyFile, sealed, error) {
	data, err := os.ReadFile(s.path(fp))
	if errors.Is(err, fs.ErrNotExist) {
		return keyFile{}, sealed{}, ErrNotFound.Wrap(fmt.Errorf("no key %s in %s", fp, s.dir))
	}
	if err != nil {
		return keyFile{}, sealed{}, err
	}
	kf, sl, err := parseKeyFile(fp, data)
	if err != nil {
		return keyFile{}, sealed{}, ErrCorrupt.Wrap(fmt.Errorf("%s: %w", s.path(fp), err))
	}
	return kf, sl, nil
}

func (s *Store) write(kf keyFile) error {
	data, err := json.MarshalIndent(kf, "", "  ")
	if err != nil {
		return err
	}
	return writeAtomic(s.dir, kf.Entry.Fingerprint+fileExt, append(data, '\n'))
}

// Save encrypts key under passphrase and stores it with e. Fingerprint and
// KeyType are filled in from the key (a value already set must agree), and
// CreatedAt defaults to now. Saving a key that is already there replaces its
// file, which is how its passphrase is changed.
//
// Before returning, Save reads the file back and opens it: a key that was
// not written properly must be found out now, before the request reaches the
// server, not weeks later at the download.
func (s *Store) Save(key crypto.Signer, e Entry, passphrase []byte) (Entry, error) {
	if key == nil {
		return Entry{}, errors.New("keystore: no key to save")
	}
	if err := CheckPassphrase(passphrase); err != nil {
		return Entry{}, err
	}
	t, err := TypeOf(key.Public())
	if err != nil {
		return Entry{}, err
	}
	if e.KeyType != "" && e.KeyType != t {
		return Entry{}, ErrKeyType.Wrap(fmt.Errorf("entry says %s, the key is %s", e.KeyType, t))
	}
	fp, err := Fingerprint(key.Public())
	if err != nil {
		return Entry{}, err
	}
	if e.Fingerprint != "" && !strings.EqualFold(e.Fingerprint, fp) {
		return Entry{}, fmt.Errorf("keystore: entry fingerprint %s does not match the key's %s", e.Fingerprint, fp)
	}
	e.Fingerprint, e.KeyType = fp, t
	e.Server, e.ID = normalizeServer(e.Server), canonicalID(e.ID)
	if e.CreatedAt.IsZero() {
		e.CreatedAt = s.now()
	}
	e.CreatedAt = e.CreatedAt.UTC().Truncate(time.Second)

	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return Entry{}, ErrKeyType.Wrap(err)
	}
	defer clear(der)
	sl, dk, err := seal(s.kdf, passphrase, der, aad(fp, t))
	if err != nil {
		return Entry{}, err
	}
	defer clear(dk)

	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.write(keyFile{Format: fileFormat, Version: fileVersion, Entry: e, Key: toJSON(sl)}); err != nil {
		return Entry{}, err
	}
	if err := s.verify(fp, t, dk, der); err != nil {
		os.Remove(s.path(fp))
		return Entry{}, fmt.Errorf("keystore: the key file did not read back as written: %w", err)
	}
	return e, nil
}

func (s *Store) verify(fp string, t KeyType, key, want []byte) error {
	_, sl, err := s.read(fp)
	if err != nil {
		return err
	}
	got, err := sl.openWithKey(key, aad(fp, t))
	if err != nil {
		return err
	}
	defer clear(got)
	if !bytes.Equal(got, want) {
		return errors.New("decrypted key differs")
	}
	return nil
}

// Update changes an entry's bookkeeping (application expiry, certificate
// serial) without the passphrase: fn edits a copy, which is then written in
// place of the old one. fn must not change the fingerprint or the key type,
// which belong to the key itself.
func (s *Store) Update(fingerprint string, fn func(*Entry)) error {
	fp := strings.ToLower(fingerprint)
	if !validFingerprint(fp) {
		return ErrNotFound.Wrap(fmt.Errorf("%q is not a key fingerprint", fingerprint))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	kf, _, err := s.read(fp)
	if err != nil {
		return err
	}
	e := kf.Entry
	fn(&e)
	if e.Fingerprint != kf.Entry.Fingerprint || e.KeyType != kf.Entry.KeyType {
		return errors.New("keystore: Update must not change the fingerprint or the key type")
	}
	e.Server, e.ID = normalizeServer(e.Server), canonicalID(e.ID)
	e.CreatedAt = e.CreatedAt.UTC()
	kf.Entry = e
	return s.write(kf)
}

// List returns every readable entry, newest first. Files that cannot be
// read are left out here; Find reports them, because one of them might be
// the key being looked for.
func (s *Store) List() ([]Entry, error) {
	entries, _, err := s.list()
	return entries, err
}

func (s *Store) list() (entries []Entry, broken []string, err error) {
	des, err := os.ReadDir(s.dir)
	if err != nil {
		return nil, nil, err
	}
	for _, de := range des {
		fp, ok := strings.CutSuffix(de.Name(), fileExt)
		if !ok || !validFingerprint(fp) || !de.Type().IsRegular() {
			continue
		}
		kf, _, err := s.read(fp)
		if err != nil {
			broken = append(broken, de.Name())
			continue
		}
		entries = append(entries, kf.Entry)
	}
	slices.SortFunc(entries, func(a, b Entry) int {
		if c := b.CreatedAt.Compare(a.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(a.Fingerprint, b.Fingerprint)
	})
	return entries, broken, nil
}

// Find returns the entries for an application: those made for id (a DNI or
// NIE in any accepted spelling) with server, newest first. An empty server
// matches every server. When there are none the error is ErrNotFound, or
// ErrCorrupt when some key file could not be read and so might have been
// the one.
func (s *Store) Find(server, id string) ([]Entry, error) {
	all, broken, err := s.list()
	if err != nil {
		return nil, err
	}
	server, id = normalizeServer(server), canonicalID(id)
	var found []Entry
	for _, e := range all {
		if e.ID == id && (server == "" || e.Server == server) {
			found = append(found, e)
		}
	}
	if len(found) > 0 {
		return found, nil
	}
	if len(broken) > 0 {
		return nil, ErrCorrupt.Wrap(fmt.Errorf("no readable key for %s at %q in %s; unreadable: %s", id, server, s.dir, strings.Join(broken, ", ")))
	}
	return nil, ErrNotFound.Wrap(fmt.Errorf("no key for %s at %q in %s", id, server, s.dir))
}

// ByPublicKey returns the entry holding the private half of pub, for
// instance the key a certificate was issued for.
func (s *Store) ByPublicKey(pub crypto.PublicKey) (Entry, error) {
	fp, err := Fingerprint(pub)
	if err != nil {
		return Entry{}, err
	}
	kf, _, err := s.read(fp)
	if err != nil {
		return Entry{}, err
	}
	return kf.Entry, nil
}

// Load decrypts and returns the private key of an entry. A wrong passphrase
// is ErrPassphrase; a file that cannot be what Save wrote is ErrCorrupt.
func (s *Store) Load(fingerprint string, passphrase []byte) (crypto.Signer, error) {
	fp := strings.ToLower(fingerprint)
	if !validFingerprint(fp) {
		return nil, ErrNotFound.Wrap(fmt.Errorf("%q is not a key fingerprint", fingerprint))
	}
	kf, sl, err := s.read(fp)
	if err != nil {
		return nil, err
	}
	der, err := sl.open(passphrase, aad(fp, kf.Entry.KeyType))
	if errors.Is(err, errOpen) {
		return nil, ErrPassphrase.Wrap(fmt.Errorf("%s: %w", s.path(fp), err))
	}
	if err != nil {
		return nil, ErrCorrupt.Wrap(fmt.Errorf("%s: %w", s.path(fp), err))
	}
	defer clear(der)
	k, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, ErrCorrupt.Wrap(fmt.Errorf("%s: %w", s.path(fp), err))
	}
	key, ok := k.(crypto.Signer)
	if !ok {
		return nil, ErrCorrupt.Wrap(fmt.Errorf("%s: a %T is not a signing key", s.path(fp), k))
	}
	// Authenticated data already binds the fingerprint; recomputing it from
	// the key itself also catches a file sealed by a buggy writer.
	if t, err := TypeOf(key.Public()); err != nil || t != kf.Entry.KeyType {
		return nil, ErrCorrupt.Wrap(fmt.Errorf("%s: key is not of type %s", s.path(fp), kf.Entry.KeyType))
	}
	if got, err := Fingerprint(key.Public()); err != nil || got != fp {
		return nil, ErrCorrupt.Wrap(fmt.Errorf("%s: key does not match its fingerprint", s.path(fp)))
	}
	return key, nil
}

// Remove deletes an entry and its key. The key cannot be recovered
// afterwards: callers do this only once the certificate is safely backed up
// or the application is cancelled.
func (s *Store) Remove(fingerprint string) error {
	fp := strings.ToLower(fingerprint)
	if !validFingerprint(fp) {
		return ErrNotFound.Wrap(fmt.Errorf("%q is not a key fingerprint", fingerprint))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	err := os.Remove(s.path(fp))
	if errors.Is(err, fs.ErrNotExist) {
		return ErrNotFound.Wrap(fmt.Errorf("no key %s in %s", fp, s.dir))
	}
	if err != nil {
		return err
	}
	syncDir(s.dir)
	return nil
}

// normalizeServer makes "https://Sede.example/" and "https://sede.example"
// the same application server.
func normalizeServer(s string) string {
	s = strings.TrimSpace(s)
	u, err := url.Parse(s)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return strings.TrimRight(s, "/")
	}
	u.Scheme = strings.ToLower(u.Scheme)
	u.Host = strings.ToLower(u.Host)
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = ""
	return u.String()
}

// canonicalID stores a DNI or NIE the way the server does, so that "x-1234567-l"
// finds the key saved for "X1234567L". Anything else is kept as typed, upper
// case: the keystore is not the place to refuse an identifier.
func canonicalID(s string) string {
	if id, err := identity.ParseID(s); err == nil {
		return id.Value
	}
	return strings.ToUpper(strings.TrimSpace(s))
}

// writeAtomic replaces dir/name with data so that a crash or a full disk
// leaves either the old file or the new one, never a truncated key: the data
// goes to a temporary file in the same directory, is flushed, and is renamed
// over the old name (an atomic replace on POSIX and, through
// MoveFileEx(MOVEFILE_REPLACE_EXISTING), on Windows).
func writeAtomic(dir, name string, data []byte) (err error) {
	f, err := os.CreateTemp(dir, ".tmp-"+name+"-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	// CreateTemp already uses 0600; saying so keeps it true if that changes.
	if err = f.Chmod(0o600); err != nil {
		return err
	}
	if _, err = f.Write(data); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	if err = os.Rename(tmp, filepath.Join(dir, name)); err != nil {
		return err
	}
	syncDir(dir)
	return nil
}

// syncDir makes a rename durable on POSIX file systems. Windows cannot open
// a directory for syncing and does not need to; the error is ignored there
// and anywhere else it is not supported.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
}

// readme is left in the keystore directory for the person who finds it
// while tidying up: these files are worth keeping.
const readme = `llavero keystore

ES: Estos archivos son las claves privadas de tus solicitudes de certificado,
cifradas con la contraseña que elegiste. Sin ellas no se puede descargar el
certificado. No los borres hasta haber descargado el certificado y guardado
su copia .p12.

EN: These files are the private keys of your certificate applications,
encrypted under the passphrase you chose. Without them the certificate
cannot be downloaded. Do not delete them until you have downloaded the
certificate and kept its .p12 backup.
`

// writeReadme is best effort: a missing note must not stop the tool, and a
// directory that cannot be written to fails loudly at Save anyway.
func (s *Store) writeReadme() {
	p := filepath.Join(s.dir, "README.txt")
	if _, err := os.Stat(p); err == nil {
		return
	}
	_ = writeAtomic(s.dir, "README.txt", []byte(readme))
}
