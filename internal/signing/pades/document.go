package pades

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/digitorus/pdf"
)

// ref is an indirect object reference.
type ref struct {
	id  uint32
	gen uint16
}

func (r ref) String() string { return fmt.Sprintf("%d %d R", r.id, r.gen) }

func refOf(v pdf.Value) ref {
	p := v.GetPtr()
	return ref{p.GetID(), p.GetGen()}
}

// document is what signing needs to know about the PDF: where its last
// cross-reference section is and of which kind, the first free object
// number, the catalog, the form and the page tree.
type document struct {
	r          *pdf.Reader
	size       int64
	startxref  int64
	xrefStream bool
	nextID     uint32
	trailer    pdf.Value
	root       pdf.Value
	acroForm   pdf.Value // null when the document has no form
	fieldNames map[string]bool
	pageCount  int
}

// open parses the document at the edge and turns every way it can fail
// into an error a person understands. The parser panics on some damaged
// files; the panic becomes ErrDamaged.
func open(in io.ReaderAt, size int64) (doc *document, err error) {
	head := make([]byte, 5)
	if n, _ := in.ReadAt(head, 0); n < 5 || string(head) != "%PDF-" {
		return nil, ErrNotPDF
	}
	pre, err := prescan(in, size)
	if err != nil {
		return nil, ErrDamaged.Wrap(err)
	}
	if pre.encrypted {
		return nil, ErrEncrypted
	}
	defer recoverDamaged(&err)
	r, err := pdf.NewReader(in, size)
	if err != nil {
		return nil, ErrDamaged.Wrap(err)
	}
	if err := guardObjects(r, in, size); err != nil {
		return nil, ErrDamaged.Wrap(err)
	}
	doc = &document{r: r, size: size, startxref: pre.startxref, fieldNames: map[string]bool{}}
	switch r.XrefInformation.Type {
	case "table":
	case "stream":
		doc.xrefStream = true
	default:
		return nil, ErrDamaged.Wrap(fmt.Errorf("xref of type %q", r.XrefInformation.Type))
	}
	doc.trailer = r.Trailer()
	if !doc.trailer.Key("Encrypt").IsNull() {
		return nil, ErrEncrypted
	}
	next := doc.trailer.Key("Size").Int64()
	if n := int64(len(r.Xref())); n > next {
		next = n
	}
	if next <= 0 || next > maxObjects {
		return nil, ErrDamaged.Wrap(fmt.Errorf("trailer /Size %d", next))
	}
	doc.nextID = uint32(next)
	doc.root = doc.trailer.Key("Root")
	if doc.root.Kind() != pdf.Dict || refOf(doc.root).id == 0 {
		return nil, ErrDamaged.Wrap(errors.New("no document catalog"))
	}
	doc.acroForm = doc.root.Key("AcroForm")
	if doc.acroForm.Kind() != pdf.Dict {
		doc.acroForm = pdf.Value{}
	}
	if err := doc.checkCertification(); err != nil {
		return nil, err
	}
	fields := doc.acroForm.Key("Fields")
	for i := 0; i < fields.Len(); i++ {
		doc.fieldNames[fields.Index(i).Key("T").Text()] = true
	}
	pages := doc.root.Key("Pages")
	doc.pageCount = int(pages.Key("Count").Int64())
	if pages.Kind() != pdf.Dict || doc.pageCount <= 0 || int64(doc.pageCount) > doc.size {
		return nil, ErrDamaged.Wrap(errors.New("no pages"))
	}
	return doc, nil
}

// recoverDamaged turns a panic of the parser into ErrDamaged.
func recoverDamaged(err *error) {
	if r := recover(); r != nil {
		*err = ErrDamaged.Wrap(fmt.Errorf("parser: %v", r))
	}
}

// checkCertification refuses a document whose author signature (DocMDP)
// allows no changes: ISO 32000-1 12.8.2.2, permission 1.
func (d *document) checkCertification() error {
	sig := d.root.Key("Perms").Key("DocMDP")
	if sig.IsNull() {
		return nil
	}
	refs := sig.Key("Reference")
	for i := 0; i < refs.Len(); i++ {
		r := refs.Index(i)
		if r.Key("TransformMethod").Name() == "DocMDP" && r.Key("TransformParams").Key("P").Int64() == 1 {
			return ErrCertified
		}
	}
	return nil
}

