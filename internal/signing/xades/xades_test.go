package xades

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/big"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/beevik/etree"

	"github.com/llavero/llavero/internal/ca/catest"
	"github.com/llavero/llavero/internal/i18n"
	"github.com/llavero/llavero/internal/i18n/i18ntest"
	"github.com/llavero/llavero/internal/signing"
)

func TestErrorsAreListedAndBilingual(t *testing.T) {
	errs := map[string]*i18n.Error{
		"ErrEmpty": ErrEmpty, "ErrNotXML": ErrNotXML, "ErrDoctype": ErrDoctype, "ErrEncoding": ErrEncoding,
		"ErrTooLarge": ErrTooLarge, "ErrTooComplex": ErrTooComplex, "ErrNoName": ErrNoName, "ErrNoTimestamper": ErrNoTimestamper,
		"ErrUnsupportedKey": ErrUnsupportedKey, "ErrNoSignature": ErrNoSignature, "ErrMalformed": ErrMalformed,
		"ErrUnsupported": ErrUnsupported, "ErrIntegrity": ErrIntegrity, "ErrMissingData": ErrMissingData,
	}
	i18ntest.CheckListed(t, ".", errs)
	i18ntest.CheckBilingual(t, errs, regexp.MustCompile(`^xades\.[a-z0-9_]+$`))
}

const invoice = `<?xml version="1.0" encoding="UTF-8"?>
<fe:Facturae xmlns:fe="http://www.facturae.gob.es/formato/Versiones/Facturaev3_2_2.xml" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <FileHeader><SchemaVersion>3.2.2</SchemaVersion><Modality>I</Modality></FileHeader>
  <Invoices><Invoice><InvoiceNumber>2026-0042</InvoiceNumber><Total currency="EUR">121.00</Total></Invoice></Invoices>
</fe:Facturae>
`

// signed is one signature made by a test, with what a verifier needs.
type signed struct {
	sig       []byte // the signed document or the .xsig
	data      []byte // the detached file's bytes (nil when enveloped)
	name      string // the detached file's name
	detached  bool
	dir       string
	sigFile   string
	tsa       *testTSA
	f         fixture
	timestamp bool
}

func (s signed) write(t *testing.T) {
	t.Helper()
	writeFile(t, s.dir, s.sigFile, s.sig)
	if s.detached {
		writeFile(t, s.dir, s.name, s.data)
	}
}

