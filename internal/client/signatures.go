package client

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"

	"github.com/llavero/llavero/internal/signing/validate"
)

// ValidateSignature posts a signed file (and the document of a detached
// signature, or nil) to POST /api/v1/signatures/validate and returns the
// server's report.
func (c *Client) ValidateSignature(ctx context.Context, signature, content []byte) (*validate.Report, error) {
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for _, f := range []struct {
		name string
		data []byte
	}{{"signature", signature}, {"content", content}} {
		if f.data == nil {
			continue
		}
		w, err := mw.CreateFormFile(f.name, f.name)
		if err != nil {
			return nil, err
		}
		if _, err := w.Write(f.data); err != nil {
			return nil, err
		}
	}
	if err := mw.Close(); err != nil {
		return nil, err
	}
	const path = "/api/v1/signatures/validate"
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.server+path, &body)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Accept-Language", string(c.lang))
	hc := *c.http
	hc.Timeout = 0 // a large PDF may take longer than the usual calls; ctx bounds it
	resp, err := hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("cannot reach %s: %w (check --server and your connection)", c.server, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		ae := &APIError{Status: resp.StatusCode}
		var e struct {
			Code, Message, Next string
			RequestID           string `json:"request_id"`
		}
		if json.Unmarshal(data, &e) == nil && e.Code != "" {
			ae.Code, ae.Message, ae.Next, ae.RequestID = e.Code, e.Message, e.Next, e.RequestID
		} else {
			ae.Code, ae.Message = "http", fmt.Sprintf("POST %s answered %s", path, resp.Status)
		}
		return nil, ae
	}
	var rep validate.Report
	if err := json.Unmarshal(data, &rep); err != nil {
		return nil, fmt.Errorf("POST %s: unexpected answer: %w", path, err)
	}
	return &rep, nil
}
