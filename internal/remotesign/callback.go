package remotesign

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/llavero/llavero/internal/store"
)

// Result is a request as its relying party reads it: the body of the
// callback and of GET /api/v1/signatures/requests/{id}.
type Result struct {
	ID           string     `json:"id"`
	State        string     `json:"state"`            // requested, approved, refused, expired, failed
	Reason       string     `json:"reason,omitempty"` // Reason* when refused, expired or failed
	Description  string     `json:"description"`
	DocumentName string     `json:"document_name"`
	HashAlg      string     `json:"hash_alg"`
	Digest       string     `json:"digest"` // base64
	CreatedAt    time.Time  `json:"created_at"`
	ExpiresAt    time.Time  `json:"expires_at"`
	DecidedAt    *time.Time `json:"decided_at,omitempty"`
	// Signature is the detached CMS (CAdES) signature, standard base64 of
	// its DER, when approved.
	Signature string `json:"signature,omitempty"`
	// Certificate is the signer's certificate, standard base64 DER.
	Certificate string `json:"certificate,omitempty"`
}

// ResultOf is r as its relying party reads it.
func ResultOf(r store.SignatureRequest) Result {
	out := Result{
		ID: r.ID, State: r.State, Reason: r.Reason, Description: r.Description, DocumentName: r.DocumentName,
		HashAlg: r.HashAlg, Digest: base64.StdEncoding.EncodeToString(r.Digest), CreatedAt: r.CreatedAt, ExpiresAt: r.ExpiresAt,
	}
	if !r.DecidedAt.IsZero() {
		t := r.DecidedAt
		out.DecidedAt = &t
	}
	if len(r.Signature) > 0 {
		out.Signature = base64.StdEncoding.EncodeToString(r.Signature)
	}
	if len(r.SignerCert) > 0 {
		out.Certificate = base64.StdEncoding.EncodeToString(r.SignerCert)
	}
	return out
}

// deliver posts a decided request to its relying party's callback in the
// background: up to CallbackTries times, each bounded by
// CallbackTimeout, backing off between them. A 2xx answer is delivery
// (recorded in DeliveredAt); anything else is tried again. The relying
// party can always poll instead, so a callback given up is logged, not
// fatal.
func (s *Service) deliver(r store.SignatureRequest) {
	if r.CallbackURI == "" || r.Kind != store.SignKindDigest {
		return
	}
	body, err := json.Marshal(ResultOf(r))
	if err != nil {
		s.log.Error("signature callback not encoded", "request", r.ID, "err", err)
		return
	}
	s.flights.Add(1)
	go func() {
		defer s.flights.Done()
		wait := s.cfg.CallbackBackoff
		for try := 1; ; try++ {
			err := s.post(r.CallbackURI, body)
			if err == nil {
				if _, err := s.st.UpdateSignatureRequest(s.base, r.ID, func(x *store.SignatureRequest) error {
					x.DeliveredAt = s.clock()
					return nil
				}); err != nil && s.base.Err() == nil {
					s.log.Warn("signature callback delivered but not recorded", "request", r.ID, "err", err)
				}
				return
			}
			if try >= s.cfg.CallbackTries {
				s.log.Warn("signature callback given up", "request", r.ID, "tries", try, "err", err)
				return
			}
			s.log.Info("signature callback failed; trying again", "request", r.ID, "try", try, "err", err)
			select {
			case <-s.base.Done():
				return
			case <-time.After(wait):
			}
			wait *= 2
		}
	}()
}

func (s *Service) post(uri string, body []byte) error {
	ctx, cancel := context.WithTimeout(s.base, s.cfg.CallbackTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, uri, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "llavero-remote-signing")
	resp, err := s.cfg.HTTPClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("callback answered %s", resp.Status)
	}
	return nil
}

// DigestHex shows a digest as people compare it: upper-case hex in groups
// of four, eight groups a line.
func DigestHex(d []byte) []string {
	h := hex.EncodeToString(d)
	var lines []string
	for len(h) > 0 {
		n := min(len(h), 32)
		line := ""
		for i := 0; i < n; i += 4 {
			if i > 0 {
				line += " "
			}
			line += h[i:min(i+4, n)]
		}
		lines = append(lines, toUpper(line))
		h = h[n:]
	}
	return lines
}

func toUpper(s string) string { return string(bytes.ToUpper([]byte(s))) }
