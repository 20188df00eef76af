package keystore

import (
	"bytes"
	"crypto"
	"crypto/aes"
	"crypto/cipher"
	"crypto/des"
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"hash"
	"unicode"
	"unicode/utf8"

	"software.sslmate.com/src/go-pkcs12"
)

// WriteP12 returns the citizen's backup: a PKCS#12 file holding key, its
// certificate and the chain, protected by passphrase.
//
// The modern form is go-pkcs12's Modern2023, what OpenSSL 3 writes by
// default: key and certificates encrypted with AES-256-CBC under PBKDF2-
// HMAC-SHA-256 (2048 iterations), HMAC-SHA-256 integrity. Windows 10 1709
// and later, macOS, Firefox/NSS, Chrome and Java 12+ read it. legacy selects
// LegacyDES (3DES, SHA-1 MAC) for importers older than that; its encryption
// is weak, so the passphrase is all that protects that file. Both keep
// go-pkcs12's iteration counts, which every importer accepts; a long
// passphrase does more than more iterations would.
//
// go-pkcs12 cannot label the entry, so WriteP12 then adds the friendlyName
// attribute (the certificate's CN) to the key and to the certificate, as
// `openssl pkcs12 -export -name` does: Firefox uses it as the nickname,
// Windows as the Friendly Name column, macOS as the key's name. That means
// re-encrypting the certificates (fresh salt and IV, same algorithm and
// iteration count) and recomputing the MAC, below.
func WriteP12(key crypto.Signer, cert *x509.Certificate, chain []*x509.Certificate, passphrase []byte, legacy bool) ([]byte, error) {
	if key == nil || cert == nil {
		return nil, errors.New("keystore: WriteP12 needs a key and a certificate")
	}
	for _, c := range chain {
		if c == nil {
			return nil, errors.New("keystore: WriteP12 was given a nil CA certificate")
		}
	}
	if !samePublicKey(key.Public(), cert.PublicKey) {
		return nil, ErrP12KeyMismatch.Wrap(fmt.Errorf("certificate %x is for another key", cert.SerialNumber))
	}
	if err := CheckPassphrase(passphrase); err != nil {
		return nil, err
	}
	pw, err := p12Password(passphrase)
	if err != nil {
		return nil, err
	}
	enc := pkcs12.Modern2023
	if legacy {
		enc = pkcs12.LegacyDES
	}
	der, err := enc.Encode(key, cert, chain, pw)
	if err != nil {
		return nil, err
	}
	return nameEntry(der, pw, friendlyName(cert), cert, chain)
}

// ReadP12 opens a PKCS#12 file: the private key, the certificate for that
// key, and the other certificates. Files from other tools often list the CA
// first, so the certificate is the one that matches the key, not the first.
func ReadP12(data, passphrase []byte) (crypto.Signer, *x509.Certificate, []*x509.Certificate, error) {
	var (
		k     any
		leaf  *x509.Certificate
		other []*x509.Certificate
		err   error
	)
	// The passphrase as we would have written it first, then as typed, for
	// files from tools that do not normalize.
	for _, pw := range passphraseCandidates(passphrase) {
		k, leaf, other, err = pkcs12.DecodeChain(data, pw)
		if !errors.Is(err, pkcs12.ErrIncorrectPassword) {
			break
		}
	}
	switch {
	case errors.Is(err, pkcs12.ErrIncorrectPassword):
		return nil, nil, nil, ErrP12Passphrase.Wrap(err)
	case err != nil:
		return nil, nil, nil, ErrP12Invalid.Wrap(err)
	}
	key, ok := k.(crypto.Signer)
	if !ok {
		return nil, nil, nil, ErrP12Invalid.Wrap(fmt.Errorf("a %T cannot sign", k))
	}
	all := append([]*x509.Certificate{leaf}, other...)
	for i, c := range all {
		if samePublicKey(key.Public(), c.PublicKey) {
			chain := append(append([]*x509.Certificate{}, all[:i]...), all[i+1:]...)
			return key, c, chain, nil
		}
	}
	return nil, nil, nil, ErrP12Invalid.Wrap(errors.New("no certificate in the file is for its key"))
}