func sign(t *testing.T, f fixture, detached bool, level signing.Level) signed {
	t.Helper()
	s := signed{f: f, detached: detached, dir: t.TempDir(), timestamp: level == signing.LevelT}
	opt := Options{Level: level}
	if level == signing.LevelT {
		s.tsa = newTestTSA(t)
		opt.Timestamper = s.tsa
	}
	var err error
	if detached {
		s.name, s.sigFile = "solicitud de canje 2026.pdf", "solicitud.xsig"
		s.data = []byte("%PDF-1.7\n% a form to exchange a driving licence\n")
		s.sig, err = SignDetached(context.Background(), bytes.NewReader(s.data), s.name, f.cred, opt)
	} else {
		s.sigFile = "factura.xml"
		s.sig, err = SignEnveloped(context.Background(), strings.NewReader(invoice), f.cred, opt)
	}
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// checkOwn parses the signature back and checks its integrity; it returns
// the error of CheckIntegrity.
func (s signed) checkOwn(t *testing.T) (*SignatureInfo, error) {
	t.Helper()
	infos, err := Parse(s.sig)
	if err != nil {
		return nil, err
	}
	if len(infos) != 1 {
		t.Fatalf("%d signatures, want 1", len(infos))
	}
	return infos[0], infos[0].CheckIntegrity(DirResolver(s.dir))
}

// TestSignaturesVerifyWithXmlsec1 is the external proof: xmlsec1 accepts
// every kind of signature this package makes, with each kind of key, and
// refuses it after a one-byte change to the signed data or to the signed
// properties. llavero's own check agrees each time.
func TestSignaturesVerifyWithXmlsec1(t *testing.T) {
	for _, kind := range []string{"p256", "p384", "rsa"} {
		f := newFixture(t, kind)
		for _, detached := range []bool{false, true} {
			for _, level := range []signing.Level{signing.LevelB, signing.LevelT} {
				mode := map[bool]string{false: "enveloped", true: "detached"}[detached]
				t.Run(fmt.Sprintf("%s/%s/%s", kind, mode, level), func(t *testing.T) {
					s := sign(t, f, detached, level)
					s.write(t)
					if out, ok := xmlsec1(t, f, s.dir, s.sigFile); !ok {
						t.Fatalf("xmlsec1 refused the signature:\n%s\n%s", out, s.sig)
					}
					info, err := s.checkOwn(t)
					if err != nil {
						t.Fatalf("own check: %v", err)
					}
					if !info.Certificate.Equal(f.cred.Certificate) || len(info.Chain) != 1 || !info.Chain[0].Equal(f.ca.Issuing()) {
						t.Fatalf("signer %v chain %v", info.Certificate.Subject, info.Chain)
					}
					if (info.Timestamp != nil) != s.timestamp {
						t.Fatalf("timestamp present %v at level %s", info.Timestamp != nil, level)
					}
					if time.Since(info.SigningTime) > time.Minute || time.Until(info.SigningTime) > time.Second {
						t.Fatalf("signing time %v", info.SigningTime)
					}

					// One byte of the signed data.
					tampered := s
					if detached {
						tampered.data = bytes.Replace(s.data, []byte("1.7"), []byte("1.6"), 1)
					} else {
						tampered.sig = bytes.Replace(s.sig, []byte("121.00"), []byte("721.00"), 1)
					}
					checkTampered(t, tampered)

					// One byte of the signed properties: the claimed time.
					tampered = s
					tampered.sig = regexp.MustCompile(`(<xades:SigningTime>\d{3})\d`).ReplaceAll(s.sig, []byte("${1}0"))
					if bytes.Equal(tampered.sig, s.sig) {
						tampered.sig = regexp.MustCompile(`(<xades:SigningTime>\d{3})\d`).ReplaceAll(s.sig, []byte("${1}1"))
					}
					checkTampered(t, tampered)
				})
			}
		}
	}
}

func checkTampered(t *testing.T, s signed) {
	t.Helper()
	s.dir = t.TempDir()
	s.write(t)
	if out, ok := xmlsec1(t, s.f, s.dir, s.sigFile); ok {
		t.Errorf("xmlsec1 accepted a tampered signature:\n%s", out)
	}
	if _, err := s.checkOwn(t); i18n.CodeOf(err) != ErrIntegrity.Code {
		t.Errorf("own check of a tampered signature: %v, want %s", err, ErrIntegrity.Code)
	}
}

// TestTimestampVerifiesWithOpenSSL checks that the SignatureTimeStamp is an
// RFC 3161 token over the canonical ds:SignatureValue, as openssl sees it.
// The canonical form is written out by hand here (an element with two
// attributes and base64 text), independently of the package's code.
func TestTimestampVerifiesWithOpenSSL(t *testing.T) {
	for _, detached := range []bool{false, true} {
		s := sign(t, newFixture(t, "p256"), detached, signing.LevelT)
		doc := etree.NewDocument()
		if err := doc.ReadFromBytes(s.sig); err != nil {
			t.Fatal(err)
		}
		sv := doc.FindElement("//SignatureValue")
		canonical := fmt.Sprintf(`<ds:SignatureValue xmlns:ds="%s" Id="%s">%s</ds:SignatureValue>`,
			NamespaceDS, sv.SelectAttrValue("Id", ""), sv.Text())
		token, err := base64.StdEncoding.DecodeString(doc.FindElement("//EncapsulatedTimeStamp").Text())
		if err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		args := []string{"ts", "-verify", "-token_in", "-in", writeFile(t, dir, "token.der", token),
			"-CAfile", catest.WritePEM(t, dir, "tsa-root.pem", s.tsa.root),
			"-untrusted", catest.WritePEM(t, dir, "tsa.pem", s.tsa.cert)}
		out := catest.OpenSSL(t, append(args, "-data", writeFile(t, dir, "sv.xml", []byte(canonical)))...)
		if !strings.Contains(out, "Verification: OK") {
			t.Fatalf("openssl ts -verify:\n%s", out)
		}
		if out, err := catest.TryOpenSSL(t, append(args, "-data", writeFile(t, dir, "other.xml", []byte(canonical+" ")))...); err == nil {
			t.Fatalf("openssl ts -verify accepted the token for other data:\n%s", out)
		}
	}
}

// TestDocumentsVerifyWithXmlsec1 signs documents that exercise the corners
// of canonicalization and checks that xmlsec1 (libxml2's parser and C14N)
// computes the same digest.
func TestDocumentsVerifyWithXmlsec1(t *testing.T) {
	f := newFixture(t, "p256")
	docs := map[string]string{
		"no declaration":           `<a/>`,
		"default namespace":        `<a xmlns="urn:a"><b>x</b><c xmlns=""/></a>`,
		"empty default undeclared": `<p:a xmlns:p="urn:p" xmlns=""><b/></p:a>`,
		"attributes of two namespaces": `<r xmlns:z="urn:a" xmlns:y="urn:b" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"` +
			` xsi:schemaLocation="urn:x x.xsd" xml:lang="es" y:a="1" z:b="2" c="3" b="4"/>`,
		"unused namespaces":             `<a xmlns:u="urn:unused" xmlns:v="urn:v"><v:b/></a>`,
		"comments and PIs":              "<?xml version=\"1.0\"?>\n<!-- before --><?xml-stylesheet href=\"s.xsl\"?>\n<a><!-- in -->x<?pi data?></a>\n<!-- after --><?after?>",
		"CDATA and references":          `<a>&lt;&amp;&gt;&#233;&#x20AC;<![CDATA[<raw> & ]]]]><![CDATA[>]]></a>`,
		"whitespace in attribute":       "<a b=\"one\ttwo\nthree\" c=\"&#9;&#10;&#13;\" d='\"q\"'>\r\n text\r </a>",
		"carriage return in text":       `<a>x&#13;y</a>`,
		"byte-order mark":               "\xEF\xBB\xBF<a>ñandú</a>",
		"as many namespaces as allowed": manyNamespaces(maxNamespaces),
		"deep and wide":                 strings.Repeat("<n i=\"1\">", 200) + strings.Repeat("<leaf/>", 1500) + strings.Repeat("</n>", 200),
	}
	for name, in := range docs {
		t.Run(name, func(t *testing.T) {
			out, err := SignEnveloped(context.Background(), strings.NewReader(in), f.cred, Options{})
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			writeFile(t, dir, "doc.xml", out)
			if res, ok := xmlsec1(t, f, dir, "doc.xml"); !ok {
				t.Fatalf("xmlsec1 refused:\n%s\n%s", res, out)
			}
			infos, err := Parse(out)
			if err != nil {
				t.Fatal(err)
			}
			if err := infos[0].CheckIntegrity(nil); err != nil {
				t.Fatalf("own check: %v", err)
			}
		})
	}
}

// TestCoSignature signs a document that already holds a signature: both
// stay valid, each covering the document as it was signed.
func TestCoSignature(t *testing.T) {
	ana, bea := newFixture(t, "p256"), newFixture(t, "rsa")
	first, err := SignEnveloped(context.Background(), strings.NewReader(invoice), ana.cred, Options{})
	if err != nil {
		t.Fatal(err)
	}
	second, err := SignEnveloped(context.Background(), bytes.NewReader(first), bea.cred, Options{})
	if err != nil {
		t.Fatal(err)
	}
	infos, err := Parse(second)
	if err != nil {
		t.Fatal(err)
	}
	if len(infos) != 2 {
		t.Fatalf("%d signatures", len(infos))
	}
	// The first signature's enveloped transform removes only itself, so it
	// now sees the second signature as an addition: it must fail. The
	// second covers the first and holds.
	if err := infos[0].CheckIntegrity(nil); i18n.CodeOf(err) != ErrIntegrity.Code {
		t.Errorf("first signature after a co-signature: %v", err)
	}
	if err := infos[1].CheckIntegrity(nil); err != nil {
		t.Errorf("second signature: %v", err)
	}
	if !infos[1].Certificate.Equal(bea.cred.Certificate) {
		t.Errorf("second signer %v", infos[1].Certificate.Subject)
	}
}

func TestSignEnvelopedRefusesBadInput(t *testing.T) {
	f := newFixture(t, "p256")
	lol := `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]><lolz>&lol2;</lolz>`
	xxe := `<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>`
	tests := []struct {
		name string
		in   io.Reader
		want *i18n.Error
	}{
		{"empty", strings.NewReader(""), ErrEmpty},
		{"only whitespace", strings.NewReader(" \n\t"), ErrEmpty},
		{"only a declaration", strings.NewReader(`<?xml version="1.0"?>`), ErrEmpty},
		{"not XML", strings.NewReader("%PDF-1.7 binary"), ErrNotXML},
		{"unclosed", strings.NewReader("<a><b></a>"), ErrNotXML},
		{"two roots", strings.NewReader("<a/><b/>"), ErrNotXML},
		{"text after root", strings.NewReader("<a/>trailing"), ErrNotXML},
		{"duplicate attribute", strings.NewReader(`<a x="1" x="2"/>`), ErrNotXML},
		{"undeclared prefix", strings.NewReader(`<p:a/>`), ErrNotXML},
		{"billion laughs", strings.NewReader(lol), ErrDoctype},
		{"external entity", strings.NewReader(xxe), ErrDoctype},
		{"plain DOCTYPE", strings.NewReader(`<!DOCTYPE html><html/>`), ErrDoctype},
		{"Latin-1", strings.NewReader("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><a>\xf1</a>"), ErrEncoding},
		{"too large", io.LimitReader(repeat('a'), MaxDocument+1), ErrTooLarge},
		{"too many namespaces", strings.NewReader(manyNamespaces(maxNamespaces + 1)), ErrTooComplex},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := SignEnveloped(context.Background(), tc.in, f.cred, Options{})
			if i18n.CodeOf(err) != tc.want.Code {
				t.Fatalf("err %v, want %s", err, tc.want.Code)
			}
		})
	}
}

