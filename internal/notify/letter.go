package notify

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/go-pdf/fpdf"
	"golang.org/x/text/unicode/norm"

	"github.com/llavero/llavero/internal/i18n"
)

// DefaultSender heads letters when no deployment name is configured.
const DefaultSender = "llavero"

// ErrAddressTooLong means the addressee block does not fit the envelope
// window even in the smallest type we allow: printed anyway, part of the
// address would be hidden and the letter would not arrive.
var ErrAddressTooLong = errors.New("notify: letter: address does not fit the envelope window")

// Letter is one paper letter.
type Letter struct {
	Lang       i18n.Lang
	Name       string
	Address    string // street, number, floor and door
	PostalCode string
	City       string
	Province   string // left out when it repeats City
	Subject    string
	Body       string // paragraphs separated by blank lines
	Date       time.Time
	Reference  string // optional; printed under the date and in the footer
	Sender     string // heads the letter; empty: DefaultSender
}

// Page geometry, in millimetres on A4 (210×297).
//
// The addressee block sits in the window of a DL envelope (110×220) with
// the window on the right, as Spanish administrations use: a 100×45 window
// 20 from the right edge and 15 from the bottom. Folded in three (99 per
// panel) the sheet can slide about 10 across and 11 down inside the
// envelope; the block below is what stays visible at every position.
const (
	pageW, pageH   = 210.0, 297.0
	marginL        = 25.0
	marginR        = 20.0
	marginT        = 20.0
	marginB        = 25.0
	windowX        = 105.0
	windowY        = 52.0
	windowW        = 80.0
	windowH        = 30.0
	foldAt         = 99.0 // first of the two folds of a DL tri-fold
	dateY          = 92.0
	bodyLineHeight = 5.5
)

var (
	txtDate      = i18n.T("Fecha", "Date")
	txtReference = i18n.T("Referencia", "Reference")
	txtSubject   = i18n.T("Asunto", "Subject")
	txtPage      = i18n.T("Página %d de %s", "Page %d of %s")
)

var monthsES = [...]string{"enero", "febrero", "marzo", "abril", "mayo", "junio",
	"julio", "agosto", "septiembre", "octubre", "noviembre", "diciembre"}

// formatDate writes a date as a letter in lang would: "5 de marzo de 2026",
// "5 March 2026". The date is the one in t's location.
func formatDate(t time.Time, lang i18n.Lang) string {
	if lang == i18n.EN {
		return t.Format("2 January 2006")
	}
	return strconv.Itoa(t.Day()) + " de " + monthsES[t.Month()-1] + " de " + strconv.Itoa(t.Year())
}

// OneLine renders the addressee as one line, the form the outbox keeps:
// "Name, Address, PostalCode City (Province)".
func (l Letter) OneLine() string {
	return strings.Join(l.addressLines(true), ", ")
}

// addressLines are the lines of the addressee block. Province is left out
// when it only repeats the city ("28013 Madrid (Madrid)").
func (l Letter) addressLines(inline bool) []string {
	city := strings.TrimSpace(strings.TrimSpace(l.PostalCode) + " " + strings.TrimSpace(l.City))
	lines := []string{strings.TrimSpace(l.Name), strings.TrimSpace(l.Address), city}
	if p := strings.TrimSpace(l.Province); p != "" && !strings.EqualFold(p, strings.TrimSpace(l.City)) {
		if inline {
			lines[2] += " (" + p + ")"
		} else {
			lines = append(lines, strings.ToUpper(p))
		}
	}
	return lines
}

