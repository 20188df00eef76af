package keystore

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha1"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"software.sslmate.com/src/go-pkcs12"
)

const citizenCN = "ESPAÑOL ESPAÑOL JUAN - 12345678Z"

// testChain issues a throwaway root, issuing CA and citizen certificate for
// key, shaped like the natural-person profile.
func testChain(t testing.TB, key crypto.Signer) (leaf *x509.Certificate, chain []*x509.Certificate) {
	t.Helper()
	now := time.Now().Add(-time.Hour)
	mk := func(tmpl, parent *x509.Certificate, pub crypto.PublicKey, signer crypto.Signer) *x509.Certificate {
		tmpl.SerialNumber, _ = rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 128))
		tmpl.NotBefore, tmpl.NotAfter = now, now.Add(4*365*24*time.Hour)
		der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, signer)
		if err != nil {
			t.Fatal(err)
		}
		c, err := x509.ParseCertificate(der)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	rootKey, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	rootTmpl := &x509.Certificate{
		Subject: pkix.Name{Country: []string{"ES"}, Organization: []string{"llavero test"}, CommonName: "llavero test root"},
		IsCA:    true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	root := mk(rootTmpl, rootTmpl, rootKey.Public(), rootKey)
	ca := mk(&x509.Certificate{
		Subject: pkix.Name{Country: []string{"ES"}, Organization: []string{"llavero test"}, CommonName: "llavero test citizens CA"},
		IsCA:    true, BasicConstraintsValid: true, MaxPathLenZero: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}, root, caKey.Public(), rootKey)
	ku := x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment
	if _, ok := key.Public().(*ecdsa.PublicKey); !ok {
		ku |= x509.KeyUsageKeyEncipherment
	}
	leaf = mk(&x509.Certificate{
		Subject: pkix.Name{
			Country: []string{"ES"}, SerialNumber: "IDCES-12345678Z", CommonName: citizenCN,
		},
		KeyUsage:       ku,
		ExtKeyUsage:    []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth, x509.ExtKeyUsageEmailProtection},
		EmailAddresses: []string{"juan@example.org"},
	}, ca, key.Public(), caKey)
	return leaf, []*x509.Certificate{ca, root}
}

var p12Pass = []byte("backup passphrase 2026")

func TestP12RoundTrip(t *testing.T) {
	for _, kt := range KeyTypes {
		for _, legacy := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/legacy=%v", kt, legacy), func(t *testing.T) {
				key := testKey(t, kt, 0)
				leaf, chain := testChain(t, key)
				data, err := WriteP12(key, leaf, chain, p12Pass, legacy)
				if err != nil {
					t.Fatal(err)
				}
				gotKey, gotLeaf, gotChain, err := ReadP12(data, p12Pass)
				if err != nil {
					t.Fatal(err)
				}
				if !gotKey.(interface{ Equal(crypto.PrivateKey) bool }).Equal(key) {
					t.Error("key differs")
				}
				if !gotLeaf.Equal(leaf) || len(gotChain) != 2 || !gotChain[0].Equal(chain[0]) || !gotChain[1].Equal(chain[1]) {
					t.Error("certificates differ")
				}
				// go-pkcs12 reads the attributes back independently of our
				// writer: the key and the end-entity certificate are named
				// and paired, the CA certificates are not named.
				//lint:ignore SA1019 ToPEM is go-pkcs12's only API that shows bag attributes; its key encoding is not used.
				blocks, err := pkcs12.ToPEM(data, string(p12Pass))
				if err != nil {
					t.Fatal(err)
				}
				var named []string
				for _, b := range blocks {
					if n := b.Headers["friendlyName"]; n != "" {
						named = append(named, b.Type)
						if n != citizenCN {
							t.Errorf("%s friendlyName %q", b.Type, n)
						}
						if b.Headers["localKeyId"] == "" {
							t.Errorf("%s has no localKeyId", b.Type)
						}
					}
				}
				if strings.Join(named, ",") != "CERTIFICATE,PRIVATE KEY" {
					t.Errorf("named bags %v, want the leaf certificate and the key", named)
				}
			})
		}
	}
}

