// Package tsa is llavero's timestamp authority (RFC 3161): it proves that a
// digest, usually of a signature value, existed at a time. Signatures at
// level T carry its tokens. Its key lives in the CA's key store under the
// label "tsa" and its certificate is issued by the platform's issuing CA
// with the TSA profile (ca.IssueTSA).
//
// Tokens are made by github.com/digitorus/timestamp; this package decides
// what to answer: which requests are refused, with which failure, and what
// goes in a granted token (time, accuracy, policy, nonce, certificates).
package tsa

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"time"

	"github.com/digitorus/timestamp"
	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// MaxRequest bounds a request's size. A request with a SHA-512 imprint, a
// policy and a 160-bit nonce is about 120 bytes; extensions, which this
// authority refuses anyway, would add some.
const MaxRequest = 4 << 10

// Accuracy is the accuracy every token states: genTime is the
// authority's clock to the second.
const Accuracy = time.Second

// Outcome names the answer to a request, for metrics and logs.
type Outcome string

// The outcomes: granted, or the PKIFailureInfo of the refusal.
const (
	Granted             Outcome = "granted"
	BadAlg              Outcome = "bad_alg"
	BadRequest          Outcome = "bad_request"
	BadDataFormat       Outcome = "bad_data_format"
	UnacceptedPolicy    Outcome = "unaccepted_policy"
	UnacceptedExtension Outcome = "unaccepted_extension"
	SystemFailure       Outcome = "system_failure"
)

var failureInfo = map[Outcome]timestamp.FailureInfo{
	BadAlg:              timestamp.BadAlgorithm,
	BadRequest:          timestamp.BadRequest,
	BadDataFormat:       timestamp.BadDataFormat,
	UnacceptedPolicy:    timestamp.UnacceptedPolicy,
	UnacceptedExtension: timestamp.UnacceptedExtension,
	SystemFailure:       timestamp.SystemFailure,
}

// Config is what an Authority signs with.
type Config struct {
	// Signer is the TSA's key; Certificate its certificate, which must
	// carry the timeStamping extended key usage.
	Signer      crypto.Signer
	Certificate *x509.Certificate
	// Chain is the issuing CA certificates, nearest first, included in
	// tokens so that a verifier needs only the root.
	Chain []*x509.Certificate
	// Policy is the TSA policy every token names.
	Policy asn1.ObjectIdentifier
	// Now is the authority's clock (default time.Now).
	Now func() time.Time
}

// Authority answers timestamp requests. It is safe for concurrent use.
type Authority struct {
	cfg     Config
	sigHash crypto.Hash
}

// New checks cfg and returns an Authority.
func New(cfg Config) (*Authority, error) {
	if cfg.Signer == nil || cfg.Certificate == nil || len(cfg.Policy) == 0 {
		return nil, errors.New("tsa: the key, the certificate and the policy are required")
	}
	if !equalKeys(cfg.Signer.Public(), cfg.Certificate.PublicKey) {
		return nil, errors.New("tsa: the key does not match the certificate")
	}
	if len(cfg.Certificate.ExtKeyUsage) != 1 || cfg.Certificate.ExtKeyUsage[0] != x509.ExtKeyUsageTimeStamping {
		return nil, errors.New("tsa: the certificate is not a timestamping certificate (extended key usage timeStamping only)")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	a := &Authority{cfg: cfg, sigHash: crypto.SHA256}
	if k, ok := cfg.Signer.Public().(*ecdsa.PublicKey); ok && k.Curve == elliptic.P384() {
		a.sigHash = crypto.SHA384
	}
	return a, nil
}

func equalKeys(a, b crypto.PublicKey) bool {
	k, ok := a.(interface{ Equal(crypto.PublicKey) bool })
	return ok && k.Equal(b)
}

// Certificate returns the TSA's certificate.
func (a *Authority) Certificate() *x509.Certificate { return a.cfg.Certificate }

// Policy returns the TSA policy tokens name.
func (a *Authority) Policy() asn1.ObjectIdentifier { return a.cfg.Policy }

// Respond answers a DER TimeStampReq with a DER TimeStampResp: a granted
// token, or a rejection with the PKIFailureInfo that says why. err is set
// only with SystemFailure, for the log; the response is still to be sent.
func (a *Authority) Respond(req []byte) (resp []byte, outcome Outcome, err error) {
	r, outcome := a.check(req)
	if outcome != Granted {
		return rejection(outcome), outcome, nil
	}
	resp, err = a.grant(r.HashAlgorithm, r.HashedMessage, r)
	if err != nil {
		return rejection(SystemFailure), SystemFailure, err
	}
	return resp, Granted, nil
}

// check decides whether a request can be granted. The hash algorithm is
// read before the library parses the request: the library refuses an
// unknown algorithm as a parse error, and the answer must then be badAlg,
// not badRequest.
func (a *Authority) check(der []byte) (*timestamp.Request, Outcome) {
	if len(der) > MaxRequest {
		return nil, BadRequest
	}
	s := cryptobyte.String(der)
	var req, imprint, alg cryptobyte.String
	var version int64
	var oid asn1.ObjectIdentifier
	var digest []byte
	if !s.ReadASN1(&req, cbasn1.SEQUENCE) || !s.Empty() ||
		!req.ReadASN1Integer(&version) ||
		!req.ReadASN1(&imprint, cbasn1.SEQUENCE) ||
		!imprint.ReadASN1(&alg, cbasn1.SEQUENCE) || !alg.ReadASN1ObjectIdentifier(&oid) ||
		!imprint.ReadASN1Bytes(&digest, cbasn1.OCTET_STRING) || !imprint.Empty() {
		return nil, BadRequest
	}
	if version != 1 {
		return nil, BadRequest
	}
	h := hashOf(oid)
	if h == 0 {
		return nil, BadAlg
	}
	if len(digest) != h.Size() {
		return nil, BadDataFormat
	}
	r, err := timestamp.ParseRequest(der)
	if err != nil {
		return nil, BadRequest
	}
	if r.TSAPolicyOID != nil && !r.TSAPolicyOID.Equal(a.cfg.Policy) {
		return nil, UnacceptedPolicy
	}
	if len(r.Extensions) > 0 {
		// No extension is supported; RFC 3161 2.4.2 says to refuse
		// rather than ignore one.
		return nil, UnacceptedExtension
	}
	if r.Nonce != nil && r.Nonce.Sign() < 0 {
		return nil, BadRequest
	}
	return r, Granted
}

// hashOf accepts SHA-256, SHA-384 and SHA-512 only: SHA-1 and the rest are
// too weak, or unknown, for a proof meant to last years.
func hashOf(oid asn1.ObjectIdentifier) crypto.Hash {
	switch {
	case oid.Equal(asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}):
		return crypto.SHA256
	case oid.Equal(asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 2}):
		return crypto.SHA384
	case oid.Equal(asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 3}):
		return crypto.SHA512
	}
	return 0
}