func passphraseCandidates(p []byte) []string {
	nfc := string(normalizePassphrase(p))
	if nfc == string(p) {
		return []string{nfc}
	}
	return []string{nfc, string(p)}
}

// p12Password checks that a passphrase survives PKCS#12's BMPString
// encoding unchanged: go-pkcs12 would turn invalid UTF-8 into U+FFFD (two
// different passphrases opening the same file) and importers stop at a NUL.
func p12Password(p []byte) (string, error) {
	if !utf8.Valid(p) {
		return "", ErrP12PassphraseChars.Wrap(errors.New("not UTF-8"))
	}
	s := string(normalizePassphrase(p))
	for _, r := range s {
		if r > 0xFFFF || unicode.IsControl(r) {
			return "", ErrP12PassphraseChars.Wrap(fmt.Errorf("character %U", r))
		}
	}
	return s, nil
}

// friendlyName is what the browser lists the certificate as: its CN, which
// for a citizen is "SURNAMES GIVEN NAME - ID".
func friendlyName(c *x509.Certificate) string {
	if c.Subject.CommonName != "" {
		return c.Subject.CommonName
	}
	return c.Subject.String()
}

// The structures of RFC 7292, as much of them as nameEntry touches.
var (
	oidData                 = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 1}
	oidEncryptedData        = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 6}
	oidFriendlyName         = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 20}
	oidLocalKeyID           = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 21}
	oidX509Certificate      = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 22, 1}
	oidShroudedKeyBag       = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 10, 1, 2}
	oidCertBag              = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 10, 1, 3}
	oidPBEWithSHA13KeyTDES  = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 1, 3}
	oidPBES2                = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 13}
	oidPBKDF2               = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 12}
	oidHMACWithSHA256       = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 9}
	oidAES256CBC            = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 42}
	oidSHA1                 = asn1.ObjectIdentifier{1, 3, 14, 3, 2, 26}
	oidSHA256               = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}
	tagContextSpecificZero  = asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true}
	errUnexpectedPKCS12Form = errors.New("keystore: go-pkcs12 wrote a layout this version does not expect")
)

const bmpStringTag = 30 // ASN.1 universal tag of BMPString

type pfxPDU struct {
	Version  int
	AuthSafe contentInfo
	MacData  macData `asn1:"optional"`
}

type contentInfo struct {
	ContentType asn1.ObjectIdentifier
	Content     asn1.RawValue `asn1:"tag:0,explicit,optional"`
}

type macData struct {
	Mac        digestInfo
	MacSalt    []byte
	Iterations int `asn1:"optional,default:1"`
}

type digestInfo struct {
	Algorithm pkix.AlgorithmIdentifier
	Digest    []byte
}

type encryptedData struct {
	Version              int
	EncryptedContentInfo encryptedContentInfo
}

type encryptedContentInfo struct {
	ContentType                asn1.ObjectIdentifier
	ContentEncryptionAlgorithm pkix.AlgorithmIdentifier
	EncryptedContent           []byte `asn1:"tag:0,optional"`
}

type safeBag struct {
	ID         asn1.ObjectIdentifier
	Value      asn1.RawValue  `asn1:"tag:0,explicit"`
	Attributes []bagAttribute `asn1:"set,optional"`
}

type bagAttribute struct {
	ID    asn1.ObjectIdentifier
	Value asn1.RawValue `asn1:"set"`
}

type certBag struct {
	ID   asn1.ObjectIdentifier
	Data []byte `asn1:"tag:0,explicit"`
}

type pbeParams struct {
	Salt       []byte
	Iterations int
}

type pbes2Params struct {
	KDF    pkix.AlgorithmIdentifier
	Scheme pkix.AlgorithmIdentifier
}

type pbkdf2Params struct {
	Salt       []byte
	Iterations int
	KeyLength  int                      `asn1:"optional"`
	PRF        pkix.AlgorithmIdentifier `asn1:"optional"`
}

