package xades

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/llavero/llavero/internal/signing"
)

// reportCPU adds a cpu-ms/op metric: process CPU time from start, per
// iteration (garbage collection included).
func reportCPU(b *testing.B, start time.Duration) {
	if now, ok := processCPU(); ok && b.N > 0 {
		b.ReportMetric(float64(now-start)/float64(time.Millisecond)/float64(b.N), "cpu-ms/op")
	}
}

func startCPU() time.Duration {
	d, _ := processCPU()
	return d
}

// bigXML is an invoice-like document of about size bytes: many records
// with attributes, namespaces and text.
func bigXML(size int) []byte {
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	b.WriteString(`<fe:Facturae xmlns:fe="http://www.facturae.gob.es/formato/Versiones/Facturaev3_2_2.xml" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><Invoices>` + "\n")
	for i := 0; b.Len() < size; i++ {
		fmt.Fprintf(&b, `  <Invoice n="%d" xsi:type="fe:InvoiceType"><Number>2026-%06d</Number><Description>Tasa de canje de permiso de conducción &amp; gestión</Description><Total currency="EUR">%d.00</Total></Invoice>`+"\n", i, i, 100+i%900)
	}
	b.WriteString("</Invoices></fe:Facturae>\n")
	return b.Bytes()
}

// BenchmarkSignEnveloped1MB: XAdES-B enveloped signature of a 1 MB XML
// document (parse, canonicalize, digest, sign, serialize).
func BenchmarkSignEnveloped1MB(b *testing.B) {
	f := newFixture(b, "p256")
	doc := bigXML(1 << 20)
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	cpu := startCPU()
	for b.Loop() {
		if _, err := SignEnveloped(context.Background(), bytes.NewReader(doc), f.cred, Options{}); err != nil {
			b.Fatal(err)
		}
	}
	reportCPU(b, cpu)
}

// BenchmarkSignDetached100MB: XAdES-B detached signature of a 100 MB file
// read as a stream; B/op shows that memory does not grow with the file.
func BenchmarkSignDetached100MB(b *testing.B) {
	f := newFixture(b, "p256")
	const size = 100 << 20
	b.SetBytes(size)
	b.ReportAllocs()
	cpu := startCPU()
	for b.Loop() {
		if _, err := SignDetached(context.Background(), io.LimitReader(repeat('x'), size), "big.bin", f.cred, Options{}); err != nil {
			b.Fatal(err)
		}
	}
	reportCPU(b, cpu)
}

// BenchmarkCheckIntegrityEnveloped1MB: what the validator spends on a
// signed 1 MB document (parse, references, signature value).
func BenchmarkCheckIntegrityEnveloped1MB(b *testing.B) {
	f := newFixture(b, "p256")
	signed, err := SignEnveloped(context.Background(), bytes.NewReader(bigXML(1<<20)), f.cred, Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(signed)))
	b.ReportAllocs()
	cpu := startCPU()
	for b.Loop() {
		infos, err := Parse(signed)
		if err != nil {
			b.Fatal(err)
		}
		if err := infos[0].CheckIntegrity(nil); err != nil {
			b.Fatal(err)
		}
	}
	reportCPU(b, cpu)
}

// BenchmarkSignDetachedSmallT: a detached XAdES-T signature of a small
// file with an in-process authority: the per-signature cost without the
// data.
func BenchmarkSignDetachedSmallT(b *testing.B) {
	f := newFixture(b, "p256")
	opt := Options{Level: signing.LevelT, Timestamper: newTestTSA(b)}
	b.ReportAllocs()
	cpu := startCPU()
	for b.Loop() {
		if _, err := SignDetached(context.Background(), strings.NewReader("solicitud"), "s.txt", f.cred, opt); err != nil {
			b.Fatal(err)
		}
	}
	reportCPU(b, cpu)
}
