package tsa

import (
	"bytes"
	"context"
	"crypto"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509/pkix"
	"encoding/asn1"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/digitorus/timestamp"

	"github.com/llavero/llavero/internal/ca"
	"github.com/llavero/llavero/internal/ca/catest"
)

func open(t testing.TB) (*Authority, *ca.CA) {
	t.Helper()
	c := catest.New(t)
	a, err := Open(context.Background(), catest.NewMemKeyStore(), c, t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	return a, c
}

// rawRequest is a TimeStampReq written with encoding/asn1, so that tests
// can send what the library would refuse to write.
type rawRequest struct {
	Version        int
	MessageImprint struct {
		HashAlgorithm pkix.AlgorithmIdentifier
		HashedMessage []byte
	}
	ReqPolicy  asn1.ObjectIdentifier `asn1:"optional"`
	Nonce      *big.Int              `asn1:"optional"`
	CertReq    bool                  `asn1:"optional,default:false"`
	Extensions []pkix.Extension      `asn1:"tag:0,optional"`
}

func request(oid asn1.ObjectIdentifier, digest []byte, change func(*rawRequest)) []byte {
	r := rawRequest{Version: 1, Nonce: big.NewInt(0x1234567890), CertReq: true}
	r.MessageImprint.HashAlgorithm = pkix.AlgorithmIdentifier{Algorithm: oid, Parameters: asn1.NullRawValue}
	r.MessageImprint.HashedMessage = digest
	if change != nil {
		change(&r)
	}
	der, err := asn1.Marshal(r)
	if err != nil {
		panic(err)
	}
	return der
}

var (
	oidSHA1   = asn1.ObjectIdentifier{1, 3, 14, 3, 2, 26}
	oidMD5    = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 5}
	oidSHA256 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}
	oidSHA384 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 2}
	oidSHA512 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 3}
	oidSHA3   = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 8}
)

// statusOf reads a response's status and failure info with encoding/asn1.
func statusOf(t *testing.T, resp []byte) (int, asn1.BitString) {
	t.Helper()
	var r struct {
		Status struct {
			Status       int
			StatusString []asn1.RawValue `asn1:"optional"`
			FailInfo     asn1.BitString  `asn1:"optional"`
		}
		Token asn1.RawValue `asn1:"optional"`
	}
	if rest, err := asn1.Unmarshal(resp, &r); err != nil || len(rest) > 0 {
		t.Fatalf("response: %v", err)
	}
	return r.Status.Status, r.Status.FailInfo
}

func TestRespondRefusals(t *testing.T) {
	a, _ := open(t)
	d256 := sha256.Sum256([]byte("x"))
	d1 := sha1.Sum([]byte("x"))
	huge := request(oidSHA256, d256[:], func(r *rawRequest) {
		r.Extensions = []pkix.Extension{{Id: asn1.ObjectIdentifier{1, 2, 3}, Value: make([]byte, MaxRequest)}}
	})
	tests := []struct {
		name string
		req  []byte
		want Outcome
		bit  timestamp.FailureInfo
	}{
		{"SHA-1", request(oidSHA1, d1[:], nil), BadAlg, timestamp.BadAlgorithm},
		{"MD5", request(oidMD5, d256[:16], nil), BadAlg, timestamp.BadAlgorithm},
		{"SHA3-256 (unknown here)", request(oidSHA3, d256[:], nil), BadAlg, timestamp.BadAlgorithm},
		{"digest of the wrong size", request(oidSHA256, d256[:20], nil), BadDataFormat, timestamp.BadDataFormat},
		{"version 2", request(oidSHA256, d256[:], func(r *rawRequest) { r.Version = 2 }), BadRequest, timestamp.BadRequest},
		{"garbage", []byte("GET / HTTP/1.1\r\n"), BadRequest, timestamp.BadRequest},
		{"empty", nil, BadRequest, timestamp.BadRequest},
		{"trailing bytes", append(request(oidSHA256, d256[:], nil), 0), BadRequest, timestamp.BadRequest},
		{"too large", huge, BadRequest, timestamp.BadRequest},
		{"another policy", request(oidSHA256, d256[:], func(r *rawRequest) { r.ReqPolicy = asn1.ObjectIdentifier{1, 2, 3, 4} }), UnacceptedPolicy, timestamp.UnacceptedPolicy},
		{"an extension", request(oidSHA256, d256[:], func(r *rawRequest) {
			r.Extensions = []pkix.Extension{{Id: asn1.ObjectIdentifier{1, 2, 3}, Value: []byte{5, 0}}}
		}), UnacceptedExtension, timestamp.UnacceptedExtension},
		{"negative nonce", request(oidSHA256, d256[:], func(r *rawRequest) { r.Nonce = big.NewInt(-5) }), BadRequest, timestamp.BadRequest},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, outcome, err := a.Respond(tc.req)
			if err != nil || outcome != tc.want {
				t.Fatalf("outcome %s (%v), want %s", outcome, err, tc.want)
			}
			status, fail := statusOf(t, resp)
			if status != int(timestamp.Rejection) || fail.At(int(tc.bit)) != 1 {
				t.Fatalf("status %d, failure info %x, want rejection with bit %d", status, fail.Bytes, tc.bit)
			}
			if _, err := timestamp.ParseResponse(resp); err == nil {
				t.Fatal("the library reads a refusal as a token")
			}
		})
	}
}