// unmarshalAll is asn1.Unmarshal refusing trailing bytes.
func unmarshalAll(b []byte, v any) error {
	rest, err := asn1.Unmarshal(b, v)
	if err == nil && len(rest) > 0 {
		err = fmt.Errorf("%d trailing bytes", len(rest))
	}
	return err
}

// explicit wraps DER in the [0] EXPLICIT tag of contentInfo and safeBag.
func explicit(der []byte) asn1.RawValue {
	v := tagContextSpecificZero
	v.Bytes = der
	return v
}

// nameEntry labels the key and the end-entity certificate of a file that
// go-pkcs12 wrote: one encrypted SafeContents with the certificates, then one
// plain SafeContents with the shrouded key, then a MAC over both. It checks
// that layout rather than assume it, so a change in go-pkcs12 fails here,
// loudly, and in the tests.
func nameEntry(der []byte, pw, name string, leaf *x509.Certificate, chain []*x509.Certificate) ([]byte, error) {
	var pfx pfxPDU
	if err := unmarshalAll(der, &pfx); err != nil {
		return nil, err
	}
	if !pfx.AuthSafe.ContentType.Equal(oidData) {
		return nil, errUnexpectedPKCS12Form
	}
	var authSafe []byte
	if err := unmarshalAll(pfx.AuthSafe.Content.Bytes, &authSafe); err != nil {
		return nil, err
	}
	var safes []contentInfo
	if err := unmarshalAll(authSafe, &safes); err != nil {
		return nil, err
	}
	if len(safes) != 2 || !safes[0].ContentType.Equal(oidEncryptedData) || !safes[1].ContentType.Equal(oidData) {
		return nil, errUnexpectedPKCS12Form
	}

	nameAttr, err := friendlyNameAttribute(name)
	if err != nil {
		return nil, err
	}

	// The key: its bag is not encrypted as a whole (only the key inside
	// it), so the attribute goes straight in.
	var keySafe []byte
	if err := unmarshalAll(safes[1].Content.Bytes, &keySafe); err != nil {
		return nil, err
	}
	var keyBags []safeBag
	if err := unmarshalAll(keySafe, &keyBags); err != nil {
		return nil, err
	}
	if len(keyBags) != 1 || !keyBags[0].ID.Equal(oidShroudedKeyBag) {
		return nil, errUnexpectedPKCS12Form
	}
	var localKeyID *bagAttribute
	for i := range keyBags[0].Attributes {
		if keyBags[0].Attributes[i].ID.Equal(oidLocalKeyID) {
			localKeyID = &keyBags[0].Attributes[i]
		}
	}
	if localKeyID == nil {
		return nil, errUnexpectedPKCS12Form
	}
	keyBags[0].Attributes = []bagAttribute{nameAttr, *localKeyID}
	if keySafe, err = asn1.Marshal(keyBags); err != nil {
		return nil, err
	}
	if safes[1].Content, err = octetsInExplicit(keySafe); err != nil {
		return nil, err
	}

	// The certificates: rebuilt (end entity first, with the same
	// localKeyID as the key so importers pair them) and encrypted again.
	var ed encryptedData
	if err := unmarshalAll(safes[0].Content.Bytes, &ed); err != nil {
		return nil, err
	}
	bags := make([]safeBag, 0, 1+len(chain))
	for i, c := range append([]*x509.Certificate{leaf}, chain...) {
		cb, err := asn1.Marshal(certBag{ID: oidX509Certificate, Data: c.Raw})
		if err != nil {
			return nil, err
		}
		b := safeBag{ID: oidCertBag, Value: explicit(cb)}
		if i == 0 {
			b.Attributes = []bagAttribute{nameAttr, *localKeyID}
		}
		bags = append(bags, b)
	}
	plain, err := asn1.Marshal(bags)
	if err != nil {
		return nil, err
	}
	alg, ct, err := pbeEncrypt(ed.EncryptedContentInfo.ContentEncryptionAlgorithm, pw, plain)
	if err != nil {
		return nil, err
	}
	ed.EncryptedContentInfo.ContentEncryptionAlgorithm, ed.EncryptedContentInfo.EncryptedContent = alg, ct
	edDER, err := asn1.Marshal(ed)
	if err != nil {
		return nil, err
	}
	safes[0].Content = explicit(edDER)

	if authSafe, err = asn1.Marshal(safes); err != nil {
		return nil, err
	}
	if pfx.AuthSafe.Content, err = octetsInExplicit(authSafe); err != nil {
		return nil, err
	}
	if err := computeMAC(&pfx.MacData, authSafe, pw); err != nil {
		return nil, err
	}
	return asn1.Marshal(pfx)
}

