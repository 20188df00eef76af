package qrlogin

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"regexp"
	"strconv"
	"sync"
	"testing"

	"github.com/makiuchi-d/gozxing"
	gozxingqr "github.com/makiuchi-d/gozxing/qrcode"
)

// decode reads a QR code from an image with an independent decoder (gozxing,
// a port of ZXing) and returns its text and error-correction level.
func decode(t *testing.T, img image.Image) (text, ecLevel string) {
	t.Helper()
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		t.Fatal(err)
	}
	res, err := gozxingqr.NewQRCodeReader().Decode(bmp, nil)
	if err != nil {
		t.Fatalf("gozxing could not decode the code: %v", err)
	}
	ec, _ := res.GetResultMetadata()[gozxing.ResultMetadataType_ERROR_CORRECTION_LEVEL].(string)
	return res.GetText(), ec
}

func samplePayloads(t *testing.T) []string {
	c := fixedChallenge(t, 1)
	var ps []string
	for _, s := range []float64{0, 9, 10, 99, 100, 299} {
		ps = append(ps, c.Payload(at(c, secs(s))))
	}
	return ps
}

func TestPNGDecodesBack(t *testing.T) {
	for _, p := range samplePayloads(t) {
		for _, size := range []int{49, 98, 200, 256, 333} {
			t.Run(fmt.Sprintf("%s/%d", p[len(p)-40:len(p)-34], size), func(t *testing.T) {
				b, err := PNG(p, size)
				if err != nil {
					t.Fatal(err)
				}
				img, err := png.Decode(bytes.NewReader(b))
				if err != nil {
					t.Fatal(err)
				}
				if r := img.Bounds(); r.Dx() != size || r.Dy() != size {
					t.Fatalf("image is %v, want %d×%d", r, size, size)
				}
				// The quiet zone: at least four modules of light on every side.
				module := size / 49
				q := 4 * module
				for i := 0; i < size; i++ {
					for j := 0; j < q; j++ {
						for _, pt := range [][2]int{{i, j}, {j, i}, {i, size - 1 - j}, {size - 1 - j, i}} {
							if !isLight(img.At(pt[0], pt[1])) {
								t.Fatalf("quiet zone pixel %v is dark", pt)
							}
						}
					}
				}
				text, ec := decode(t, img)
				if text != p {
					t.Fatalf("decoded %q, want %q", text, p)
				}
				if ec != "M" {
					t.Errorf("error correction %q, want M", ec)
				}
			})
		}
	}
}

func TestPNGSize(t *testing.T) {
	p := samplePayloads(t)[0]
	for _, size := range []int{-1, 0, 48, 4097} {
		if _, err := PNG(p, size); err == nil {
			t.Errorf("PNG(size %d) succeeded", size)
		}
	}
	if _, err := PNG("", 200); err == nil {
		t.Error("PNG of an empty payload succeeded")
	}
	if _, err := SVG(""); err == nil {
		t.Error("SVG of an empty payload succeeded")
	}
}

func isLight(c color.Color) bool {
	r, g, b, _ := c.RGBA()
	return r > 0x8000 && g > 0x8000 && b > 0x8000
}

var (
	svgHead = regexp.MustCompile(`^<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 (\d+) (\d+)" shape-rendering="crispEdges"><path fill="#fff" d="M0 0h(\d+)v(\d+)H0z"/><path stroke="#000" d="([^"]*)"/></svg>$`)
	svgRun  = regexp.MustCompile(`^(?:M(\d+) (\d+)\.5|m(\d+) 0)h(\d+)`)
)

