package pades

import (
	"bytes"
	"context"
	"crypto"
	"crypto/sha256"
	"encoding/asn1"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/digitorus/pdf"
	"github.com/digitorus/pkcs7"
	"github.com/digitorus/timestamp"

	"github.com/llavero/llavero/internal/i18n"
	"github.com/llavero/llavero/internal/i18n/i18ntest"
	"github.com/llavero/llavero/internal/signing"
)

func TestErrorsAreListedAndBilingual(t *testing.T) {
	errs := map[string]*i18n.Error{
		"ErrNotPDF": ErrNotPDF, "ErrEncrypted": ErrEncrypted, "ErrDamaged": ErrDamaged,
		"ErrCertified": ErrCertified, "ErrPlacement": ErrPlacement, "ErrNoTimestamper": ErrNoTimestamper,
	}
	i18ntest.CheckListed(t, ".", errs)
	i18ntest.CheckBilingual(t, errs, regexp.MustCompile(`^pades\.[a-z0-9_]+$`))
}

// signature is one signature found in a PDF: its dictionary's values and
// the bytes its ByteRange covers.
type signature struct {
	field     string
	subFilter string
	byteRange [4]int64
	cms       []byte
	signed    []byte
	m         string
	name      string
}

// signatures reads back every signature field of file, with the parser the
// package uses, independently of how Sign laid them out.
func signatures(t *testing.T, file []byte) []signature {
	t.Helper()
	r, err := pdf.NewReader(bytes.NewReader(file), int64(len(file)))
	if err != nil {
		t.Fatalf("reading the signed file: %v", err)
	}
	var out []signature
	fields := r.Trailer().Key("Root").Key("AcroForm").Key("Fields")
	for i := 0; i < fields.Len(); i++ {
		f := fields.Index(i)
		if f.Key("FT").Name() != "Sig" {
			continue
		}
		v := f.Key("V")
		s := signature{field: f.Key("T").Text(), subFilter: v.Key("SubFilter").Name(), m: v.Key("M").Text(), name: v.Key("Name").Text()}
		br := v.Key("ByteRange")
		if br.Len() != 4 {
			t.Fatalf("ByteRange %v", br)
		}
		for j := range s.byteRange {
			s.byteRange[j] = br.Index(j).Int64()
		}
		var raw asn1.RawValue
		if _, err := asn1.Unmarshal([]byte(v.Key("Contents").RawString()), &raw); err != nil {
			t.Fatalf("Contents is not DER: %v", err)
		}
		s.cms = raw.FullBytes
		b := s.byteRange
		s.signed = append(append([]byte{}, file[b[0]:b[0]+b[1]]...), file[b[2]:b[2]+b[3]]...)
		out = append(out, s)
	}
	return out
}

var (
	oidSigningTime = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 5}
)

// checkCMS verifies a signature's CMS over its byte ranges with
// digitorus/pkcs7 (a CMS implementation this package does not use to
// sign) and checks the PAdES baseline attributes.
func checkCMS(t *testing.T, f *fixture, s signature, wantTimestamp bool) {
	t.Helper()
	p7, err := pkcs7.Parse(s.cms)
	if err != nil {
		t.Fatalf("parsing the CMS: %v", err)
	}
	p7.Content = s.signed
	if err := p7.Verify(); err != nil {
		t.Fatalf("the CMS does not verify over the byte ranges: %v", err)
	}
	if len(p7.Signers) != 1 {
		t.Fatalf("%d signers", len(p7.Signers))
	}
	si := p7.Signers[0]
	var hasCertV2, hasTime bool
	for _, a := range si.AuthenticatedAttributes {
		switch {
		case a.Type.Equal(oidSigningCertificateV2):
			hasCertV2 = true
			want := sha256.Sum256(f.cred.Certificate.Raw)
			if !bytes.Contains(a.Value.Bytes, want[:]) || !bytes.Contains(a.Value.Bytes, f.cred.Certificate.RawIssuer) {
				t.Error("signing-certificate-v2 lacks the certificate's hash or issuer")
			}
		case a.Type.Equal(oidSigningTime):
			hasTime = true
		}
	}
	if !hasCertV2 || hasTime {
		t.Errorf("signing-certificate-v2 %v (want true), signing-time %v (want false)", hasCertV2, hasTime)
	}
	var token []byte
	for _, a := range si.UnauthenticatedAttributes {
		if a.Type.Equal(oidSignatureTimeStampToken) {
			token = a.Value.Bytes
		}
	}
	if (token != nil) != wantTimestamp {
		t.Fatalf("timestamp present %v, want %v", token != nil, wantTimestamp)
	}
	if token != nil {
		ts, err := timestamp.Parse(token)
		if err != nil {
			t.Fatalf("timestamp token: %v", err)
		}
		want := sha256.Sum256(si.EncryptedDigest)
		if !bytes.Equal(ts.HashedMessage, want[:]) {
			t.Error("the timestamp is not over the signature value")
		}
	}
}