func octetsInExplicit(b []byte) (asn1.RawValue, error) {
	o, err := asn1.Marshal(b)
	if err != nil {
		return asn1.RawValue{}, err
	}
	return explicit(o), nil
}

// friendlyNameAttribute encodes the PKCS#9 friendlyName, a BMPString with
// no terminator. Characters outside the BMP cannot be written and become
// U+FFFD; no Spanish name has any.
func friendlyNameAttribute(name string) (bagAttribute, error) {
	bmp := bmpString(name, false)
	v, err := asn1.Marshal(asn1.RawValue{Class: asn1.ClassUniversal, Tag: bmpStringTag, Bytes: bmp})
	if err != nil {
		return bagAttribute{}, err
	}
	return bagAttribute{
		ID:    oidFriendlyName,
		Value: asn1.RawValue{Class: asn1.ClassUniversal, Tag: asn1.TagSet, IsCompound: true, Bytes: v},
	}, nil
}

// bmpString encodes s as UCS-2 big-endian, PKCS#12's password and name
// encoding, with the two-byte terminator that RFC 7292 B.1 puts on
// passwords when terminate is set.
func bmpString(s string, terminate bool) []byte {
	b := make([]byte, 0, 2*len(s)+2)
	for _, r := range s {
		if r > 0xFFFF {
			r = utf8.RuneError
		}
		b = append(b, byte(r>>8), byte(r))
	}
	if terminate {
		b = append(b, 0, 0)
	}
	return b
}

// pbeEncrypt encrypts plaintext with the algorithm go-pkcs12 chose for the
// certificates, with a new salt (and IV): the same iteration count and
// ciphers, never the same key and IV for a second plaintext.
func pbeEncrypt(alg pkix.AlgorithmIdentifier, pw string, plaintext []byte) (pkix.AlgorithmIdentifier, []byte, error) {
	switch {
	case alg.Algorithm.Equal(oidPBES2):
		var p pbes2Params
		if err := unmarshalAll(alg.Parameters.FullBytes, &p); err != nil {
			return alg, nil, err
		}
		var kp pbkdf2Params
		if !p.KDF.Algorithm.Equal(oidPBKDF2) || !p.Scheme.Algorithm.Equal(oidAES256CBC) {
			return alg, nil, errUnexpectedPKCS12Form
		}
		if err := unmarshalAll(p.KDF.Parameters.FullBytes, &kp); err != nil {
			return alg, nil, err
		}
		if !kp.PRF.Algorithm.Equal(oidHMACWithSHA256) {
			return alg, nil, errUnexpectedPKCS12Form
		}
		kp.Salt = randomBytes(len(kp.Salt))
		iv := randomBytes(aes.BlockSize)
		// PBES2 takes the password as UTF-8 (RFC 8018), unlike the
		// PKCS#12 KDF below; this is what OpenSSL and Windows expect.
		key, err := pbkdf2.Key(sha256.New, pw, kp.Salt, kp.Iterations, 32)
		if err != nil {
			return alg, nil, err
		}
		block, err := aes.NewCipher(key)
		if err != nil {
			return alg, nil, err
		}
		if p.KDF.Parameters.FullBytes, err = asn1.Marshal(kp); err != nil {
			return alg, nil, err
		}
		if p.Scheme.Parameters.FullBytes, err = asn1.Marshal(iv); err != nil {
			return alg, nil, err
		}
		if alg.Parameters.FullBytes, err = asn1.Marshal(p); err != nil {
			return alg, nil, err
		}
		return alg, cbcEncrypt(block, iv, plaintext), nil

	case alg.Algorithm.Equal(oidPBEWithSHA13KeyTDES):
		var p pbeParams
		if err := unmarshalAll(alg.Parameters.FullBytes, &p); err != nil {
			return alg, nil, err
		}
		p.Salt = randomBytes(len(p.Salt))
		bmp := bmpString(pw, true)
		key := pkcs12KDF(sha1.New, p.Salt, bmp, p.Iterations, 1, 24)
		iv := pkcs12KDF(sha1.New, p.Salt, bmp, p.Iterations, 2, des.BlockSize)
		block, err := des.NewTripleDESCipher(key)
		if err != nil {
			return alg, nil, err
		}
		if alg.Parameters.FullBytes, err = asn1.Marshal(p); err != nil {
			return alg, nil, err
		}
		return alg, cbcEncrypt(block, iv, plaintext), nil
	}
	return alg, nil, errUnexpectedPKCS12Form
}

