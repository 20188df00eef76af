package cades

import (
	"bytes"
	"context"
	"crypto"
	"fmt"
	"hash"
	"io"

	"github.com/llavero/llavero/internal/signing"
)

// CoSign adds a parallel signer to an existing CAdES signature: a second
// person signing the same document. content is the document for a
// detached signature and nil for an attached one (when given for an
// attached one, it must be the embedded document). The content must be
// what the earlier signers signed, or the answer is ErrContentMismatch.
// The earlier SignerInfos are kept byte for byte; opt.Detached is ignored.
func CoSign(ctx context.Context, existing []byte, content io.Reader, cred signing.Credential, opt Options) ([]byte, error) {
	opt, err := opt.withDefaults()
	if err != nil {
		return nil, err
	}
	if err := cred.Check(opt.SigningTime); err != nil {
		return nil, err
	}
	sd, signers, err := parse(existing)
	if err != nil {
		return nil, err
	}
	// One pass over the document gives every digest needed: ours and the
	// earlier signers', to check that this is their document.
	hashes := map[crypto.Hash]hash.Hash{opt.Hash: opt.Hash.New()}
	for _, s := range signers {
		if s.hash != 0 && hashes[s.hash] == nil {
			hashes[s.hash] = s.hash.New()
		}
	}
	if content != nil {
		content = ctxReader{ctx, content}
	}
	writers := make([]io.Writer, 0, len(hashes))
	for _, h := range hashes {
		writers = append(writers, h)
	}
	switch {
	case sd.hasContent && content != nil:
		given := opt.Hash.New()
		if _, err := io.Copy(given, content); err != nil {
			return nil, fmt.Errorf("cades: reading the content: %w", err)
		}
		embedded := opt.Hash.New()
		embedded.Write(sd.content)
		if !bytes.Equal(given.Sum(nil), embedded.Sum(nil)) {
			return nil, ErrContentMismatch
		}
		io.MultiWriter(writers...).Write(sd.content)
	case sd.hasContent:
		io.MultiWriter(writers...).Write(sd.content)
	case content == nil:
		return nil, ErrNeedContent
	default:
		if _, err := io.Copy(io.MultiWriter(writers...), content); err != nil {
			return nil, fmt.Errorf("cades: reading the content: %w", err)
		}
	}
	sums := map[crypto.Hash][]byte{}
	for alg, h := range hashes {
		sums[alg] = h.Sum(nil)
	}
	for _, s := range signers {
		if s.hash != 0 && s.messageDigest != nil && !bytes.Equal(s.messageDigest, sums[s.hash]) {
			return nil, ErrContentMismatch
		}
	}
	si, err := newSignerInfo(ctx, cred, opt, sd.contentType, sums[opt.Hash])
	if err != nil {
		return nil, err
	}
	sd.addDigestAlg(opt.Hash)
	sd.certs = certSet(sd.certs, cred)
	sd.signerInfos = append(sd.signerInfos, si)
	return sd.marshal()
}

// CounterSign countersigns the signer at signerIndex (0 is the first) of
// an existing CAdES signature: the new signature covers that signer's
// signature value and goes in its countersignature unsigned attribute
// (RFC 5652 11.4), which changes nothing that signer signed. At level T
// the countersignature gets its own timestamp.
func CounterSign(ctx context.Context, existing []byte, signerIndex int, cred signing.Credential, opt Options) ([]byte, error) {
	opt, err := opt.withDefaults()
	if err != nil {
		return nil, err
	}
	if err := cred.Check(opt.SigningTime); err != nil {
		return nil, err
	}
	sd, signers, err := parse(existing)
	if err != nil {
		return nil, err
	}
	if signerIndex < 0 || signerIndex >= len(signers) {
		return nil, ErrNoSuchSigner.Wrap(fmt.Errorf("signer %d of %d", signerIndex, len(signers)))
	}
	target := &signers[signerIndex]
	h := opt.Hash.New()
	h.Write(target.signature)
	cs, err := newSignerInfo(ctx, cred, opt, nil, h.Sum(nil))
	if err != nil {
		return nil, err
	}
	added := false
	for i, a := range target.unsigned {
		// One countersignature attribute may hold many values: a second
		// countersigner joins the first one's attribute.
		if oid, values, _ := splitAttribute(a); oid.Equal(oidCounterSignature) {
			target.unsigned[i] = attribute(oidCounterSignature, append(values, cs)...)
			added = true
			break
		}
	}
	if !added {
		target.unsigned = append(target.unsigned, attribute(oidCounterSignature, cs))
	}
	sd.signerInfos[signerIndex] = target.marshal()
	sd.addDigestAlg(opt.Hash)
	sd.certs = certSet(sd.certs, cred)
	return sd.marshal()
}
