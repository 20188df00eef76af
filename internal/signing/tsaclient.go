package signing

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"time"

	"github.com/digitorus/timestamp"

	"github.com/llavero/llavero/internal/i18n"
)

// Timestamper obtains an RFC 3161 timestamp token over a digest.
type Timestamper interface {
	// Timestamp returns the DER TimeStampToken (a CMS ContentInfo of
	// SignedData over a TSTInfo) whose message imprint is digest under h.
	Timestamp(ctx context.Context, digest []byte, h crypto.Hash) ([]byte, error)
}

// ErrTSA: the timestamp authority could not be reached or refused.
var ErrTSA = i18n.New("signing.tsa",
	i18n.T("No se ha podido obtener el sello de tiempo.", "The timestamp could not be obtained."),
	i18n.T("Comprueba la dirección del servicio de sellado (--tsa) y tu conexión, y vuelve a intentarlo; o firma en nivel B, sin sello.",
		"Check the timestamp service address (--tsa) and your connection, and try again; or sign at level B, without a timestamp."))

// TSAClient asks a timestamp authority over HTTP (RFC 3161 section 3.4).
type TSAClient struct {
	URL  string
	HTTP *http.Client // nil: a client with a 30 s timeout
}

// maxTSAResponse bounds what is read from the authority: a token with its
// certificate chain is a few kilobytes.
const maxTSAResponse = 1 << 20

// Timestamp implements Timestamper. It sends a nonce and asks for the
// authority's certificate, and checks that the answer is a granted token
// for this digest and this nonce, correctly signed.
func (c *TSAClient) Timestamp(ctx context.Context, digest []byte, h crypto.Hash) ([]byte, error) {
	nonce, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 64))
	if err != nil {
		return nil, err
	}
	req := timestamp.Request{HashAlgorithm: h, HashedMessage: digest, Certificates: true, Nonce: nonce}
	body, err := req.Marshal()
	if err != nil {
		return nil, fmt.Errorf("signing: timestamp request: %w", err)
	}
	hreq, err := http.NewRequestWithContext(ctx, http.MethodPost, c.URL, bytes.NewReader(body))
	if err != nil {
		return nil, ErrTSA.Wrap(err)
	}
	hreq.Header.Set("Content-Type", "application/timestamp-query")
	hc := c.HTTP
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	resp, err := hc.Do(hreq)
	if err != nil {
		return nil, ErrTSA.Wrap(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxTSAResponse))
	if err != nil {
		return nil, ErrTSA.Wrap(err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, ErrTSA.Wrap(fmt.Errorf("%s answered %s", c.URL, resp.Status))
	}
	ts, err := timestamp.ParseResponse(raw)
	if err != nil {
		return nil, ErrTSA.Wrap(err)
	}
	switch {
	case ts.HashAlgorithm != h || !bytes.Equal(ts.HashedMessage, digest):
		return nil, ErrTSA.Wrap(errors.New("the token is for another digest"))
	case ts.Nonce == nil || ts.Nonce.Cmp(nonce) != 0:
		return nil, ErrTSA.Wrap(errors.New("the token does not carry our nonce"))
	case len(ts.Certificates) == 0:
		return nil, ErrTSA.Wrap(errors.New("the token carries no certificate"))
	}
	return ts.RawToken, nil
}