func TestRespondGrants(t *testing.T) {
	a, c := open(t)
	msg := []byte("el documento")
	s256, s384, s512 := sha256.Sum256(msg), sha512.Sum384(msg), sha512.Sum512(msg)
	serials := map[string]bool{}
	for _, tc := range []struct {
		name    string
		oid     asn1.ObjectIdentifier
		h       crypto.Hash
		digest  []byte
		certReq bool
		policy  bool
	}{
		{"SHA-256", oidSHA256, crypto.SHA256, s256[:], true, false},
		{"SHA-384 asking for our policy", oidSHA384, crypto.SHA384, s384[:], true, true},
		{"SHA-512 without certificates", oidSHA512, crypto.SHA512, s512[:], false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			nonce := new(big.Int).Lsh(big.NewInt(0xabcdef), 100)
			before := time.Now().Add(-time.Second)
			resp, outcome, err := a.Respond(request(tc.oid, tc.digest, func(r *rawRequest) {
				r.Nonce, r.CertReq = nonce, tc.certReq
				if tc.policy {
					r.ReqPolicy = c.TimestampPolicy()
				}
			}))
			if err != nil || outcome != Granted {
				t.Fatalf("%s: %v", outcome, err)
			}
			ts, err := timestamp.ParseResponse(resp)
			if err != nil {
				t.Fatal(err)
			}
			if ts.HashAlgorithm != tc.h || !bytes.Equal(ts.HashedMessage, tc.digest) {
				t.Errorf("imprint %v %x", ts.HashAlgorithm, ts.HashedMessage)
			}
			if ts.Nonce == nil || ts.Nonce.Cmp(nonce) != 0 {
				t.Errorf("nonce %v, want %v", ts.Nonce, nonce)
			}
			if ts.Accuracy != time.Second {
				t.Errorf("accuracy %v", ts.Accuracy)
			}
			if !ts.Policy.Equal(c.TimestampPolicy()) || !strings.HasSuffix(ts.Policy.String(), ".6") {
				t.Errorf("policy %v", ts.Policy)
			}
			if ts.Time.Before(before.Truncate(time.Second)) || ts.Time.After(time.Now()) || ts.Time.Location() != time.UTC {
				t.Errorf("time %v", ts.Time)
			}
			if ts.SerialNumber.BitLen() < 128-8 || serials[ts.SerialNumber.String()] {
				t.Errorf("serial %x: not random 128 bits or more, or repeated", ts.SerialNumber)
			}
			serials[ts.SerialNumber.String()] = true
			if tc.certReq {
				if len(ts.Certificates) != 2 || !ts.Certificates[0].Equal(a.Certificate()) || !ts.Certificates[1].Equal(c.Issuing()) {
					t.Errorf("certificates %d, want the TSA's and the issuing CA's", len(ts.Certificates))
				}
			} else if len(ts.Certificates) != 0 {
				t.Errorf("certificates sent though not asked for")
			}
		})
	}
}

// TestOpenSSL has openssl make the request, print the reply and verify it
// against the root alone.
func TestOpenSSL(t *testing.T) {
	a, c := open(t)
	dir := t.TempDir()
	data := filepath.Join(dir, "document.txt")
	if err := os.WriteFile(data, []byte("firmado el lunes"), 0o644); err != nil {
		t.Fatal(err)
	}
	root := catest.WritePEM(t, dir, "root.pem", c.Root())
	for _, alg := range []string{"-sha256", "-sha384", "-sha512"} {
		t.Run(alg, func(t *testing.T) {
			query := filepath.Join(dir, "query.tsq")
			catest.OpenSSL(t, "ts", "-query", "-data", data, alg, "-cert", "-out", query)
			req, err := os.ReadFile(query)
			if err != nil {
				t.Fatal(err)
			}
			resp, outcome, err := a.Respond(req)
			if err != nil || outcome != Granted {
				t.Fatalf("%s %v", outcome, err)
			}
			reply := filepath.Join(dir, "reply.tsr")
			if err := os.WriteFile(reply, resp, 0o644); err != nil {
				t.Fatal(err)
			}
			text := catest.OpenSSL(t, "ts", "-reply", "-in", reply, "-text")
			for _, want := range []string{"Status: Granted.", "Policy OID: " + c.TimestampPolicy().String(), "Accuracy: 0x01 seconds", "Nonce: 0x"} {
				if !strings.Contains(text, want) {
					t.Errorf("openssl ts -reply lacks %q:\n%s", want, text)
				}
			}
			out := catest.OpenSSL(t, "ts", "-verify", "-data", data, "-in", reply, "-CAfile", root)
			if !strings.Contains(out, "Verification: OK") {
				t.Fatalf("openssl ts -verify:\n%s", out)
			}
			// The query's nonce must match too.
			out = catest.OpenSSL(t, "ts", "-verify", "-queryfile", query, "-in", reply, "-CAfile", root)
			if !strings.Contains(out, "Verification: OK") {
				t.Fatalf("openssl ts -verify -queryfile:\n%s", out)
			}
		})
	}
}

