// Package xades makes XAdES signatures (ETSI EN 319 132-1, baseline B-B and
// B-T) of XML documents and of any file: enveloped, with the signature inside
// the signed document's root element, and detached (.xsig), a signature
// document whose reference names the signed file and carries the digest of
// its bytes.
//
// XML-DSig canonicalization and the DOM come from goxmldsig and etree. The
// signature itself is assembled here, because goxmldsig signs exactly one
// reference and XAdES needs a second one, to the signed properties (signing
// time and signing certificate) that bind the signer's certificate into
// what is signed.
//
// Parse reads signatures back for the validator (signing/validate): the
// signer's certificate, the claimed time, the timestamp token, and a check
// of every reference and of the signature value.
package xades

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/asn1"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/big"
	"mime"
	"net/url"
	"path"
	"time"

	"github.com/beevik/etree"
	"github.com/digitorus/timestamp"
	dsig "github.com/russellhaering/goxmldsig"

	"github.com/llavero/llavero/internal/signing"
)

// Namespaces and algorithm identifiers (XML-DSig, RFC 6931, XAdES).
const (
	NamespaceDS    = dsig.Namespace
	NamespaceXAdES = "http://uri.etsi.org/01903/v1.3.2#"
	// TypeSignedProperties marks the Reference to xades:SignedProperties.
	TypeSignedProperties = "http://uri.etsi.org/01903#SignedProperties"

	algExcC14N        = string(dsig.CanonicalXML10ExclusiveAlgorithmId)
	algEnveloped      = string(dsig.EnvelopedSignatureAltorithmId)
	algSHA256         = "http://www.w3.org/2001/04/xmlenc#sha256"
	algSHA384         = "http://www.w3.org/2001/04/xmldsig-more#sha384"
	algSHA512         = "http://www.w3.org/2001/04/xmlenc#sha512"
	mimeXML           = "text/xml"
	mimeOctets        = "application/octet-stream"
	signingTimeLayout = "2006-01-02T15:04:05Z"
)

var digestMethods = map[crypto.Hash]string{crypto.SHA256: algSHA256, crypto.SHA384: algSHA384, crypto.SHA512: algSHA512}

var signatureMethods = map[crypto.Hash][2]string{ // RSA, ECDSA
	crypto.SHA256: {dsig.RSASHA256SignatureMethod, dsig.ECDSASHA256SignatureMethod},
	crypto.SHA384: {dsig.RSASHA384SignatureMethod, dsig.ECDSASHA384SignatureMethod},
	crypto.SHA512: {dsig.RSASHA512SignatureMethod, dsig.ECDSASHA512SignatureMethod},
}

// Options tune a signature; the zero value is level B, SHA-256, now.
type Options struct {
	// Level is LevelB or LevelT ("" is B).
	Level signing.Level
	// Timestamper gives the signature timestamp at LevelT.
	Timestamper signing.Timestamper
	// Time is the signing time the signer claims; zero means now.
	Time time.Time
	// Hash is the digest of references and signature: SHA-256 (zero
	// value), SHA-384 or SHA-512.
	Hash crypto.Hash
	// MimeType of the signed data, for xades:DataObjectFormat: "" is
	// text/xml when enveloped and guessed from the name when detached.
	MimeType string
}

// SignEnveloped signs an XML document and returns it with a ds:Signature
// appended to its root element. The reference (URI="") covers the whole
// document except the signature itself (enveloped-signature transform,
// then exclusive canonicalization), so the document stays usable by
// whoever reads it and any later change to it breaks the signature.
//
// The document comes back re-serialized, with the same content: CDATA
// sections become escaped text, character references become characters.
func SignEnveloped(ctx context.Context, xmlIn io.Reader, cred signing.Credential, opt Options) ([]byte, error) {
	b, err := newBuilder(cred, opt)
	if err != nil {
		return nil, err
	}
	doc, err := readDocument(xmlIn)
	if err != nil {
		return nil, err
	}
	root := doc.Root()
	h := newHashWriter(b.hash.New())
	if err := docC14N(h, &doc.Element, root, exclusive); err != nil {
		return nil, ErrNotXML.Wrap(err)
	}
	ref := b.reference(b.id("Reference"), "", "", h.Sum(), algEnveloped, algExcC14N)
	mt := opt.MimeType
	if mt == "" {
		mt = mimeXML
	}
	sig, err := b.signature(ref, mt)
	if err != nil {
		return nil, err
	}
	root.AddChild(sig)
	if err := b.finish(ctx, sig); err != nil {
		return nil, err
	}
	// Attribute values and text are written with character references for
	// tab, line feed and carriage return, so that a parser reading the
	// result finds exactly the characters that were canonicalized (a
	// literal line break in an attribute would be read as a space).
	doc.WriteSettings = etree.WriteSettings{CanonicalAttrVal: true, CanonicalText: true}
	return doc.WriteToBytes()
}

