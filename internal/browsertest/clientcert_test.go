package browsertest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"software.sslmate.com/src/go-pkcs12"
)

// testCert issues a certificate for pub, signed by parent's key (itself
// when parent is nil: a CA).
func testCert(t *testing.T, cn string, pub, signer any, parent *x509.Certificate, mod func(*x509.Certificate)) *x509.Certificate {
	t.Helper()
	serial, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
	tmpl := &x509.Certificate{SerialNumber: serial, Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	mod(tmpl)
	if parent == nil {
		parent = tmpl
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, signer)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestClientCert: a browser given a client certificate presents it, with
// no prompt, to a server that requires one, and trusts that server's CA.
func TestClientCert(t *testing.T) {
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ca := testCert(t, "Test CA", caKey.Public(), caKey, nil, func(c *x509.Certificate) {
		c.IsCA, c.BasicConstraintsValid, c.KeyUsage = true, true, x509.KeyUsageCertSign
	})
	srvKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	srvCert := testCert(t, "localhost", srvKey.Public(), caKey, ca, func(c *x509.Certificate) {
		c.DNSNames, c.ExtKeyUsage, c.KeyUsage = []string{"localhost"}, []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, x509.KeyUsageDigitalSignature
	})
	opKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	opCert := testCert(t, "Ana García", opKey.Public(), caKey, ca, func(c *x509.Certificate) {
		c.ExtKeyUsage, c.KeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}, x509.KeyUsageDigitalSignature
	})
	p12, err := pkcs12.Modern.Encode(opKey, opCert, []*x509.Certificate{ca}, "Prueba-Clave-2026")
	if err != nil {
		t.Fatal(err)
	}

	pool := x509.NewCertPool()
	pool.AddCert(ca)
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`<!doctype html><html lang="en"><title>Who</title><p id="who">` + r.TLS.PeerCertificates[0].Subject.CommonName + `</p></html>`))
	}))
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{srvCert.Raw, ca.Raw}, PrivateKey: srvKey}},
		ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: pool}
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the browser's spare connections
	srv.StartTLS()
	t.Cleanup(srv.Close)
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	origin := "https://localhost:" + port

	b := OwnWith(t, Options{ClientCert: &ClientCert{P12: p12, Passphrase: "Prueba-Clave-2026", Origins: []string{origin}, Trust: []*x509.Certificate{ca}}})
	p := b.NewPerson(t, "ana")
	if st := p.Go(origin + "/"); st != http.StatusOK {
		t.Fatalf("status %d", st)
	}
	if got := p.Text("#who"); got != "Ana García" {
		t.Fatalf("the server saw %q", got)
	}
}

// TestClientCertImportedLater: a browser started with an NSS database
// but no certificate presents none; once a certificate is imported while
// it runs, a new browser context presents it with no prompt.
func TestClientCertImportedLater(t *testing.T) {
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ca := testCert(t, "Test CA", caKey.Public(), caKey, nil, func(c *x509.Certificate) {
		c.IsCA, c.BasicConstraintsValid, c.KeyUsage = true, true, x509.KeyUsageCertSign
	})
	srvKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	srvCert := testCert(t, "localhost", srvKey.Public(), caKey, ca, func(c *x509.Certificate) {
		c.DNSNames, c.ExtKeyUsage, c.KeyUsage = []string{"localhost"}, []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, x509.KeyUsageDigitalSignature
	})
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	cert := testCert(t, "Olena Kovalenko", key.Public(), caKey, ca, func(c *x509.Certificate) {
		c.ExtKeyUsage, c.KeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}, x509.KeyUsageDigitalSignature
	})
	p12, err := pkcs12.Modern.Encode(key, cert, []*x509.Certificate{ca}, "Prueba-Clave-2026")
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(ca)
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		who := "nobody"
		if len(r.TLS.PeerCertificates) > 0 {
			who = r.TLS.PeerCertificates[0].Subject.CommonName
		}
		_, _ = w.Write([]byte(`<!doctype html><html lang="en"><title>Who</title><p id="who">` + who + `</p></html>`))
	}))
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{srvCert.Raw, ca.Raw}, PrivateKey: srvKey}},
		ClientAuth: tls.VerifyClientCertIfGiven, ClientCAs: pool}
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	t.Cleanup(srv.Close)
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	origin := "https://localhost:" + port

	b := OwnWith(t, Options{ClientCert: &ClientCert{Origins: []string{origin}, Trust: []*x509.Certificate{ca}}})
	before := b.NewPerson(t, "before")
	before.Go(origin + "/")
	if got := before.Text("#who"); got != "nobody" {
		t.Fatalf("before the import the server saw %q", got)
	}
	b.ImportClientCert(t, p12, "Prueba-Clave-2026")
	after := b.NewPerson(t, "after")
	after.Go(origin + "/")
	if got := after.Text("#who"); got != "Olena Kovalenko" {
		t.Fatalf("after the import the server saw %q", got)
	}
}
