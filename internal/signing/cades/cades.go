// Package cades makes CAdES signatures (ETSI EN 319 122-1): CMS SignedData
// (RFC 5652) with the baseline attributes, at level B-B or, with a
// timestamp over the signature value, B-T. It also adds a parallel signer
// to an existing signature (co-signature) and countersigns one signer
// (countersignature), leaving every earlier byte that is signed untouched.
//
// The CMS is encoded here with cryptobyte rather than with
// github.com/digitorus/pkcs7, which the tests use as an independent
// reader: that library hashes content it holds in memory (no streaming, no
// signing a digest alone), stamps signing-time with its own clock, cannot
// add a signer to a parsed SignedData nor a countersignature, and re-encodes
// what it parses, which could change bytes earlier signers signed.
package cades

import (
	"bytes"
	"context"
	"crypto"
	"errors"
	"fmt"
	"io"
	"time"

	tspkg "github.com/digitorus/timestamp"

	"github.com/llavero/llavero/internal/i18n"
	"github.com/llavero/llavero/internal/signing"
)

// Options says how to sign. The zero value makes an attached CAdES-B-B
// signature with SHA-256, signed now.
type Options struct {
	// Detached leaves the content out of the signature (a .csig beside
	// the document); the default embeds it.
	Detached bool
	// Level is signing.LevelB (the default when empty) or signing.LevelT.
	Level signing.Level
	// Timestamper gives the signature timestamp at level T.
	Timestamper signing.Timestamper
	// SigningTime is the time the signer claims (default: now).
	SigningTime time.Time
	// Hash digests the content and the signed attributes: SHA-256 (the
	// default), SHA-384 or SHA-512.
	Hash crypto.Hash
	// OmitSigningTime leaves the signing-time attribute out, as PAdES
	// requires (ETSI EN 319 142-1 5.1.3: the time is the PDF's /M).
	// SigningTime is then only the moment the credential is checked at.
	OmitSigningTime bool
}

// The errors a person can meet when signing.
var (
	ErrHash = i18n.New("cades.hash",
		i18n.T("Algoritmo de resumen no admitido para firmar.", "Digest algorithm not accepted for signing."),
		i18n.T("Usa SHA-256, SHA-384 o SHA-512: los algoritmos más débiles ya no dan firmas válidas.",
			"Use SHA-256, SHA-384 or SHA-512: weaker algorithms no longer make valid signatures."))
	ErrNoTimestamper = i18n.New("cades.no_tsa",
		i18n.T("Para firmar en nivel T hace falta un servicio de sellado de tiempo.", "Signing at level T needs a timestamp service."),
		i18n.T("Indica la dirección del servicio con --tsa, o firma en nivel B.", "Give the service's address with --tsa, or sign at level B."))
	ErrNotCAdES = i18n.New("cades.not_cades",
		i18n.T("El archivo no es una firma CAdES que se pueda leer.", "The file is not a readable CAdES signature."),
		i18n.T("Usa el archivo de firma (.csig o .p7s) tal como se guardó; si lo creó otro programa, pídele que lo guarde en formato DER.",
			"Use the signature file (.csig or .p7s) as it was saved; if another program made it, ask it to save it in DER form."))
	ErrContentMismatch = i18n.New("cades.content_mismatch",
		i18n.T("El documento no es el que firmaron los firmantes anteriores.", "The document is not the one the earlier signers signed."),
		i18n.T("Comprueba que eliges el mismo archivo, sin cambios, que se firmó con esa firma.",
			"Check that you chose the same file, unchanged, that was signed with that signature."))
	ErrNeedContent = i18n.New("cades.need_content",
		i18n.T("Esta firma no contiene el documento: hace falta el archivo firmado.", "This signature does not hold the document: the signed file is needed."),
		i18n.T("Indica también el documento que se firmó, además del archivo de firma.",
			"Also give the document that was signed, as well as the signature file."))
	ErrNoSuchSigner = i18n.New("cades.no_such_signer",
		i18n.T("La firma no tiene el firmante indicado.", "The signature has no such signer."),
		i18n.T("Indica el número de uno de los firmantes que tiene la firma (el primero es el 1).",
			"Give the number of one of the signature's signers (the first is 1)."))
)

// hashOK reports whether h is one llavero signs with.
func hashOK(h crypto.Hash) bool {
	return h == crypto.SHA256 || h == crypto.SHA384 || h == crypto.SHA512
}

