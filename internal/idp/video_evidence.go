package idp

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io"

	"github.com/llavero/llavero/internal/store"
)

// The evidence of a video identification: what each piece may be, how its
// type is told from its bytes and how it is read from an upload.

// photo and video are the two families of evidence, with their limits.
type evidenceFamily int

const (
	familyPhoto evidenceFamily = iota
	familyVideo
)

// EvidenceKinds lists the pieces a video identification needs, in the
// order the citizen is asked for them.
var EvidenceKinds = []string{store.EvidenceDocumentFront, store.EvidenceDocumentBack, store.EvidenceSelfieVideo}

func familyOf(kind string) (evidenceFamily, bool) {
	switch kind {
	case store.EvidenceDocumentFront, store.EvidenceDocumentBack:
		return familyPhoto, true
	case store.EvidenceSelfieVideo:
		return familyVideo, true
	}
	return 0, false
}

// sniffLen is how many leading bytes sniffEvidence needs.
const sniffLen = 12

// sniffEvidence names the content type of b by its magic bytes, within
// family: JPEG, PNG or WebP for photos, WebM or MP4 for video. What a
// browser claims (the part's Content-Type, the file name) is ignored: it
// is the citizen's device talking, and an operator's browser will render
// what is stored.
func sniffEvidence(f evidenceFamily, b []byte) (string, bool) {
	switch f {
	case familyPhoto:
		switch {
		case bytes.HasPrefix(b, []byte{0xFF, 0xD8, 0xFF}):
			return "image/jpeg", true
		case bytes.HasPrefix(b, []byte{0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'}):
			return "image/png", true
		case len(b) >= 12 && string(b[:4]) == "RIFF" && string(b[8:12]) == "WEBP":
			return "image/webp", true
		}
	case familyVideo:
		switch {
		// EBML header; MediaRecorder's WebM (Chrome, Firefox).
		case bytes.HasPrefix(b, []byte{0x1A, 0x45, 0xDF, 0xA3}):
			return "video/webm", true
		// ISO base media: a box size, then "ftyp" (Safari's MediaRecorder
		// and phone cameras).
		case len(b) >= 8 && string(b[4:8]) == "ftyp":
			return "video/mp4", true
		}
	}
	return "", false
}

// readEvidence reads r whole, up to limit bytes, into one buffer, hashing
// as it goes. sizeHint (the request's length, when known) sizes the buffer
// at once, so a 30 MB upload is not copied from buffer to growing buffer;
// without one it grows by doubling. A full buffer grows only once a probe
// read shows there is more, so an exact hint is never doubled for the EOF.
// too is true when r holds more than limit bytes: reading stops there.
func readEvidence(r io.Reader, limit, sizeHint int64) (data []byte, sum string, too bool, err error) {
	capacity := int64(64 << 10)
	if sizeHint > 0 {
		capacity = sizeHint
	}
	buf := make([]byte, 0, min(capacity, limit+1))
	h := sha256.New()
	var probe [512]byte
	for {
		var n int
		var rerr error
		if len(buf) < cap(buf) {
			n, rerr = r.Read(buf[len(buf):cap(buf)])
			h.Write(buf[len(buf) : len(buf)+n])
			buf = buf[:len(buf)+n]
		} else {
			n, rerr = r.Read(probe[:])
			if n > 0 {
				grown := make([]byte, len(buf), min(max(2*int64(cap(buf)), int64(len(buf)+n)), limit+1))
				copy(grown, buf)
				buf = append(grown, probe[:n]...)
				h.Write(probe[:n])
			}
		}
		if int64(len(buf)) > limit {
			return nil, "", true, nil
		}
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			return nil, "", false, rerr
		}
	}
	return buf, hex.EncodeToString(h.Sum(nil)), false, nil
}
