package xades

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/subtle"
	"crypto/x509"
	"encoding/asn1"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/big"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/beevik/etree"
	"github.com/digitorus/timestamp"
	dsig "github.com/russellhaering/goxmldsig"
)

// SignatureInfo is one ds:Signature that Parse found, with what a
// validator needs to judge it. Parse checks that the parts are there;
// CheckIntegrity checks that they hold.
type SignatureInfo struct {
	// ID is the signature's Id attribute ("" if it has none).
	ID string
	// Certificate is the signer's: the KeyInfo certificate that the
	// signed SigningCertificateV2 (or SigningCertificate) names, or the
	// first one when no property names any.
	Certificate *x509.Certificate
	// Chain holds the other certificates of KeyInfo, as given.
	Chain []*x509.Certificate
	// SigningTime is the time the signer claims (zero if absent); only a
	// timestamp proves it.
	SigningTime time.Time
	// Timestamp is the DER TimeStampToken of xades:SignatureTimeStamp, nil
	// at level B. CheckIntegrity checks that it covers this signature
	// value; the token's own signature and its authority are for the
	// validator to judge.
	Timestamp []byte
	// References are the URIs SignedInfo references, as written.
	References []string
	// External lists the references to data outside the signature's
	// document (a detached signature's signed file).
	External []string

	sig *etree.Element
}

// Parse reads every ds:Signature in an XML document: an enveloped
// signature's signed document or a detached .xsig.
func Parse(sig []byte) ([]*SignatureInfo, error) {
	if len(sig) > MaxDocument {
		return nil, ErrTooLarge
	}
	doc, err := parseDocument(sig)
	if err != nil {
		return nil, err
	}
	var out []*SignatureInfo
	var walk func(el *etree.Element) error
	walk = func(el *etree.Element) error {
		if el.Tag == "Signature" && el.NamespaceURI() == NamespaceDS {
			info, err := parseSignature(el)
			if err != nil {
				return err
			}
			out = append(out, info)
		}
		for _, c := range el.ChildElements() {
			if err := walk(c); err != nil {
				return err
			}
		}
		return nil
	}
	if err := walk(doc.Root()); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, ErrNoSignature
	}
	return out, nil
}

func malformed(format string, args ...any) error {
	return ErrMalformed.Wrap(fmt.Errorf(format, args...))
}

// child is el's only child element ns:tag, or nil.
func child(el *etree.Element, ns, tag string) *etree.Element {
	if el == nil {
		return nil
	}
	for _, c := range el.ChildElements() {
		if c.Tag == tag && c.NamespaceURI() == ns {
			return c
		}
	}
	return nil
}

func children(el *etree.Element, ns, tag string) []*etree.Element {
	var out []*etree.Element
	if el == nil {
		return nil
	}
	for _, c := range el.ChildElements() {
		if c.Tag == tag && c.NamespaceURI() == ns {
			out = append(out, c)
		}
	}
	return out
}

// descend follows a chain of ns:tag children from el.
func descend(el *etree.Element, steps ...[2]string) *etree.Element {
	for _, s := range steps {
		el = child(el, s[0], s[1])
	}
	return el
}

func ds(tag string) [2]string { return [2]string{NamespaceDS, tag} }
func xa(tag string) [2]string { return [2]string{NamespaceXAdES, tag} }

// text is el's text, "" for a missing element.
func text(el *etree.Element) string {
	if el == nil {
		return ""
	}
	return el.Text()
}

func decodeBase64(s string) ([]byte, error) {
	return base64.StdEncoding.DecodeString(strings.Join(strings.Fields(s), ""))
}

