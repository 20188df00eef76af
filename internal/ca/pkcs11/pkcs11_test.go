package pkcs11_test

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ThalesGroup/crypto11"
	"golang.org/x/crypto/ocsp"

	"github.com/llavero/llavero/internal/ca"
	"github.com/llavero/llavero/internal/ca/catest"
	"github.com/llavero/llavero/internal/ca/pkcs11"
)

const defaultModule = "/usr/lib/softhsm/libsofthsm2.so"

// softHSM makes a fresh SoftHSM2 token in a temporary directory and returns
// the configuration to open it. SoftHSM reads SOFTHSM2_CONF when the module
// is initialised, so every store opened on the previous token must be
// closed before the next call (the suite's cleanups do that).
func softHSM(t testing.TB) pkcs11.Config {
	t.Helper()
	module := os.Getenv("SOFTHSM2_MODULE")
	if module == "" {
		module = defaultModule
	}
	if _, err := os.Stat(module); err != nil {
		t.Skipf("SoftHSM2 is not installed (no %s; apt-get install softhsm2, or set SOFTHSM2_MODULE): skipping the PKCS#11 tests", module)
	}
	util, err := exec.LookPath("softhsm2-util")
	if err != nil {
		t.Skip("softhsm2-util is not installed (apt-get install softhsm2): skipping the PKCS#11 tests")
	}
	dir := t.TempDir()
	tokens := filepath.Join(dir, "tokens")
	if err := os.Mkdir(tokens, 0o700); err != nil {
		t.Fatal(err)
	}
	conf := filepath.Join(dir, "softhsm2.conf")
	if err := os.WriteFile(conf, []byte("directories.tokendir = "+tokens+"\nobjectstore.backend = file\nlog.level = ERROR\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("SOFTHSM2_CONF", conf)
	out, err := exec.Command(util, "--init-token", "--free", "--label", "llavero-test", "--pin", "1234", "--so-pin", "5678").CombinedOutput()
	if err != nil {
		t.Fatalf("softhsm2-util --init-token: %v\n%s", err, out)
	}
	return pkcs11.Config{Module: module, TokenLabel: "llavero-test", PIN: "1234"}
}

func open(t testing.TB, cfg pkcs11.Config) *pkcs11.KeyStore {
	t.Helper()
	ks, err := pkcs11.Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return ks
}

func TestConformance(t *testing.T) {
	catest.RunKeyStore(t, func(t *testing.T) ca.KeyStore {
		return open(t, softHSM(t))
	}, ca.P256, ca.P384, ca.RSA2048)
}

func TestKeysStayInTheTokenAcrossSessions(t *testing.T) {
	cfg := softHSM(t)
	ctx := context.Background()
	ks := open(t, cfg)
	ec, err := ks.Generate(ctx, "issuing-citizens", ca.P256)
	if err != nil {
		t.Fatal(err)
	}
	rk, err := ks.Generate(ctx, "root", ca.RSA2048)
	if err != nil {
		t.Fatal(err)
	}
	if err := ks.Close(); err != nil {
		t.Fatal(err)
	}

	ks = open(t, cfg)
	defer ks.Close()
	for label, want := range map[string]crypto.Signer{"issuing-citizens": ec, "root": rk} {
		got, err := ks.Load(ctx, label)
		if err != nil {
			t.Fatal(err)
		}
		if !got.Public().(interface{ Equal(crypto.PublicKey) bool }).Equal(want.Public()) {
			t.Errorf("%s: another key after reopening", label)
		}
	}

	// Look at the objects as the token sees them: the private keys are
	// sensitive, not extractable, and the RSA one cannot decrypt.
	c11, err := crypto11.Configure(&crypto11.Config{Path: cfg.Module, TokenLabel: cfg.TokenLabel, Pin: cfg.PIN})
	if err != nil {
		t.Fatal(err)
	}
	defer c11.Close()
	for label, attrs := range map[string]map[crypto11.AttributeType]bool{
		"issuing-citizens": {crypto11.CkaSensitive: true, crypto11.CkaExtractable: false, crypto11.CkaSign: true},
		"root":             {crypto11.CkaSensitive: true, crypto11.CkaExtractable: false, crypto11.CkaSign: true, crypto11.CkaDecrypt: false, crypto11.CkaUnwrap: false},
	} {
		k, err := c11.FindKeyPair(nil, []byte(label))
		if err != nil {
			t.Fatal(err)
		}
		for a, want := range attrs {
			got, err := c11.GetAttribute(k, a)
			if err != nil {
				t.Fatalf("%s %v: %v", label, a, err)
			}
			if (len(got.Value) == 1 && got.Value[0] == 1) != want {
				t.Errorf("%s: %v is %v, want %v", label, a, got.Value, want)
			}
		}
	}
}

func TestOpenErrors(t *testing.T) {
	cfg := softHSM(t)
	tests := []struct {
		name   string
		change func(*pkcs11.Config)
		want   string
	}{
		{"wrong PIN", func(c *pkcs11.Config) { c.PIN = "9999" }, "CKR_PIN_INCORRECT"},
		{"unknown token", func(c *pkcs11.Config) { c.TokenLabel = "nope" }, `token "nope"`},
		{"missing module", func(c *pkcs11.Config) { c.Module = "/nonexistent/libpkcs11.so" }, "/nonexistent/libpkcs11.so"},
		{"no token label", func(c *pkcs11.Config) { c.TokenLabel = "" }, "token label are both required"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := cfg
			tc.change(&c)
			ks, err := pkcs11.Open(c)
			if err == nil {
				ks.Close()
				t.Fatal("Open succeeded")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not mention %q", err, tc.want)
			}
			if strings.Contains(err.Error(), c.PIN) && c.PIN != "" {
				t.Errorf("error %q shows the PIN", err)
			}
		})
	}
}

// The production set-up: both CA keys in the token, the CA signing with
// them, and openssl accepting the result.
func TestCAWithKeysInTheToken(t *testing.T) {
	for _, issuingAlg := range []ca.KeyAlg{ca.P256, ca.RSA2048} {
		t.Run(string(issuingAlg), func(t *testing.T) {
			cfg := softHSM(t)
			ks := open(t, cfg)
			opt := catest.Options(t)
			opt.Keys = ks
			opt.IssuingAlg = issuingAlg
			ctx := context.Background()
			c, err := ca.Open(ctx, opt)
			if err != nil {
				t.Fatal(err)
			}
			key, err := rsa.GenerateKey(rand.Reader, 2048)
			if err != nil {
				t.Fatal(err)
			}
			now := time.Now()
			cert, err := c.IssuePerson(ctx, key.Public(), ca.Person{ID: "X1234567L", GivenName: "José", FirstSurname: "Muñoz"}, now)
			if err != nil {
				t.Fatal(err)
			}
			catest.VerifyWithOpenSSL(t, c, cert, "sslclient")

			crl, err := c.SignCRL([]ca.Revoked{{Serial: cert.SerialNumber, RevokedAt: now, Reason: ocsp.KeyCompromise}}, big.NewInt(1), now, now.Add(time.Hour))
			if err != nil {
				t.Fatal(err)
			}
			resp, err := c.SignOCSP(cert.SerialNumber, ocsp.Revoked, now, ocsp.KeyCompromise, now, now.Add(time.Hour))
			if err != nil {
				t.Fatal(err)
			}
			if r, err := ocsp.ParseResponseForCert(resp, cert, c.Issuing()); err != nil || r.Status != ocsp.Revoked {
				t.Fatalf("OCSP response signed in the token: %v", err)
			}
			if err := ks.Close(); err != nil {
				t.Fatal(err)
			}

			// A restart finds the same hierarchy, with the keys still only
			// in the token, and its CRL signature checks out.
			opt.Keys = open(t, cfg)
			defer opt.Keys.Close()
			again, err := ca.Open(ctx, opt)
			if err != nil {
				t.Fatal(err)
			}
			if !again.Issuing().Equal(c.Issuing()) {
				t.Fatal("reopening made another hierarchy")
			}
			dir := t.TempDir()
			crlPath := filepath.Join(dir, "citizens.crl")
			if err := os.WriteFile(crlPath, crl, 0o644); err != nil {
				t.Fatal(err)
			}
			issuing := catest.WritePEM(t, dir, "issuing.crt", again.Issuing())
			if out := catest.OpenSSL(t, "crl", "-inform", "DER", "-in", crlPath, "-CAfile", issuing, "-noout"); !strings.Contains(out, "verify OK") {
				t.Errorf("openssl crl:\n%s", out)
			}
		})
	}
}

func TestMissingKeyInTheTokenIsClear(t *testing.T) {
	cfg := softHSM(t)
	ks := open(t, cfg)
	defer ks.Close()
	_, err := ks.Load(context.Background(), "issuing-citizens")
	if !errors.Is(err, ca.ErrKeyNotFound) || !strings.Contains(err.Error(), `"issuing-citizens"`) {
		t.Fatalf("got %v", err)
	}
}

func BenchmarkSign(b *testing.B) {
	for _, alg := range []ca.KeyAlg{ca.P256, ca.P384, ca.RSA2048} {
		b.Run(string(alg), func(b *testing.B) {
			ks := open(b, softHSM(b))
			defer ks.Close()
			catest.BenchmarkSign(b, ks, alg)
		})
	}
}

// BenchmarkIssuePerson is ca's benchmark with the issuing key in the token.
func BenchmarkIssuePerson(b *testing.B) {
	ks := open(b, softHSM(b))
	defer ks.Close()
	opt := catest.Options(b)
	opt.Keys = ks
	c, err := ca.Open(context.Background(), opt)
	if err != nil {
		b.Fatal(err)
	}
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		b.Fatal(err)
	}
	p := ca.Person{ID: "X1234567L", GivenName: "José", FirstSurname: "Muñoz"}
	now := time.Now()
	for b.Loop() {
		if _, err := c.IssuePerson(context.Background(), key.Public(), p, now); err != nil {
			b.Fatal(err)
		}
	}
}