func (l Letter) validate() error {
	one := map[string]string{
		"name": l.Name, "address": l.Address, "postal code": l.PostalCode,
		"city": l.City, "province": l.Province, "subject": l.Subject,
		"reference": l.Reference, "sender": l.Sender,
	}
	for _, f := range []string{"name", "address", "postal code", "city", "province", "subject", "reference", "sender"} {
		if err := checkText("letter "+f, one[f], 0); err != nil {
			return err
		}
		// A line break here would move the rest of the address out of
		// the window.
		if err := checkHeader("letter "+f, one[f]); err != nil {
			return fmt.Errorf("notify: letter %s holds a control character", f)
		}
	}
	for _, f := range []string{"name", "address", "postal code", "city", "subject"} {
		if strings.TrimSpace(one[f]) == "" {
			return fmt.Errorf("notify: letter: no %s", f)
		}
	}
	if err := checkText("letter reference", l.Reference, 64); err != nil {
		return err
	}
	if err := checkText("letter body", l.Body, 0); err != nil {
		return err
	}
	if strings.TrimSpace(l.Body) == "" {
		return errors.New("notify: letter: empty body")
	}
	if l.Date.IsZero() {
		return errors.New("notify: letter: no date")
	}
	return nil
}

// RenderLetter lays l out on A4 and returns the PDF. The same letter always
// gives the same bytes (the PDF dates come from l.Date), so a reprint can be
// compared with the original.
//
// Text is set in the PDF core fonts (Helvetica), whose encoding is
// Windows-1252: every Spanish and western European character prints as is.
// Latin letters outside it (ș, ł, ő: names on foreign residents' NIE) print
// without their diacritic, and anything else as '?', rather than making the
// letter fail: the registry transliterates names to the Latin alphabet.
func RenderLetter(l Letter) ([]byte, error) {
	if err := l.validate(); err != nil {
		return nil, err
	}
	lang := normLang(l.Lang)
	sender := l.Sender
	if strings.TrimSpace(sender) == "" {
		sender = DefaultSender
	}
	date := l.Date

	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.SetMargins(marginL, marginT, marginR)
	pdf.SetAutoPageBreak(true, marginB)
	pdf.SetCreationDate(date)
	pdf.SetModificationDate(date)
	pdf.SetCatalogSort(true)
	// Compression would save about 3 KB a page, but fpdf builds a fresh
	// zlib writer (1.2 MB of allocations) for each page: it made rendering
	// four times slower for files that go to a printer, not over a wire.
	pdf.SetCompression(false)
	pdf.SetTitle(l.Subject, true)
	pdf.SetAuthor(sender, true)
	pdf.SetCreator(DefaultSender, true)
	pdf.SetLang(string(lang))
	pdf.AliasNbPages("{nb}")
	pdf.SetFooterFunc(func() {
		pdf.SetY(-15)
		pdf.SetFont("Helvetica", "", 8)
		pdf.SetTextColor(90, 90, 90)
		if l.Reference != "" {
			pdf.CellFormat(0, 5, cp1252(txtReference.In(lang)+": "+l.Reference), "", 0, "L", false, 0, "")
			pdf.SetX(marginL)
		}
		pdf.CellFormat(0, 5, cp1252(fmt.Sprintf(txtPage.In(lang), pdf.PageNo(), "{nb}")), "", 0, "R", false, 0, "")
		pdf.SetTextColor(0, 0, 0)
	})
	pdf.AddPage()

	// Sender.
	pdf.SetXY(marginL, marginT)
	pdf.SetFont("Helvetica", "B", 13)
	pdf.MultiCell(0, 6, cp1252(sender), "", "L", false)

	// Fold marks, for the operator folding by hand or a folding machine's
	// check.
	pdf.SetDrawColor(150, 150, 150)
	pdf.SetLineWidth(0.2)
	pdf.Line(4, foldAt, 8, foldAt)
	pdf.Line(4, 2*foldAt, 8, 2*foldAt)
	pdf.SetDrawColor(0, 0, 0)

	if err := addressBlock(pdf, l.addressLines(false)); err != nil {
		return nil, err
	}

	// Date and reference.
	pdf.SetXY(marginL, dateY)
	pdf.SetFont("Helvetica", "", 10)
	pdf.CellFormat(0, 5, cp1252(txtDate.In(lang)+": "+formatDate(date, lang)), "", 1, "L", false, 0, "")
	if l.Reference != "" {
		pdf.CellFormat(0, 5, cp1252(txtReference.In(lang)+": "+l.Reference), "", 1, "L", false, 0, "")
	}

	// Subject.
	pdf.Ln(6)
	pdf.SetFont("Helvetica", "B", 11)
	pdf.MultiCell(0, bodyLineHeight, cp1252(txtSubject.In(lang)+": "+strings.TrimSpace(l.Subject)), "", "L", false)
	pdf.Ln(4)

	// Body.
	pdf.SetFont("Helvetica", "", 11)
	for i, para := range paragraphs(l.Body) {
		if i > 0 {
			pdf.Ln(3)
		}
		pdf.MultiCell(0, bodyLineHeight, cp1252(para), "", "J", false)
	}

	var buf bytes.Buffer
	if err := pdf.Output(&buf); err != nil {
		return nil, fmt.Errorf("notify: letter PDF: %w", err)
	}
	return buf.Bytes(), nil
}

