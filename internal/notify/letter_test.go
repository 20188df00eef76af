package notify

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-pdf/fpdf"

	"github.com/llavero/llavero/internal/i18n"
)

func sampleLetter() Letter {
	return Letter{
		Lang:       i18n.ES,
		Name:       "Íñigo Muñoz Güell",
		Address:    "Calle del Niño Jesús, 3, 2º B",
		PostalCode: "15001",
		City:       "A Coruña",
		Province:   "A Coruña",
		Subject:    "Tu código de solicitud — ñ",
		Body: "Estimado señor:\n\n¿Ha solicitado un código? ¡Aquí lo tiene! Tasa: 0 €.\n\n" +
			"Código: 483920\nVálido durante 30 días.",
		Date:      time.Date(2026, 3, 5, 10, 0, 0, 0, time.UTC),
		Reference: "REF-2026-0001",
		Sender:    "Llavero — Sede electrónica",
	}
}

// pdfText extracts the text of a PDF with poppler's pdftotext; args select
// a crop, for instance. It skips the test when pdftotext is not installed.
func pdfText(t *testing.T, pdf []byte, args ...string) string {
	t.Helper()
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		t.Skip("pdftotext not on PATH (install poppler-utils to check the letter's text)")
	}
	f := filepath.Join(t.TempDir(), "l.pdf")
	if err := os.WriteFile(f, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, append(append([]string{"-enc", "UTF-8"}, args...), f, "-")...).Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	// pdftotext joins lines; compare on single spaces.
	return strings.Join(strings.Fields(string(out)), " ")
}

func TestRenderLetter(t *testing.T) {
	long := sampleLetter()
	long.Body = strings.Repeat("Párrafo largo con acentos: áéíóú, eñes y diéresis (ü). ", 30) + "\n\n"
	long.Body = strings.Repeat(long.Body, 6)

	foreign := sampleLetter()
	foreign.Name = "Ștefan Łukasz Dvořák"
	foreign.Province = "La Coruña"

	decomposed := sampleLetter()
	decomposed.Name = "I\u0301n\u0303igo Mun\u0303oz" // accents as combining marks

	en := sampleLetter()
	en.Lang = i18n.EN
	en.Reference = ""

	tests := []struct {
		name   string
		letter Letter
		want   []string
		absent []string
	}{
		{"spanish", sampleLetter(), []string{
			"Llavero — Sede electrónica",
			"Íñigo Muñoz Güell", "Calle del Niño Jesús, 3, 2º B", "15001 A Coruña",
			"Fecha: 5 de marzo de 2026", "Referencia: REF-2026-0001",
			"Asunto: Tu código de solicitud — ñ",
			"¿Ha solicitado un código? ¡Aquí lo tiene! Tasa: 0 €.",
			"Código: 483920 Válido durante 30 días.",
			"Página 1 de 1",
		}, []string{"A CORUÑA"}},
		{"english", en, []string{"Date: 5 March 2026", "Subject: Tu código", "Page 1 of 1"}, []string{"Reference", "Fecha", "Página"}},
		{"several pages", long, []string{"Página 1 de 3", "Página 2 de 3", "Página 3 de 3"}, []string{"Página 4"}},
		{"letters outside cp1252 lose only the diacritic", foreign, []string{"Stefan Lukasz Dvorák", "LA CORUÑA"}, nil},
		{"decomposed accents compose", decomposed, []string{"Íñigo Muñoz"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pdf, err := RenderLetter(tt.letter)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.HasPrefix(pdf, []byte("%PDF-")) || !bytes.Contains(pdf[len(pdf)-16:], []byte("%%EOF")) {
				t.Fatalf("not a PDF: %q…", pdf[:min(len(pdf), 16)])
			}
			again, err := RenderLetter(tt.letter)
			if err != nil || !bytes.Equal(pdf, again) {
				t.Error("the same letter rendered twice gives different bytes")
			}
			text := pdfText(t, pdf)
			show := text
			if len(show) > 600 {
				show = show[:300] + " … " + show[len(show)-300:]
			}
			for _, w := range tt.want {
				if !strings.Contains(text, w) {
					t.Errorf("text lacks %q:\n%s", w, show)
				}
			}
			for _, w := range tt.absent {
				if strings.Contains(text, w) {
					t.Errorf("text holds %q:\n%s", w, show)
				}
			}
		})
	}
}

// TestRenderLetterWindow crops the page to what a DL right-window envelope
// shows at its worst position: the whole address and nothing else.
func TestRenderLetterWindow(t *testing.T) {
	l := sampleLetter()
	l.Address = "Avenida de la Constitución de mil ochocientos doce, número 1234, escalera izquierda, 5º A"
	l.Province = "Santa Cruz de Tenerife"
	l.City = "San Cristóbal de La Laguna"
	pdf, err := RenderLetter(l)
	if err != nil {
		t.Fatal(err)
	}
	mm := func(v float64) string { return strconv.Itoa(int(v * 72 / 25.4)) } // pdftotext -r 72: one pixel per point
	// The safe zone of the window, from the geometry in letter.go.
	crop := []string{"-r", "72", "-x", mm(100), "-y", mm(50), "-W", mm(90), "-H", mm(34)}
	text := pdfText(t, pdf, crop...)
	for _, w := range []string{"Íñigo Muñoz Güell", "Avenida de la Constitución", "escalera izquierda, 5º A", "San Cristóbal de La Laguna", "SANTA CRUZ DE TENERIFE"} {
		if !strings.Contains(text, w) {
			t.Errorf("window shows %q, lacks %q", text, w)
		}
	}
	for _, w := range []string{"Llavero", "Fecha", "Asunto"} {
		if strings.Contains(text, w) {
			t.Errorf("window shows %q, which holds %q", text, w)
		}
	}
}

