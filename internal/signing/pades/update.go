package pades

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"

	"github.com/llavero/llavero/internal/signing"
)

// update is the incremental update appended to the document: the new and
// changed objects, a cross-reference section and a trailer. Its signature
// dictionary holds a /Contents placeholder that the CMS fills once the
// bytes around it are signed.
type update struct {
	base        int64 // the document's size: buf[0] is at this offset
	buf         []byte
	contentsLT  int // index in buf of the placeholder's '<'
	contentsEnd int // index in buf after its '>'
}

// byteRangeWidth is the room left for "[0 a b c]": four numbers of up to 19
// digits.
const byteRangeWidth = 2 + 4*20

// buildUpdate lays out the update with reserve bytes of room for the CMS.
func (d *document) buildUpdate(cred signing.Credential, opt Options, when time.Time, reserve int) (u *update, err error) {
	defer recoverDamaged(&err)
	name, id := signerIdentity(cred)
	if opt.Name != "" {
		name = opt.Name
	}

	pageNo, rect := 1, [4]float64{}
	if opt.Visible != nil {
		pageNo = opt.Visible.Page
		if pageNo == 0 {
			pageNo = d.pageCount
		}
		if pageNo < 0 || pageNo > d.pageCount {
			return nil, ErrPlacement
		}
	}
	page, err := d.page(pageNo)
	if err != nil {
		return nil, err
	}
	if opt.Visible != nil {
		box := mediaBox(page)
		rect = opt.Visible.Rect
		if rect == ([4]float64{}) {
			rect = [4]float64{box[0] + 36, box[1] + 36, box[0] + 36 + 240, box[1] + 36 + 60}
		}
		if rect[0] >= rect[2] || rect[1] >= rect[3] || rect[0] < box[0] || rect[1] < box[1] || rect[2] > box[2] || rect[3] > box[3] {
			return nil, ErrPlacement
		}
	}

	u = &update{base: d.size}
	var b bytes.Buffer
	b.WriteByte('\n')
	offsets := map[uint32]int64{}
	gens := map[uint32]uint16{}
	begin := func(r ref) {
		offsets[r.id] = d.size + int64(b.Len())
		gens[r.id] = r.gen
		fmt.Fprintf(&b, "%d %d obj\n", r.id, r.gen)
	}
	end := func() { b.WriteString("\nendobj\n") }

	sigRef := ref{id: d.nextID}
	widgetRef := ref{id: d.nextID + 1}
	apRef := ref{id: d.nextID + 2}
	fontRef := ref{id: d.nextID + 3}
	last := apRef.id
	if opt.Visible != nil {
		last = fontRef.id
	}

	// The signature dictionary (ISO 32000-1 12.8.1, ETSI EN 319 142-1 5.3).
	begin(sigRef)
	b.WriteString("<</Type /Sig /Filter /Adobe.PPKLite /SubFilter /ETSI.CAdES.detached\n/ByteRange ")
	byteRangeAt := b.Len()
	b.WriteString(strings.Repeat(" ", byteRangeWidth)) // "[0 a b c]" once the offsets are known
	b.WriteString("\n/Contents ")
	u.contentsLT = b.Len()
	b.WriteByte('<')
	b.Write(bytes.Repeat([]byte{'0'}, 2*reserve))
	b.WriteByte('>')
	u.contentsEnd = b.Len()
	b.WriteString("\n/M ")
	writeTextString(&b, pdfDate(when))
	b.WriteString("\n/Name ")
	writeTextString(&b, name)
	for _, e := range []struct{ key, value string }{{"Reason", opt.Reason}, {"Location", opt.Location}, {"ContactInfo", opt.ContactInfo}} {
		if e.value != "" {
			b.WriteString("\n/" + e.key + " ")
			writeTextString(&b, e.value)
		}
	}
	b.WriteString("\n/Prop_Build <</App <</Name /llavero>>>>>>")
	end()

	// The signature field, merged with its widget annotation. /TU and
	// /Contents are what a screen reader announces for it.
	begin(widgetRef)
	b.WriteString("<</Type /Annot /Subtype /Widget /FT /Sig /F 132\n/T ")
	writeTextString(&b, d.fieldName())
	alt := "Firma de " + name + " / Signature of " + name
	b.WriteString("\n/TU ")
	writeTextString(&b, alt)
	b.WriteString("\n/Contents ")
	writeTextString(&b, alt)
	fmt.Fprintf(&b, "\n/V %v /P %v\n/Rect [%s %s %s %s]\n/AP <</N %v>>>>", sigRef, refOf(page),
		num(rect[0]), num(rect[1]), num(rect[2]), num(rect[3]), apRef)
	end()

	// Its appearance: the visible box, or an empty form for an invisible
	// signature (PDF/A and PAdES validators want one either way).
	var stream []byte
	resources := ""
	if opt.Visible != nil {
		stream = appearance(rect[2]-rect[0], rect[3]-rect[1], []string{
			"Firmado por / Signed by",
			name + " - " + id,
			"Fecha / Date: " + when.Format("2006-01-02 15:04:05 -07:00"),
		})
		resources = fmt.Sprintf(" /Resources <</Font <</F1 %v>>>>", fontRef)
	}
	begin(apRef)
	fmt.Fprintf(&b, "<</Type /XObject /Subtype /Form /BBox [0 0 %s %s]%s /Length %d>>\nstream\n",
		num(rect[2]-rect[0]), num(rect[3]-rect[1]), resources, len(stream))
	b.Write(stream)
	b.WriteString("\nendstream")
	end()
	if opt.Visible != nil {
		begin(fontRef)
		b.WriteString("<</Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding>>")
		end()
	}

	// The page, with the widget added to its annotations.
	pageRef := refOf(page)
	begin(pageRef)
	b.WriteString("<<")
	if err := writeDictExcept(&b, page, pageRef, "Annots"); err != nil {
		return nil, err
	}
	b.WriteString("/Annots [")
	annots := page.Key("Annots")
	for i := 0; i < annots.Len(); i++ {
		if err := writeValue(&b, annots.Index(i), refOf(annots), 1); err != nil {
			return nil, err
		}
		b.WriteByte(' ')
	}
	fmt.Fprintf(&b, "%v]>>", widgetRef)
	end()

	// The form: the field added, SigFlags SignaturesExist|AppendOnly. A form
	// that is an object of its own is updated; a form inside the catalog, or
	// none, means a new catalog.
	rootRef := refOf(d.root)
	formRef := refOf(d.acroForm)
	writeForm := func(container ref) error {
		b.WriteString("<<")
		if !d.acroForm.IsNull() {
			if err := writeDictExcept(&b, d.acroForm, container, "Fields", "SigFlags"); err != nil {
				return err
			}
		}
		b.WriteString("/Fields [")
		fields := d.acroForm.Key("Fields")
		for i := 0; i < fields.Len(); i++ {
			if err := writeValue(&b, fields.Index(i), refOf(fields), 1); err != nil {
				return err
			}
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "%v]\n/SigFlags 3>>", widgetRef)
		return nil
	}
	if !d.acroForm.IsNull() && formRef != rootRef && formRef != pageRef {
		begin(formRef)
		if err := writeForm(formRef); err != nil {
			return nil, err
		}
		end()
	} else {
		begin(rootRef)
		b.WriteString("<<")
		if err := writeDictExcept(&b, d.root, rootRef, "AcroForm"); err != nil {
			return nil, err
		}
		b.WriteString("/AcroForm ")
		if err := writeForm(rootRef); err != nil {
			return nil, err
		}
		b.WriteString(">>")
		end()
	}

	// The cross-reference section and trailer, of the kind the document
	// already uses.
	size := last + 1
	xrefAt := d.size + int64(b.Len())
	var trailer bytes.Buffer
	fmt.Fprintf(&trailer, "/Prev %d\n", d.startxref)
	if err := writeDictExcept(&trailer, d.trailer, refOf(d.trailer),
		"Size", "Prev", "XRefStm", "Type", "W", "Index", "Length", "Filter", "DecodeParms", "DL"); err != nil {
		return nil, err
	}
	if d.xrefStream {
		xrefRef := ref{id: last + 1}
		size++
		begin(xrefRef)
		writeXrefStream(&b, offsets, gens, size, trailer.Bytes())
		end()
	} else {
		writeXrefTable(&b, offsets, gens)
		fmt.Fprintf(&b, "trailer\n<</Size %d\n%s>>\n", size, trailer.Bytes())
	}
	fmt.Fprintf(&b, "startxref\n%d\n%%%%EOF\n", xrefAt)

	u.buf = b.Bytes()
	contentsAt := d.size + int64(u.contentsLT)
	afterAt := d.size + int64(u.contentsEnd)
	br := fmt.Sprintf("[0 %d %d %d]", contentsAt, afterAt, d.size+int64(len(u.buf))-afterAt)
	copy(u.buf[byteRangeAt:], br)
	return u, nil
}