func TestSign(t *testing.T) {
	f := newFixture(t)
	when := time.Now().In(time.FixedZone("CET", 3600)).Truncate(time.Second)
	tests := []struct {
		name  string
		doc   []byte
		opt   Options
		pages int
	}{
		{"one page, invisible", fpdfDoc(t, 1, false), Options{SigningTime: when}, 1},
		{"several pages, visible on the last", fpdfDoc(t, 5, false), Options{Visible: &Visible{}, Reason: "Conformidad / Approval", Location: "Madrid", SigningTime: when}, 5},
		{"visible on page 2 at a chosen place", fpdfDoc(t, 3, false), Options{Visible: &Visible{Page: 2, Rect: [4]float64{300, 700, 560, 780}}}, 3},
		{"page in an object stream", objStmPDF(t, "<</Type /Page /Parent 2 0 R /MediaBox [0 0 595 842]>>"), Options{Visible: &Visible{}}, 1},
		{"page in a compressed object stream 1000 times its size", objStmPDFFilter(t, "<</Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Pad ["+strings.Repeat("0 ", 1<<20)+"]>>", true), Options{}, 1},
		{"xref stream", streamDoc(t, 1000), Options{Visible: &Visible{Page: 1}, Name: "Ana (test)"}, 1},
		{"level T", fpdfDoc(t, 1, false), Options{Level: signing.LevelT, Timestamper: f.tsa}, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out := f.sign(t, tc.doc, tc.opt)
			sigs := signatures(t, out)
			if len(sigs) != 1 {
				t.Fatalf("%d signatures", len(sigs))
			}
			s := sigs[0]
			if s.subFilter != "ETSI.CAdES.detached" || s.field != "Firma1" {
				t.Errorf("SubFilter %q field %q", s.subFilter, s.field)
			}
			if s.byteRange[0] != 0 || s.byteRange[2]+s.byteRange[3] != int64(len(out)) {
				t.Errorf("ByteRange %v does not cover the whole file of %d bytes", s.byteRange, len(out))
			}
			wantName := "Ana Ruiz Gil"
			if tc.opt.Name != "" {
				wantName = tc.opt.Name
			}
			if s.name != wantName {
				t.Errorf("Name %q, want %q", s.name, wantName)
			}
			if !tc.opt.SigningTime.IsZero() && s.m != when.Format("D:20060102150405")+"+01'00'" {
				t.Errorf("M %q", s.m)
			}
			checkCMS(t, f, s, tc.opt.Level == signing.LevelT)
			r, err := pdf.NewReader(bytes.NewReader(out), int64(len(out)))
			if err != nil {
				t.Fatal(err)
			}
			if n := r.Trailer().Key("Root").Key("Pages").Key("Count").Int64(); n != int64(tc.pages) {
				t.Errorf("%d pages after signing, want %d", n, tc.pages)
			}
			if tc.opt.Visible != nil && !bytes.Contains(out, []byte("(Firmado por / Signed by) Tj")) {
				t.Error("the visible signature's text is missing")
			}
		})
	}
}

// TestSignTwice: a second signature is appended after the first, whose
// bytes stay as they were, so both verify.
func TestSignTwice(t *testing.T) {
	f := newFixture(t)
	for _, doc := range map[string][]byte{"table": fpdfDoc(t, 2, false), "stream": streamDoc(t, 100)} {
		once := f.sign(t, doc, Options{Visible: &Visible{Page: 1}})
		twice := f.sign(t, once, Options{Visible: &Visible{Page: 2 - bytes.Count(doc, []byte("/Type /Page "))%2, Rect: [4]float64{300, 36, 540, 96}}, Level: signing.LevelT, Timestamper: f.tsa})
		sigs := signatures(t, twice)
		if len(sigs) != 2 {
			t.Fatalf("%d signatures, want 2", len(sigs))
		}
		if sigs[0].field != "Firma1" || sigs[1].field != "Firma2" {
			t.Errorf("fields %q, %q", sigs[0].field, sigs[1].field)
		}
		if end := sigs[0].byteRange[2] + sigs[0].byteRange[3]; end != int64(len(once)) {
			t.Errorf("the first signature covers %d bytes, want the first revision's %d", end, len(once))
		}
		checkCMS(t, f, sigs[0], false)
		checkCMS(t, f, sigs[1], true)
	}
}

