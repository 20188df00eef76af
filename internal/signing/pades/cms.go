package pades

import (
	"context"
	"crypto"
	"encoding/asn1"
	"time"

	"github.com/llavero/llavero/internal/signing"
	"github.com/llavero/llavero/internal/signing/cades"
)

// The CMS in /Contents is a CAdES detached signature over the digest of
// the byte ranges, made by signing/cades like every other llavero CMS,
// without the signing-time attribute: PAdES baseline forbids it (ETSI EN
// 319 142-1 5.1.3), the time is the signature dictionary's /M. The
// document itself never reaches the CMS encoder, only its digest, so it is
// never held in memory.

// Attribute OIDs the tests look for.
var (
	oidSigningCertificateV2    = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 47}
	oidSignatureTimeStampToken = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 14}
)

// buildCMS signs digest, the SHA-256 of the byte ranges, for cred and
// returns the DER ContentInfo to put in /Contents.
func buildCMS(ctx context.Context, cred signing.Credential, digest []byte, level signing.Level, ts signing.Timestamper, at time.Time) ([]byte, error) {
	return cades.SignDigest(ctx, digest, crypto.SHA256, cred, cades.Options{
		Level: level, Timestamper: ts, SigningTime: at, OmitSigningTime: true,
	})
}