// addressBlock prints the addressee in the envelope window, stepping the
// type down when a long street name wraps, and refuses what cannot fit.
func addressBlock(pdf *fpdf.Fpdf, lines []string) error {
	for _, size := range []struct{ pt, lh float64 }{{10, 4.6}, {9, 4.1}, {8, 3.6}} {
		pdf.SetFont("Helvetica", "", size.pt)
		var wrapped [][]byte
		for _, line := range lines {
			wrapped = append(wrapped, pdf.SplitLines([]byte(cp1252(line)), windowW)...)
		}
		if float64(len(wrapped))*size.lh > windowH {
			continue
		}
		for i, line := range wrapped {
			pdf.SetXY(windowX, windowY+float64(i)*size.lh)
			pdf.CellFormat(windowW, size.lh, string(line), "", 0, "L", false, 0, "")
		}
		return nil
	}
	return ErrAddressTooLong
}

// paragraphs splits text at blank lines. Single line breaks inside a
// paragraph stay: the author may be listing steps or an address.
func paragraphs(body string) []string {
	body = strings.ReplaceAll(body, "\r\n", "\n")
	var out []string
	var cur []string
	flush := func() {
		if len(cur) > 0 {
			out = append(out, strings.Join(cur, "\n"))
			cur = cur[:0]
		}
	}
	for line := range strings.SplitSeq(body, "\n") {
		if strings.TrimSpace(line) == "" {
			flush()
			continue
		}
		cur = append(cur, strings.TrimRight(line, " \t"))
	}
	flush()
	return out
}

// cp1252 turns UTF-8 text into the Windows-1252 bytes the core fonts
// expect. Unlike fpdf's UnicodeTranslator (which shares one buffer between
// calls, so it cannot serve concurrent renders, and prints '.' for what it
// cannot map) it is stateless, composes decomposed accents first (an 'n'
// followed by a combining tilde is still 'ñ'), and falls back to the bare
// Latin letter before '?'.
func cp1252(s string) string {
	s = norm.NFC.String(s)
	b := make([]byte, 0, len(s))
	for _, r := range s {
		if c, ok := cp1252Byte(r); ok {
			b = append(b, c)
			continue
		}
		switch {
		case r == '\t':
			b = append(b, ' ')
			continue
		case unicode.IsControl(r) || unicode.Is(unicode.Mn, r):
			continue
		case unicode.IsSpace(r):
			b = append(b, ' ')
			continue
		}
		b = appendFolded(b, r)
	}
	return string(b)
}

// cp1252High maps the code points of Windows-1252's 0x80–0x9F row; the
// rest of the code page is Latin-1, equal to the first 256 code points.
var cp1252High = map[rune]byte{
	'€': 0x80, '‚': 0x82, 'ƒ': 0x83, '„': 0x84, '…': 0x85, '†': 0x86, '‡': 0x87,
	'ˆ': 0x88, '‰': 0x89, 'Š': 0x8a, '‹': 0x8b, 'Œ': 0x8c, 'Ž': 0x8e,
	'‘': 0x91, '’': 0x92, '“': 0x93, '”': 0x94, '•': 0x95, '–': 0x96, '—': 0x97,
	'˜': 0x98, '™': 0x99, 'š': 0x9a, '›': 0x9b, 'œ': 0x9c, 'ž': 0x9e, 'Ÿ': 0x9f,
}

