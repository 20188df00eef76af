package video_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"image/jpeg"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/llavero/llavero/internal/browsertest"
	"github.com/llavero/llavero/internal/i18n"
	"github.com/llavero/llavero/internal/idp"
	"github.com/llavero/llavero/internal/keystore"
	"github.com/llavero/llavero/internal/platformtest"
	"github.com/llavero/llavero/internal/registry"
	"github.com/llavero/llavero/internal/store"
)

func TestMain(m *testing.M) { os.Exit(browsertest.Main(m)) }

// carmen is a DNI holder in the registry with no account yet.
const (
	carmen       = "23456789D"
	carmenFact   = "DEF456789"
	carmenExpiry = "2034-04-04"
	carmenMobile = "+34655000444"
	carmenRow    = carmen + ",Carmen,Vidal,Ortega,1988-08-08,ES,DNI," + carmen + "," + carmenExpiry + "," + carmenFact +
		",Calle Pez 11,15001,A Coruña,A Coruña,,"
)

// TestVideoIdentification runs video identification against one platform
// and one browser, which has a fake camera.
func TestVideoIdentification(t *testing.T) {
	e := platformtest.Start(t, platformtest.Options{Host: "localhost"})
	ctx := context.Background()
	// One browser: a fake camera for the citizens, and the operator's
	// certificate, which it presents to the console's origin alone.
	api, cert := operator(t, e)
	b := browsertest.OwnWith(t, browsertest.Options{Flags: browsertest.FakeMedia, ClientCert: cert})
	if _, err := registry.Import(ctx, e.Store, strings.NewReader(strings.Join(registry.Header, ",")+"\n"+carmenRow+"\n"), registry.ImportOptions{}); err != nil {
		t.Fatal(err)
	}

	t.Run("a NIE holder is sent the other ways", func(t *testing.T) {
		const olena = "X1234567L" // TIE
		p := b.NewPerson(t, "olena")
		sent := e.SMSCount(t, olena)
		for _, lang := range []i18n.Lang{i18n.EN, i18n.ES} {
			p.Go(e.Issuer + "/account/register/video?lang=" + string(lang))
			if p.Lang() != string(lang) {
				t.Fatalf("lang %q, want %q", p.Lang(), lang)
			}
			p.Fill("#id", olena)
			p.Fill("#fact", platformtest.Facts[olena])
			p.Fill("#mobile", "+34612345678")
			if st := p.Submit(`form[action="/account/register/video"] button[type=submit]`); st < 400 {
				t.Fatalf("a TIE at video identification: status %d", st)
			}
			if got := p.Text(".problem[role=alert] h2"); got != idp.ErrVideoDocument.Message(lang) {
				t.Errorf("the refusal in %s says %q", lang, got)
			}
			if got := p.Text(".problem[role=alert] p"); got != idp.ErrVideoDocument.Hint(lang) {
				t.Errorf("the next step in %s says %q", lang, got)
			}
			// Who may, and what the others do, on the same page.
			want := map[i18n.Lang][]string{
				i18n.EN: {"Video identification is open to people whose registry document is:", "DNI",
					"With another document (for example a NIE holder's TIE), visit a registration office, or get a certificate first and register with it."},
				i18n.ES: {"Pueden identificarse por vídeo quienes tienen este documento en el registro:", "DNI",
					"Con otro documento (por ejemplo la TIE de un NIE), ve a una oficina de registro, o consigue primero un certificado y regístrate con él."},
			}[lang]
			mustSay(t, p, want...)
			if p.Has(`form[action="/account/register/video/verify"]`) {
				t.Error("a TIE holder is asked for a code")
			}
		}
		if n := e.SMSCount(t, olena); n != sent {
			t.Errorf("%d SMS sent to a person who cannot use video", n-sent)
		}
	})

	t.Run("a DNI holder, the camera and an operator", func(t *testing.T) {
		p := b.NewPerson(t, "carmen")
		p.Go(e.Issuer + "/account/register/video")
		p.Fill("#id", carmen)
		p.Fill("#fact", carmenFact)
		p.Fill("#mobile", carmenMobile)
		p.Fill("#email", "carmen@example.org")
		p.Submit(`form[action="/account/register/video"] button[type=submit]`)
		if !p.Has(`form[action="/account/register/video/verify"] #pin`) {
			t.Fatalf("no code form:\n%s", p.PageText())
		}
		p.Fill("#pin", e.LastCode(t, carmen))
		if st := p.Submit(`form[action="/account/register/video/verify"] button[type=submit]`); st != http.StatusOK {
			t.Fatalf("after the code: status %d at %s", st, p.URL())
		}
		if u := p.URL(); u != e.Issuer+"/account/video" {
			t.Fatalf("after the code at %s", u)
		}
		acc, err := e.Store.GetAccount(ctx, carmen)
		if err != nil || acc.Level != store.LevelBasic || acc.RegisteredVia != store.ViaVideo || acc.Mobile != carmenMobile {
			t.Fatalf("account after the code: %+v, %v", acc, err)
		}
		mustSay(t, p, "Step 3 of 3", "Photo of the front of the document (missing)", "Video of your face (5 to 10 seconds) (missing)")

		// The camera in the page fills the form's three fields.
		p.WaitFor("the camera section", `!document.getElementById("camera").hidden`)
		p.Press("#cam-open")
		p.WaitFor("the camera's picture", `(v => !v.hidden && v.readyState >= 2 && v.videoWidth > 0)(document.getElementById("cam-view"))`)
		for _, shot := range []string{"document-front", "document-back"} {
			p.Press(`[data-shot="` + shot + `"]`)
			p.WaitFor("the photo "+shot, `document.getElementById("evidence").elements["`+shot+`"].files.length === 1`)
		}
		p.Press("#cam-record")
		p.WaitFor("the recording", `document.getElementById("evidence").elements["selfie-video"].files.length === 1`)
		if got := p.Text("#cam-status"); got != "Record the video (8 seconds) ✓" {
			t.Errorf("the camera's status after recording: %q", got)
		}
		if st := p.Submit(`#evidence button[type=submit]`); st != http.StatusOK {
			t.Fatalf("saving the evidence: status %d at %s\n%s", st, p.URL(), p.PageText())
		}
		mustSay(t, p, "Saved.", "Photo of the front of the document (uploaded)", "Photo of the back of the document (uploaded)",
			"Video of your face (5 to 10 seconds) (uploaded)")
		if st := p.Submit(`form[action="/account/video/submit"] button[type=submit]`); st != http.StatusOK {
			t.Fatalf("sending for review: status %d\n%s", st, p.PageText())
		}
		mustSay(t, p, "Sent. We will tell you by SMS when an operator has reviewed it.", "Place in the queue")
		if got := p.Text(".facts dd"); got != "1" {
			t.Errorf("place in the queue %q", got)
		}

		// The operator, at the office console in the browser, signed
		// in by their certificate.
		ana := b.NewPerson(t, "operator")
		if st := ana.Go(console(e) + "/office/reviews"); st != http.StatusOK {
			t.Fatalf("the review queue: status %d\n%s", st, ana.PageText())
		}
		mustSay(t, ana, "Signed in as Ana García at Oficina de vídeo", "Video identifications", "Carmen Vidal Ortega ("+carmen+")")
		ana.Click(`a[href^="/office/reviews/"]`)
		reviewPage := ana.URL()
		mustSay(t, ana, "Review the video identification: Carmen Vidal Ortega", carmen, carmenExpiry)
		// The photos and the video play in the operator's browser.
		ana.WaitFor("the photos and the video", `Array.from(document.querySelectorAll("figure.evidence img")).filter(i => i.complete && i.naturalWidth > 0).length === 2 &&
			Array.from(document.querySelectorAll("figure.evidence video")).filter(v => v.readyState >= 1 && v.videoWidth > 0).length === 1`)

		// The document's details are checked on the JSON API too,
		// with the same certificate.
		op := api
		var queue struct {
			Reviews []struct {
				ID     string `json:"id"`
				Person struct {
					ID string `json:"id"`
				} `json:"person"`
			} `json:"reviews"`
		}
		getJSON(t, op, e, "/api/v1/office/reviews", &queue)
		if len(queue.Reviews) != 1 {
			t.Fatalf("the queue: %+v", queue)
		}
		id := queue.Reviews[0].ID
		var review struct {
			State    string `json:"state"`
			Evidence []struct {
				Kind        string `json:"kind"`
				ContentType string `json:"content_type"`
				Size        int64  `json:"size"`
				URL         string `json:"url"`
			} `json:"evidence"`
		}
		getJSON(t, op, e, "/api/v1/office/reviews/"+id, &review)
		if review.State != store.ReviewPending || len(review.Evidence) != 3 {
			t.Fatalf("the review: %+v", review)
		}
		kinds := map[string]bool{}
		for _, ev := range review.Evidence {
			kinds[ev.Kind] = true
			data := get(t, op, e, ev.URL)
			if int64(len(data)) != ev.Size {
				t.Errorf("%s: %d bytes, listed as %d", ev.Kind, len(data), ev.Size)
			}
			switch ev.Kind {
			case store.EvidenceDocumentFront, store.EvidenceDocumentBack:
				// The camera's picture, as the page's canvas took it.
				img, err := jpeg.Decode(bytes.NewReader(data))
				if ev.ContentType != "image/jpeg" || err != nil || img.Bounds().Dx() < 100 {
					t.Errorf("%s: %s, %v", ev.Kind, ev.ContentType, err)
				}
			case store.EvidenceSelfieVideo:
				// MediaRecorder's WebM: an EBML header.
				if ev.ContentType != "video/webm" || !bytes.HasPrefix(data, []byte{0x1a, 0x45, 0xdf, 0xa3}) {
					t.Errorf("%s: %s, % x", ev.Kind, ev.ContentType, data[:min(4, len(data))])
				}
			}
		}
		if len(kinds) != 3 {
			t.Errorf("evidence kinds %v", kinds)
		}
		// The operator records the document seen in the photos.
		sms := e.SMSCount(t, carmen)
		ana.Go(reviewPage)
		ana.Select("#type", "DNI")
		ana.Fill("#number", carmen)
		ana.TypeDate("#expiry", 2034, 4, 4) // carmenExpiry
		if st := ana.Submit(`form[action$="/approve"] button[type=submit]`); st != http.StatusOK {
			t.Fatalf("the approval: status %d\n%s", st, ana.PageText())
		}
		mustSay(t, ana, "Identification approved: the account is advanced and the person has been told.", "No video identification is waiting for review.")
		if acc, err := e.Store.GetAccount(ctx, carmen); err != nil || acc.Level != store.LevelAdvanced {
			t.Fatalf("the account after the approval: %+v, %v", acc, err)
		}
		if e.SMSCount(t, carmen) != sms+1 {
			t.Error("no SMS with the decision")
		}
		if len(getReviews(t, op, e)) != 0 {
			t.Error("the approved review is still in the API's queue")
		}

		// Back in the citizen's browser.
		if st := p.Go(e.Issuer + "/account"); st != http.StatusOK {
			t.Fatalf("/account: status %d", st)
		}
		mustSay(t, p, "advanced, by video identification", "Approved: your account is at the advanced level.")
		p.Go(e.Issuer + "/account/video")
		mustSay(t, p, "Approved: your account is at the advanced level.")
	})
}

