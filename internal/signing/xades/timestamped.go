package xades

import "bytes"

// TimestampedData returns the bytes a level-T signature's timestamp covers:
// the ds:SignatureValue element in the canonical form the
// SignatureTimeStamp names. The validator hashes them to judge the token
// as it judges a CAdES one (signing/validate's CheckTimestamp). Nil when
// the signature has no timestamp.
func (s *SignatureInfo) TimestampedData() ([]byte, error) {
	if s.Timestamp == nil {
		return nil, nil
	}
	sts := descend(qualifyingProperties(s.sig), xa("UnsignedProperties"), xa("UnsignedSignatureProperties"), xa("SignatureTimeStamp"))
	canon, err := canonicalizer(child(sts, NamespaceDS, "CanonicalizationMethod"))
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := canon(&buf, child(s.sig, NamespaceDS, "SignatureValue")); err != nil {
		return nil, malformed("SignatureValue: %v", err)
	}
	return buf.Bytes(), nil
}
