package pades

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strconv"

	"github.com/digitorus/pdf"
)

// The parser loops forever, growing memory, on a few malformed objects: an
// array cut by "endobj" ("[0 0 595 endobj"), and inside an object stream
// an array, string or hex string cut by the end of the data. No recover
// can stop that, so guardObjects reads, before the parser does, every
// object the parser could be asked for (each in-use entry of the
// cross-reference, and each object of each object stream), and refuses the
// file if one would trap it. It reads what the parser would read: from the
// offsets the parser holds, one object each.

// errTrap reports an object that would trap the parser.
var errTrap = errors.New("object the parser cannot read safely")

// maxObjStm bounds the decompressed size of one object stream.
const maxObjStm = 64 << 20

func guardObjects(r *pdf.Reader, in io.ReaderAt, size int64) error {
	budget := 2*size + 1<<20 // bytes read in all; overlapping objects would exceed it
	entries := r.Xref()
	checked := map[int64]bool{}
	type objStm struct {
		ptr any // the parser's reference type, which cannot be named here
		id  uint32
	}
	var streams []objStm
	seenStream := map[uint32]bool{}
	for i := range entries {
		e := reflect.ValueOf(&entries[i]).Elem()
		inStream, offset := e.FieldByName("inStream"), e.FieldByName("offset")
		if !inStream.IsValid() || !offset.IsValid() || inStream.Kind() != reflect.Bool || offset.Kind() != reflect.Int64 {
			// The parser's entry layout changed: refuse rather than risk it.
			return errors.New("pades: unknown cross-reference entry layout")
		}
		if inStream.Bool() {
			sp := entries[i].Stream()
			sid := sp.GetID()
			if !seenStream[sid] {
				seenStream[sid] = true
				streams = append(streams, objStm{sp, sid})
			}
			continue
		}
		off := offset.Int()
		if off <= 0 || checked[off] {
			continue
		}
		checked[off] = true
		if off >= size {
			continue // the parser finds nothing there and reports an error
		}
		s := newScanner(io.NewSectionReader(in, off, size-off))
		s.budget = &budget
		if err := s.topObject(); err != nil {
			return fmt.Errorf("object at offset %d: %w", off, err)
		}
	}
	for _, st := range streams {
		if err := guardObjectStream(r, st.ptr, st.id); err != nil {
			return err
		}
	}
	return nil
}

// guardObjectStream checks one object stream: its /N, its /Extends chain,
// and each object at the offsets its header gives.
func guardObjectStream(r *pdf.Reader, ptr any, id uint32) error {
	v := resolvePtr(r, ptr)
	if v.Kind() != pdf.Stream {
		return nil // the parser panics on it, which open turns into ErrDamaged
	}
	n := v.Key("N").Int64()
	first := v.Key("First").Int64()
	if n < 0 || n > 1<<20 || first < 0 {
		return fmt.Errorf("%w: object stream %d with /N %d /First %d", errTrap, id, n, first)
	}
	seen := map[uint32]bool{id: true}
	for ext := v.Key("Extends"); !ext.IsNull(); ext = ext.Key("Extends") {
		id := refOf(ext).id
		if seen[id] || len(seen) > 64 {
			return fmt.Errorf("%w: object stream %d extends in a loop", errTrap, id)
		}
		seen[id] = true
	}
	rc := v.Reader()
	data, err := io.ReadAll(io.LimitReader(rc, maxObjStm+1))
	rc.Close()
	if err != nil {
		return nil // the parser meets the same error and reports it
	}
	if len(data) > maxObjStm {
		return fmt.Errorf("%w: object stream %d larger than %d bytes", errTrap, id, maxObjStm)
	}
	// Its own budget: object streams are compressed, several times the
	// size they take in the file.
	own := 2*int64(len(data)) + 1<<16
	budget := &own
	head := newScanner(bytes.NewReader(data))
	head.budget = budget
	for i := int64(0); i < n; i++ {
		head.token() // object number
		off, err := strconv.ParseInt(head.token(), 10, 64)
		if err != nil {
			break // the parser reads 0 for it, checked below
		}
		if first+off < int64(len(data)) {
			s := newScanner(bytes.NewReader(data[first+off:]))
			s.budget = budget
			if err := s.value(0); err != nil {
				return fmt.Errorf("object stream %d, object at %d: %w", id, off, err)
			}
		}
	}
	if first < int64(len(data)) {
		s := newScanner(bytes.NewReader(data[first:]))
		s.budget = budget
		if err := s.value(0); err != nil {
			return fmt.Errorf("object stream %d: %w", id, err)
		}
	}
	return nil
}

// resolvePtr resolves a reference of the parser's own (unexported) type.
func resolvePtr(r *pdf.Reader, ptr any) pdf.Value {
	rv := reflect.ValueOf(r.Resolve)
	arg := reflect.ValueOf(ptr)
	if rv.Type().In(0) != arg.Type() {
		return pdf.Value{}
	}
	return rv.Call([]reflect.Value{arg, arg})[0].Interface().(pdf.Value)
}

// topObject reads what the parser reads at an offset of the
// cross-reference: "N G obj", one value, "endobj" (or "stream").
func (s *scanner) topObject() error {
	return s.value(0)
}

// maxDepth bounds nesting; deeper objects are refused.
const maxDepth = 256

// value reads one value as the parser's readObject does, and fails where
// the parser would loop: "endobj" inside an array, or the end of the data
// inside an array, a dictionary or a string.
func (s *scanner) value(depth int) error {
	if depth > maxDepth {
		return fmt.Errorf("%w: nested deeper than %d", errTrap, maxDepth)
	}
	tok := s.next()
	switch tok {
	case "":
		return fmt.Errorf("%w: cut short", errTrap)
	case "[":
		for {
			switch s.peek() {
			case "]":
				s.next()
				return nil
			case "endobj", "":
				return fmt.Errorf("%w: array cut by %q", errTrap, s.peek())
			}
			if err := s.value(depth + 1); err != nil {
				return err
			}
		}
	case "<<":
		for {
			switch s.peek() {
			case ">>":
				s.next()
				return nil
			case "":
				return fmt.Errorf("%w: dictionary cut short", errTrap)
			}
			s.next() // the key; a key that is not a name makes the parser panic, which is safe
			if err := s.value(depth + 1); err != nil {
				return err
			}
		}
	}
	// "N G obj value" or "N G R", as the parser reads integers.
	if _, err := strconv.ParseUint(tok, 10, 32); err == nil {
		if _, err := strconv.ParseUint(s.peek(), 10, 16); err == nil {
			gen := s.next()
			switch s.peek() {
			case "R":
				s.next()
			case "obj":
				s.next()
				return s.value(depth + 1)
			default:
				s.pushback(gen)
			}
		}
	}
	return nil
}
