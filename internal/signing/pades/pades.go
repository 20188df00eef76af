// Package pades signs PDF documents as PAdES baseline signatures (ETSI EN
// 319 142-1): a CMS signature (SubFilter ETSI.CAdES.detached) over the
// whole file, appended as an incremental update so that earlier revisions,
// and the signatures they carry, stay byte for byte as they were.
//
// Level B carries signing-certificate-v2 in the CMS and the claimed time in
// the signature dictionary's /M (PAdES forbids the CMS signing-time
// attribute); level T adds a signature timestamp from a
// signing.Timestamper.
//
// The document is streamed: it is read twice (once to digest it, once to
// copy it to the output) and never held in memory, so a 100 MB PDF signs
// in a few megabytes. Only the appended part is built in memory.
//
// Why not github.com/digitorus/pdfsign's sign package, which does
// incremental updates: it copies the whole document into a memory buffer
// and again into the content to sign (twice in memory), writes SubFilter
// adbe.pkcs7.detached, its CMS always carries a signing-time attribute
// and an ESSCertIDv2 without issuerSerial, and it asks a timestamp
// authority only by URL, without a nonce. The parser it is built on,
// github.com/digitorus/pdf, reads through an io.ReaderAt without loading
// the file, and is what this package uses.
package pades

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/llavero/llavero/internal/i18n"
	"github.com/llavero/llavero/internal/signing"
)

// Options say how to sign.
type Options struct {
	// Level is signing.LevelB (the default) or signing.LevelT.
	Level signing.Level
	// Timestamper gives the signature timestamp at level T.
	Timestamper signing.Timestamper
	// Reason, Location and ContactInfo go in the signature dictionary,
	// where PDF viewers show them; all optional.
	Reason, Location, ContactInfo string
	// Name is the signer's name in the signature dictionary; empty takes
	// the certificate's name.
	Name string
	// Visible, when not nil, draws the signature on a page; nil makes an
	// invisible signature.
	Visible *Visible
	// SigningTime is the claimed time of signing (/M); zero means now.
	SigningTime time.Time
}

// Visible places a signature box on a page. The box says "Firmado por /
// Signed by", the signer's name and identifier from the certificate, and
// the signing time.
type Visible struct {
	// Page is the page number, 1 for the first; 0 means the last page,
	// where signatures usually go.
	Page int
	// Rect is the box in PDF points from the page's lower-left corner:
	// lower-left x, lower-left y, upper-right x, upper-right y. The zero
	// value puts a 240 x 60 point box in the lower-left margin.
	Rect [4]float64
}

// The errors a person can meet signing a PDF.
var (
	ErrNotPDF = i18n.New("pades.not_pdf",
		i18n.T("El archivo no es un documento PDF.", "The file is not a PDF document."),
		i18n.T("Elige el PDF que quieres firmar. Si el documento está en otro formato (Word, una imagen), guárdalo antes como PDF desde el programa con el que lo abres.",
			"Choose the PDF you want to sign. If the document is in another format (Word, an image), save it as PDF first from the program you open it with."))
	ErrEncrypted = i18n.New("pades.encrypted",
		i18n.T("El PDF está cifrado o protegido con contraseña y no se puede firmar.", "The PDF is encrypted or password-protected and cannot be signed."),
		i18n.T("Pide al remitente una copia sin protección, o ábrelo con su contraseña y guárdalo (o imprímelo) como un PDF nuevo; firma esa copia.",
			"Ask the sender for an unprotected copy, or open it with its password and save (or print) it as a new PDF; sign that copy."))
	ErrDamaged = i18n.New("pades.damaged",
		i18n.T("El PDF está dañado: su índice interno no se puede leer.", "The PDF is damaged: its internal index cannot be read."),
		i18n.T("Ábrelo en tu visor de PDF y guárdalo (o imprímelo) como un PDF nuevo, lo que reconstruye el índice; después firma esa copia. Si no se abre, pide el documento de nuevo.",
			"Open it in your PDF viewer and save (or print) it as a new PDF, which rebuilds the index; then sign that copy. If it does not open, ask for the document again."))
	ErrCertified = i18n.New("pades.certified_no_changes",
		i18n.T("El autor del PDF lo certificó sin permitir cambios: una firma más invalidaría su certificación.", "The PDF's author certified it allowing no changes: another signature would invalidate that certification."),
		i18n.T("Firma el documento en un archivo aparte (firma CAdES separada) o pide al autor una versión que permita firmas.",
			"Sign the document in a separate file (detached CAdES signature) or ask the author for a version that allows signatures."))
	ErrPlacement = i18n.New("pades.placement",
		i18n.T("La firma visible no cabe donde se ha pedido: la página no existe o el recuadro se sale de ella.", "The visible signature does not fit where asked: the page does not exist or the box falls outside it."),
		i18n.T("Elige una página del documento y un recuadro dentro de ella, o firma sin firma visible.",
			"Choose a page of the document and a box inside it, or sign without a visible signature."))
	ErrNoTimestamper = i18n.New("pades.no_tsa",
		i18n.T("Para firmar con sello de tiempo (nivel T) hace falta un servicio de sellado de tiempo.", "Signing with a timestamp (level T) needs a timestamp service."),
		i18n.T("Indica la dirección del servicio de sellado (--tsa) o firma en nivel B, sin sello.",
			"Give the timestamp service address (--tsa) or sign at level B, without a timestamp."))
)