// page returns the n-th page (1-based) by descending the page tree with
// the nodes' /Count, so that only one branch is read.
func (d *document) page(n int) (pdf.Value, error) {
	node := d.root.Key("Pages")
	seen := map[ref]bool{}
	for depth := 0; depth < 64; depth++ {
		if seen[refOf(node)] {
			break
		}
		seen[refOf(node)] = true
		if node.Key("Type").Name() == "Page" || node.Key("Kids").IsNull() {
			if n == 1 {
				return node, nil
			}
			break
		}
		kids := node.Key("Kids")
		found := false
		for i := 0; i < kids.Len(); i++ {
			kid := kids.Index(i)
			count := 1
			if kid.Key("Type").Name() != "Page" && !kid.Key("Kids").IsNull() {
				count = int(kid.Key("Count").Int64())
			}
			if n <= count {
				node, found = kid, true
				break
			}
			n -= count
		}
		if !found {
			break
		}
	}
	return pdf.Value{}, ErrDamaged.Wrap(fmt.Errorf("page %d not found in the page tree", n))
}

// mediaBox is the page's /MediaBox, inherited from the page tree if need
// be; US Letter when absent (as viewers assume).
func mediaBox(page pdf.Value) [4]float64 {
	node := page
	for depth := 0; depth < 64 && !node.IsNull(); depth++ {
		if mb := node.Key("MediaBox"); mb.Len() == 4 {
			var box [4]float64
			for i := range box {
				box[i] = mb.Index(i).Float64()
			}
			return box
		}
		node = node.Key("Parent")
	}
	return [4]float64{0, 0, 612, 792}
}

// writeValue serialises v, a value found in the object container, as PDF
// syntax: values that are objects of their own are written as references,
// the rest inline, recursively.
func writeValue(b *bytes.Buffer, v pdf.Value, container ref, depth int) error {
	if depth > 64 {
		return ErrDamaged.Wrap(errors.New("objects nested too deeply"))
	}
	if r := refOf(v); r != container && r.id != 0 {
		b.WriteString(r.String())
		return nil
	}
	switch v.Kind() {
	case pdf.Null:
		b.WriteString("null")
	case pdf.Bool:
		b.WriteString(strconv.FormatBool(v.Bool()))
	case pdf.Integer:
		b.WriteString(strconv.FormatInt(v.Int64(), 10))
	case pdf.Real:
		b.WriteString(strconv.FormatFloat(v.Float64(), 'f', -1, 64))
	case pdf.String:
		writeHexString(b, []byte(v.RawString()))
	case pdf.Name:
		writeName(b, v.Name())
	case pdf.Array:
		b.WriteByte('[')
		for i := 0; i < v.Len(); i++ {
			if i > 0 {
				b.WriteByte(' ')
			}
			if err := writeValue(b, v.Index(i), container, depth+1); err != nil {
				return err
			}
		}
		b.WriteByte(']')
	case pdf.Dict:
		b.WriteString("<<")
		for _, k := range v.Keys() {
			writeName(b, k)
			b.WriteByte(' ')
			if err := writeValue(b, v.Key(k), container, depth+1); err != nil {
				return err
			}
		}
		b.WriteString(">>")
	default:
		return ErrDamaged.Wrap(fmt.Errorf("a stream inside object %v", container))
	}
	return nil
}

// writeDictExcept writes dictionary v's entries but those in skip, without
// the enclosing << >>.
func writeDictExcept(b *bytes.Buffer, v pdf.Value, container ref, skip ...string) error {
	for _, k := range v.Keys() {
		if contains(skip, k) {
			continue
		}
		writeName(b, k)
		b.WriteByte(' ')
		if err := writeValue(b, v.Key(k), container, 1); err != nil {
			return err
		}
		b.WriteByte('\n')
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func writeHexString(b *bytes.Buffer, s []byte) {
	const hexdigits = "0123456789ABCDEF"
	b.WriteByte('<')
	for _, c := range s {
		b.WriteByte(hexdigits[c>>4])
		b.WriteByte(hexdigits[c&15])
	}
	b.WriteByte('>')
}

// writeName writes /name, escaping as #xx what a name cannot hold
// literally (ISO 32000-1 7.3.5).
func writeName(b *bytes.Buffer, name string) {
	b.WriteByte('/')
	for i := 0; i < len(name); i++ {
		c := name[i]
		if c < 0x21 || c > 0x7e || c == '#' || isDelim(c) {
			fmt.Fprintf(b, "#%02X", c)
			continue
		}
		b.WriteByte(c)
	}
}
