package remotesign_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/x509"
	"encoding/asn1"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/digitorus/pdf"
	"github.com/digitorus/pdfsign/sign"
	"github.com/digitorus/pkcs7"
	"github.com/go-pdf/fpdf"

	"github.com/llavero/llavero/internal/remotesign"
	"github.com/llavero/llavero/internal/signing"
)

// The signers these tests give the service, in place of the CAdES and
// PAdES packages that production wires in: real signatures that openssl
// and poppler check.

// cmsSigner makes a detached CMS with digitorus/pkcs7. That library
// hashes the content itself and cannot be handed a digest, so the test
// registers each document before asking for its signature, and the
// signer refuses a digest that is not exactly the registered document's:
// what it signs is what the service passed, byte for byte.
type cmsSigner struct {
	mu   sync.Mutex
	docs map[string][]byte // by hex digest
}

func newCMSSigner() *cmsSigner { return &cmsSigner{docs: map[string][]byte{}} }

func (s *cmsSigner) register(h crypto.Hash, doc []byte) []byte {
	d := h.New()
	d.Write(doc)
	sum := d.Sum(nil)
	s.mu.Lock()
	s.docs[hex.EncodeToString(sum)] = doc
	s.mu.Unlock()
	return sum
}

var digestOIDs = map[crypto.Hash]asn1.ObjectIdentifier{
	crypto.SHA256: pkcs7.OIDDigestAlgorithmSHA256, crypto.SHA384: pkcs7.OIDDigestAlgorithmSHA384, crypto.SHA512: pkcs7.OIDDigestAlgorithmSHA512,
}

func (s *cmsSigner) SignDetached(ctx context.Context, digest []byte, h crypto.Hash, cred signing.Credential) ([]byte, error) {
	s.mu.Lock()
	doc, ok := s.docs[hex.EncodeToString(digest)]
	s.mu.Unlock()
	if !ok {
		return nil, errors.New("cmsSigner: no document registered with this digest")
	}
	d := h.New()
	d.Write(doc)
	if !bytes.Equal(d.Sum(nil), digest) {
		return nil, fmt.Errorf("cmsSigner: digest is not %v of the document", h)
	}
	sd, err := pkcs7.NewSignedData(doc)
	if err != nil {
		return nil, err
	}
	sd.SetDigestAlgorithm(digestOIDs[h])
	if err := sd.AddSignerChain(cred.Certificate, cred.Signer, cred.Chain, pkcs7.SignerInfoConfig{}); err != nil {
		return nil, err
	}
	sd.Detach()
	return sd.Finish()
}

// failingSigner fails every signature.
type failingSigner struct{}

func (failingSigner) SignDetached(context.Context, []byte, crypto.Hash, signing.Credential) ([]byte, error) {
	return nil, errors.New("the signer is down")
}

// pdfSigner signs with digitorus/pdfsign.
type pdfSigner struct{}

func (pdfSigner) SignPDF(ctx context.Context, in io.ReadSeeker, out io.Writer, cred signing.Credential, opt remotesign.PDFOptions) error {
	data, err := io.ReadAll(in)
	if err != nil {
		return err
	}
	rd := bytes.NewReader(data)
	r, err := pdf.NewReader(rd, int64(len(data)))
	if err != nil {
		return err
	}
	return sign.Sign(rd, out, r, int64(len(data)), sign.SignData{
		Signature: sign.SignDataSignature{
			Info:     sign.SignDataSignatureInfo{Name: opt.Name, Reason: opt.Reason, Location: opt.Location, Date: opt.Time},
			CertType: sign.ApprovalSignature,
		},
		Signer:            cred.Signer,
		DigestAlgorithm:   crypto.SHA256,
		Certificate:       cred.Certificate,
		CertificateChains: [][]*x509.Certificate{append([]*x509.Certificate{cred.Certificate}, cred.Chain...)},
	})
}

// samplePDF is a one-page PDF.
func samplePDF(text string) []byte {
	f := fpdf.New("P", "mm", "A4", "")
	f.AddPage()
	f.SetFont("Helvetica", "", 14)
	f.Cell(40, 10, text)
	var b bytes.Buffer
	if err := f.Output(&b); err != nil {
		panic(err)
	}
	return b.Bytes()
}