func parseSignature(sig *etree.Element) (*SignatureInfo, error) {
	info := &SignatureInfo{ID: sig.SelectAttrValue("Id", ""), sig: sig}
	si := child(sig, NamespaceDS, "SignedInfo")
	if si == nil || child(sig, NamespaceDS, "SignatureValue") == nil {
		return nil, malformed("signature %q without SignedInfo or SignatureValue", info.ID)
	}
	for _, ref := range children(si, NamespaceDS, "Reference") {
		uri := ref.SelectAttrValue("URI", "")
		info.References = append(info.References, uri)
		if uri != "" && !strings.HasPrefix(uri, "#") {
			info.External = append(info.External, uri)
		}
	}
	var certs []*x509.Certificate
	for _, x := range children(descend(sig, ds("KeyInfo")), NamespaceDS, "X509Data") {
		for _, c := range children(x, NamespaceDS, "X509Certificate") {
			der, err := decodeBase64(text(c))
			if err != nil {
				return nil, malformed("KeyInfo certificate: %v", err)
			}
			cert, err := x509.ParseCertificate(der)
			if err != nil {
				return nil, malformed("KeyInfo certificate: %v", err)
			}
			certs = append(certs, cert)
		}
	}
	if len(certs) == 0 {
		return nil, malformed("signature %q carries no certificate", info.ID)
	}
	qp := qualifyingProperties(sig)
	ssp := descend(qp, xa("SignedProperties"), xa("SignedSignatureProperties"))
	if st := child(ssp, NamespaceXAdES, "SigningTime"); st != nil {
		t, err := time.Parse(time.RFC3339, strings.TrimSpace(text(st)))
		if err != nil {
			return nil, malformed("SigningTime: %v", err)
		}
		info.SigningTime = t
	}
	signer := 0
	if cert := signingCert(ssp); cert != nil {
		for i, c := range certs {
			if ok, _ := cert.matches(c); ok {
				signer = i
				break
			}
		}
	}
	info.Certificate = certs[signer]
	info.Chain = append(append([]*x509.Certificate(nil), certs[:signer]...), certs[signer+1:]...)
	if ts := descend(qp, xa("UnsignedProperties"), xa("UnsignedSignatureProperties"), xa("SignatureTimeStamp"), xa("EncapsulatedTimeStamp")); ts != nil {
		der, err := decodeBase64(text(ts))
		if err != nil {
			return nil, malformed("EncapsulatedTimeStamp: %v", err)
		}
		info.Timestamp = der
	}
	return info, nil
}

// qualifyingProperties is the xades:QualifyingProperties in one of sig's
// ds:Object children that targets sig, or nil.
func qualifyingProperties(sig *etree.Element) *etree.Element {
	id := sig.SelectAttrValue("Id", "")
	for _, obj := range children(sig, NamespaceDS, "Object") {
		for _, qp := range children(obj, NamespaceXAdES, "QualifyingProperties") {
			if target := qp.SelectAttrValue("Target", ""); target == "" || target == "#"+id {
				return qp
			}
		}
	}
	return nil
}

// certRef is the signed reference to the signer's certificate.
type certRef struct {
	hash         crypto.Hash
	digest       []byte
	issuerSerial []byte // IssuerSerialV2's DER; nil in SigningCertificate (v1)
	err          error
}

func signingCert(ssp *etree.Element) *certRef {
	sc := child(ssp, NamespaceXAdES, "SigningCertificateV2")
	if sc == nil {
		sc = child(ssp, NamespaceXAdES, "SigningCertificate")
	}
	cert := child(sc, NamespaceXAdES, "Cert")
	if cert == nil {
		return nil
	}
	ref := &certRef{}
	cd := child(cert, NamespaceXAdES, "CertDigest")
	h, err := digestMethod(child(cd, NamespaceDS, "DigestMethod"))
	if err != nil {
		return &certRef{err: err}
	}
	ref.hash = h
	if ref.digest, err = decodeBase64(text(child(cd, NamespaceDS, "DigestValue"))); err != nil {
		return &certRef{err: malformed("CertDigest: %v", err)}
	}
	if is := child(cert, NamespaceXAdES, "IssuerSerialV2"); is != nil {
		if ref.issuerSerial, err = decodeBase64(text(is)); err != nil {
			return &certRef{err: malformed("IssuerSerialV2: %v", err)}
		}
	}
	return ref
}