func TestSignRefuses(t *testing.T) {
	f := newFixture(t)
	good := fpdfDoc(t, 2, false)
	truncated := good[:len(good)-200]
	badXref := bytes.Replace(good, []byte("\nxref\n"), []byte("\nxreg\n"), 1)
	hugeXref := regexp.MustCompile(`\nxref\n0 \d+`).ReplaceAll(good, []byte("\nxref\n999999999999 1"))
	tests := []struct {
		name string
		doc  []byte
		opt  Options
		cred signing.Credential
		want error
	}{
		{"empty", nil, Options{}, f.cred, ErrNotPDF},
		{"a Word file", []byte("PK\x03\x04 word/document.xml"), Options{}, f.cred, ErrNotPDF},
		{"encrypted", fpdfDoc(t, 1, true), Options{}, f.cred, ErrEncrypted},
		{"truncated", truncated, Options{}, f.cred, ErrDamaged},
		{"damaged xref", badXref, Options{}, f.cred, ErrDamaged},
		{"xref naming object 10^12", hugeXref, Options{}, f.cred, ErrDamaged},
		{"array cut by endobj", rawPDF(t, true, "<</Type /Catalog /Pages 2 0 R>>", "<</Type /Pages /Kids [3 0 R] /Count 1>>", "<</Type /Page /Parent 2 0 R /MediaBox [0 0 595"), Options{}, f.cred, ErrDamaged},
		{"array cut by the end of an object stream", objStmPDF(t, "<</Type /Page /Parent 2 0 R /MediaBox [0 0 595"), Options{}, f.cred, ErrDamaged},
		{"string cut by the end of an object stream", objStmPDF(t, "<</Type /Page /Parent 2 0 R /T (abc"), Options{}, f.cred, ErrDamaged},
		{"hex string cut by the end of an object stream", objStmPDF(t, "<</Type /Page /Parent 2 0 R /T <abc"), Options{}, f.cred, ErrDamaged},
		{"page 3 of 2", good, Options{Visible: &Visible{Page: 3}}, f.cred, ErrPlacement},
		{"box off the page", good, Options{Visible: &Visible{Rect: [4]float64{500, 700, 700, 900}}}, f.cred, ErrPlacement},
		{"empty box", good, Options{Visible: &Visible{Rect: [4]float64{100, 100, 100, 200}}}, f.cred, ErrPlacement},
		{"level T without a TSA", good, Options{Level: signing.LevelT}, f.cred, ErrNoTimestamper},
		{"unknown level", good, Options{Level: "LTA"}, f.cred, signing.ErrUnknownLevel},
		{"expired certificate", good, Options{SigningTime: f.cred.Certificate.NotAfter.Add(time.Hour)}, f.cred, signing.ErrCertExpired},
		{"TSA down", good, Options{Level: signing.LevelT, Timestamper: &signing.TSAClient{URL: "http://127.0.0.1:1/tsa"}}, f.cred, signing.ErrTSA},
		{"TSA answers for another digest", good, Options{Level: signing.LevelT, Timestamper: wrongDigestTSA{f.tsa}}, f.cred, signing.ErrTSA},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			err := Sign(context.Background(), bytes.NewReader(tc.doc), int64(len(tc.doc)), &out, tc.cred, tc.opt)
			if !errors.Is(err, tc.want) {
				t.Fatalf("err %v, want %v", err, tc.want)
			}
			if out.Len() != 0 {
				t.Errorf("%d bytes written on error", out.Len())
			}
		})
	}
}

type wrongDigestTSA struct{ signing.Timestamper }

func (w wrongDigestTSA) Timestamp(ctx context.Context, digest []byte, h crypto.Hash) ([]byte, error) {
	other := sha256.Sum256(digest)
	return w.Timestamper.Timestamp(ctx, other[:], h)
}