// svgModules reads back the module matrix, quiet zone included, from the
// path SVG writes. The parser is strict: anything it does not expect fails
// the test, so the SVG cannot drift from what this check understands.
func svgModules(t *testing.T, svg []byte) [][]bool {
	t.Helper()
	m := svgHead.FindSubmatch(svg)
	if m == nil {
		t.Fatalf("unexpected SVG layout: %.200s", svg)
	}
	n, _ := strconv.Atoi(string(m[1]))
	for _, other := range m[2:5] {
		if string(other) != string(m[1]) {
			t.Fatalf("viewBox and background disagree: %s", m[0][:120])
		}
	}
	bits := make([][]bool, n)
	for i := range bits {
		bits[i] = make([]bool, n)
	}
	d := m[5]
	x, y := 0, -1
	for len(d) > 0 {
		r := svgRun.FindSubmatch(d)
		if r == nil {
			t.Fatalf("unexpected path data at %.40s", d)
		}
		if r[1] != nil {
			x, _ = strconv.Atoi(string(r[1]))
			ny, _ := strconv.Atoi(string(r[2]))
			if ny <= y {
				t.Fatalf("rows out of order: %d after %d", ny, y)
			}
			y = ny
		} else {
			dx, _ := strconv.Atoi(string(r[3]))
			if dx < 1 || y < 0 {
				t.Fatalf("bad relative move %q", r[0])
			}
			x += dx
		}
		w, _ := strconv.Atoi(string(r[4]))
		if w < 1 || x+w > n {
			t.Fatalf("run %q leaves the symbol", r[0])
		}
		for i := x; i < x+w; i++ {
			bits[y][i] = true
		}
		x += w
		d = d[len(r[0]):]
	}
	return bits
}

// TestSVGMatchesTheLibraryImageAndDecodes compares the SVG module by module
// with the library's own PNG, and decodes a rasterised SVG with gozxing.
// That proves the hand-written SVG neither drops, shifts nor mirrors a
// module.
func TestSVGMatchesTheLibraryImageAndDecodes(t *testing.T) {
	for _, p := range samplePayloads(t) {
		svg, err := SVG(p)
		if err != nil {
			t.Fatal(err)
		}
		if err := wellFormed(svg); err != nil {
			t.Fatalf("SVG is not well-formed XML: %v", err)
		}
		if len(svg) > 4096 {
			t.Errorf("SVG is %d bytes; expected a few kilobytes at most", len(svg))
		}
		bits := svgModules(t, svg)
		n := len(bits)
		if n != 41+2*quietZone {
			t.Errorf("SVG spans %d modules, want a version 6 code (41) plus the quiet zone", n)
		}
		for i := 0; i < n; i++ {
			for j := 0; j < quietZone; j++ {
				if bits[j][i] || bits[i][j] || bits[n-1-j][i] || bits[i][n-1-j] {
					t.Fatalf("quiet zone module near (%d, %d) is dark", i, j)
				}
			}
		}

		const px = 5
		b, err := PNG(p, n*px)
		if err != nil {
			t.Fatal(err)
		}
		ref, err := png.Decode(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		for y := 0; y < n; y++ {
			for x := 0; x < n; x++ {
				if dark := !isLight(ref.At(x*px+px/2, y*px+px/2)); dark != bits[y][x] {
					t.Fatalf("module (%d, %d): SVG dark=%v, library PNG dark=%v", x, y, bits[y][x], dark)
				}
			}
		}

		img := image.NewGray(image.Rect(0, 0, n*px, n*px))
		for i := range img.Pix {
			img.Pix[i] = 0xff
		}
		for y := 0; y < n; y++ {
			for x := 0; x < n; x++ {
				if bits[y][x] {
					for dy := 0; dy < px; dy++ {
						for dx := 0; dx < px; dx++ {
							img.SetGray(x*px+dx, y*px+dy, color.Gray{})
						}
					}
				}
			}
		}
		if text, ec := decode(t, img); text != p || ec != "M" {
			t.Fatalf("SVG decodes to %q at %s, want %q at M", text, ec, p)
		}
	}
}

func wellFormed(b []byte) error {
	d := xml.NewDecoder(bytes.NewReader(b))
	for {
		if _, err := d.Token(); err == io.EOF {
			return nil
		} else if err != nil {
			return err
		}
	}
}

// TestRenderingConcurrently runs the library from many goroutines at once,
// as the IdP will (one waiting browser per goroutine). Run it with -race.
func TestRenderingConcurrently(t *testing.T) {
	ps := samplePayloads(t)
	want := map[string]string{}
	for _, p := range ps {
		svg, err := SVG(p)
		if err != nil {
			t.Fatal(err)
		}
		want[p] = string(svg)
	}
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 12; i++ {
				p := ps[(g+i)%len(ps)]
				svg, err := SVG(p)
				if err != nil || string(svg) != want[p] {
					t.Errorf("concurrent SVG differs or failed: %v", err)
					return
				}
			}
			// PNG is slow under the race detector; once per goroutine is
			// enough to share the drawing library between goroutines.
			if _, err := PNG(ps[g%len(ps)], 147); err != nil {
				t.Errorf("concurrent PNG: %v", err)
			}
		}()
	}
	wg.Wait()
}