// SignDetached signs content, read as a stream (its size is not bounded),
// and returns a .xsig document: a ds:Signature whose reference has URI
// name (the file's name, percent-encoded) and the digest of content's
// bytes. The verifier finds the file by that name next to the signature.
func SignDetached(ctx context.Context, content io.Reader, name string, cred signing.Credential, opt Options) ([]byte, error) {
	uri, err := nameURI(name)
	if err != nil {
		return nil, err
	}
	b, err := newBuilder(cred, opt)
	if err != nil {
		return nil, err
	}
	h := b.hash.New()
	if _, err := io.Copy(h, ctxReader{ctx, content}); err != nil {
		return nil, fmt.Errorf("xades: reading %s: %w", name, err)
	}
	mt := opt.MimeType
	if mt == "" {
		mt = mimeOctets
		if guess, _, err := mime.ParseMediaType(mime.TypeByExtension(path.Ext(name))); err == nil {
			mt = guess
		}
	}
	ref := b.reference(b.id("Reference"), "", uri, h.Sum(nil))
	sig, err := b.signature(ref, mt)
	if err != nil {
		return nil, err
	}
	doc := etree.NewDocument()
	doc.CreateProcInst("xml", `version="1.0" encoding="UTF-8"`)
	doc.SetRoot(sig)
	if err := b.finish(ctx, sig); err != nil {
		return nil, err
	}
	doc.WriteSettings = etree.WriteSettings{CanonicalAttrVal: true, CanonicalText: true}
	return doc.WriteToBytes()
}

// ctxReader stops reading a long stream once ctx is done.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// nameURI turns a file name into the relative URI reference the detached
// signature carries: only the last path element, percent-encoded, and
// prefixed with "./" when it would otherwise read as a scheme ("a:b").
func nameURI(name string) (string, error) {
	base := path.Base(filepathToSlash(name))
	if name == "" || base == "." || base == "/" || base == ".." {
		return "", ErrNoName
	}
	return (&url.URL{Path: base}).String(), nil
}

// filepathToSlash turns Windows separators into slashes, so that a name
// given as C:\docs\a.pdf keeps only a.pdf on any platform.
func filepathToSlash(name string) string {
	return string(bytes.ReplaceAll([]byte(name), []byte{'\\'}, []byte{'/'}))
}

// builder makes one signature.
type builder struct {
	cred      signing.Credential
	opt       Options
	hash      crypto.Hash
	sigMethod string
	when      time.Time
	suffix    string
}

func newBuilder(cred signing.Credential, opt Options) (*builder, error) {
	level, err := signing.ParseLevel(string(opt.Level))
	if err != nil {
		return nil, err
	}
	opt.Level = level
	if level == signing.LevelT && opt.Timestamper == nil {
		return nil, ErrNoTimestamper
	}
	h := opt.Hash
	if h == 0 {
		h = signing.Hash
	}
	methods, ok := signatureMethods[h]
	if !ok {
		return nil, ErrUnsupported.Wrap(fmt.Errorf("hash %v", h))
	}
	when := opt.Time
	if when.IsZero() {
		when = time.Now()
	}
	if cred.Signer == nil || cred.Certificate == nil {
		return nil, errors.New("xades: credential without key or certificate")
	}
	if err := cred.Check(when); err != nil {
		return nil, err
	}
	b := &builder{cred: cred, opt: opt, hash: h, when: when.UTC().Truncate(time.Second)}
	switch pub := cred.Signer.Public().(type) {
	case *rsa.PublicKey:
		b.sigMethod = methods[0]
	case *ecdsa.PublicKey:
		if pub.Curve.Params().BitSize > 521 {
			return nil, ErrUnsupportedKey
		}
		b.sigMethod = methods[1]
	default:
		return nil, ErrUnsupportedKey.Wrap(fmt.Errorf("key of type %T", pub))
	}
	var r [8]byte
	if _, err := rand.Read(r[:]); err != nil {
		return nil, err
	}
	b.suffix = hex.EncodeToString(r[:])
	return b, nil
}