func (o Options) withDefaults() (Options, error) {
	if o.Hash == 0 {
		o.Hash = signing.Hash
	}
	if !hashOK(o.Hash) {
		return o, ErrHash
	}
	if o.SigningTime.IsZero() {
		o.SigningTime = time.Now()
	}
	switch o.Level {
	case "":
		o.Level = signing.LevelB
	case signing.LevelB:
	case signing.LevelT:
		if o.Timestamper == nil {
			return o, ErrNoTimestamper
		}
	default:
		return o, signing.ErrUnknownLevel
	}
	return o, nil
}

// Sign signs content with cred and returns a DER ContentInfo of SignedData.
// The content is hashed as it is read; a detached signature never holds it
// in memory, an attached one holds it once to embed it.
func Sign(ctx context.Context, content io.Reader, cred signing.Credential, opt Options) ([]byte, error) {
	opt, err := opt.withDefaults()
	if err != nil {
		return nil, err
	}
	if err := cred.Check(opt.SigningTime); err != nil {
		return nil, err
	}
	h := opt.Hash.New()
	content = ctxReader{ctx, content}
	var embedded []byte
	if opt.Detached {
		if _, err := io.Copy(h, content); err != nil {
			return nil, fmt.Errorf("cades: reading the content: %w", err)
		}
	} else {
		if embedded, err = readHashing(content, h); err != nil {
			return nil, err
		}
	}
	return sign(ctx, h.Sum(nil), embedded, !opt.Detached, cred, opt)
}

// ctxReader stops reading a long document when ctx ends.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(b []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(b)
}

// readHashing reads all of r, hashing it on the way.
func readHashing(r io.Reader, h io.Writer) ([]byte, error) {
	b, err := io.ReadAll(io.TeeReader(r, h))
	if err != nil {
		return nil, fmt.Errorf("cades: reading the content: %w", err)
	}
	return b, nil
}

// SignDigest makes a detached signature over a digest the caller computed
// with h: the document itself never reaches the signer (remote signing,
// PAdES). opt.Detached and opt.Hash are ignored: the signature is detached
// and uses h.
func SignDigest(ctx context.Context, digest []byte, h crypto.Hash, cred signing.Credential, opt Options) ([]byte, error) {
	opt.Hash = h
	opt, err := opt.withDefaults()
	if err != nil {
		return nil, err
	}
	if len(digest) != h.Size() {
		return nil, fmt.Errorf("cades: a %v digest is %d bytes, got %d", h, h.Size(), len(digest))
	}
	if err := cred.Check(opt.SigningTime); err != nil {
		return nil, err
	}
	return sign(ctx, digest, nil, false, cred, opt)
}

func sign(ctx context.Context, digest, content []byte, attached bool, cred signing.Credential, opt Options) ([]byte, error) {
	si, err := newSignerInfo(ctx, cred, opt, oidData, digest)
	if err != nil {
		return nil, err
	}
	certs := certSet(nil, cred)
	sd := signedData{
		version:     []byte{1},
		digestAlgs:  [][]byte{algorithmID(opt.Hash)},
		contentType: oidData,
		certs:       certs,
		signerInfos: [][]byte{si},
	}
	if attached {
		sd.content = content
		sd.hasContent = true
	}
	return sd.marshal()
}

// timestamp asks opt.Timestamper for a token over a signature value and
// returns the signatureTimeStampToken attribute (ETSI EN 319 122-1 5.3).
func timestamp(ctx context.Context, sig []byte, opt Options) ([]byte, error) {
	h := opt.Hash.New()
	h.Write(sig)
	token, err := opt.Timestamper.Timestamp(ctx, h.Sum(nil), opt.Hash)
	if err != nil {
		if _, ok := i18n.As(err); ok {
			return nil, err
		}
		return nil, signing.ErrTSA.Wrap(err)
	}
	if !isOneElement(token) {
		return nil, signing.ErrTSA.Wrap(errors.New("the timestamp token is not one DER element"))
	}
	// A token over anything but this signature value would prove nothing:
	// refuse it here rather than produce a signature that fails later.
	parsed, err := tspkg.Parse(token)
	if err != nil {
		return nil, signing.ErrTSA.Wrap(fmt.Errorf("not a timestamp token: %w", err))
	}
	if parsed.HashAlgorithm != opt.Hash || !bytes.Equal(parsed.HashedMessage, h.Sum(nil)) {
		return nil, signing.ErrTSA.Wrap(errors.New("the token is for another digest"))
	}
	return attribute(oidSignatureTimeStamp, token), nil
}