// matches reports whether c is the certificate the reference names.
func (r *certRef) matches(c *x509.Certificate) (bool, error) {
	if r.err != nil {
		return false, r.err
	}
	if subtle.ConstantTimeCompare(digestOf(r.hash, c.Raw), r.digest) != 1 {
		return false, nil
	}
	if r.issuerSerial == nil {
		return true, nil
	}
	var is struct {
		Issuer []asn1.RawValue
		Serial *big.Int
	}
	if rest, err := asn1.Unmarshal(r.issuerSerial, &is); err != nil || len(rest) > 0 {
		return false, malformed("IssuerSerialV2 is not DER: %v", err)
	}
	if is.Serial == nil || is.Serial.Cmp(c.SerialNumber) != 0 {
		return false, nil
	}
	for _, name := range is.Issuer {
		if name.Class == asn1.ClassContextSpecific && name.Tag == 4 && bytes.Equal(name.Bytes, c.RawIssuer) {
			return true, nil
		}
	}
	return false, nil
}

// digestMethod reads a ds:DigestMethod, refusing what is weaker than
// SHA-256.
func digestMethod(el *etree.Element) (crypto.Hash, error) {
	if el == nil {
		return 0, malformed("DigestMethod missing")
	}
	alg := el.SelectAttrValue("Algorithm", "")
	for h, id := range digestMethods {
		if id == alg {
			return h, nil
		}
	}
	return 0, ErrUnsupported.Wrap(fmt.Errorf("digest method %q", alg))
}

// CheckIntegrity checks the signature cryptographically: the signature
// value over SignedInfo with the signer's key, the digest of every
// reference (resolve opens what a reference to outside the document
// names, given its URI as written), that the signed properties are
// referenced and name the signer's certificate, and, when there is a
// timestamp, that its message imprint is the digest of the signature
// value. It says nothing about trust in the certificate or the
// timestamp authority: that is the validator's part.
//
// A resolve error that wraps fs.ErrNotExist comes back as ErrMissingData;
// a mismatch as ErrIntegrity.
func (s *SignatureInfo) CheckIntegrity(resolve func(uri string) (io.ReadCloser, error)) error {
	si := child(s.sig, NamespaceDS, "SignedInfo")
	sm := child(si, NamespaceDS, "SignatureMethod")
	if sm == nil {
		return malformed("SignatureMethod missing")
	}
	h, keyAlg, err := signatureMethod(sm.SelectAttrValue("Algorithm", ""))
	if err != nil {
		return err
	}
	canon, err := canonicalizer(child(si, NamespaceDS, "CanonicalizationMethod"))
	if err != nil {
		return err
	}
	// Everything the references ask for is checked before any digest, so
	// that an unsupported or ambiguous signature says so rather than
	// "changed after signing".
	refs := children(si, NamespaceDS, "Reference")
	if len(refs) == 0 {
		return malformed("SignedInfo without references")
	}
	for _, ref := range refs {
		if _, err := digestMethod(child(ref, NamespaceDS, "DigestMethod")); err != nil {
			return err
		}
		if _, _, err := s.target(ref); err != nil {
			return err
		}
	}
	var buf bytes.Buffer
	if err := canon(&buf, si); err != nil {
		return malformed("SignedInfo: %v", err)
	}
	value, err := decodeBase64(text(child(s.sig, NamespaceDS, "SignatureValue")))
	if err != nil {
		return malformed("SignatureValue: %v", err)
	}
	if err := verifyValue(s.Certificate.PublicKey, keyAlg, h, digestOf(h, buf.Bytes()), value); err != nil {
		return ErrIntegrity.Wrap(err)
	}

	qp := qualifyingProperties(s.sig)
	sp := child(qp, NamespaceXAdES, "SignedProperties")
	signedProps := false
	for _, ref := range refs {
		target, err := s.checkReference(ref, resolve)
		if err != nil {
			return err
		}
		if ref.SelectAttrValue("Type", "") == TypeSignedProperties {
			if sp == nil || target != sp {
				return malformed("the SignedProperties reference does not point to this signature's signed properties")
			}
			signedProps = true
		}
	}
	if !signedProps {
		return malformed("no reference to the signed properties (not a XAdES signature)")
	}
	cert := signingCert(child(sp, NamespaceXAdES, "SignedSignatureProperties"))
	if cert == nil {
		return malformed("no SigningCertificateV2 in the signed properties")
	}
	if ok, err := cert.matches(s.Certificate); err != nil {
		return err
	} else if !ok {
		return ErrIntegrity.Wrap(errors.New("the signed SigningCertificateV2 names another certificate than the one that signed"))
	}
	if s.Timestamp != nil {
		return s.checkTimestamp(qp)
	}
	return nil
}

