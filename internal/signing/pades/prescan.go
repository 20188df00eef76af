package pades

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
)

// The parser (github.com/digitorus/pdf) sizes its cross-reference table from
// numbers in the file: a damaged or hostile "xref" section that names
// object 10^12 makes it grow a slice until the process runs out of memory,
// which no recover can catch. prescan reads those numbers first, walking
// the chain of cross-reference sections from startxref, and refuses a file
// whose numbers exceed what its size could hold. It also spots /Encrypt in
// a trailer, to tell an encrypted PDF from a damaged one.

// maxObjects bounds object numbers whatever the file's size: 4 million
// objects is far beyond any real document.
const maxObjects = 1 << 22

// maxSections bounds the chain of incremental updates followed.
const maxSections = 4096

type prescanResult struct {
	startxref int64
	encrypted bool
}

var errXref = errors.New("cross-reference section out of bounds")

func prescan(in io.ReaderAt, size int64) (prescanResult, error) {
	var res prescanResult
	start, err := findStartxref(in, size)
	if err != nil {
		return res, err
	}
	res.startxref = start
	limit := int64(maxObjects)
	if size+1<<16 < limit {
		limit = size + 1<<16
	}
	seen := map[int64]bool{}
	for off, hops := start, 0; off >= 0; hops++ {
		if hops > maxSections || seen[off] || off >= size {
			return res, fmt.Errorf("%w: xref chain at %d", errXref, off)
		}
		seen[off] = true
		// The parser reads a cross-reference stream's dictionary as an
		// object: check it as guardObjects checks the others.
		budget := int64(maxScan)
		c := newScanner(io.NewSectionReader(in, off, size-off))
		c.budget = &budget
		if err := c.value(0); err != nil {
			return res, fmt.Errorf("xref at %d: %w", off, err)
		}
		s := newScanner(io.NewSectionReader(in, off, size-off))
		sec, err := s.section(limit)
		if err != nil {
			return res, err
		}
		res.encrypted = res.encrypted || sec.encrypted
		off = sec.prev
	}
	return res, nil
}

// findStartxref reads the offset after the last "startxref" in the file's
// last kilobytes.
func findStartxref(in io.ReaderAt, size int64) (int64, error) {
	n := int64(4096)
	if n > size {
		n = size
	}
	tail := make([]byte, n)
	if _, err := in.ReadAt(tail, size-n); err != nil && err != io.EOF {
		return 0, err
	}
	i := bytes.LastIndex(tail, []byte("startxref"))
	if i < 0 {
		return 0, fmt.Errorf("%w: no startxref", errXref)
	}
	f := bytes.Fields(tail[i+len("startxref"):])
	if len(f) == 0 {
		return 0, fmt.Errorf("%w: startxref without offset", errXref)
	}
	v, err := strconv.ParseInt(string(f[0]), 10, 64)
	if err != nil || v < 0 || v >= size {
		return 0, fmt.Errorf("%w: startxref %q", errXref, f[0])
	}
	return v, nil
}

type xrefSection struct {
	prev      int64 // -1: none
	encrypted bool
}

// scanner splits PDF syntax into tokens as the parser's lexer does:
// numbers, keywords, names, delimiters; a string or hex string is one
// token ("()" or "<>"), a comment none. It returns "" at the end of the
// data, inside an unterminated string too.
type scanner struct {
	r       *bufio.Reader
	n       int // bytes read, bounded by maxScan
	budget  *int64
	pending []string
}

// maxScan bounds how far one section is read: 20 bytes an entry for
// maxObjects entries.
const maxScan = 20*maxObjects + 1<<20

func newScanner(r io.Reader) *scanner { return &scanner{r: bufio.NewReaderSize(r, 512)} }

func (s *scanner) byte() (byte, bool) {
	if s.n > maxScan {
		return 0, false
	}
	if s.budget != nil {
		if *s.budget <= 0 {
			return 0, false
		}
		*s.budget--
	}
	c, err := s.r.ReadByte()
	if err != nil {
		return 0, false
	}
	s.n++
	return c, true
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f' || c == 0
}

func isDelim(c byte) bool { return bytes.IndexByte([]byte("()<>[]{}/%"), c) >= 0 }

// next returns the next token, or the last one pushed back.
func (s *scanner) next() string {
	if n := len(s.pending); n > 0 {
		t := s.pending[n-1]
		s.pending = s.pending[:n-1]
		return t
	}
	return s.token()
}

func (s *scanner) peek() string {
	t := s.next()
	s.pushback(t)
	return t
}

func (s *scanner) pushback(t string) { s.pending = append(s.pending, t) }