func TestRenderLetterRefuses(t *testing.T) {
	tests := []struct {
		name string
		edit func(*Letter)
		want error
		text string
	}{
		{"no name", func(l *Letter) { l.Name = " " }, nil, "no name"},
		{"no address", func(l *Letter) { l.Address = "" }, nil, "no address"},
		{"no postal code", func(l *Letter) { l.PostalCode = "" }, nil, "no postal code"},
		{"no city", func(l *Letter) { l.City = "" }, nil, "no city"},
		{"no subject", func(l *Letter) { l.Subject = "" }, nil, "no subject"},
		{"no body", func(l *Letter) { l.Body = "\n\n" }, nil, "empty body"},
		{"no date", func(l *Letter) { l.Date = time.Time{} }, nil, "no date"},
		{"line break in address", func(l *Letter) { l.Address = "Calle Mayor 1\nBajo" }, nil, "control character"},
		{"invalid UTF-8", func(l *Letter) { l.Body = "\xc3" }, nil, "UTF-8"},
		{"long reference", func(l *Letter) { l.Reference = strings.Repeat("R", 65) }, nil, "reference"},
		{"address beyond the window", func(l *Letter) { l.Address = strings.Repeat("Calle muy larga ", 30) }, ErrAddressTooLong, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := sampleLetter()
			tt.edit(&l)
			_, err := RenderLetter(l)
			if err == nil {
				t.Fatal("rendered")
			}
			if tt.want != nil && !errors.Is(err, tt.want) {
				t.Errorf("err = %v, want %v", err, tt.want)
			}
			if tt.text != "" && !strings.Contains(err.Error(), tt.text) {
				t.Errorf("err = %v, want %q", err, tt.text)
			}
		})
	}
}

// TestCP1252MatchesFpdf holds our encoder to fpdf's own cp1252 table for
// every code point that table maps.
func TestCP1252MatchesFpdf(t *testing.T) {
	tr := fpdf.New("P", "mm", "A4", "").UnicodeTranslatorFromDescriptor("")
	for r := rune(0x20); r < 0x3000; r++ {
		if r == 0x7f || (r >= 0x80 && r < 0xa0) {
			continue // controls
		}
		want := tr(string(r))
		if want == "." && r != '.' {
			continue // fpdf cannot map it; we fold instead
		}
		if got := cp1252(string(r)); got != want {
			t.Errorf("U+%04X %q: got %q, fpdf %q", r, r, got, want)
		}
	}
	for in, want := range map[string]string{
		"Ștefan Țurcanu": "Stefan Turcanu",
		"Łódź":           "L\xf3dz",
		"Ærøskøbing":     "\xc6r\xf8sk\xf8bing",
		"中文":             "??",
		"a\tb\x00c":      "a bc",
		"n\u0303":        "\xf1",
	} {
		if got := cp1252(in); got != want {
			t.Errorf("cp1252(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestRenderLetterConcurrent(t *testing.T) {
	var wg sync.WaitGroup
	want, err := RenderLetter(sampleLetter())
	if err != nil {
		t.Fatal(err)
	}
	for range 8 {
		wg.Go(func() {
			got, err := RenderLetter(sampleLetter())
			if err != nil || !bytes.Equal(got, want) {
				t.Errorf("concurrent render differs (%v)", err)
			}
		})
	}
	wg.Wait()
}

func TestLetterPrinter(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data", "letters")
	p, err := NewLetterPrinter(dir)
	if err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(dir); err != nil || fi.Mode().Perm() != 0o700 {
		t.Fatalf("letter dir: %v, mode %v; want 0700", err, fi.Mode().Perm())
	}
	path, err := p.Print("0f1e2d3c", sampleLetter())
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(dir, "0f1e2d3c.pdf"); path != want {
		t.Errorf("path = %q, want %q", path, want)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("letter mode %v, want 0600", fi.Mode().Perm())
	}
	b, _ := os.ReadFile(path)
	if !bytes.HasPrefix(b, []byte("%PDF")) {
		t.Error("file is not a PDF")
	}

	if _, err := p.Print("0f1e2d3c", sampleLetter()); err == nil {
		t.Error("overwrote an existing letter")
	}
	for _, id := range []string{"", "../escape", "a/b", ".hidden", strings.Repeat("a", 65)} {
		if _, err := p.Print(id, sampleLetter()); err == nil {
			t.Errorf("Print(%q) accepted the ID", id)
		}
	}
	bad := sampleLetter()
	bad.Name = ""
	if _, err := p.Print("badletter", bad); err == nil {
		t.Error("printed a letter without a name")
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("directory holds %v, want only the one letter (no temporary files)", names)
	}
}

func TestFormatDate(t *testing.T) {
	for _, tt := range []struct {
		t    time.Time
		lang i18n.Lang
		want string
	}{
		{time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), i18n.ES, "1 de enero de 2026"},
		{time.Date(2026, 9, 30, 0, 0, 0, 0, time.UTC), i18n.ES, "30 de septiembre de 2026"},
		{time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC), i18n.EN, "31 December 2026"},
	} {
		if got := formatDate(tt.t, tt.lang); got != tt.want {
			t.Errorf("formatDate(%v, %s) = %q, want %q", tt.t, tt.lang, got, tt.want)
		}
	}
}

func BenchmarkRenderLetter(b *testing.B) {
	l := sampleLetter()
	l.Body = strings.Repeat("Párrafo con acentos: áéíóú, eñes y el símbolo del euro (€). ", 8) + "\n\n" +
		strings.Repeat("Segundo párrafo de una carta de una página. ", 10)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := RenderLetter(l); err != nil {
			b.Fatal(err)
		}
	}
}
