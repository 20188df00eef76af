// Package ca is llavero's certificate authority: it signs certificates,
// CRLs and OCSP responses, and nothing else. It knows nothing of people,
// offices or the database; the registration authority (package ra) decides
// who gets what and hands the CA exactly what to sign.
//
// # Hierarchy
//
// Two tiers, made by Open on first start and loaded afterwards:
//
//   - the root CA (ECDSA P-384 by default), self-signed, 20 years, path
//     length 1, key "root". It signs only the issuing CA's certificate and
//     its own CRL (SignRootCRL), so its key can be kept offline-style.
//   - the issuing CA for citizens (ECDSA P-256 by default), 10 years, path
//     length 0, key "issuing-citizens", signed by the root, pointing to the
//     root's CRL and certificate. It signs end-entity certificates, the
//     citizens' CRL (SignCRL) and OCSP responses (SignOCSP) itself.
//
// The certificates are PEM files in Options.Dir (root.crt, issuing.crt);
// the keys are in a KeyStore: a FileKeyStore (encrypted files, for
// development) or a PKCS#11 token (package ca/pkcs11, for production). A
// partial hierarchy is an error, never a reason to make a new one.
//
// # Profiles
//
//   - IssuePerson: a citizen, ETSI EN 319 412-2 natural person, 4 years,
//     clientAuth + emailProtection, policy Options.PolicyOID.
//   - IssueOperator: a registration-office operator, 2 years, clientAuth,
//     policy PolicyOID.2.
//   - IssueTLSServer: the certificate-login origin, 1 year, serverAuth,
//     policy PolicyOID.3.
//
// All carry a random 128-bit serial, subject and authority key identifiers,
// the CRL distribution point and the OCSP and CA-issuers URLs under
// Options.BaseURL (see the Path constants).
//
// # Why the CA checks again
//
// The RA has checked everything before calling, and the CA still refuses
// (with an error wrapping ErrRefused) a key that is not ECDSA P-256/P-384
// or RSA of at least 2048 bits with exponent 65537, the CA's own key, a
// validity outside the issuer's or far from the CA's clock, an empty or
// malformed name. A certificate cannot be taken back once signed, and the
// RA is the larger, faster-changing program: these last checks, in the one
// function every profile ends in, keep a bug there from becoming a
// misissued certificate. The same idea as Let's Encrypt's Boulder, whose
// CA re-checks what its RA sends.
package ca