// Sign reads the PDF of size bytes from in and writes it to out with one
// more signature, appended as an incremental update: out begins with
// exactly the bytes of in. Nothing is written to out unless signing
// succeeds up to the final copy; if that copy fails (a full disk), out
// holds a partial file the caller must discard.
//
// Errors a person can meet are *i18n.Error: ErrNotPDF, ErrEncrypted,
// ErrDamaged, ErrCertified, ErrPlacement, ErrNoTimestamper, the
// credential's (signing.ErrCertExpired...) and signing.ErrTSA.
func Sign(ctx context.Context, in io.ReaderAt, size int64, out io.Writer, cred signing.Credential, opt Options) error {
	level, err := signing.ParseLevel(string(opt.Level))
	if err != nil {
		return err
	}
	if level == signing.LevelT && opt.Timestamper == nil {
		return ErrNoTimestamper
	}
	when := opt.SigningTime
	if when.IsZero() {
		when = time.Now()
	}
	if err := cred.Check(when); err != nil {
		return err
	}
	doc, err := open(in, size)
	if err != nil {
		return err
	}
	reserve := estimateCMS(cred, level)
	for attempt := 0; ; attempt++ {
		u, err := doc.buildUpdate(cred, opt, when, reserve)
		if err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		digest, err := u.digest(in, size)
		if err != nil {
			return err
		}
		cms, err := buildCMS(ctx, cred, digest, level, opt.Timestamper, when)
		if err != nil {
			return err
		}
		if len(cms) > reserve {
			// The estimate was short (a timestamp token larger than
			// usual): the placeholder's size is inside the signed bytes,
			// so the update is built and signed again, with room to spare.
			if attempt > 0 {
				return fmt.Errorf("pades: signature of %d bytes exceeds the %d reserved twice", len(cms), reserve)
			}
			reserve = len(cms) + 1024
			continue
		}
		u.fillContents(cms)
		if err := ctx.Err(); err != nil {
			return err
		}
		if _, err := io.Copy(out, io.NewSectionReader(in, 0, size)); err != nil {
			return err
		}
		_, err = out.Write(u.buf)
		return err
	}
}

// estimateCMS is the room reserved for the CMS signature: the certificates
// it carries, the signed attributes and signature value (a 4096-bit RSA
// signature is 512 bytes), and at level T a timestamp token with its
// authority's certificates.
func estimateCMS(cred signing.Credential, level signing.Level) int {
	n := 2048 + len(cred.Certificate.Raw)
	for _, c := range cred.Chain {
		n += len(c.Raw)
	}
	if level == signing.LevelT {
		n += 8192
	}
	return n
}