// manyNamespaces is a document declaring n prefixes, spread over two
// levels of nesting.
func manyNamespaces(n int) string {
	var b strings.Builder
	b.WriteString("<a")
	for i := 0; i < n/2; i++ {
		fmt.Fprintf(&b, ` xmlns:p%d="urn:%d"`, i, i)
	}
	b.WriteString("><b")
	for i := n / 2; i < n; i++ {
		fmt.Fprintf(&b, ` xmlns:p%d="urn:%d"`, i, i)
	}
	b.WriteString("/></a>")
	return b.String()
}

// repeat is an endless reader of one byte.
type repeat byte

func (r repeat) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(r)
	}
	return len(p), nil
}

func TestSignRefusesBadOptions(t *testing.T) {
	f := newFixture(t, "p256")
	// llavero's CA issues no Ed25519 certificate; a self-signed one
	// for signing stands in for one from elsewhere.
	edPub, edKey, _ := ed25519.GenerateKey(rand.Reader)
	edTmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "Ed"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), KeyUsage: x509.KeyUsageContentCommitment}
	edDER, err := x509.CreateCertificate(rand.Reader, edTmpl, edTmpl, edPub, edKey)
	if err != nil {
		t.Fatal(err)
	}
	edCert, _ := x509.ParseCertificate(edDER)
	operator, err := f.ca.IssueOperator(context.Background(), f.cred.Signer.Public(), "Ana", "office", "op1", time.Now().Add(-time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		cred signing.Credential
		opt  Options
		want string
	}{
		{"level T without a timestamp service", f.cred, Options{Level: signing.LevelT}, ErrNoTimestamper.Code},
		{"unknown level", f.cred, Options{Level: "LTA"}, signing.ErrUnknownLevel.Code},
		{"SHA-1", f.cred, Options{Hash: crypto.SHA1}, ErrUnsupported.Code},
		{"after the certificate expired", f.cred, Options{Time: f.cred.Certificate.NotAfter.Add(time.Hour)}, signing.ErrCertExpired.Code},
		{"operator certificate", signing.Credential{Signer: f.cred.Signer, Certificate: operator}, Options{}, signing.ErrCertNoSigning.Code},
		{"Ed25519 key", signing.Credential{Signer: edKey, Certificate: edCert}, Options{}, ErrUnsupportedKey.Code},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := SignEnveloped(context.Background(), strings.NewReader("<a/>"), tc.cred, tc.opt)
			if i18n.CodeOf(err) != tc.want {
				t.Fatalf("enveloped: err %v, want %s", err, tc.want)
			}
			_, err = SignDetached(context.Background(), strings.NewReader("x"), "x.txt", tc.cred, tc.opt)
			if i18n.CodeOf(err) != tc.want {
				t.Fatalf("detached: err %v, want %s", err, tc.want)
			}
		})
	}
	if _, err := SignDetached(context.Background(), strings.NewReader("x"), "", f.cred, Options{}); i18n.CodeOf(err) != ErrNoName.Code {
		t.Fatalf("no name: %v", err)
	}
}

