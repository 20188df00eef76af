package web

import (
	"bytes"
	"context"
	"crypto"
	"crypto/sha256"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/digitorus/timestamp"

	"github.com/llavero/llavero/internal/ca"
	"github.com/llavero/llavero/internal/ca/catest"
	"github.com/llavero/llavero/internal/signing"
	"github.com/llavero/llavero/internal/tsa"
)

func tsaServer(t *testing.T) (*httptest.Server, *ca.CA, *Server) {
	t.Helper()
	c := catest.New(t)
	a, err := tsa.Open(context.Background(), catest.NewMemKeyStore(), c, t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	s, _ := newTestServer(t, Config{})
	s.MountTSA(a)
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(ts.Close)
	return ts, c, s
}

// TestTSAClientThroughTheHandler is the platform's own client against the
// real route: request with a nonce, token checked.
func TestTSAClientThroughTheHandler(t *testing.T) {
	ts, c, s := tsaServer(t)
	digest := sha256.Sum256([]byte("una firma"))
	client := &signing.TSAClient{URL: ts.URL + PathTSA}
	token, err := client.Timestamp(context.Background(), digest[:], crypto.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := timestamp.Parse(token)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(tok.HashedMessage, digest[:]) || !tok.Policy.Equal(c.TimestampPolicy()) {
		t.Fatalf("token %+v", tok)
	}
	// SHA-1 is refused, and the client says so in both languages.
	short := make([]byte, 20)
	if _, err := client.Timestamp(context.Background(), short, crypto.SHA1); err == nil || !strings.Contains(err.Error(), "signing.tsa") {
		t.Fatalf("SHA-1: %v", err)
	}
	m := body(t, do(t, s.Handler(), "GET", "/metrics", nil))
	for _, want := range []string{`llavero_tsa_responses_total{outcome="granted"} 1`, `llavero_tsa_responses_total{outcome="bad_alg"} 1`, `route="POST /tsa"`} {
		if !strings.Contains(m, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

func TestTSAHTTPRefusals(t *testing.T) {
	ts, _, _ := tsaServer(t)
	digest := sha256.Sum256([]byte("x"))
	good, err := (&timestamp.Request{HashAlgorithm: crypto.SHA256, HashedMessage: digest[:]}).Marshal()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, method, ctype string
		body                []byte
		status              int
		outcome             timestamp.FailureInfo
	}{
		{"form post", "POST", "application/x-www-form-urlencoded", good, http.StatusUnsupportedMediaType, -1},
		{"GET", "GET", "", nil, http.StatusMethodNotAllowed, -1},
		{"oversized", "POST", "application/timestamp-query", bytes.Repeat([]byte{0x30}, tsa.MaxRequest+100), http.StatusOK, timestamp.BadRequest},
		{"garbage", "POST", "application/timestamp-query", []byte("hello"), http.StatusOK, timestamp.BadRequest},
		{"good", "POST", "application/timestamp-query", good, http.StatusOK, timestamp.UnknownFailureInfo},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(tc.method, ts.URL+PathTSA, bytes.NewReader(tc.body))
			if tc.ctype != "" {
				req.Header.Set("Content-Type", tc.ctype)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b := body(t, resp)
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d", resp.StatusCode, tc.status)
			}
			if tc.status != http.StatusOK {
				return
			}
			if ct := resp.Header.Get("Content-Type"); ct != "application/timestamp-reply" {
				t.Fatalf("content type %q", ct)
			}
			_, err = timestamp.ParseResponse([]byte(b))
			switch {
			case tc.outcome == timestamp.UnknownFailureInfo && err != nil:
				t.Fatalf("good request refused: %v", err)
			case tc.outcome != timestamp.UnknownFailureInfo && (err == nil || !strings.Contains(err.Error(), tc.outcome.String())):
				t.Fatalf("err %v, want %s", err, tc.outcome)
			}
		})
	}
}

// TestTSAWithOpenSSLAndCurl is the brief's pipeline: openssl makes the
// query, curl posts it, openssl prints and verifies the reply. (OpenSSL
// 3.0's ts -reply does not read "-in -" as standard input; /dev/stdin is
// the same pipe.)
func TestTSAWithOpenSSLAndCurl(t *testing.T) {
	for _, tool := range []string{"openssl", "curl"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed (apt-get install %s)", tool, tool)
		}
	}
	ts, c, _ := tsaServer(t)
	dir := t.TempDir()
	data := filepath.Join(dir, "doc.txt")
	if err := os.WriteFile(data, []byte("contrato"), 0o644); err != nil {
		t.Fatal(err)
	}
	root := catest.WritePEM(t, dir, "root.pem", c.Root())
	reply := filepath.Join(dir, "reply.tsr")
	pipeline := `openssl ts -query -data "$DATA" -sha256 -cert | ` +
		`curl -sS --fail -H 'Content-Type: application/timestamp-query' --data-binary @- "$URL" | ` +
		`tee "$REPLY" | openssl ts -reply -in /dev/stdin -text`
	cmd := exec.Command("sh", "-c", "set -e; "+pipeline)
	cmd.Env = append(os.Environ(), "DATA="+data, "URL="+ts.URL+PathTSA, "REPLY="+reply)
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "Status: Granted.") || !strings.Contains(string(out), c.TimestampPolicy().String()) {
		t.Fatalf("pipeline: %v\n%s", err, out)
	}
	verify := catest.OpenSSL(t, "ts", "-verify", "-data", data, "-in", reply, "-CAfile", root)
	if !strings.Contains(verify, "Verification: OK") {
		t.Fatalf("openssl ts -verify:\n%s", verify)
	}
}