// fieldName picks "Firma1", "Firma2"... the first name no field has.
func (d *document) fieldName() string {
	for n := 1; ; n++ {
		name := "Firma" + strconv.Itoa(n)
		if !d.fieldNames[name] {
			return name
		}
	}
}

func sortedIDs(offsets map[uint32]int64) []uint32 {
	ids := make([]uint32, 0, len(offsets))
	for id := range offsets {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	return ids
}

// subsections groups sorted ids into runs of consecutive numbers.
func subsections(ids []uint32) [][]uint32 {
	var runs [][]uint32
	for i, id := range ids {
		if i == 0 || id != ids[i-1]+1 {
			runs = append(runs, nil)
		}
		runs[len(runs)-1] = append(runs[len(runs)-1], id)
	}
	return runs
}

// writeXrefTable writes a classic cross-reference table (ISO 32000-1
// 7.5.4): 20-byte entries.
func writeXrefTable(b *bytes.Buffer, offsets map[uint32]int64, gens map[uint32]uint16) {
	b.WriteString("xref\n")
	for _, run := range subsections(sortedIDs(offsets)) {
		fmt.Fprintf(b, "%d %d\n", run[0], len(run))
		for _, id := range run {
			fmt.Fprintf(b, "%010d %05d n\r\n", offsets[id], gens[id])
		}
	}
}

// writeXrefStream writes the body of a cross-reference stream object (ISO
// 32000-1 7.5.8), uncompressed: type 1 entries of an offset and a
// generation. The stream object itself was begun at offsets[its id].
func writeXrefStream(b *bytes.Buffer, offsets map[uint32]int64, gens map[uint32]uint16, size uint32, trailer []byte) {
	ids := sortedIDs(offsets)
	var index strings.Builder
	for _, run := range subsections(ids) {
		fmt.Fprintf(&index, "%d %d ", run[0], len(run))
	}
	w := 4
	for _, off := range offsets {
		if off > 1<<32-1 {
			w = 8
		}
	}
	var data []byte
	for _, id := range ids {
		data = append(data, 1)
		var o [8]byte
		binary.BigEndian.PutUint64(o[:], uint64(offsets[id]))
		data = append(data, o[8-w:]...)
		data = binary.BigEndian.AppendUint16(data, gens[id])
	}
	fmt.Fprintf(b, "<</Type /XRef /Size %d /W [1 %d 2] /Index [%s] /Length %d\n%s>>\nstream\n",
		size, w, strings.TrimSpace(index.String()), len(data), trailer)
	b.Write(data)
	b.WriteString("\nendstream")
}

// digest hashes the bytes the signature covers: the whole document and the
// update except the /Contents placeholder.
func (u *update) digest(in io.ReaderAt, size int64) ([]byte, error) {
	h := sha256.New()
	if _, err := io.Copy(h, io.NewSectionReader(in, 0, size)); err != nil {
		return nil, err
	}
	h.Write(u.buf[:u.contentsLT])
	h.Write(u.buf[u.contentsEnd:])
	return h.Sum(nil), nil
}

// fillContents writes the CMS, hex-encoded, into the placeholder; the
// zeros after it are padding.
func (u *update) fillContents(cms []byte) {
	hex.Encode(u.buf[u.contentsLT+1:], cms)
}

// num formats a coordinate without exponent.
func num(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// pdfDate is a PDF date string (ISO 32000-1 7.9.4): D:YYYYMMDDHHmmSS+HH'mm'.
func pdfDate(t time.Time) string {
	s := t.Format("D:20060102150405")
	_, off := t.Zone()
	sign := '+'
	if off < 0 {
		sign, off = '-', -off
	}
	if off == 0 {
		return s + "Z"
	}
	return fmt.Sprintf("%s%c%02d'%02d'", s, sign, off/3600, off%3600/60)
}

// writeTextString writes a PDF text string: a literal string when s is
// printable ASCII, otherwise UTF-16BE with its byte order mark, in hex.
func writeTextString(b *bytes.Buffer, s string) {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			ascii = false
			break
		}
	}
	if ascii {
		b.WriteByte('(')
		for i := 0; i < len(s); i++ {
			if s[i] == '(' || s[i] == ')' || s[i] == '\\' {
				b.WriteByte('\\')
			}
			b.WriteByte(s[i])
		}
		b.WriteByte(')')
		return
	}
	u := []byte{0xFE, 0xFF}
	for _, c := range utf16.Encode([]rune(s)) {
		u = binary.BigEndian.AppendUint16(u, c)
	}
	writeHexString(b, u)
}