// checkTimestamp checks that the token's message imprint is the digest of
// the canonical ds:SignatureValue.
func (s *SignatureInfo) checkTimestamp(qp *etree.Element) error {
	ts, err := timestamp.Parse(s.Timestamp)
	if err != nil {
		return ErrIntegrity.Wrap(fmt.Errorf("timestamp token: %w", err))
	}
	if ts.HashAlgorithm < crypto.SHA256 || !ts.HashAlgorithm.Available() {
		return ErrUnsupported.Wrap(fmt.Errorf("timestamp hash %v", ts.HashAlgorithm))
	}
	sts := descend(qp, xa("UnsignedProperties"), xa("UnsignedSignatureProperties"), xa("SignatureTimeStamp"))
	canon, err := canonicalizer(child(sts, NamespaceDS, "CanonicalizationMethod"))
	if err != nil {
		return err
	}
	w := newHashWriter(ts.HashAlgorithm.New())
	if err := canon(w, child(s.sig, NamespaceDS, "SignatureValue")); err != nil {
		return malformed("SignatureValue: %v", err)
	}
	if subtle.ConstantTimeCompare(w.Sum(), ts.HashedMessage) != 1 {
		return ErrIntegrity.Wrap(errors.New("the timestamp is over another signature value"))
	}
	return nil
}

func signatureMethod(alg string) (crypto.Hash, string, error) {
	for h, m := range signatureMethods {
		switch alg {
		case m[0]:
			return h, "rsa", nil
		case m[1]:
			return h, "ecdsa", nil
		}
	}
	return 0, "", ErrUnsupported.Wrap(fmt.Errorf("signature method %q", alg))
}

func verifyValue(pub crypto.PublicKey, keyAlg string, h crypto.Hash, digest, value []byte) error {
	switch pub := pub.(type) {
	case *rsa.PublicKey:
		if keyAlg != "rsa" {
			return errors.New("an RSA key with an ECDSA signature method")
		}
		return rsa.VerifyPKCS1v15(pub, h, digest, value)
	case *ecdsa.PublicKey:
		if keyAlg != "ecdsa" {
			return errors.New("an ECDSA key with an RSA signature method")
		}
		size := (pub.Curve.Params().BitSize + 7) / 8
		if len(value) != 2*size {
			return fmt.Errorf("an ECDSA signature value of %d bytes, want %d (r||s)", len(value), 2*size)
		}
		r, s := new(big.Int).SetBytes(value[:size]), new(big.Int).SetBytes(value[size:])
		if !ecdsa.Verify(pub, digest, r, s) {
			return errors.New("ECDSA signature does not verify")
		}
		return nil
	}
	return ErrUnsupportedKey
}

// canonFunc writes a canonical form of an element, in its document.
type canonFunc func(w etree.Writer, el *etree.Element) error

