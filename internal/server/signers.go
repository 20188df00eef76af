package server

import (
	"bytes"
	"context"
	"crypto"
	"fmt"
	"io"

	"github.com/llavero/llavero/internal/remotesign"
	"github.com/llavero/llavero/internal/signing"
	"github.com/llavero/llavero/internal/signing/cades"
	"github.com/llavero/llavero/internal/signing/pades"
)

// The signature formats remote signing produces. Both sign at level T
// with the platform's own timestamp authority, called in-process: a
// remote signature is made on the server, so proving its time costs no
// network round trip, and a relying party gets a signature whose time
// it need not take on trust.

// cadesDigest makes the CAdES detached signature over a relying party's
// digest.
type cadesDigest struct{ ts signing.Timestamper }

func (c cadesDigest) SignDetached(ctx context.Context, digest []byte, h crypto.Hash, cred signing.Credential) ([]byte, error) {
	return cades.SignDigest(ctx, digest, h, cred, cades.Options{Level: signing.LevelT, Timestamper: c.ts})
}

// padesPDF signs an uploaded PDF inside itself.
type padesPDF struct{ ts signing.Timestamper }

func (p padesPDF) SignPDF(ctx context.Context, in io.ReadSeeker, out io.Writer, cred signing.Credential, opt remotesign.PDFOptions) error {
	ra, ok := in.(io.ReaderAt)
	size, err := in.Seek(0, io.SeekEnd)
	if err != nil {
		return fmt.Errorf("remote PDF: %w", err)
	}
	if !ok {
		// Uploads are bounded (--sign-pdf-max-mb), so reading one into
		// memory is bounded too.
		if _, err := in.Seek(0, io.SeekStart); err != nil {
			return fmt.Errorf("remote PDF: %w", err)
		}
		b, err := io.ReadAll(in)
		if err != nil {
			return fmt.Errorf("remote PDF: %w", err)
		}
		ra, size = bytes.NewReader(b), int64(len(b))
	}
	return pades.Sign(ctx, ra, size, out, cred, pades.Options{
		Level: signing.LevelT, Timestamper: p.ts,
		Name: opt.Name, Reason: opt.Reason, Location: opt.Location, SigningTime: opt.Time,
		Visible: &pades.Visible{},
	})
}
