package pades

import (
	"bytes"
	"compress/zlib"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/digitorus/timestamp"
	"github.com/go-pdf/fpdf"

	"github.com/llavero/llavero/internal/ca"
	"github.com/llavero/llavero/internal/ca/catest"
	"github.com/llavero/llavero/internal/signing"
)

// fixture is a test CA, a citizen's credential under it, and a timestamp
// authority whose certificate the CA issued.
type fixture struct {
	ca   *ca.CA
	cred signing.Credential
	tsa  *testTSA
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	ctx := context.Background()
	opts := catest.Options(t)
	c, err := ca.Open(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := c.IssuePerson(ctx, key.Public(), ca.Person{ID: "12345678Z", GivenName: "Ana", FirstSurname: "Ruiz", SecondSurname: "Gil"}, time.Now().Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	issuingKey, err := opts.Keys.Load(ctx, ca.LabelIssuing)
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{
		ca:   c,
		cred: signing.Credential{Signer: key, Certificate: cert, Chain: c.Chain()},
		tsa:  newTestTSA(t, c, issuingKey),
	}
}

// person returns a fixture for another citizen of the same CA, with an
// RSA key (as many FNMT certificates have) where the first has ECDSA.
func (f *fixture) person(t testing.TB, id, given, surname string) *fixture {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := f.ca.IssuePerson(context.Background(), key.Public(), ca.Person{ID: id, GivenName: given, FirstSurname: surname}, time.Now().Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	g := *f
	g.cred = signing.Credential{Signer: key, Certificate: cert, Chain: f.ca.Chain()}
	return &g
}

// testTSA is a minimal RFC 3161 responder for tests (llavero's real one
// is internal/tsa): a certificate with the critical timeStamping usage,
// issued by the test CA, and tokens from digitorus/timestamp.
type testTSA struct {
	cert  *x509.Certificate
	key   crypto.Signer
	chain []*x509.Certificate
	calls atomic.Int64
}

var oidTimeStamping = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 8}

func newTestTSA(t testing.TB, c *ca.CA, issuingKey crypto.Signer) *testTSA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	eku, err := asn1.Marshal([]asn1.ObjectIdentifier{oidTimeStamping})
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:    big.NewInt(time.Now().UnixNano()),
		Subject:         pkix.Name{Country: []string{"ES"}, Organization: []string{"llavero (test)"}, CommonName: "llavero test TSA"},
		NotBefore:       time.Now().Add(-time.Hour),
		NotAfter:        time.Now().Add(24 * time.Hour),
		KeyUsage:        x509.KeyUsageDigitalSignature,
		ExtraExtensions: []pkix.Extension{{Id: asn1.ObjectIdentifier{2, 5, 29, 37}, Critical: true, Value: eku}},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, c.Issuing(), key.Public(), issuingKey)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return &testTSA{cert: cert, key: key, chain: []*x509.Certificate{c.Issuing()}}
}

// respond answers a timestamp request (DER) with a granted response.
func (a *testTSA) respond(req *timestamp.Request) ([]byte, error) {
	a.calls.Add(1)
	ts := timestamp.Timestamp{
		HashAlgorithm:     req.HashAlgorithm,
		HashedMessage:     req.HashedMessage,
		Time:              time.Now(),
		Policy:            asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 99999, 1},
		Nonce:             req.Nonce,
		AddTSACertificate: true,
		Certificates:      a.chain,
	}
	return ts.CreateResponseWithOpts(a.cert, a.key, crypto.SHA256)
}

// Timestamp implements signing.Timestamper in process.
func (a *testTSA) Timestamp(_ context.Context, digest []byte, h crypto.Hash) ([]byte, error) {
	resp, err := a.respond(&timestamp.Request{HashAlgorithm: h, HashedMessage: digest})
	if err != nil {
		return nil, err
	}
	ts, err := timestamp.ParseResponse(resp)
	if err != nil {
		return nil, err
	}
	return ts.RawToken, nil
}