// canonicalizer reads a CanonicalizationMethod or Transform element.
// Exclusive C14N is this package's (goxmldsig's, corrected); the
// inclusive ones are goxmldsig's as they are.
func canonicalizer(el *etree.Element) (canonFunc, error) {
	if el == nil {
		return nil, malformed("CanonicalizationMethod missing")
	}
	var inclusive dsig.Canonicalizer
	switch dsig.AlgorithmID(el.SelectAttrValue("Algorithm", "")) {
	case dsig.CanonicalXML10ExclusiveAlgorithmId, dsig.CanonicalXML10ExclusiveWithCommentsAlgorithmId:
		prefixes := ""
		for _, c := range el.ChildElements() {
			if c.Tag == "InclusiveNamespaces" {
				prefixes = c.SelectAttrValue("PrefixList", "")
			}
		}
		return func(w etree.Writer, el *etree.Element) error { return excC14N(w, el, prefixes) }, nil
	case dsig.CanonicalXML10RecAlgorithmId, dsig.CanonicalXML10WithCommentsAlgorithmId:
		inclusive = dsig.MakeC14N10RecCanonicalizer()
	case dsig.CanonicalXML11AlgorithmId, dsig.CanonicalXML11WithCommentsAlgorithmId:
		inclusive = dsig.MakeC14N11Canonicalizer()
	default:
		return nil, ErrUnsupported.Wrap(fmt.Errorf("canonicalization %q", el.SelectAttrValue("Algorithm", "")))
	}
	return inclusiveFunc(inclusive), nil
}

func inclusiveFunc(c dsig.Canonicalizer) canonFunc {
	return func(w etree.Writer, el *etree.Element) error {
		out, err := c.Canonicalize(el)
		if err != nil {
			return err
		}
		_, err = w.Write(out)
		return err
	}
}

// checkReference checks one Reference's digest and returns the element it
// points to (nil for the whole document or external data).
func (s *SignatureInfo) checkReference(ref *etree.Element, resolve func(string) (io.ReadCloser, error)) (*etree.Element, error) {
	uri := ref.SelectAttrValue("URI", "")
	h, err := digestMethod(child(ref, NamespaceDS, "DigestMethod"))
	if err != nil {
		return nil, err
	}
	want, err := decodeBase64(text(child(ref, NamespaceDS, "DigestValue")))
	if err != nil {
		return nil, malformed("DigestValue: %v", err)
	}
	target, tr, err := s.target(ref)
	if err != nil {
		return nil, err
	}
	w := newHashWriter(h.New())
	switch {
	case tr == nil:
		err = s.digestExternal(w, uri, resolve)
	default:
		err = tr.write(w, target, s.sig)
	}
	if err != nil {
		return nil, err
	}
	if subtle.ConstantTimeCompare(w.Sum(), want) != 1 {
		what := "the signed data"
		if ref.SelectAttrValue("Type", "") == TypeSignedProperties {
			what = "the signed properties"
		}
		return nil, ErrIntegrity.Wrap(fmt.Errorf("the digest of %s (reference %q) does not match", what, uri))
	}
	return target, nil
}

// transforms is what a same-document reference does to its node-set.
type transforms struct {
	whole     bool // URI="": the document, processing instructions outside the root included
	enveloped bool
	canon     canonFunc
}

// target resolves a reference: for a same-document one, the element it
// points to (the root for URI="") and its transforms; for an external one,
// nil and nil. Only the enveloped-signature transform followed by one
// canonicalization is supported (XPath, XSLT, base64 are refused), and no
// transform on external data.
func (s *SignatureInfo) target(ref *etree.Element) (*etree.Element, *transforms, error) {
	uri := ref.SelectAttrValue("URI", "")
	list := children(child(ref, NamespaceDS, "Transforms"), NamespaceDS, "Transform")
	if uri != "" && !strings.HasPrefix(uri, "#") {
		if len(list) > 0 {
			return nil, nil, ErrUnsupported.Wrap(fmt.Errorf("transforms on the external reference %q", uri))
		}
		return nil, nil, nil
	}
	tr := &transforms{whole: uri == ""}
	for i, t := range list {
		alg := t.SelectAttrValue("Algorithm", "")
		if alg == algEnveloped && i == 0 {
			tr.enveloped = true
			continue
		}
		c, err := canonicalizer(t)
		if err != nil || i != len(list)-1 {
			return nil, nil, ErrUnsupported.Wrap(fmt.Errorf("transform %q", alg))
		}
		tr.canon = c
	}
	if tr.canon == nil {
		// A node-set becomes octets by inclusive C14N 1.0 (XML-DSig 4.4.3.2).
		tr.canon = inclusiveFunc(dsig.MakeC14N10RecCanonicalizer())
	}
	doc := s.sig
	for doc.Parent() != nil {
		doc = doc.Parent()
	}
	root := doc.ChildElements()[0]
	if tr.whole {
		return root, tr, nil
	}
	target, err := byID(root, uri[1:])
	if err != nil {
		return nil, nil, err
	}
	return target, tr, nil
}

