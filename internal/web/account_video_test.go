package web

import (
	"bytes"
	"context"
	"crypto/x509"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/llavero/llavero/internal/idp"
	"github.com/llavero/llavero/internal/idp/password"
	"github.com/llavero/llavero/internal/notify"
	"github.com/llavero/llavero/internal/ra"
	"github.com/llavero/llavero/internal/store"
)

// newVideoEnv is accEnv with small upload limits, the account pages on the
// main origin and the office console (with the IdP) on the
// certificate-login origin.
func newVideoEnv(t *testing.T, docs ...string) *accEnv {
	t.Helper()
	ce := newCertEnv(t)
	n, err := notify.New(notify.Config{Outbox: ce.st, LetterDir: t.TempDir(), Clock: ce.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	cfg := idp.Config{CodeKey: []byte("0123456789abcdef0123456789abcdef"), AllowForeignPhones: true,
		Password: password.Params{Time: 1, MemoryKiB: 64, Threads: 1, KeyLen: 32},
		Video:    idp.VideoConfig{Documents: docs, PhotoMax: 4000, VideoMax: 9000}}
	p, err := idp.New(ce.st, n, ce.ra, cfg, ce.clock.Now, nil, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	e := &accEnv{certEnv: ce, idp: p}
	s, _ := newTestServer(t, Config{PublicURL: testPublicURL})
	s.MountAccounts(AccountDeps{IdP: p, Store: ce.st, CertLoginURL: "https://login.llavero.example", Now: ce.clock.Now})
	e.accounts = httptest.NewServer(s.Handler())
	t.Cleanup(e.accounts.Close)

	d := e.deps
	d.IdP, d.Accounts = p, ce.st
	s2, _ := newTestServer(t, Config{PublicURL: testPublicURL})
	login := httptest.NewUnstartedServer(s2.CertLoginHandler(d))
	login.TLS = ce.login.TLS
	login.StartTLS()
	t.Cleanup(login.Close)
	e.login = login
	return e
}

// Bytes that sniff as what they stand for.
func fakeJPEG(n int) []byte {
	return padTo([]byte{0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, 'J', 'F', 'I', 'F'}, n)
}
func fakeWebM(n int) []byte { return padTo([]byte{0x1A, 0x45, 0xDF, 0xA3, 0x9F, 0x42, 0x86, 0x81}, n) }

func padTo(head []byte, n int) []byte {
	b := make([]byte, max(n, len(head)))
	copy(b, head)
	return b
}

// upload posts the evidence form as a browser does: multipart, one file
// part per field given.
func (b *browser) upload(files map[string][]byte, header ...string) (*http.Response, string) {
	b.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for _, name := range []string{store.EvidenceDocumentFront, store.EvidenceDocumentBack, store.EvidenceSelfieVideo, "unexpected"} {
		data, ok := files[name]
		if !ok {
			// An empty file field, as a browser sends it.
			w, _ := mw.CreateFormFile(name, "")
			w.Write(nil)
			continue
		}
		w, _ := mw.CreateFormFile(name, name+".bin")
		w.Write(data)
	}
	mw.Close()
	req, _ := http.NewRequest("POST", b.base+"/account/video/evidence", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	req.Header.Set("Accept-Language", b.lang)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp, string(raw)
}

func wantIn(t *testing.T, what, body string, phrases ...string) {
	t.Helper()
	for _, p := range phrases {
		if !strings.Contains(body, p) {
			t.Errorf("%s lacks %q", what, p)
		}
	}
}

func TestRegisterPageListsVideoLast(t *testing.T) {
	e := newVideoEnv(t)
	for lang, phrases := range map[string][]string{
		"es": {"Si tienes certificado", "ve a una oficina", "carta de invitación", "identifícate por vídeo", `href="/account/register/video"`},
		"en": {"If you have a certificate", "visit an office", "invitation letter", "identify yourself by video", "Start video identification"},
	} {
		resp, body := e.browser(lang).get("/account/register")
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d", lang, resp.StatusCode)
		}
		wantIn(t, "register page in "+lang, body, phrases...)
		// The certificate stays first; video comes after the other three.
		last := -1
		for _, p := range phrases[:4] {
			i := strings.Index(body, p)
			if i < last {
				t.Errorf("%s: %q out of order", lang, p)
			}
			last = i
		}
	}
}

func TestVideoRegistrationInTheBrowser(t *testing.T) {
	e := newVideoEnv(t)
	ctx := context.Background()
	b := e.browser("en")

	resp, body := b.get("/account/register/video")
	if resp.StatusCode != 200 {
		t.Fatalf("start page: %d", resp.StatusCode)
	}
	wantIn(t, "start page", body, "Register by video identification", `action="/account/register/video"`, "DNI", "visit a registration office")
	_, es := e.browser("es").get("/account/register/video")
	wantIn(t, "start page in Spanish", es, "Registrarte por videoidentificación", "oficina de registro")

	// A TIE holder is told where to go instead.
	resp, body = b.post("/account/register/video", url.Values{"id": {"X1234567L"}, "fact": {"E12345678"}, "mobile": {"600111222"}})
	if resp.StatusCode != 400 {
		t.Fatalf("TIE holder: %d", resp.StatusCode)
	}
	wantIn(t, "policy refusal", body, "video.document", "registration office", "certificate first", `value="X1234567L"`)

	resp, body = b.post("/account/register/video", url.Values{"id": {"12345678Z"}, "fact": {"ABC123456"}, "mobile": {"600111222"}, "email": {"jose@example.org"}})
	if resp.StatusCode != 200 {
		t.Fatalf("start: %d %s", resp.StatusCode, body)
	}
	m := hiddenCodeID.FindStringSubmatch(body)
	if m == nil || !strings.Contains(body, `name="email" value="jose@example.org"`) {
		t.Fatalf("code page without code or email: %s", body)
	}
	resp, body = b.post("/account/register/video/verify", url.Values{"code_id": {m[1]}, "pin": {"000000"}, "email": {"jose@example.org"}})
	if resp.StatusCode != 400 || !strings.Contains(body, "otp.wrong") || b.cookie() != "" {
		t.Fatalf("wrong code: %d, cookie %q", resp.StatusCode, b.cookie())
	}
	resp, _ = b.post("/account/register/video/verify", url.Values{"code_id": {m[1]}, "pin": {e.lastSMS(t, "12345678Z")}, "email": {"jose@example.org"}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/account/video" || b.cookie() == "" {
		t.Fatalf("right code: %d -> %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	if acc, err := e.st.GetAccount(ctx, "12345678Z"); err != nil || acc.Level != store.LevelBasic || acc.RegisteredVia != store.ViaVideo {
		t.Fatalf("account %+v, %v", acc, err)
	}

	// The upload page works as a plain form, and lets the page use the
	// camera.
	resp, body = b.get("/account/video")
	if resp.StatusCode != 200 {
		t.Fatalf("status page: %d", resp.StatusCode)
	}
	if pp := resp.Header.Get("Permissions-Policy"); !strings.Contains(pp, "camera=(self)") || !strings.Contains(pp, "microphone=()") {
		t.Errorf("Permissions-Policy %q", pp)
	}
	wantIn(t, "upload page", body, `enctype="multipart/form-data"`, `name="document-front" type="file" accept="image/jpeg,image/png,image/webp" capture="environment"`,
		`name="selfie-video" type="file" accept="video/webm,video/mp4" capture="user"`, "video-capture.js", `aria-live="polite"`, `action="/account/video/submit"`)
	if strings.Contains(body, "[vstatus.") {
		t.Error("the upload page shows a missing text")
	}
	if js, err := files.ReadFile("static/video-capture.js"); err != nil || !bytes.Contains(js, []byte("MediaRecorder")) || !bytes.Contains(js, []byte("DataTransfer")) {
		t.Errorf("capture script: %v", err)
	}

	// Refusals of the upload, each shown on the page.
	for _, tc := range []struct {
		files  map[string][]byte
		status int
		code   string
	}{
		{map[string][]byte{store.EvidenceDocumentFront: []byte("GIF89a not accepted")}, 400, "video.content_type"},
		{map[string][]byte{store.EvidenceDocumentFront: fakeJPEG(4001)}, 413, "video.too_large"},
		{map[string][]byte{store.EvidenceSelfieVideo: fakeJPEG(100)}, 400, "video.content_type"},
		{map[string][]byte{}, 400, "video.no_file"},
	} {
		resp, body := b.upload(tc.files)
		if resp.StatusCode != tc.status || !strings.Contains(body, tc.code) {
			t.Errorf("upload %v: %d, want %d with %s", len(tc.files), resp.StatusCode, tc.status, tc.code)
		}
	}
	// A body past the sum of the limits is cut off.
	resp, body = b.upload(map[string][]byte{store.EvidenceSelfieVideo: fakeWebM(4000*2 + 9000 + 70<<10)})
	if resp.StatusCode != 413 || !strings.Contains(body, "video.too_large") {
		t.Errorf("oversized body: %d", resp.StatusCode)
	}
	// Submitting too early names what is missing.
	resp, body = b.post("/account/video/submit", url.Values{})
	if resp.StatusCode != 400 || !strings.Contains(body, "video.incomplete") {
		t.Errorf("early submit: %d", resp.StatusCode)
	}
	// A cross-site upload is refused by the same protection as every form.
	resp, _ = b.upload(map[string][]byte{store.EvidenceDocumentFront: fakeJPEG(100)}, "Sec-Fetch-Site", "cross-site")
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("cross-site upload: %d", resp.StatusCode)
	}

	resp, _ = b.upload(map[string][]byte{store.EvidenceDocumentFront: fakeJPEG(4000), store.EvidenceDocumentBack: fakeJPEG(300), store.EvidenceSelfieVideo: fakeWebM(9000)})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("upload of the three: %d", resp.StatusCode)
	}
	_, body = b.get("/account/video?saved=1")
	wantIn(t, "after saving", body, "Saved.", "Photo of the front of the document (uploaded)", "Video of your face (5 to 10 seconds) (uploaded)")
	resp, _ = b.post("/account/video/submit", url.Values{})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("submit: %d", resp.StatusCode)
	}
	_, body = b.get("/account/video?submitted=1")
	wantIn(t, "pending status", body, "Sent.", "Waiting for an operator", "Place in the queue", "<dd>1</dd>", `role="status" aria-live="polite"`)
	_, body = b.get("/account")
	wantIn(t, "account page", body, "Video identification", "Sent, waiting for an operator", `href="/account/video"`)

	// The operator refuses; the citizen sees why and may try again.
	q, _ := e.idp.VideoQueue(ctx, e.desk(t), 0)
	if len(q) != 1 {
		t.Fatalf("queue %d", len(q))
	}
	if _, err := e.idp.RefuseVideo(ctx, e.desk(t), q[0].Review.ID, idp.VideoDocumentUnreadable, ""); err != nil {
		t.Fatal(err)
	}
	_, body = b.get("/account/video")
	wantIn(t, "refused status", body, "Not approved", "could not be read", "sharp photos", "Do the video identification again")
	resp, _ = b.post("/account/video/start", url.Values{})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("retry: %d", resp.StatusCode)
	}
	_, body = b.get("/account/video")
	wantIn(t, "new draft", body, "Step 3 of 3", "(missing)")

	// Without a session the pages send to the login.
	anon := e.browser("en")
	for _, p := range []string{"/account/video", "/account/video/submit"} {
		var resp *http.Response
		if p == "/account/video" {
			resp, _ = anon.get(p)
		} else {
			resp, _ = anon.post(p, url.Values{})
		}
		if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/login") {
			t.Errorf("%s without a session: %d %s", p, resp.StatusCode, resp.Header.Get("Location"))
		}
	}
}

// desk is the test operator's desk, as their certificate opens it.
func (e *accEnv) desk(t *testing.T) ra.Desk {
	t.Helper()
	x, err := x509.ParseCertificate(e.operator.Certificate[0])
	if err != nil {
		t.Fatal(err)
	}
	d, err := e.ra.DeskFor(context.Background(), x)
	if err != nil {
		t.Fatal(err)
	}
	return d
}