func TestP12Errors(t *testing.T) {
	key := testKey(t, P256, 0)
	leaf, chain := testChain(t, key)
	data, err := WriteP12(key, leaf, chain, p12Pass, false)
	if err != nil {
		t.Fatal(err)
	}
	truncated := data[:len(data)-40]
	flipped := bytes.Clone(data)
	flipped[len(flipped)/2] ^= 1
	otherLeaf, _ := testChain(t, testKey(t, P256, 1))

	read := func(d, p []byte) error { _, _, _, err := ReadP12(d, p); return err }
	write := func(k crypto.Signer, c *x509.Certificate, p []byte) error {
		_, err := WriteP12(k, c, chain, p, false)
		return err
	}
	for _, c := range []struct {
		name string
		err  error
		code string
	}{
		{"wrong passphrase", read(data, []byte("backup passphrase 2025")), "p12.passphrase"},
		{"empty passphrase", read(data, nil), "p12.passphrase"},
		{"altered content", read(flipped, p12Pass), "p12.passphrase"},
		{"truncated", read(truncated, p12Pass), "p12.invalid"},
		{"not a p12", read([]byte("-----BEGIN CERTIFICATE-----"), p12Pass), "p12.invalid"},
		{"certificate of another key", write(key, otherLeaf, p12Pass), "p12.key_mismatch"},
		{"short passphrase", write(key, leaf, []byte("corta")), "keystore.weak_passphrase"},
		{"emoji", write(key, leaf, []byte("contraseña 🔑 segura")), "p12.passphrase_chars"},
		{"NUL", write(key, leaf, []byte("contraseña\x00segura")), "p12.passphrase_chars"},
		{"not UTF-8", write(key, leaf, []byte("contrase\xf1a segura")), "p12.passphrase_chars"},
	} {
		wantCode(t, c.name, c.err, c.code)
	}
}

func TestP12NonASCIIPassphrase(t *testing.T) {
	key := testKey(t, P256, 0)
	leaf, chain := testChain(t, key)
	data, err := WriteP12(key, leaf, chain, []byte("contraseña de la copia"), false)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := ReadP12(data, []byte("contrasen\u0303a de la copia")); err != nil {
		t.Errorf("decomposed ñ: %v", err)
	}
}

// TestP12ReadsCAFirst: other tools do not always put the end-entity
// certificate first; the certificate is the one that matches the key.
func TestP12ReadsCAFirst(t *testing.T) {
	key := testKey(t, P256, 0)
	leaf, chain := testChain(t, key)
	data, err := pkcs12.Modern2023.Encode(key, chain[0], []*x509.Certificate{leaf, chain[1]}, string(p12Pass))
	if err != nil {
		t.Fatal(err)
	}
	_, gotLeaf, gotChain, err := ReadP12(data, p12Pass)
	if err != nil {
		t.Fatal(err)
	}
	if !gotLeaf.Equal(leaf) || len(gotChain) != 2 || !gotChain[0].Equal(chain[0]) {
		t.Errorf("leaf %s, chain %d", gotLeaf.Subject, len(gotChain))
	}
}

// TestPKCS12KDF pins the RFC 7292 B.2 arithmetic with the vectors of
// golang.org/x/crypto/pkcs12's tests; the round trips through go-pkcs12,
// OpenSSL and NSS check it in use (the MAC and the legacy cipher).
func TestPKCS12KDF(t *testing.T) {
	for _, c := range []struct {
		name           string
		salt, password []byte
		want           []byte
	}{
		{"sesame", []byte("\xff\xff\xff\xff\xff\xff\xff\xff"), bmpString("sesame", true),
			[]byte("\x7c\xd9\xfd\x3e\x2b\x3b\xe7\x69\x1a\x44\xe3\xbe\xf0\xf9\xea\x0f\xb9\xb8\x97\xd4\xe3\x25\xd9\xd1")},
		{"I_j with a leading zero", []byte("\xf3\x7e\x05\xb5\x18\x32\x4b\x4b"), []byte("\x00\x00"),
			[]byte("\x00\xf7\x59\xff\x47\xd1\x4d\xd0\x36\x65\xd5\x94\x3c\xb3\xc4\xa3\x9a\x25\x55\xc0\x2a\xed\x66\xe1")},
	} {
		if got := pkcs12KDF(sha1.New, c.salt, c.password, 2048, 1, 24); !bytes.Equal(got, c.want) {
			t.Errorf("%s: %x, want %x", c.name, got, c.want)
		}
	}
}

