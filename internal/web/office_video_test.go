package web

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/llavero/llavero/internal/i18n"
	"github.com/llavero/llavero/internal/i18n/i18ntest"
	"github.com/llavero/llavero/internal/idp"
	"github.com/llavero/llavero/internal/store"
)

// submitted runs a person through video registration in the IdP and
// returns their review, waiting in the queue.
func (e *accEnv) submitted(t *testing.T, id, fact, mobile string) store.VideoReview {
	t.Helper()
	ctx := context.Background()
	e.clock.Advance(1000)
	sent, err := e.idp.StartVideo(ctx, id, fact, idp.Contact{Mobile: mobile, Lang: i18n.ES}, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.idp.VerifyVideo(ctx, sent.CodeID, e.lastSMS(t, id), idp.Contact{Lang: i18n.ES}); err != nil {
		t.Fatal(err)
	}
	for kind, data := range map[string][]byte{store.EvidenceDocumentFront: fakeJPEG(900), store.EvidenceDocumentBack: fakeJPEG(800), store.EvidenceSelfieVideo: fakeWebM(5000)} {
		if _, err := e.idp.AddEvidence(ctx, id, kind, bytes.NewReader(data), 0); err != nil {
			t.Fatal(err)
		}
	}
	v, err := e.idp.SubmitVideo(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestOfficeVideoReview(t *testing.T) {
	e := newVideoEnv(t, store.DocDNI, store.DocTIE)
	ctx := context.Background()
	op := e.client(e.operator)
	jose := e.submitted(t, "12345678Z", "ABC123456", "600111222")
	olena := e.submitted(t, "X1234567L", "E12345678", "+34612345678")

	page := func(t *testing.T, method, path, lang string, form url.Values, c *http.Client, header ...string) (*http.Response, string) {
		t.Helper()
		var body io.Reader
		if form != nil {
			body = strings.NewReader(form.Encode())
		}
		req, _ := http.NewRequest(method, e.login.URL+path, body)
		if form != nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Origin", e.login.URL)
			req.Header.Set("Sec-Fetch-Site", "same-origin")
		}
		req.Header.Set("Accept-Language", lang)
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if s := string(b); strings.Contains(s, "[desk.") {
			t.Errorf("%s %s shows a missing text", method, path)
		}
		return resp, string(b)
	}

	_, home := page(t, "GET", "/office", "en", nil, op)
	wantIn(t, "console home", home, `href="/office/reviews"`, "Video identifications waiting for review")

	for lang, phrases := range map[string][]string{
		"es": {"Identificaciones por vídeo", "la más antigua primero", "José Muñoz Pérez", "Olena Kovalenko"},
		"en": {"Video identifications", "the oldest first", "/office/reviews/" + jose.ID, "/office/reviews/" + olena.ID},
	} {
		resp, b := page(t, "GET", "/office/reviews", lang, nil, op)
		if resp.StatusCode != 200 {
			t.Fatalf("queue in %s: %d", lang, resp.StatusCode)
		}
		wantIn(t, "queue in "+lang, b, phrases...)
		if strings.Index(b, "José") > strings.Index(b, "Olena") {
			t.Errorf("queue in %s: not oldest first", lang)
		}
	}

	resp, b := page(t, "GET", "/office/reviews/"+jose.ID, "en", nil, op)
	if resp.StatusCode != 200 {
		t.Fatalf("review page: %d", resp.StatusCode)
	}
	wantIn(t, "review page", b, "12345678Z", "2032-01-01", "Front of the document", `<img src="/office/reviews/`+jose.ID+`/evidence/`,
		`<video src="/office/reviews/`+jose.ID+`/evidence/`, `action="/office/reviews/`+jose.ID+`/approve"`, `name="reason"`, "The face does not match")

	// The evidence, only to operators, never cached.
	c, err := e.idp.VideoCaseFor(ctx, e.desk(t), jose.ID)
	if err != nil {
		t.Fatal(err)
	}
	evURL := "/office/reviews/" + jose.ID + "/evidence/" + c.Evidence[0].ID
	resp, b = page(t, "GET", evURL, "en", nil, op)
	want, _ := e.st.EvidenceData(ctx, c.Evidence[0].ID)
	if resp.StatusCode != 200 || b != string(want) || resp.Header.Get("Content-Type") != c.Evidence[0].ContentType ||
		resp.Header.Get("Cache-Control") != "no-store" || resp.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Fatalf("evidence: %d %q %q, %d bytes", resp.StatusCode, resp.Header.Get("Content-Type"), resp.Header.Get("Cache-Control"), len(b))
	}
	if resp, _ := page(t, "GET", evURL, "en", nil, e.client()); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("evidence without a certificate: %d", resp.StatusCode)
	}
	if resp, _ := page(t, "GET", "/office/reviews/"+olena.ID+"/evidence/"+c.Evidence[0].ID, "en", nil, op); resp.StatusCode != http.StatusNotFound {
		t.Errorf("evidence through another review: %d", resp.StatusCode)
	}
	if resp, _ := page(t, "GET", "/office/reviews", "en", nil, e.client()); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("queue without a certificate: %d", resp.StatusCode)
	}

	// A document that is not the registry's records nothing.
	form := url.Values{"document_type": {"DNI"}, "document_number": {"12345678Z"}, "document_expiry": {"2033-01-01"}}
	resp, b = page(t, "POST", "/office/reviews/"+jose.ID+"/approve", "en", form, op)
	if resp.StatusCode == 200 || resp.StatusCode == http.StatusSeeOther || !strings.Contains(b, "office.document_mismatch") {
		t.Fatalf("mismatched approval: %d", resp.StatusCode)
	}
	// Cross-site posts are refused like every console form.
	form.Set("document_expiry", "2032-01-01")
	if resp, _ := page(t, "POST", "/office/reviews/"+jose.ID+"/approve", "en", form, op, "Sec-Fetch-Site", "cross-site", "Origin", "https://evil.example"); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("cross-site approval: %d", resp.StatusCode)
	}
	if acc, _ := e.st.GetAccount(ctx, "12345678Z"); acc.Level != store.LevelBasic {
		t.Fatalf("level %s before the approval", acc.Level)
	}
	resp, _ = page(t, "POST", "/office/reviews/"+jose.ID+"/approve", "en", form, op)
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/office/reviews?done=approved") {
		t.Fatalf("approval: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	if acc, _ := e.st.GetAccount(ctx, "12345678Z"); acc.Level != store.LevelAdvanced {
		t.Fatalf("level %s after the approval", acc.Level)
	}
	_, b = page(t, "GET", resp.Header.Get("Location"), "en", nil, op)
	wantIn(t, "queue after approval", b, "Identification approved")
	resp, b = page(t, "POST", "/office/reviews/"+jose.ID+"/refuse", "en", url.Values{"reason": {"face.mismatch"}}, op)
	if resp.StatusCode != http.StatusConflict || !strings.Contains(b, "video.not_pending") {
		t.Errorf("refusing a decided review: %d", resp.StatusCode)
	}

	// The JSON API does the same for office software.
	resp, raw := call(t, op, "GET", e.login.URL+"/api/v1/office/reviews", nil, nil)
	var list reviewsJSON
	if resp.StatusCode != 200 || json.Unmarshal(raw, &list) != nil || len(list.Reviews) != 1 || list.Reviews[0].ID != olena.ID ||
		list.Reviews[0].Person.DocumentType != "TIE" {
		t.Fatalf("API queue: %d %s", resp.StatusCode, raw)
	}
	resp, raw = call(t, op, "GET", e.login.URL+"/api/v1/office/reviews/"+olena.ID, nil, nil)
	var one reviewJSON
	if resp.StatusCode != 200 || json.Unmarshal(raw, &one) != nil || len(one.Evidence) != 3 || one.Account == nil || one.Account.Level != "basic" {
		t.Fatalf("API review: %d %s", resp.StatusCode, raw)
	}
	resp, raw = call(t, op, "GET", e.login.URL+one.Evidence[2].URL, nil, nil)
	if resp.StatusCode != 200 || int64(len(raw)) != one.Evidence[2].Size || resp.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("API evidence: %d, %d bytes", resp.StatusCode, len(raw))
	}
	resp, raw = call(t, op, "POST", e.login.URL+"/api/v1/office/reviews/"+olena.ID+"/refuse", map[string]string{"reason": "other"}, nil)
	if resp.StatusCode != 400 || !bytes.Contains(raw, []byte("video.reason")) {
		t.Fatalf("API refusal without a note: %d %s", resp.StatusCode, raw)
	}
	resp, raw = call(t, op, "POST", e.login.URL+"/api/v1/office/reviews/"+olena.ID+"/refuse", map[string]string{"reason": "document.unreadable"}, nil)
	var dec reviewDecisionJSON
	if resp.StatusCode != 200 || json.Unmarshal(raw, &dec) != nil || dec.State != store.ReviewRefused || dec.PersonID != "X1234567L" || dec.Level != "basic" {
		t.Fatalf("API refusal: %d %s", resp.StatusCode, raw)
	}
	resp, raw = call(t, op, "POST", e.login.URL+"/api/v1/office/reviews/"+olena.ID+"/approve",
		map[string]string{"document_type": "TIE", "document_number": "X1234567L", "document_expiry": "2031-05-01"}, nil)
	if resp.StatusCode != http.StatusConflict || !bytes.Contains(raw, []byte("video.not_pending")) {
		t.Fatalf("API approval of a refused review: %d %s", resp.StatusCode, raw)
	}
	resp, _ = call(t, op, "GET", e.login.URL+"/api/v1/office/reviews/nope", nil, nil)
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("API review that does not exist: %d", resp.StatusCode)
	}
	_, b = page(t, "GET", "/office/reviews/"+olena.ID, "es", nil, op)
	wantIn(t, "decided review", b, "Rechazada", "El documento no se lee", "ya está decidida")
}

// The video pages' own refusals are bilingual, and every reason an
// operator may choose has a label of its own.
func TestVideoWebErrorsAndLabels(t *testing.T) {
	i18ntest.CheckBilingual(t, map[string]*i18n.Error{"errNoEvidence": errNoEvidence, "errReviewNotFound": errReviewNotFound},
		regexp.MustCompile(`^[a-z]+\.[a-z_]+$`))
	for _, code := range idp.VideoRefusalReasons() {
		if _, ok := videoReasonLabels[code]; !ok {
			t.Errorf("refusal reason %s has no label", code)
		}
	}
	for _, kind := range idp.EvidenceKinds {
		if _, ok := evidenceLabels[kind]; !ok {
			t.Errorf("evidence kind %s has no label", kind)
		}
	}
}