// lyingTSA answers with a valid token over another digest.
type lyingTSA struct{ *testTSA }

func (l lyingTSA) Timestamp(ctx context.Context, digest []byte, h crypto.Hash) ([]byte, error) {
	other := append([]byte(nil), digest...)
	other[0] ^= 1
	return l.testTSA.Timestamp(ctx, other, h)
}

func TestLevelTRefusesATokenForAnotherDigest(t *testing.T) {
	f := newFixture(t, "p256")
	_, err := SignEnveloped(context.Background(), strings.NewReader("<a/>"), f.cred, Options{Level: signing.LevelT, Timestamper: lyingTSA{newTestTSA(t)}})
	if !errors.Is(err, signing.ErrTSA) {
		t.Fatalf("err %v, want %s", err, signing.ErrTSA.Code)
	}
}

func TestLevelTStampsTheSignatureValue(t *testing.T) {
	s := sign(t, newFixture(t, "p384"), false, signing.LevelT)
	if len(s.tsa.digests) != 1 {
		t.Fatalf("%d timestamp requests", len(s.tsa.digests))
	}
	infos, err := Parse(s.sig)
	if err != nil {
		t.Fatal(err)
	}
	// Replace the token with one over another signature value: the
	// signature itself still verifies, the timestamp binding does not.
	other, err := s.tsa.Timestamp(context.Background(), make([]byte, 32), crypto.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	swapped := bytes.Replace(s.sig, []byte(base64.StdEncoding.EncodeToString(infos[0].Timestamp)), []byte(base64.StdEncoding.EncodeToString(other)), 1)
	infos, err = Parse(swapped)
	if err != nil {
		t.Fatal(err)
	}
	if err := infos[0].CheckIntegrity(nil); i18n.CodeOf(err) != ErrIntegrity.Code || !strings.Contains(errors.Unwrap(err).Error(), "timestamp") {
		t.Fatalf("swapped timestamp: %v", err)
	}
}

// TestECDSASignatureValueIsRS checks the XML-DSig encoding of ECDSA: r||s,
// each as long as the curve's order, not an ASN.1 sequence.
func TestECDSASignatureValueIsRS(t *testing.T) {
	for kind, size := range map[string]int{"p256": 64, "p384": 96} {
		s := sign(t, newFixture(t, kind), false, signing.LevelB)
		doc := etree.NewDocument()
		if err := doc.ReadFromBytes(s.sig); err != nil {
			t.Fatal(err)
		}
		v, err := base64.StdEncoding.DecodeString(doc.FindElement("//SignatureValue").Text())
		if err != nil {
			t.Fatal(err)
		}
		if len(v) != size || v[0] == 0x30 && len(v) != size {
			t.Fatalf("%s: signature value of %d bytes (% x...)", kind, len(v), v[:4])
		}
	}
}

// TestIssuerSerialV2 decodes the property as RFC 5035's IssuerSerial and
// compares it with the certificate.
func TestIssuerSerialV2(t *testing.T) {
	s := sign(t, newFixture(t, "p256"), true, signing.LevelB)
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(s.sig); err != nil {
		t.Fatal(err)
	}
	der, err := base64.StdEncoding.DecodeString(doc.FindElement("//IssuerSerialV2").Text())
	if err != nil {
		t.Fatal(err)
	}
	var is struct {
		Issuer []asn1.RawValue
		Serial *big.Int
	}
	if rest, err := asn1.Unmarshal(der, &is); err != nil || len(rest) != 0 {
		t.Fatalf("IssuerSerial: %v", err)
	}
	cert := s.f.cred.Certificate
	if len(is.Issuer) != 1 || is.Issuer[0].Tag != 4 || !bytes.Equal(is.Issuer[0].Bytes, cert.RawIssuer) || is.Serial.Cmp(cert.SerialNumber) != 0 {
		t.Fatalf("IssuerSerial %+v", is)
	}
	digest, _ := base64.StdEncoding.DecodeString(doc.FindElement("//CertDigest/DigestValue").Text())
	if want := digestOf(crypto.SHA256, cert.Raw); !bytes.Equal(digest, want) {
		t.Fatalf("CertDigest %s, want %s", hex.EncodeToString(digest), hex.EncodeToString(want))
	}
}

func TestDetachedReferenceNamesTheFile(t *testing.T) {
	f := newFixture(t, "p256")
	tests := []struct{ name, uri, mime string }{
		{"informe.pdf", "informe.pdf", "application/pdf"},
		{"/home/ana/informe final.xml", "informe%20final.xml", "text/xml"},
		{`C:\Users\ana\foto.jpg`, "foto.jpg", "image/jpeg"},
		{"a:b", "./a:b", "application/octet-stream"},
	}
	for _, tc := range tests {
		sig, err := SignDetached(context.Background(), strings.NewReader("x"), tc.name, f.cred, Options{})
		if err != nil {
			t.Fatal(err)
		}
		infos, err := Parse(sig)
		if err != nil {
			t.Fatal(err)
		}
		if got := infos[0].External; len(got) != 1 || got[0] != tc.uri {
			t.Errorf("%q: external references %q, want %q", tc.name, got, tc.uri)
		}
		if !bytes.Contains(sig, []byte("<xades:MimeType>"+tc.mime+"</xades:MimeType>")) {
			t.Errorf("%q: MimeType is not %s", tc.name, tc.mime)
		}
	}
}

func TestCheckIntegrityMissingData(t *testing.T) {
	s := sign(t, newFixture(t, "p256"), true, signing.LevelB)
	infos, err := Parse(s.sig)
	if err != nil {
		t.Fatal(err)
	}
	// The folder holds no signed file.
	if err := infos[0].CheckIntegrity(DirResolver(t.TempDir())); i18n.CodeOf(err) != ErrMissingData.Code {
		t.Fatalf("missing file: %v", err)
	}
	if err := infos[0].CheckIntegrity(nil); i18n.CodeOf(err) != ErrMissingData.Code {
		t.Fatalf("no resolver: %v", err)
	}
}

func TestDirResolverStaysInItsFolder(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "ok file.txt", []byte("x"))
	if err := os.WriteFile(filepath.Join(filepath.Dir(dir), "outside.txt"), []byte("secret"), 0o644); err != nil {
		t.Fatal(err)
	}
	resolve := DirResolver(dir)
	if rc, err := resolve("ok%20file.txt"); err != nil {
		t.Fatalf("a file in the folder: %v", err)
	} else {
		rc.Close()
	}
	for _, uri := range []string{"../outside.txt", "..%2Foutside.txt", "/etc/passwd", "file:///etc/passwd", "http://example.org/x", "sub/x.txt", "", "x.txt#frag"} {
		if rc, err := resolve(uri); err == nil {
			rc.Close()
			t.Errorf("resolved %q", uri)
		}
	}
}