// grant makes a TimeStampResp with a token over digest. r is the request
// (nil when llavero asks itself): its nonce is echoed, and its certReq
// decides whether the certificates are included.
//
// The library draws each token's serial number: 160 random bits, more than
// the 128 llavero asks of serials, and within RFC 3161's 160-bit limit.
func (a *Authority) grant(h crypto.Hash, digest []byte, r *timestamp.Request) ([]byte, error) {
	ts := timestamp.Timestamp{
		HashAlgorithm: h,
		HashedMessage: digest,
		// RFC 3161 2.4.2: genTime in UTC ("Z"); the accuracy says the rest.
		Time:              a.cfg.Now().UTC().Truncate(time.Second),
		Accuracy:          Accuracy,
		Policy:            a.cfg.Policy,
		Certificates:      a.cfg.Chain,
		AddTSACertificate: true,
	}
	if r != nil {
		ts.Nonce = r.Nonce
		ts.AddTSACertificate = r.Certificates
	}
	resp, err := ts.CreateResponseWithOpts(a.cfg.Certificate, a.cfg.Signer, a.sigHash)
	if err != nil {
		return nil, fmt.Errorf("tsa: signing a token: %w", err)
	}
	return resp, nil
}

func rejection(o Outcome) []byte {
	// Cannot fail: it marshals a fixed structure.
	der, _ := timestamp.CreateErrorResponse(timestamp.Rejection, failureInfo[o])
	return der
}

// Timestamp implements signing.Timestamper in process: the platform's own
// signatures (remote signing, benchmarks, tests) need no HTTP round trip.
func (a *Authority) Timestamp(ctx context.Context, digest []byte, h crypto.Hash) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if h != crypto.SHA256 && h != crypto.SHA384 && h != crypto.SHA512 {
		return nil, fmt.Errorf("tsa: digest algorithm %v is not accepted", h)
	}
	if len(digest) != h.Size() {
		return nil, fmt.Errorf("tsa: a %v digest is %d bytes, got %d", h, h.Size(), len(digest))
	}
	resp, err := a.grant(h, bytes.Clone(digest), nil)
	if err != nil {
		return nil, err
	}
	return tokenOf(resp)
}

// tokenOf takes the TimeStampToken out of a granted TimeStampResp.
func tokenOf(resp []byte) ([]byte, error) {
	s := cryptobyte.String(resp)
	var body, status, token cryptobyte.String
	if !s.ReadASN1(&body, cbasn1.SEQUENCE) || !body.ReadASN1Element(&status, cbasn1.SEQUENCE) ||
		!body.ReadASN1Element(&token, cbasn1.SEQUENCE) || !body.Empty() {
		return nil, errors.New("tsa: malformed response")
	}
	return token, nil
}
