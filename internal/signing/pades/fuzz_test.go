package pades

import (
	"bytes"
	"context"
	"testing"

	"github.com/llavero/llavero/internal/i18n"
)

// FuzzSign feeds arbitrary bytes to Sign, whose first step parses them:
// it must never panic, must fail only with an error a person can read,
// and whatever it signs must parse again with the new signature field.
//
//	go test -run '^$' -fuzz FuzzSign -fuzztime 60s ./internal/signing/pades
func FuzzSign(f *testing.F) {
	fx := newFixture(f)
	page := "<</Type /Page /Parent 2 0 R /MediaBox [0 0 595 842]>>"
	seeds := [][]byte{
		fpdfDoc(f, 1, false),
		fpdfDoc(f, 2, true),
		streamDoc(f, 16),
		rawPDF(f, true, "<</Type /Catalog /Pages 2 0 R>>", "<</Type /Pages /Kids [3 0 R] /Count 1>>", page),
		rawPDF(f, false, "<</Type /Catalog /Pages 2 0 R /AcroForm <</Fields []>>>>", "<</Type /Pages /Kids [3 0 R] /Count 1>>", page),
		objStmPDF(f, page),
		[]byte("%PDF-1.7\nxref\n0 1\n0000000000 65535 f\r\ntrailer\n<</Size 1>>\nstartxref\n9\n%%EOF\n"),
		[]byte("%PDF-"),
		[]byte("not a pdf"),
	}
	signed := fx.sign(f, seeds[0], Options{})
	seeds = append(seeds, signed, signed[:len(signed)/2], signed[len(signed)/3:])
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		var out bytes.Buffer
		err := Sign(context.Background(), bytes.NewReader(doc), int64(len(doc)), &out, fx.cred, Options{Visible: &Visible{}})
		if err != nil {
			if _, ok := i18n.As(err); !ok {
				t.Fatalf("an error a person cannot read: %v", err)
			}
			if out.Len() != 0 {
				t.Fatal("bytes written on error")
			}
			return
		}
		if !bytes.HasPrefix(out.Bytes(), doc) {
			t.Fatal("the signed file does not begin with the original")
		}
		again, err := open(bytes.NewReader(out.Bytes()), int64(out.Len()))
		if err != nil {
			t.Fatalf("the signed file does not parse: %v", err)
		}
		if !again.fieldNames["Firma1"] {
			t.Fatalf("the signed file has no signature field: %v", again.fieldNames)
		}
	})
}