func TestParseRefuses(t *testing.T) {
	s := sign(t, newFixture(t, "p256"), false, signing.LevelB)
	id := regexp.MustCompile(`Id="(xades-[0-9a-f]+-SignedProperties)"`).FindSubmatch(s.sig)[1]
	tests := []struct {
		name string
		in   []byte
		want *i18n.Error
		// whether Parse succeeds and CheckIntegrity gives want
		atCheck bool
	}{
		{"a document without signature", []byte(invoice), ErrNoSignature, false},
		{"not XML", []byte("%PDF"), ErrNotXML, false},
		{"no certificate", regexp.MustCompile(`(?s)<ds:KeyInfo>.*</ds:KeyInfo>`).ReplaceAll(s.sig, nil), ErrMalformed, false},
		{"a certificate that is not one", regexp.MustCompile(`<ds:X509Certificate>MII`).ReplaceAll(s.sig, []byte("<ds:X509Certificate>AAA")), ErrMalformed, false},
		{"SHA-1 digest", bytes.Replace(s.sig, []byte("xmlenc#sha256"), []byte("xmldsig#sha1"), 1), ErrUnsupported, true},
		{"XPath transform", bytes.Replace(s.sig, []byte("xmldsig#enveloped-signature"), []byte("REC-xpath-19991116"), 1), ErrUnsupported, true},
		// A second element with the signed properties' Id, in an object
		// the enveloped transform leaves out: a wrapping attempt.
		{"duplicate Id", bytes.Replace(s.sig, []byte("</ds:Signature>"), []byte(`<ds:Object><x Id="`+string(id)+`"/></ds:Object></ds:Signature>`), 1), ErrMalformed, true},
		{"no signed properties reference", regexp.MustCompile(`<ds:Reference Type="[^"]*SignedProperties".*?</ds:Reference>`).ReplaceAll(s.sig, nil), ErrIntegrity, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			infos, err := Parse(tc.in)
			if tc.atCheck {
				if err != nil {
					t.Fatalf("parse: %v", err)
				}
				err = infos[0].CheckIntegrity(nil)
			}
			if i18n.CodeOf(err) != tc.want.Code {
				t.Fatalf("err %v, want %s", err, tc.want.Code)
			}
		})
	}
}

func TestSignDetachedStopsWhenCanceled(t *testing.T) {
	f := newFixture(t, "p256")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := SignDetached(ctx, repeat('x'), "endless.bin", f.cred, Options{})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err %v, want context.Canceled", err)
	}
}