func TestTimestampInProcess(t *testing.T) {
	a, c := open(t)
	d := sha256.Sum256([]byte("firma"))
	token, err := a.Timestamp(context.Background(), d[:], crypto.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	ts, err := timestamp.Parse(token)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(ts.HashedMessage, d[:]) || len(ts.Certificates) != 2 || !ts.Policy.Equal(c.TimestampPolicy()) {
		t.Fatalf("token %+v", ts)
	}
	if _, err := a.Timestamp(context.Background(), d[:20], crypto.SHA1); err == nil {
		t.Fatal("SHA-1 accepted")
	}
	if _, err := a.Timestamp(context.Background(), d[:20], crypto.SHA256); err == nil {
		t.Fatal("a short digest accepted")
	}
}

func TestOpenKeepsAndRenewsTheCertificate(t *testing.T) {
	ctx := context.Background()
	c := catest.New(t)
	keys := catest.NewMemKeyStore()
	dir := t.TempDir()
	first, err := Open(ctx, keys, c, dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	file, err := os.ReadFile(filepath.Join(dir, CertFile))
	if err != nil {
		t.Fatal(err)
	}
	again, err := Open(ctx, keys, c, dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !again.Certificate().Equal(first.Certificate()) {
		t.Fatal("a second start issued a new certificate")
	}
	if after, _ := os.ReadFile(filepath.Join(dir, CertFile)); !bytes.Equal(after, file) {
		t.Fatal("the certificate file changed")
	}
	// A new key store (the key lost) gets a new key and certificate.
	other, err := Open(ctx, catest.NewMemKeyStore(), c, dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if other.Certificate().Equal(first.Certificate()) {
		t.Fatal("kept a certificate for another key")
	}
	// Near its end a certificate is replaced; not while young.
	key, _ := keys.Load(ctx, KeyLabel)
	cert := first.Certificate()
	for _, tc := range []struct {
		at   time.Time
		want bool
	}{
		{time.Now(), true},
		{cert.NotAfter.Add(-30 * 24 * time.Hour), false},
		{cert.NotAfter.Add(time.Hour), false},
	} {
		if got := usable(cert, key, c, tc.at); got != tc.want {
			t.Errorf("usable at %v: %v, want %v", tc.at, got, tc.want)
		}
	}
	// A file that is not a certificate stops the start.
	if err := os.WriteFile(filepath.Join(dir, CertFile), []byte("junk"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(ctx, keys, c, dir, nil); err == nil {
		t.Fatal("opened with a broken certificate file")
	}
}

func TestNewRefusesOtherCertificates(t *testing.T) {
	a, c := open(t)
	key, err := ca.GenerateSoftwareKey(ca.P256)
	if err != nil {
		t.Fatal(err)
	}
	person, err := c.IssuePerson(context.Background(), key.Public(), ca.Person{ID: "12345678Z", GivenName: "Ana", FirstSurname: "Ruiz"}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := New(Config{Signer: key, Certificate: person, Policy: c.TimestampPolicy()}); err == nil {
		t.Fatal("a citizen's certificate accepted as a TSA's")
	}
	if _, err := New(Config{Signer: key, Certificate: a.Certificate(), Policy: c.TimestampPolicy()}); err == nil {
		t.Fatal("a key that is not the certificate's accepted")
	}
}

// BenchmarkRespond measures tokens per second: a request parsed, checked,
// and answered with a signed token carrying the TSA's chain.
func BenchmarkRespond(b *testing.B) {
	a, _ := open(b)
	d := sha256.Sum256([]byte("x"))
	req := request(oidSHA256, d[:], nil)
	b.ReportAllocs()
	start := time.Now()
	n := 0
	for b.Loop() {
		if _, outcome, err := a.Respond(req); outcome != Granted {
			b.Fatal(outcome, err)
		}
		n++
	}
	b.ReportMetric(float64(n)/time.Since(start).Seconds(), "tokens/s")
}