// write writes the octets of a same-document reference to target, after
// its transforms: the enveloped-signature transform leaves sig out.
func (tr *transforms) write(w etree.Writer, target, sig *etree.Element) error {
	el := target
	if tr.enveloped {
		var err error
		if el, err = without(target, sig); err != nil {
			return err
		}
	}
	if tr.whole {
		return docC14N(w, target.Parent(), el, tr.canon)
	}
	return tr.canon(w, el)
}

func (s *SignatureInfo) digestExternal(w io.Writer, uri string, resolve func(string) (io.ReadCloser, error)) error {
	if resolve == nil {
		return ErrMissingData.Wrap(fmt.Errorf("no way to open %q", uri))
	}
	rc, err := resolve(uri)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return ErrMissingData.Wrap(err)
		}
		return err
	}
	defer rc.Close()
	if _, err := io.Copy(w, rc); err != nil {
		return fmt.Errorf("xades: reading %q: %w", uri, err)
	}
	return nil
}

// without returns a copy of el, detached with its in-scope namespaces,
// without the descendant sig.
func without(el, sig *etree.Element) (*etree.Element, error) {
	var steps []int
	for n := sig; n != el; n = n.Parent() {
		if n.Parent() == nil {
			return nil, malformed("enveloped-signature transform on data that does not hold the signature")
		}
		steps = append(steps, n.Index())
	}
	if len(steps) == 0 {
		return nil, malformed("enveloped-signature transform on the signature itself")
	}
	cp, err := detach(el)
	if err != nil {
		return nil, err
	}
	n := cp
	for i := len(steps) - 1; i > 0; i-- {
		n = n.Child[steps[i]].(*etree.Element)
	}
	n.RemoveChildAt(steps[0])
	return cp, nil
}

// byID finds the one element whose Id (or ID, id) attribute is id. Two
// elements with the same Id are refused: which one a verifier picks is how
// signature-wrapping attacks work.
func byID(root *etree.Element, id string) (*etree.Element, error) {
	var found *etree.Element
	count := 0
	var walk func(el *etree.Element)
	walk = func(el *etree.Element) {
		for _, a := range el.Attr {
			if a.Space == "" && (a.Key == "Id" || a.Key == "ID" || a.Key == "id") && a.Value == id {
				found = el
				count++
				break
			}
		}
		for _, c := range el.ChildElements() {
			walk(c)
		}
	}
	walk(root)
	switch {
	case count == 0:
		return nil, malformed("no element with Id %q", id)
	case count > 1:
		return nil, malformed("%d elements with Id %q", count, id)
	}
	return found, nil
}

// DirResolver opens the targets of a detached signature's references as
// files in dir: a relative URI naming a file there, percent-decoded.
// Anything else (a scheme, an absolute path, "..") is refused, so a
// signature cannot make its verifier read files of its choosing.
func DirResolver(dir string) func(uri string) (io.ReadCloser, error) {
	return func(uri string) (io.ReadCloser, error) {
		u, err := url.Parse(uri)
		if err != nil || u.Scheme != "" || u.Host != "" || u.RawQuery != "" || u.Fragment != "" {
			return nil, ErrUnsupported.Wrap(fmt.Errorf("reference %q is not a file name", uri))
		}
		name := strings.TrimPrefix(u.Path, "./")
		if name == "" || !filepath.IsLocal(name) || strings.ContainsAny(name, `/\`) {
			return nil, ErrUnsupported.Wrap(fmt.Errorf("reference %q is not a file name in the signature's folder", uri))
		}
		return os.Open(filepath.Join(dir, name))
	}
}