// cbcEncrypt pads with PKCS#7, as PKCS#5 and PKCS#12 require.
func cbcEncrypt(block cipher.Block, iv, plaintext []byte) []byte {
	n := block.BlockSize() - len(plaintext)%block.BlockSize()
	buf := append(append([]byte{}, plaintext...), bytes.Repeat([]byte{byte(n)}, n)...)
	cipher.NewCBCEncrypter(block, iv).CryptBlocks(buf, buf)
	return buf
}

// computeMAC replaces the file's MAC with one over the new content, with a
// new salt and the algorithm and iteration count go-pkcs12 chose. The MAC
// key comes from the PKCS#12 KDF (RFC 7292 B.2, ID 3) with the same hash.
func computeMAC(md *macData, content []byte, pw string) error {
	var h func() hash.Hash
	switch {
	case md.Mac.Algorithm.Algorithm.Equal(oidSHA256):
		h = sha256.New
	case md.Mac.Algorithm.Algorithm.Equal(oidSHA1):
		h = sha1.New
	default:
		return errUnexpectedPKCS12Form
	}
	md.MacSalt = randomBytes(len(md.MacSalt))
	key := pkcs12KDF(h, md.MacSalt, bmpString(pw, true), md.Iterations, 3, h().Size())
	m := hmac.New(h, key)
	m.Write(content)
	md.Mac.Digest = m.Sum(nil)
	return nil
}

// pkcs12KDF is the key derivation of RFC 7292 appendix B.2, used by the
// PKCS#12 MAC and by the legacy PBE ciphers. password is the BMPString with
// its terminator.
func pkcs12KDF(newHash func() hash.Hash, salt, password []byte, iterations int, id byte, size int) []byte {
	h := newHash()
	u, v := h.Size(), h.BlockSize()
	d := bytes.Repeat([]byte{id}, v)
	i := append(fillTo(salt, v), fillTo(password, v)...)
	out := make([]byte, 0, size+u)
	for {
		h.Reset()
		h.Write(d)
		h.Write(i)
		a := h.Sum(nil)
		for j := 1; j < iterations; j++ {
			h.Reset()
			h.Write(a)
			a = h.Sum(a[:0])
		}
		out = append(out, a...)
		if len(out) >= size {
			return out[:size]
		}
		// I_j = (I_j + B + 1) mod 2^v for every v-byte block of I, where
		// B is A repeated to v bytes.
		b := fillTo(a, v)[:v]
		for j := 0; j < len(i); j += v {
			carry := 1
			for k := v - 1; k >= 0; k-- {
				sum := int(i[j+k]) + int(b[k]) + carry
				i[j+k], carry = byte(sum), sum>>8
			}
		}
	}
}

// fillTo repeats p to the next multiple of v bytes (nothing for an empty p).
func fillTo(p []byte, v int) []byte {
	if len(p) == 0 {
		return nil
	}
	n := v * ((len(p) + v - 1) / v)
	out := make([]byte, n)
	for k := 0; k < n; k += len(p) {
		copy(out[k:], p)
	}
	return out
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		// crypto/rand.Read does not fail on supported platforms (Go 1.24+
		// crashes the program instead), so this cannot be reached.
		panic(err)
	}
	return b
}