func writeFile(t *testing.T, dir, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// externalCases are the files the external tools read: both key families,
// and a passphrase with ñ, which PKCS#12 encodes twice over (UTF-8 for
// PBES2, BMPString for the MAC and the legacy cipher).
var externalCases = []struct {
	kt   KeyType
	name string
	pass []byte
}{
	{P256, "ascii", p12Pass},
	{P256, "eñe", []byte("contraseña de la copia")},
	{RSA2048, "ascii", p12Pass},
}

// TestP12OpenSSL has OpenSSL read both forms of the backup, certificates and
// key, and checks they are the ones written. The modern form must not need
// -legacy: that is what makes it readable by OpenSSL 3 defaults, and by
// anything else that dropped the old ciphers.
func TestP12OpenSSL(t *testing.T) {
	openssl, err := exec.LookPath("openssl")
	if err != nil {
		t.Skip("openssl is not installed: install it to check the backup with a tool nobody here wrote")
	}
	ver, _ := exec.Command(openssl, "version").Output()
	t.Logf("%s", bytes.TrimSpace(ver))
	for _, c := range externalCases {
		for _, legacy := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/%s/legacy=%v", c.kt, c.name, legacy), func(t *testing.T) {
				key := testKey(t, c.kt, 0)
				leaf, chain := testChain(t, key)
				data, err := WriteP12(key, leaf, chain, c.pass, legacy)
				if err != nil {
					t.Fatal(err)
				}
				dir := t.TempDir()
				f := writeFile(t, dir, "backup.p12", data)
				pw := writeFile(t, dir, "pw", c.pass)

				run := func(args ...string) (string, error) {
					base := []string{"pkcs12", "-in", f, "-passin", "file:" + pw}
					cmd := exec.Command(openssl, append(base, args...)...)
					// OpenSSL reads a non-ASCII passphrase as UTF-8 under
					// a UTF-8 locale, which is what citizens' desktops use.
					cmd.Env = append(os.Environ(), "LC_ALL=C.UTF-8")
					out, err := cmd.CombinedOutput()
					return string(out), err
				}
				certsOut, err := run("-nokeys", "-info")
				usedLegacy := false
				if err != nil && legacy {
					t.Logf("without -legacy: %v\n%s", err, certsOut)
					usedLegacy = true
					certsOut, err = run("-nokeys", "-info", "-legacy")
				}
				if err != nil {
					t.Fatalf("openssl pkcs12 -nokeys -info: %v\n%s", err, certsOut)
				}
				extra := []string{}
				if usedLegacy {
					extra = append(extra, "-legacy")
				}
				keyOut, err := run(append([]string{"-nocerts", "-nodes", "-info"}, extra...)...)
				if err != nil {
					t.Fatalf("openssl pkcs12 -nocerts: %v\n%s", err, keyOut)
				}
				t.Logf("openssl pkcs12 -nokeys -info %v:\n%s", extra, infoLines(certsOut))
				t.Logf("openssl pkcs12 -nocerts -nodes -info %v:\n%s", extra, infoLines(keyOut))

				// What OpenSSL decrypted is what was written.
				var certs []*x509.Certificate
				var keys []crypto.PrivateKey
				for rest := []byte(certsOut + keyOut); ; {
					var b *pem.Block
					if b, rest = pem.Decode(rest); b == nil {
						break
					}
					switch b.Type {
					case "CERTIFICATE":
						c, err := x509.ParseCertificate(b.Bytes)
						if err != nil {
							t.Fatal(err)
						}
						certs = append(certs, c)
					case "PRIVATE KEY":
						k, err := x509.ParsePKCS8PrivateKey(b.Bytes)
						if err != nil {
							t.Fatal(err)
						}
						keys = append(keys, k)
					}
				}
				if len(certs) != 3 || !certs[0].Equal(leaf) {
					t.Errorf("openssl found %d certificates, the first %v", len(certs), certs)
				}
				if len(keys) != 1 || !keys[0].(interface{ Equal(crypto.PrivateKey) bool }).Equal(key) {
					t.Errorf("openssl found %d keys, or another key", len(keys))
				}
				// OpenSSL 3.0 prints a BMPString friendlyName one byte per
				// character (Ñ as the byte 0xD1); 3.2 and later as UTF-8.
				for what, out := range map[string]string{"certificate": certsOut, "key": keyOut} {
					if !strings.Contains(out, "friendlyName: "+citizenCN) && !strings.Contains(out, "friendlyName: "+latin1(citizenCN)) {
						t.Errorf("friendlyName %q missing from the %s", citizenCN, what)
					}
				}
				wantAlg := "PBES2, PBKDF2, AES-256-CBC"
				wantMAC := "MAC: sha256"
				if legacy {
					wantAlg, wantMAC = "pbeWithSHA1And3-KeyTripleDES-CBC", "MAC: sha1"
				}
				if !strings.Contains(certsOut, wantAlg) || !strings.Contains(certsOut, wantMAC) {
					t.Errorf("want %q and %q in\n%s", wantAlg, wantMAC, certsOut)
				}
				if !legacy && usedLegacy {
					t.Error("the modern backup needed -legacy")
				}
			})
		}
	}
}