// id makes the Id of one part of this signature; the random suffix keeps
// it unique in a document that already holds other signatures.
func (b *builder) id(part string) string { return "xades-" + b.suffix + "-" + part }

// reference builds a ds:Reference with its transforms and digest.
func (b *builder) reference(id, typ, uri string, digest []byte, transforms ...string) *etree.Element {
	ref := etree.NewElement("ds:Reference")
	if id != "" {
		ref.CreateAttr("Id", id)
	}
	if typ != "" {
		ref.CreateAttr("Type", typ)
	}
	ref.CreateAttr("URI", uri)
	if len(transforms) > 0 {
		ts := ref.CreateElement("ds:Transforms")
		for _, t := range transforms {
			ts.CreateElement("ds:Transform").CreateAttr("Algorithm", t)
		}
	}
	ref.CreateElement("ds:DigestMethod").CreateAttr("Algorithm", digestMethods[b.hash])
	ref.CreateElement("ds:DigestValue").SetText(base64.StdEncoding.EncodeToString(digest))
	return ref
}

// signature builds ds:Signature with SignedInfo (holding dataRef),
// an empty SignatureValue, KeyInfo and the qualifying properties.
func (b *builder) signature(dataRef *etree.Element, mimeType string) (*etree.Element, error) {
	is, err := issuerSerial(b.cred.Certificate)
	if err != nil {
		return nil, err
	}
	sig := etree.NewElement("ds:Signature")
	sig.CreateAttr("xmlns:ds", NamespaceDS)
	sig.CreateAttr("Id", b.id("Signature"))

	si := sig.CreateElement("ds:SignedInfo")
	si.CreateElement("ds:CanonicalizationMethod").CreateAttr("Algorithm", algExcC14N)
	si.CreateElement("ds:SignatureMethod").CreateAttr("Algorithm", b.sigMethod)
	si.AddChild(dataRef)

	sig.CreateElement("ds:SignatureValue").CreateAttr("Id", b.id("SignatureValue"))

	x509Data := sig.CreateElement("ds:KeyInfo").CreateElement("ds:X509Data")
	for _, c := range b.certificates() {
		x509Data.CreateElement("ds:X509Certificate").SetText(base64.StdEncoding.EncodeToString(c.Raw))
	}

	qp := sig.CreateElement("ds:Object").CreateElement("xades:QualifyingProperties")
	qp.CreateAttr("xmlns:xades", NamespaceXAdES)
	qp.CreateAttr("Target", "#"+b.id("Signature"))
	sp := qp.CreateElement("xades:SignedProperties")
	sp.CreateAttr("Id", b.id("SignedProperties"))
	ssp := sp.CreateElement("xades:SignedSignatureProperties")
	ssp.CreateElement("xades:SigningTime").SetText(b.when.Format(signingTimeLayout))
	cert := ssp.CreateElement("xades:SigningCertificateV2").CreateElement("xades:Cert")
	cd := cert.CreateElement("xades:CertDigest")
	cd.CreateElement("ds:DigestMethod").CreateAttr("Algorithm", digestMethods[b.hash])
	cd.CreateElement("ds:DigestValue").SetText(base64.StdEncoding.EncodeToString(digestOf(b.hash, b.cred.Certificate.Raw)))
	cert.CreateElement("xades:IssuerSerialV2").SetText(base64.StdEncoding.EncodeToString(is))
	dof := sp.CreateElement("xades:SignedDataObjectProperties").CreateElement("xades:DataObjectFormat")
	dof.CreateAttr("ObjectReference", "#"+dataRef.SelectAttrValue("Id", ""))
	dof.CreateElement("xades:MimeType").SetText(mimeType)
	return sig, nil
}

// certificates is the signer's certificate then its chain, without repeats.
func (b *builder) certificates() []*x509.Certificate {
	out := []*x509.Certificate{b.cred.Certificate}
	for _, c := range b.cred.Chain {
		if c != nil && !c.Equal(b.cred.Certificate) {
			out = append(out, c)
		}
	}
	return out
}