// server serves the responder over HTTP, for signing.TSAClient.
func (a *testTSA) server(t testing.TB) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<16))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		req, err := timestamp.ParseRequest(body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		resp, err := a.respond(req)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/timestamp-reply")
		_, _ = w.Write(resp)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// fpdfDoc makes a PDF of n pages with fpdf (a classic xref table).
func fpdfDoc(t testing.TB, pages int, protect bool) []byte {
	t.Helper()
	p := fpdf.New("P", "mm", "A4", "")
	if protect {
		p.SetProtection(fpdf.CnProtectPrint, "user", "owner")
	}
	p.SetFont("Helvetica", "", 14)
	tr := p.UnicodeTranslatorFromDescriptor("")
	for i := 1; i <= pages; i++ {
		p.AddPage()
		p.Cell(0, 10, tr(fmt.Sprintf("Solicitud de canje de permiso de conducción, página %d de %d", i, pages)))
	}
	var b bytes.Buffer
	if err := p.Output(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// writeStreamPDF writes a one-page PDF whose cross-reference is a stream
// (PDF 1.5), with an extra stream object of filler bytes: how the tests get
// a 100 MB document without holding it in memory.
func writeStreamPDF(w io.Writer, filler int64) error {
	cw := &countWriter{w: w}
	offsets := make([]int64, 6)
	obj := func(id int, body string) {
		offsets[id] = cw.n
		fmt.Fprintf(cw, "%d 0 obj\n%s\nendobj\n", id, body)
	}
	fmt.Fprint(cw, "%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
	obj(1, "<</Type /Catalog /Pages 2 0 R>>")
	obj(2, "<</Type /Pages /Kids [3 0 R] /Count 1>>")
	obj(3, "<</Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources <</Font <</F1 <</Type /Font /Subtype /Type1 /BaseFont /Helvetica>>>>>>>>")
	content := "BT /F1 14 Tf 72 760 Td (Documento de prueba) Tj ET"
	obj(4, fmt.Sprintf("<</Length %d>>\nstream\n%s\nendstream", len(content), content))
	offsets[5] = cw.n
	fmt.Fprintf(cw, "5 0 obj\n<</Length %d>>\nstream\n", filler)
	block := bytes.Repeat([]byte("0123456789abcdef"), 4096)
	for left := filler; left > 0; {
		n := min(left, int64(len(block)))
		if _, err := cw.Write(block[:n]); err != nil {
			return err
		}
		left -= n
	}
	fmt.Fprint(cw, "\nendstream\nendobj\n")
	xref := cw.n
	var data []byte
	data = append(data, 0, 0, 0, 0, 0, 0xff, 0xff)
	for id := 1; id <= 6; id++ {
		off := xref
		if id < 6 {
			off = offsets[id]
		}
		data = append(data, 1, byte(off>>24), byte(off>>16), byte(off>>8), byte(off), 0, 0)
	}
	fmt.Fprintf(cw, "6 0 obj\n<</Type /XRef /Size 7 /W [1 4 2] /Root 1 0 R /Length %d>>\nstream\n", len(data))
	cw.Write(data)
	fmt.Fprintf(cw, "\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n", xref)
	return cw.err
}

type countWriter struct {
	w   io.Writer
	n   int64
	err error
}

func (c *countWriter) Write(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	n, err := c.w.Write(p)
	c.n += int64(n)
	c.err = err
	return n, err
}

// rawPDF writes objs as objects 1, 2... (the first the catalog) with a
// cross-reference table or stream.
func rawPDF(t testing.TB, table bool, objs ...string) []byte {
	t.Helper()
	var b bytes.Buffer
	b.WriteString("%PDF-1.7\n")
	offsets := []int64{0}
	for i, o := range objs {
		offsets = append(offsets, int64(b.Len()))
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := int64(b.Len())
	n := len(objs) + 1
	if table {
		fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f\r\n", n)
		for _, off := range offsets[1:] {
			fmt.Fprintf(&b, "%010d 00000 n\r\n", off)
		}
		fmt.Fprintf(&b, "trailer\n<</Size %d /Root 1 0 R /ID [<0102> <0102>]>>\nstartxref\n%d\n%%%%EOF\n", n, xref)
		return b.Bytes()
	}
	data := []byte{0, 0, 0, 0, 0, 0xff, 0xff}
	for _, off := range append(offsets[1:], xref) {
		data = append(data, 1, byte(off>>24), byte(off>>16), byte(off>>8), byte(off), 0, 0)
	}
	fmt.Fprintf(&b, "%d 0 obj\n<</Type /XRef /Size %d /W [1 4 2] /Root 1 0 R /Length %d>>\nstream\n", n, n+1, len(data))
	b.Write(data)
	fmt.Fprintf(&b, "\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n", xref)
	return b.Bytes()
}

// objStmPDF writes a PDF 1.5 whose page (object 3) is inside an object
// stream (object 4), as modern writers store most objects.
func objStmPDF(t testing.TB, page string) []byte {
	return objStmPDFFilter(t, page, false)
}

// objStmPDFFilter is objStmPDF with the object stream compressed
// (FlateDecode) when flate is set.
func objStmPDFFilter(t testing.TB, page string, flate bool) []byte {
	t.Helper()
	var b bytes.Buffer
	b.WriteString("%PDF-1.7\n")
	offsets := map[int]int64{}
	obj := func(id int, body string) {
		offsets[id] = int64(b.Len())
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", id, body)
	}
	obj(1, "<</Type /Catalog /Pages 2 0 R>>")
	obj(2, "<</Type /Pages /Kids [3 0 R] /Count 1>>")
	header := "3 0 "
	content := header + page
	filter := ""
	if flate {
		var z bytes.Buffer
		w := zlib.NewWriter(&z)
		w.Write([]byte(content))
		w.Close()
		content, filter = z.String(), " /Filter /FlateDecode"
	}
	obj(4, fmt.Sprintf("<</Type /ObjStm /N 1 /First %d%s /Length %d>>\nstream\n%s\nendstream", len(header), filter, len(content), content))
	xref := int64(b.Len())
	offsets[5] = xref
	entry := func(typ byte, f2 int64, f3 int) []byte {
		return []byte{typ, byte(f2 >> 24), byte(f2 >> 16), byte(f2 >> 8), byte(f2), byte(f3 >> 8), byte(f3)}
	}
	var data []byte
	data = append(data, entry(0, 0, 0xffff)...)
	data = append(data, entry(1, offsets[1], 0)...)
	data = append(data, entry(1, offsets[2], 0)...)
	data = append(data, entry(2, 4, 0)...) // object 3: in stream 4, index 0
	data = append(data, entry(1, offsets[4], 0)...)
	data = append(data, entry(1, offsets[5], 0)...)
	fmt.Fprintf(&b, "5 0 obj\n<</Type /XRef /Size 6 /W [1 4 2] /Root 1 0 R /Length %d>>\nstream\n", len(data))
	b.Write(data)
	fmt.Fprintf(&b, "\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n", xref)
	return b.Bytes()
}

func streamDoc(t testing.TB, filler int64) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := writeStreamPDF(&b, filler); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// sign signs doc in memory and returns the new file.
func (f *fixture) sign(t testing.TB, doc []byte, opt Options) []byte {
	t.Helper()
	var out bytes.Buffer
	if err := Sign(context.Background(), bytes.NewReader(doc), int64(len(doc)), &out, f.cred, opt); err != nil {
		t.Fatalf("Sign: %v", err)
	}
	if !bytes.HasPrefix(out.Bytes(), doc) {
		t.Fatal("the signed file does not begin with the original bytes")
	}
	return out.Bytes()
}