// infoLines keeps OpenSSL's description of the file, not the PEM bodies.
func infoLines(out string) string {
	var keep []string
	inPEM := false
	for _, l := range strings.Split(out, "\n") {
		switch {
		case strings.HasPrefix(l, "-----BEGIN"):
			inPEM = true
			keep = append(keep, "    "+l+" …")
		case strings.HasPrefix(l, "-----END"):
			inPEM = false
		case !inPEM && !utf8.ValidString(l):
			keep = append(keep, fmt.Sprintf("    %+q", l))
		case !inPEM && strings.TrimSpace(l) != "":
			keep = append(keep, "    "+l)
		}
	}
	return strings.Join(keep, "\n")
}

func latin1(s string) string {
	var b []byte
	for _, r := range s {
		b = append(b, byte(r))
	}
	return string(b)
}

// TestP12NSS imports both forms into a fresh NSS database the way Firefox
// would, and checks the certificate arrives under its friendly name with its
// key.
func TestP12NSS(t *testing.T) {
	pk12util, err1 := exec.LookPath("pk12util")
	certutil, err2 := exec.LookPath("certutil")
	if err1 != nil || err2 != nil {
		t.Skip("NSS tools (pk12util, certutil; Debian package libnss3-tools) are not installed")
	}
	for _, c := range externalCases {
		for _, legacy := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/%s/legacy=%v", c.kt, c.name, legacy), func(t *testing.T) {
				key := testKey(t, c.kt, 0)
				leaf, chain := testChain(t, key)
				data, err := WriteP12(key, leaf, chain, c.pass, legacy)
				if err != nil {
					t.Fatal(err)
				}
				dir := t.TempDir()
				f := writeFile(t, dir, "backup.p12", data)
				pw := writeFile(t, dir, "pw", c.pass)
				dbpw := writeFile(t, dir, "dbpw", []byte("nss database password"))
				db := "sql:" + filepath.Join(dir, "db")
				os.Mkdir(filepath.Join(dir, "db"), 0o700)

				run := func(tool string, args ...string) string {
					t.Helper()
					out, err := exec.Command(tool, args...).CombinedOutput()
					if err != nil {
						t.Fatalf("%s %s: %v\n%s", filepath.Base(tool), strings.Join(args, " "), err, out)
					}
					return string(out)
				}
				run(certutil, "-N", "-d", db, "-f", dbpw)
				imp := run(pk12util, "-i", f, "-d", db, "-w", pw, "-k", dbpw)
				list := run(certutil, "-L", "-d", db)
				keys := run(certutil, "-K", "-d", db, "-f", dbpw)
				t.Logf("pk12util -i: %s", strings.TrimSpace(imp))
				t.Logf("certutil -L:\n%s", list)
				t.Logf("certutil -K:\n%s", keys)
				if !strings.Contains(imp, "PKCS12 IMPORT SUCCESSFUL") {
					t.Errorf("pk12util did not report success")
				}
				var line string
				for _, l := range strings.Split(list, "\n") {
					if strings.HasPrefix(l, citizenCN) {
						line = l
					}
				}
				if line == "" || !strings.Contains(line, "u,u,u") {
					t.Errorf("certificate not listed as %q with its key (u,u,u)", citizenCN)
				}
				if !strings.Contains(keys, citizenCN) {
					t.Errorf("key not listed under %q", citizenCN)
				}
			})
		}
	}
}