// finish signs sig, which already stands at its final place in its
// document: it adds the reference to the signed properties, signs the
// canonical SignedInfo and, at level T, timestamps the signature value.
func (b *builder) finish(ctx context.Context, sig *etree.Element) error {
	si := sig.SelectElement("SignedInfo")
	sp := sig.FindElement("Object/QualifyingProperties/SignedProperties")
	h := newHashWriter(b.hash.New())
	if err := excC14N(h, sp, ""); err != nil {
		return err
	}
	si.AddChild(b.reference("", TypeSignedProperties, "#"+sp.SelectAttrValue("Id", ""), h.Sum(), algExcC14N))

	h = newHashWriter(b.hash.New())
	if err := excC14N(h, si, ""); err != nil {
		return err
	}
	value, err := signDigest(b.cred.Signer, h.Sum(), b.hash)
	if err != nil {
		return err
	}
	sv := sig.SelectElement("SignatureValue")
	sv.SetText(base64.StdEncoding.EncodeToString(value))
	if b.opt.Level != signing.LevelT {
		return nil
	}
	return b.timestamp(ctx, sig, sv)
}

// timestamp adds xades:SignatureTimeStamp: a token over the digest of the
// exclusive canonical form of ds:SignatureValue.
func (b *builder) timestamp(ctx context.Context, sig, sv *etree.Element) error {
	h := newHashWriter(b.hash.New())
	if err := excC14N(h, sv, ""); err != nil {
		return err
	}
	digest := h.Sum()
	token, err := b.opt.Timestamper.Timestamp(ctx, digest, b.hash)
	if err != nil {
		return err
	}
	// A Timestamper other than signing.TSAClient may not check what it
	// got back; a token over another digest would make a signature that
	// no validator accepts, so it is refused here.
	ts, err := timestamp.Parse(token)
	if err != nil {
		return signing.ErrTSA.Wrap(err)
	}
	if ts.HashAlgorithm != b.hash || !bytes.Equal(ts.HashedMessage, digest) {
		return signing.ErrTSA.Wrap(errors.New("the token is for another digest"))
	}
	qp := sig.FindElement("Object/QualifyingProperties")
	sts := qp.CreateElement("xades:UnsignedProperties").
		CreateElement("xades:UnsignedSignatureProperties").
		CreateElement("xades:SignatureTimeStamp")
	sts.CreateAttr("Id", b.id("SignatureTimeStamp"))
	sts.CreateElement("ds:CanonicalizationMethod").CreateAttr("Algorithm", algExcC14N)
	sts.CreateElement("xades:EncapsulatedTimeStamp").SetText(base64.StdEncoding.EncodeToString(token))
	return nil
}

// signDigest signs with the credential's key. XML-DSig wants an ECDSA
// signature as the two integers r and s, each left-padded to the curve's
// size and concatenated (RFC 4050, RFC 6931 section 2.3.6), not the ASN.1
// sequence crypto.Signer returns; goxmldsig's SigningContext would write
// the latter.
func signDigest(signer crypto.Signer, digest []byte, h crypto.Hash) ([]byte, error) {
	raw, err := signer.Sign(rand.Reader, digest, h)
	if err != nil {
		return nil, fmt.Errorf("xades: signing: %w", err)
	}
	pub, ok := signer.Public().(*ecdsa.PublicKey)
	if !ok {
		return raw, nil
	}
	var rs struct{ R, S *big.Int }
	if rest, err := asn1.Unmarshal(raw, &rs); err != nil || len(rest) > 0 {
		return nil, fmt.Errorf("xades: the key gave an ECDSA signature that is not DER: %v", err)
	}
	size := (pub.Curve.Params().BitSize + 7) / 8
	if rs.R.Sign() <= 0 || rs.S.Sign() <= 0 || rs.R.BitLen() > 8*size || rs.S.BitLen() > 8*size {
		return nil, errors.New("xades: the key gave an ECDSA signature out of range")
	}
	out := make([]byte, 2*size)
	rs.R.FillBytes(out[:size])
	rs.S.FillBytes(out[size:])
	return out, nil
}

func digestOf(h crypto.Hash, data []byte) []byte {
	d := h.New()
	d.Write(data)
	return d.Sum(nil)
}

// issuerSerial is the DER IssuerSerial of RFC 5035 that IssuerSerialV2
// holds (EN 319 132-1 section 5.2.2): the issuer as a GeneralNames with one
// directoryName, and the serial number. Written by hand because neither
// goxmldsig nor the standard library has it.
func issuerSerial(c *x509.Certificate) ([]byte, error) {
	return asn1.Marshal(struct {
		Issuer []asn1.RawValue
		Serial *big.Int
	}{
		Issuer: []asn1.RawValue{{Class: asn1.ClassContextSpecific, Tag: 4, IsCompound: true, Bytes: c.RawIssuer}},
		Serial: c.SerialNumber,
	})
}