func TestCertifiedNoChanges(t *testing.T) {
	f := newFixture(t)
	page := "<</Type /Page /Parent 2 0 R /MediaBox [0 0 595 842]>>"
	for _, p := range []struct {
		perm int
		want error
	}{{1, ErrCertified}, {2, nil}} {
		// An author's certification signature (DocMDP) with permission P.
		doc := rawPDF(t, true,
			"<</Type /Catalog /Pages 2 0 R /Perms <</DocMDP 4 0 R>>>>",
			"<</Type /Pages /Kids [3 0 R] /Count 1>>", page,
			fmt.Sprintf("<</Type /Sig /Reference [<</Type /SigRef /TransformMethod /DocMDP /TransformParams <</P %d /V /1.2>>>>]>>", p.perm))
		var out bytes.Buffer
		err := Sign(context.Background(), bytes.NewReader(doc), int64(len(doc)), &out, f.cred, Options{})
		if !errors.Is(err, p.want) {
			t.Errorf("P %d: err %v, want %v", p.perm, err, p.want)
		}
	}
}

// TestFormsAndAnnotations: existing form fields and page annotations
// survive, whether the form and the annotation array are objects of their
// own or inside the catalog and the page.
func TestFormsAndAnnotations(t *testing.T) {
	f := newFixture(t)
	link := "<</Type /Annot /Subtype /Link /Rect [10 10 50 50]>>"
	text := "<</FT /Tx /T (Nombre) /Type /Annot /Subtype /Widget /Rect [60 60 200 80] /P 3 0 R>>"
	tests := map[string][]string{
		"indirect form, indirect annots": {
			"<</Type /Catalog /Pages 2 0 R /AcroForm 4 0 R>>", "<</Type /Pages /Kids [3 0 R] /Count 1>>",
			"<</Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Annots 5 0 R>>",
			"<</Fields [7 0 R] /DA (/Helv 0 Tf 0 g)>>", "[6 0 R 7 0 R]", link, text},
		"direct form, direct annots": {
			"<</Type /Catalog /Pages 2 0 R /AcroForm <</Fields [5 0 R] /NeedAppearances false>>>>", "<</Type /Pages /Kids [3 0 R] /Count 1>>",
			"<</Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Annots [4 0 R 5 0 R]>>", link, text},
	}
	for name, objs := range tests {
		t.Run(name, func(t *testing.T) {
			for _, table := range []bool{true, false} {
				doc := rawPDF(t, table, objs...)
				out := f.sign(t, doc, Options{Visible: &Visible{}})
				r, err := pdf.NewReader(bytes.NewReader(out), int64(len(out)))
				if err != nil {
					t.Fatal(err)
				}
				root := r.Trailer().Key("Root")
				fields := root.Key("AcroForm").Key("Fields")
				if fields.Len() != 2 || fields.Index(0).Key("T").Text() != "Nombre" || fields.Index(1).Key("FT").Name() != "Sig" {
					t.Errorf("fields %v", fields)
				}
				if root.Key("AcroForm").Key("SigFlags").Int64() != 3 {
					t.Error("SigFlags is not 3")
				}
				annots := root.Key("Pages").Key("Kids").Index(0).Key("Annots")
				if annots.Len() != 3 || annots.Index(0).Key("Subtype").Name() != "Link" || annots.Index(2).Key("FT").Name() != "Sig" {
					t.Errorf("annotations %v", annots)
				}
				checkCMS(t, f, signatures(t, out)[0], false)
			}
		})
	}
}

func TestTextStrings(t *testing.T) {
	tests := map[string]string{
		"Ana":           "(Ana)",
		"a (b) \\ c":    `(a \(b\) \\ c)`,
		"Muñoz":         "<FEFF004D007500F1006F007A>",
		"":              "()",
		"\u4e2d":        "<FEFF4E2D>",
		"Ruiz\nGil":     "<FEFF005200750069007A000A00470069006C>",
		"D:20260101Z00": "(D:20260101Z00)",
	}
	for in, want := range tests {
		var b bytes.Buffer
		writeTextString(&b, in)
		if b.String() != want {
			t.Errorf("writeTextString(%q) = %s, want %s", in, b.String(), want)
		}
	}
	var b bytes.Buffer
	writeWinAnsi(&b, "Núñez (José) €")
	if want := "(N\xfa\xf1ez \\(Jos\xe9\\) \x80)"; b.String() != want {
		t.Errorf("writeWinAnsi = %q, want %q", b.String(), want)
	}
	b.Reset()
	writeName(&b, "A B#(c)")
	if b.String() != "/A#20B#23#28c#29" {
		t.Errorf("writeName = %s", b.String())
	}
	if got := pdfDate(time.Date(2026, 1, 2, 3, 4, 5, 0, time.FixedZone("", -(3*3600+30*60)))); got != "D:20260102030405-03'30'" {
		t.Errorf("pdfDate = %s", got)
	}
}
