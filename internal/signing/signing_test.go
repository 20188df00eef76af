package signing

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"errors"
	"regexp"
	"testing"
	"time"

	"software.sslmate.com/src/go-pkcs12"

	"github.com/llavero/llavero/internal/ca"
	"github.com/llavero/llavero/internal/ca/catest"
	"github.com/llavero/llavero/internal/i18n"
	"github.com/llavero/llavero/internal/i18n/i18ntest"
)

func TestErrorsAreListedAndBilingual(t *testing.T) {
	errs := map[string]*i18n.Error{
		"ErrWrongPassphrase": ErrWrongPassphrase, "ErrNotP12": ErrNotP12, "ErrKeyMismatch": ErrKeyMismatch,
		"ErrCertNotValidYet": ErrCertNotValidYet, "ErrCertExpired": ErrCertExpired,
		"ErrCertNoSigning": ErrCertNoSigning, "ErrUnknownLevel": ErrUnknownLevel, "ErrTSA": ErrTSA,
	}
	i18ntest.CheckListed(t, ".", errs)
	i18ntest.CheckBilingual(t, errs, regexp.MustCompile(`^signing\.[a-z0-9_]+$`))
}

func citizen(t *testing.T) (*ca.CA, *ecdsa.PrivateKey, *x509.Certificate) {
	t.Helper()
	c := catest.New(t)
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := c.IssuePerson(context.Background(), key.Public(), ca.Person{ID: "12345678Z", GivenName: "Ana", FirstSurname: "Ruiz"}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return c, key, cert
}

func TestFromPKCS12(t *testing.T) {
	c, key, cert := citizen(t)
	good, err := pkcs12.Modern2023.Encode(key, cert, []*x509.Certificate{c.Issuing()}, "correct horse")
	if err != nil {
		t.Fatal(err)
	}
	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	mixed, err := pkcs12.Modern2023.Encode(other, cert, nil, "pw")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		data []byte
		pass string
		want error
	}{
		{"good", good, "correct horse", nil},
		{"wrong passphrase", good, "Correct horse", ErrWrongPassphrase},
		{"not a p12", []byte("%PDF-1.7 nothing to see"), "x", ErrNotP12},
		{"key of another certificate", mixed, "pw", ErrKeyMismatch},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cred, err := FromPKCS12(tc.data, tc.pass)
			if tc.want != nil {
				if !errors.Is(err, tc.want) && i18n.CodeOf(err) != i18n.CodeOf(tc.want) {
					t.Fatalf("err %v, want %v", err, tc.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !cred.Certificate.Equal(cert) || len(cred.Chain) != 1 || !cred.Chain[0].Equal(c.Issuing()) {
				t.Fatalf("credential %+v", cred)
			}
			if err := cred.Check(time.Now()); err != nil {
				t.Fatalf("check: %v", err)
			}
		})
	}
}

func TestCheck(t *testing.T) {
	c, key, cert := citizen(t)
	cred := Credential{Signer: key, Certificate: cert}
	operator, err := c.IssueOperator(context.Background(), key.Public(), "Ana", "office", "op1", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		cred Credential
		at   time.Time
		want string
	}{
		{"valid", cred, time.Now(), ""},
		{"before validity", cred, cert.NotBefore.Add(-time.Hour), ErrCertNotValidYet.Code},
		{"after validity", cred, cert.NotAfter.Add(time.Second), ErrCertExpired.Code},
		{"operator certificate (client auth only)", Credential{Signer: key, Certificate: operator}, time.Now(), ErrCertNoSigning.Code},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := i18n.CodeOf(tc.cred.Check(tc.at)); got != tc.want {
				t.Fatalf("code %q, want %q", got, tc.want)
			}
		})
	}
}

func TestParseLevel(t *testing.T) {
	for in, want := range map[string]Level{"": LevelB, "b": LevelB, "B": LevelB, " t ": LevelT, "T": LevelT} {
		if got, err := ParseLevel(in); err != nil || got != want {
			t.Errorf("ParseLevel(%q) = %q, %v", in, got, err)
		}
	}
	for _, bad := range []string{"LT", "LTA", "C"} {
		if _, err := ParseLevel(bad); i18n.CodeOf(err) != ErrUnknownLevel.Code {
			t.Errorf("ParseLevel(%q): %v", bad, err)
		}
	}
}
