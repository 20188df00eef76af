package xades

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/beevik/etree"
)

// MaxDocument is the largest XML document SignEnveloped and Parse read:
// the whole tree is held in memory (several times the file's size), so a
// larger document is signed detached, which streams.
const MaxDocument = 64 << 20

// utf8BOM is the byte-order mark some editors put at the start of UTF-8
// files; encoding/xml does not skip it.
var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// errNotUTF8 is what the charset reader answers for a declared encoding
// other than UTF-8: encoding/xml would otherwise read Latin-1 bytes as if
// they were UTF-8, and the signed text would not be the document's.
var errNotUTF8 = errors.New("xades: document is not UTF-8")

// readDocument reads and checks an XML document at the edge: bounded in
// size, UTF-8, well-formed (one root element, no duplicate attribute), with
// no DOCTYPE or entity declaration. encoding/xml expands no external or
// custom entity, so XXE and "billion laughs" cannot happen; a DOCTYPE is
// refused anyway, because another verifier would expand what we ignored
// and see a different document than the one signed.
func readDocument(r io.Reader) (*etree.Document, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxDocument+1))
	if err != nil {
		return nil, fmt.Errorf("xades: reading the document: %w", err)
	}
	if len(data) > MaxDocument {
		return nil, ErrTooLarge
	}
	return parseDocument(data)
}

func parseDocument(data []byte) (*etree.Document, error) {
	data = bytes.TrimPrefix(data, utf8BOM)
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, ErrEmpty
	}
	doc := etree.NewDocument()
	doc.ReadSettings = etree.ReadSettings{
		CharsetReader: func(charset string, in io.Reader) (io.Reader, error) {
			if strings.EqualFold(charset, "utf8") {
				return in, nil
			}
			return nil, errNotUTF8
		},
		// Kept so that they can be refused below: encoding/xml's raw
		// tokens let a repeated attribute through and etree would keep
		// the last one silently.
		PreserveDuplicateAttrs: true,
	}
	if err := doc.ReadFromBytes(data); err != nil {
		if errors.Is(err, errNotUTF8) {
			return nil, ErrEncoding.Wrap(err)
		}
		if bytes.Contains(data, []byte("<!DOCTYPE")) || bytes.Contains(data, []byte("<!ENTITY")) {
			return nil, ErrDoctype.Wrap(err)
		}
		return nil, ErrNotXML.Wrap(err)
	}
	if err := checkTree(doc); err != nil {
		return nil, err
	}
	return doc, nil
}

// checkTree refuses what etree's reader lets through: no root or more than
// one, text outside the root, directives (DOCTYPE, ENTITY) anywhere, and an
// attribute given twice.
func checkTree(doc *etree.Document) error {
	roots := 0
	for _, tok := range doc.Child {
		switch tok := tok.(type) {
		case *etree.Element:
			roots++
		case *etree.Directive:
			return ErrDoctype
		case *etree.CharData:
			if strings.TrimSpace(tok.Data) != "" {
				return ErrNotXML.Wrap(errors.New("text outside the root element"))
			}
		case *etree.ProcInst:
			if tok.Target == "xml" && tok.Index() != 0 {
				return ErrNotXML.Wrap(errors.New("XML declaration not at the start"))
			}
		}
	}
	switch {
	case roots == 0:
		return ErrEmpty
	case roots > 1:
		return ErrNotXML.Wrap(errors.New("more than one root element"))
	}
	return checkElement(doc.Root(), map[string]bool{})
}

// maxNamespaces bounds the namespace prefixes in scope at any element.
// Canonicalization copies the whole scope at every element, so thousands
// of declarations over thousands of elements would take minutes; real
// documents declare a handful.
const maxNamespaces = 64

func checkElement(el *etree.Element, scope map[string]bool) error {
	seen := make(map[etree.Attr]bool, len(el.Attr))
	var inner map[string]bool
	for _, a := range el.Attr {
		key := etree.Attr{Space: a.Space, Key: a.Key}
		if seen[key] {
			return ErrNotXML.Wrap(fmt.Errorf("attribute %s given twice on <%s>", a.FullKey(), el.FullTag()))
		}
		seen[key] = true
		if a.Space == "xmlns" || a.Space == "" && a.Key == "xmlns" {
			if inner == nil {
				inner = make(map[string]bool, len(scope)+1)
				for k := range scope {
					inner[k] = true
				}
			}
			inner[a.Key] = true
		}
	}
	if inner != nil {
		if len(inner) > maxNamespaces {
			return ErrTooComplex.Wrap(fmt.Errorf("more than %d namespace prefixes in scope", maxNamespaces))
		}
		scope = inner
	}
	for _, tok := range el.Child {
		switch tok := tok.(type) {
		case *etree.Directive:
			return ErrDoctype
		case *etree.ProcInst:
			if strings.EqualFold(tok.Target, "xml") {
				return ErrNotXML.Wrap(errors.New("XML declaration inside an element"))
			}
		case *etree.Element:
			if err := checkElement(tok, scope); err != nil {
				return err
			}
		}
	}
	return nil
}
