package xades

import (
	"bufio"
	"hash"
	"io"
	"sort"

	"github.com/beevik/etree"
	"github.com/russellhaering/goxmldsig/etreeutils"
)

const (
	xmlnsPrefix  = "xmlns"
	xmlNamespace = "http://www.w3.org/XML/1998/namespace"
)

// canonicalWrite are the settings of canonical XML's serialization: end
// tags always, and the character references C14N prescribes for text and
// attribute values.
var canonicalWrite = etree.WriteSettings{CanonicalEndTags: true, CanonicalText: true, CanonicalAttrVal: true}

// excC14N writes the exclusive canonical form, without comments, of el as
// it stands in its document (its ancestors' namespace declarations apply)
// to w. el itself is not changed.
//
// The transform itself is goxmldsig's (etreeutils.TransformExcC14n).
// fixCanonical then corrects two places where its output is not C14N, so
// that xmlsec1 and other verifiers compute the same bytes: attributes are
// ordered by namespace URI then local name (goxmldsig orders prefixed
// attributes of different namespaces by local name only), and an
// xmlns="" is never written where no default namespace was rendered.
func excC14N(w etree.Writer, el *etree.Element, inclusivePrefixes string) error {
	cp, err := detach(el)
	if err != nil {
		return err
	}
	if err := etreeutils.TransformExcC14n(cp, inclusivePrefixes, false); err != nil {
		return err
	}
	fixCanonical(cp, map[string]string{"xml": xmlNamespace}, "")
	cp.WriteTo(w, &canonicalWrite)
	return nil
}

// detach copies el with the namespace declarations in scope at its place
// written onto the copy, as etreeutils.NSDetatch does but without its limit
// of 1000 elements (a signed document has many more).
func detach(el *etree.Element) (*etree.Element, error) {
	ctx, err := etreeutils.NSBuildParentContext(el)
	if err != nil {
		return nil, err
	}
	cp := el.Copy()
	own := map[string]bool{}
	for _, a := range cp.Attr {
		switch {
		case a.Space == xmlnsPrefix:
			own[a.Key] = true
		case a.Space == "" && a.Key == xmlnsPrefix:
			own[""] = true
		}
	}
	for prefix, uri := range ctx.Prefixes() {
		switch {
		case own[prefix], prefix == "xml", prefix == xmlnsPrefix:
		case prefix == "":
			// etreeutils starts every context with the XML namespace as
			// the default; that is its way of saying "none".
			if uri != xmlNamespace {
				cp.CreateAttr(xmlnsPrefix, uri)
			}
		default:
			cp.CreateAttr(xmlnsPrefix+":"+prefix, uri)
		}
	}
	return cp, nil
}

// fixCanonical walks a tree that TransformExcC14n produced. scope maps the
// prefixes rendered so far to their namespace; def is the default namespace
// rendered so far ("" for none).
func fixCanonical(el *etree.Element, scope map[string]string, def string) {
	attrs := el.Attr[:0]
	var inner map[string]string
	for _, a := range el.Attr {
		switch {
		case a.Space == "" && a.Key == xmlnsPrefix:
			if a.Value == def {
				continue // the same default is already in force
			}
			def = a.Value
		case a.Space == xmlnsPrefix:
			if inner == nil {
				inner = make(map[string]string, len(scope)+1)
				for k, v := range scope {
					inner[k] = v
				}
			}
			inner[a.Key] = a.Value
		}
		attrs = append(attrs, a)
	}
	el.Attr = attrs
	if inner != nil {
		scope = inner
	}
	sort.SliceStable(el.Attr, func(i, j int) bool { return attrLess(el.Attr[i], el.Attr[j], scope) })
	for _, c := range el.ChildElements() {
		fixCanonical(c, scope, def)
	}
}

// attrLess is C14N's attribute order: the default namespace declaration,
// then prefix declarations by prefix, then attributes by namespace URI
// (none first) and local name.
func attrLess(a, b etree.Attr, scope map[string]string) bool {
	rank := func(x etree.Attr) int {
		switch {
		case x.Space == "" && x.Key == xmlnsPrefix:
			return 0
		case x.Space == xmlnsPrefix:
			return 1
		}
		return 2
	}
	ra, rb := rank(a), rank(b)
	if ra != rb {
		return ra < rb
	}
	if ra == 1 {
		return a.Key < b.Key
	}
	na, nb := "", ""
	if a.Space != "" {
		na = scope[a.Space]
	}
	if b.Space != "" {
		nb = scope[b.Space]
	}
	if na != nb {
		return na < nb
	}
	return a.Key < b.Key
}

// docC14N writes the canonical form of the document node-set without
// comments (what Reference URI="" selects): doc is the document's own
// element (etree's Document.Element), root stands for its root element
// (possibly a copy without the signature) and is written with canon.
// Processing instructions outside the root are part of it, each separated
// from the root by a line feed (C14N 1.0 section 2.3).
func docC14N(w etree.Writer, doc *etree.Element, root *etree.Element, canon canonFunc) error {
	seenRoot := false
	for _, tok := range doc.Child {
		switch tok := tok.(type) {
		case *etree.ProcInst:
			if tok.Target == "xml" {
				continue // the XML declaration is not a processing instruction
			}
			if seenRoot {
				w.WriteByte('\n')
			}
			tok.WriteTo(w, &canonicalWrite)
			if !seenRoot {
				w.WriteByte('\n')
			}
		case *etree.Element:
			seenRoot = true
			if err := canon(w, root); err != nil {
				return err
			}
		}
	}
	return nil
}

// hashWriter feeds canonical output straight into a digest, so that a
// large document is never serialized into memory a second time.
type hashWriter struct {
	*bufio.Writer
	h hash.Hash
}

func newHashWriter(h hash.Hash) *hashWriter {
	return &hashWriter{Writer: bufio.NewWriterSize(h, 32<<10), h: h}
}

// Sum flushes and returns the digest.
func (w *hashWriter) Sum() []byte {
	w.Flush() // writing to a hash never fails
	return w.h.Sum(nil)
}

var _ io.Writer = (*hashWriter)(nil)

// exclusive is excC14N without an inclusive prefix list.
func exclusive(w etree.Writer, el *etree.Element) error { return excC14N(w, el, "") }