func cp1252Byte(r rune) (byte, bool) {
	switch {
	case r == '\n' || (r >= 0x20 && r < 0x7f) || (r >= 0xa0 && r <= 0xff):
		return byte(r), true
	}
	c, ok := cp1252High[r]
	return c, ok
}

// foldExtra are letters with no canonical decomposition to a base letter.
var foldExtra = map[rune]string{
	'ł': "l", 'Ł': "L", 'đ': "d", 'Đ': "D", 'ħ': "h", 'Ħ': "H", 'ı': "i",
	'ŀ': "l", 'Ŀ': "L", 'ŧ': "t", 'Ŧ': "T", 'ĸ': "k", 'ŋ': "n", 'Ŋ': "N",
	'‐': "-", '‑': "-", '‒': "-", '−': "-", '′': "'", '″': "\"",
}

func appendFolded(b []byte, r rune) []byte {
	if s, ok := foldExtra[r]; ok {
		return append(b, s...)
	}
	n := len(b)
	for _, d := range norm.NFD.String(string(r)) {
		if unicode.Is(unicode.Mn, d) {
			continue
		}
		if c, ok := cp1252Byte(d); ok && d != '\n' {
			b = append(b, c)
		} else {
			b = b[:n]
			break
		}
	}
	if len(b) == n {
		b = append(b, '?')
	}
	return b
}

// LetterPrinter writes letters as PDF files into a directory: in
// production, the print queue.
type LetterPrinter struct {
	dir string
}

// NewLetterPrinter returns a printer writing into dir, which it creates with
// mode 0700 if missing. An existing directory keeps its mode: the operator
// may have opened it to the print spooler's group on purpose.
func NewLetterPrinter(dir string) (*LetterPrinter, error) {
	if dir == "" {
		return nil, errors.New("notify: letter directory not set")
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("notify: letter directory: %w", err)
	}
	if err := os.MkdirAll(abs, 0o700); err != nil {
		return nil, fmt.Errorf("notify: letter directory: %w", err)
	}
	return &LetterPrinter{dir: abs}, nil
}

// Dir is the absolute path of the directory letters go to.
func (p *LetterPrinter) Dir() string { return p.dir }

var letterID = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// Print renders l and writes it to <dir>/<id>.pdf with mode 0600 (it holds
// a name and an address), returning the path. The file appears whole or not
// at all: it is written under a dot-name, synced, then renamed, so a spooler
// watching the directory never picks up half a PDF. An existing file with
// that name is never replaced.
func (p *LetterPrinter) Print(id string, l Letter) (path string, err error) {
	if !letterID.MatchString(id) {
		return "", fmt.Errorf("notify: letter ID %q: want 1–64 letters, digits, '-' or '_'", id)
	}
	pdf, err := RenderLetter(l)
	if err != nil {
		return "", err
	}
	path = filepath.Join(p.dir, id+".pdf")
	if _, err := os.Lstat(path); err == nil {
		return "", fmt.Errorf("notify: letter %s already exists", path)
	}
	f, err := os.CreateTemp(p.dir, "."+id+"-*.tmp")
	if err != nil {
		return "", fmt.Errorf("notify: letter: %w", err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			_ = os.Remove(tmp)
		}
	}()
	// CreateTemp already uses 0600; Chmod says so where it matters.
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return "", fmt.Errorf("notify: letter: %w", err)
	}
	if _, err := f.Write(pdf); err != nil {
		f.Close()
		return "", fmt.Errorf("notify: letter: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return "", fmt.Errorf("notify: letter: %w", err)
	}
	if err := f.Close(); err != nil {
		return "", fmt.Errorf("notify: letter: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return "", fmt.Errorf("notify: letter: %w", err)
	}
	// The rename is durable only once the directory entry is.
	if d, err := os.Open(p.dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
	return path, nil
}