// operator adds an office that reviews video identifications, and an
// operator at it, and returns an HTTP client that presents the
// operator's certificate to the console's origin, and the same
// certificate for a browser.
func operator(t *testing.T, e *platformtest.Env) (*http.Client, *browsertest.ClientCert) {
	t.Helper()
	ctx := context.Background()
	p := e.Platform
	office, err := p.RA.AddOffice(ctx, store.Office{Name: "Oficina de vídeo", Address: "Plaza Mayor 1", City: "Madrid",
		PostalCode: "28012", Province: "Madrid", Handles: []string{"video-review"}}, "admin:test")
	if err != nil {
		t.Fatal(err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	_, cert, err := p.RA.AddOperator(ctx, p.CA, office.ID, "Ana García", key.Public(), "admin:test")
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	chain := [][]byte{cert.Raw}
	for _, c := range p.CA.Chain() {
		roots.AddCert(c)
		chain = append(chain, c.Raw)
	}
	const pass = "Operadora-Ana-2026"
	p12, err := keystore.WriteP12(key, cert, p.CA.Chain(), []byte(pass), false)
	if err != nil {
		t.Fatal(err)
	}
	c := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{
		RootCAs:      roots,
		Certificates: []tls.Certificate{{Certificate: chain, PrivateKey: key, Leaf: cert}},
	}}}
	return c, &browsertest.ClientCert{P12: p12, Passphrase: pass, Origins: []string{console(e)}, Trust: p.CA.Chain()}
}

// console is the office console's origin: the certificate-login address,
// by the name its server certificate carries.
func console(e *platformtest.Env) string {
	_, port, _ := net.SplitHostPort(e.Config.CertListen)
	return "https://localhost:" + port
}

// getReviews is the API's queue.
func getReviews(t *testing.T, c *http.Client, e *platformtest.Env) []json.RawMessage {
	t.Helper()
	var q struct {
		Reviews []json.RawMessage `json:"reviews"`
	}
	getJSON(t, c, e, "/api/v1/office/reviews", &q)
	return q.Reviews
}

func get(t *testing.T, c *http.Client, e *platformtest.Env, path string) []byte {
	t.Helper()
	resp, err := c.Get(console(e) + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %v\n%s", path, resp.StatusCode, err, b)
	}
	return b
}

func getJSON(t *testing.T, c *http.Client, e *platformtest.Env, path string, v any) {
	t.Helper()
	if err := json.Unmarshal(get(t, c, e, path), v); err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
}

func mustSay(t *testing.T, p *browsertest.Person, want ...string) {
	t.Helper()
	text := p.PageText()
	for _, w := range want {
		if !strings.Contains(text, w) {
			t.Errorf("the page does not say %q:\n%s", w, text)
		}
	}
}
