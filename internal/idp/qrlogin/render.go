package qrlogin

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/yeqown/go-qrcode/v2"
	"github.com/yeqown/go-qrcode/writer/standard"
)

// quietZone is the light margin, in modules, that ISO/IEC 18004 asks for
// around a QR code. Without it, phone cameras lose the finder patterns
// against a busy page background.
const quietZone = 4

// maxPNGSize bounds the image the server agrees to draw, so a caller cannot
// turn a size parameter into a memory problem.
const maxPNGSize = 4096

// encode builds the QR symbol at error correction level M. M survives the
// glare and moiré of a phone filming a screen, and it keeps the code small
// enough to scan from across a desk. Byte mode is forced because the
// payload is lower case, which alphanumeric mode cannot hold.
func encode(payload string) (*qrcode.QRCode, error) {
	if payload == "" {
		return nil, errors.New("qrlogin: empty payload")
	}
	q, err := qrcode.NewWith(payload,
		qrcode.WithErrorCorrectionLevel(qrcode.ErrorCorrectionMedium),
		qrcode.WithEncodingMode(qrcode.EncModeByte))
	if err != nil {
		return nil, fmt.Errorf("qrlogin: encoding QR: %w", err)
	}
	return q, nil
}

// matrixWriter collects the finished module matrix. The library only hands
// it out through its Writer interface.
type matrixWriter struct{ bits [][]bool }

func (w *matrixWriter) Write(m qrcode.Matrix) error {
	w.bits = m.Bitmap() // [y][x], true is dark
	return nil
}

func (w *matrixWriter) Close() error { return nil }

// modules returns the dark/light matrix of payload's QR code, without the
// quiet zone, indexed [y][x].
func modules(payload string) ([][]bool, error) {
	q, err := encode(payload)
	if err != nil {
		return nil, err
	}
	var w matrixWriter
	if err := q.Save(&w); err != nil {
		return nil, fmt.Errorf("qrlogin: reading QR matrix: %w", err)
	}
	if len(w.bits) == 0 || len(w.bits) != len(w.bits[0]) {
		return nil, errors.New("qrlogin: QR library returned no square matrix")
	}
	return w.bits, nil
}

// SVG draws payload's QR code as a standalone SVG document with a four-module
// quiet zone. The page should prefer it to PNG: it stays sharp at any zoom
// and is a few kilobytes.
//
// The document has a viewBox and no width or height, so the page sizes it
// with CSS. A light background is painted in, so the code still scans on a
// dark-mode page. Each run of dark modules in a row is one stroked segment,
// which keeps the path short and, with crispEdges, free of the hairline
// seams that abutting squares leave in some renderers.
func SVG(payload string) ([]byte, error) {
	bits, err := modules(payload)
	if err != nil {
		return nil, err
	}
	n := len(bits)
	full := strconv.Itoa(n + 2*quietZone)
	// About 12 bytes per run, and a version 6 code has a few hundred runs.
	b := make([]byte, 0, 256+n*n*3)
	b = append(b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 `...)
	b = append(b, full...)
	b = append(b, ' ')
	b = append(b, full...)
	b = append(b, `" shape-rendering="crispEdges"><path fill="#fff" d="M0 0h`...)
	b = append(b, full...)
	b = append(b, 'v')
	b = append(b, full...)
	b = append(b, `H0z"/><path stroke="#000" d="`...)
	for y, row := range bits {
		// A run is drawn along the middle of its row: a 1-unit stroke then
		// covers exactly [y, y+1).
		penX := -1 // -1: no pen position in this row yet
		for x := 0; x < n; {
			if !row[x] {
				x++
				continue
			}
			start := x
			for x < n && row[x] {
				x++
			}
			if penX < 0 {
				b = append(b, 'M')
				b = strconv.AppendInt(b, int64(start+quietZone), 10)
				b = append(b, ' ')
				b = strconv.AppendInt(b, int64(y+quietZone), 10)
				b = append(b, ".5h"...)
			} else {
				b = append(b, 'm')
				b = strconv.AppendInt(b, int64(start-penX), 10)
				b = append(b, " 0h"...)
			}
			b = strconv.AppendInt(b, int64(x-start), 10)
			penX = x
		}
	}
	b = append(b, `"/></svg>`...)
	return b, nil
}

// PNG draws payload's QR code as a PNG image exactly size×size pixels,
// quiet zone included. Modules are whole pixels, so the code stays sharp
// and a camera sees no blurred edges. Any pixels left over after dividing
// size by the module count widen the quiet zone. size must leave at least
// one pixel per module (49 pixels for the login code) and at most 4096.
func PNG(payload string, size int) ([]byte, error) {
	q, err := encode(payload)
	if err != nil {
		return nil, err
	}
	n := q.Dimension()
	span := n + 2*quietZone
	if size < span || size > maxPNGSize {
		return nil, fmt.Errorf("qrlogin: PNG size %d out of range [%d, %d] for this code", size, span, maxPNGSize)
	}
	// The library takes the module width as a uint8.
	module := min(size/span, 255)
	extra := size - n*module - 2*quietZone*module
	lead := quietZone*module + extra/2
	trail := quietZone*module + extra - extra/2
	var buf bytes.Buffer
	w := standard.NewWithWriter(nopCloser{&buf},
		standard.WithBuiltinImageEncoder(standard.PNG_FORMAT),
		standard.WithQRWidth(uint8(module)),
		standard.WithBgColorRGBHex("#ffffff"),
		standard.WithFgColorRGBHex("#000000"),
		// top, right, bottom, left
		standard.WithBorderWidth(lead, trail, trail, lead))
	if err := q.Save(w); err != nil {
		return nil, fmt.Errorf("qrlogin: drawing PNG: %w", err)
	}
	return buf.Bytes(), nil
}

// nopCloser lets the library's writer, which wants to close what it writes
// to, write into memory.
type nopCloser struct{ io.Writer }

func (nopCloser) Close() error { return nil }