// token reads the next token from the data.
func (s *scanner) token() string {
	c, ok := s.byte()
	for ok && (isSpace(c) || c == '%') {
		if c == '%' {
			for ok && c != '\n' && c != '\r' {
				c, ok = s.byte()
			}
			continue
		}
		c, ok = s.byte()
	}
	if !ok {
		return ""
	}
	switch c {
	case '(':
		depth := 1
		for depth > 0 {
			c, ok = s.byte()
			if !ok {
				return ""
			}
			switch c {
			case '\\':
				if _, ok = s.byte(); !ok {
					return ""
				}
			case '(':
				depth++
			case ')':
				depth--
			}
		}
		return "()"
	case '<':
		c2, ok := s.byte()
		if !ok {
			return ""
		}
		if c2 == '<' {
			return "<<"
		}
		for c2 != '>' {
			if c2, ok = s.byte(); !ok {
				return ""
			}
		}
		return "<>"
	case '>':
		if c2, err := s.r.Peek(1); err == nil && c2[0] == '>' {
			s.byte()
			return ">>"
		}
		return ">"
	case '[', ']', '{', '}', ')':
		return string(c)
	}
	b := []byte{c}
	for len(b) <= 256 {
		c, err := s.r.Peek(1)
		if err != nil || isSpace(c[0]) || isDelim(c[0]) {
			break
		}
		if _, ok := s.byte(); !ok {
			break
		}
		b = append(b, c[0])
	}
	return string(b)
}

func (s *scanner) int() (int64, bool) {
	v, err := strconv.ParseInt(s.token(), 10, 64)
	return v, err == nil
}

// section reads one cross-reference table with its trailer, or the
// dictionary of one cross-reference stream, and checks its object numbers
// against limit.
func (s *scanner) section(limit int64) (xrefSection, error) {
	tok := s.token()
	if tok == "xref" {
		for {
			tok = s.token()
			if tok == "trailer" {
				break
			}
			first, err := strconv.ParseInt(tok, 10, 64)
			n, ok := s.int()
			if err != nil || !ok || first < 0 || n < 0 || first+n > limit {
				return xrefSection{}, fmt.Errorf("%w: subsection %q", errXref, tok)
			}
			for i := int64(0); i < 3*n; i++ {
				if s.token() == "" {
					return xrefSection{}, fmt.Errorf("%w: truncated table", errXref)
				}
			}
		}
		if s.token() != "<<" {
			return xrefSection{}, fmt.Errorf("%w: no trailer dictionary", errXref)
		}
		return s.dict(limit, false)
	}
	// A cross-reference stream: "N G obj << ... >> stream".
	if _, err := strconv.ParseInt(tok, 10, 64); err != nil {
		return xrefSection{}, fmt.Errorf("%w: %q at startxref", errXref, tok)
	}
	if _, ok := s.int(); !ok || s.token() != "obj" || s.token() != "<<" {
		return xrefSection{}, fmt.Errorf("%w: no xref stream object", errXref)
	}
	return s.dict(limit, true)
}

// dict reads a trailer or xref stream dictionary up to its closing ">>",
// noting /Prev, /Encrypt, and checking /Size and /Index.
func (s *scanner) dict(limit int64, stream bool) (xrefSection, error) {
	sec := xrefSection{prev: -1}
	depth := 1
	for depth > 0 {
		tok := s.token()
		switch tok {
		case "":
			return sec, fmt.Errorf("%w: unterminated dictionary", errXref)
		case "<<":
			depth++
		case ">>":
			depth--
		case "/Encrypt":
			if depth == 1 {
				sec.encrypted = true
			}
		case "/Prev":
			if depth == 1 {
				v, ok := s.int()
				if !ok || v < 0 {
					return sec, fmt.Errorf("%w: /Prev", errXref)
				}
				sec.prev = v
			}
		case "/Size":
			if depth == 1 {
				v, ok := s.int()
				if !ok || v < 0 || v > limit {
					return sec, fmt.Errorf("%w: /Size", errXref)
				}
			}
		case "/Index":
			if depth == 1 && stream {
				if s.token() != "[" {
					return sec, fmt.Errorf("%w: /Index", errXref)
				}
				for {
					tok := s.token()
					if tok == "]" {
						break
					}
					first, err := strconv.ParseInt(tok, 10, 64)
					n, ok := s.int()
					if err != nil || !ok || first < 0 || n < 0 || first+n > limit {
						return sec, fmt.Errorf("%w: /Index", errXref)
					}
				}
			}
		}
	}
	return sec, nil
}
