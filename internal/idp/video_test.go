package idp

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/llavero/llavero/internal/i18n"
	"github.com/llavero/llavero/internal/ra"
	"github.com/llavero/llavero/internal/store"
)

// Bytes that sniff as what they stand for, padded to n.
func jpeg(n int) []byte { return pad([]byte{0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, 'J', 'F', 'I', 'F'}, n) }
func png(n int) []byte  { return pad([]byte{0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'}, n) }
func webp(n int) []byte { return pad([]byte("RIFF\x00\x00\x00\x00WEBPVP8 "), n) }
func webm(n int) []byte { return pad([]byte{0x1A, 0x45, 0xDF, 0xA3, 0x9F, 0x42, 0x86, 0x81}, n) }
func mp4(n int) []byte  { return pad([]byte("\x00\x00\x00\x18ftypmp42"), n) }

func pad(head []byte, n int) []byte {
	b := make([]byte, max(n, len(head)))
	copy(b, head)
	for i := len(head); i < len(b); i++ {
		b[i] = byte(i * 7)
	}
	return b
}

// videoStart runs the first two steps for José (DNI holder) and returns
// the outcome of the right code.
func (e *env) videoStart(mobile string) VideoStarted {
	e.t.Helper()
	// lastSMS tells codes apart by time.
	e.clock.Advance(time.Second)
	ctx := context.Background()
	sent, err := e.idp.StartVideo(ctx, "12345678Z", "ABC123456", Contact{Mobile: mobile, Lang: i18n.EN}, "203.0.113.9")
	if err != nil {
		e.t.Fatal(err)
	}
	got, err := e.idp.VerifyVideo(ctx, sent.CodeID, e.lastSMS("12345678Z"), Contact{Email: "jose@example.org", Lang: i18n.EN})
	if err != nil {
		e.t.Fatal(err)
	}
	return got
}

// upload adds the three pieces and submits.
func (e *env) videoComplete(personID string) store.VideoReview {
	e.t.Helper()
	ctx := context.Background()
	for kind, data := range map[string][]byte{
		store.EvidenceDocumentFront: jpeg(2000), store.EvidenceDocumentBack: png(1500), store.EvidenceSelfieVideo: webm(5000),
	} {
		if _, err := e.idp.AddEvidence(ctx, personID, kind, bytes.NewReader(data), int64(len(data))); err != nil {
			e.t.Fatalf("AddEvidence(%s): %v", kind, err)
		}
	}
	v, err := e.idp.SubmitVideo(ctx, personID)
	if err != nil {
		e.t.Fatal(err)
	}
	return v
}

func (e *env) audited(action string) []store.AuditEvent {
	e.t.Helper()
	evs, err := e.st.ListAudit(context.Background(), 0, 1000)
	if err != nil {
		e.t.Fatal(err)
	}
	var out []store.AuditEvent
	for _, ev := range evs {
		if ev.Action == action {
			out = append(out, ev)
		}
	}
	return out
}

// outboxWith returns the messages of a kind to a person whose body holds
// text (the test clock stands still, so "newest" does not tell them apart).
func (e *env) outboxWith(personID, kind, text string) []store.Message {
	e.t.Helper()
	all, err := e.st.ListOutbox(context.Background(), store.OutboxFilter{To: personID, Kind: kind})
	if err != nil {
		e.t.Fatal(err)
	}
	var out []store.Message
	for _, m := range all {
		if strings.Contains(m.Body, text) {
			out = append(out, m)
		}
	}
	return out
}

var joseDNI = ra.Check{DocumentType: "DNI", DocumentNumber: "12345678Z", DocumentExpiry: time.Date(2032, 1, 1, 0, 0, 0, 0, time.UTC)}

func TestVideoStartRefusals(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	// Olena holds a TIE: by default only DNI holders identify by video.
	_, err := e.idp.StartVideo(ctx, "X1234567L", "E12345678", Contact{Mobile: "600000001"}, "")
	wantCode(t, err, "video.document")
	_, err = e.idp.StartVideo(ctx, "12345678Z", "ABC000000", Contact{Mobile: "600000001"}, "")
	wantCode(t, err, "pin.second_fact")
	_, err = e.idp.StartVideo(ctx, "12345678Z", "ABC123456", Contact{}, "")
	wantCode(t, err, "phone.empty")
	// A number belongs to one identifier: Olena registered it at an office.
	if _, err := e.idp.RegisterAtOffice(ctx, e.desk, "X1234567L", ra.Check{DocumentType: "TIE", DocumentNumber: "X1234567L",
		DocumentExpiry: time.Date(2031, 5, 1, 0, 0, 0, 0, time.UTC)}, Contact{Mobile: "+34600000001"}); err != nil {
		t.Fatal(err)
	}
	_, err = e.idp.StartVideo(ctx, "12345678Z", "ABC123456", Contact{Mobile: "600 000 001"}, "")
	wantCode(t, err, "account.phone_taken")
	if m, _ := e.st.ListOutbox(ctx, store.OutboxFilter{To: "12345678Z"}); len(m) != 0 {
		t.Fatalf("a refused start sent %d messages", len(m))
	}

	// The setting opens it to TIE holders, and an advanced account has
	// nothing to gain.
	e.idp.cfg.Video.Documents = []string{store.DocDNI, store.DocTIE}
	_, err = e.idp.StartVideo(ctx, "X1234567L", "E12345678", Contact{}, "")
	wantCode(t, err, "account.already_advanced")
}

func TestVideoCodeFlowMakesBasicAccountAndDraft(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	sent, err := e.idp.StartVideo(ctx, "12345678z", "ABC123456", Contact{Mobile: "611 222 333", Lang: i18n.EN}, "")
	if err != nil {
		t.Fatal(err)
	}
	if sent.MaskedPhone == "" || !strings.HasSuffix(sent.MaskedPhone, "33") {
		t.Fatalf("sent %+v", sent)
	}
	// The code went to the number being registered, and only its hash is
	// kept.
	oc, err := e.st.GetCode(ctx, sent.CodeID)
	if err != nil || oc.Destination != "+34611222333" || oc.Purpose != codeVideo {
		t.Fatalf("code %+v, %v", oc, err)
	}
	code := e.lastSMS("12345678Z")
	if strings.Contains(oc.CodeHash, code) {
		t.Fatal("the code is stored in clear")
	}
	// A wrong code counts, and a PIN flow cannot spend a video code.
	_, err = e.idp.VerifyVideo(ctx, sent.CodeID, "000000", Contact{})
	wantCode(t, err, "otp.wrong")
	_, err = e.idp.VerifyPIN(ctx, sent.CodeID, code)
	wantCode(t, err, "otp.wrong")
	_, err = e.idp.VerifyVideo(ctx, sent.CodeID, code, Contact{Email: "not an email"})
	wantCode(t, err, "account.email")

	got, err := e.idp.VerifyVideo(ctx, sent.CodeID, code, Contact{Email: "jose@example.org", Lang: i18n.EN})
	if err != nil {
		t.Fatal(err)
	}
	if got.PersonID != "12345678Z" || got.ACR != "low" || got.ReviewID == "" {
		t.Fatalf("verified %+v", got)
	}
	acc, err := e.st.GetAccount(ctx, "12345678Z")
	if err != nil || acc.Level != store.LevelBasic || acc.RegisteredVia != store.ViaVideo || acc.Mobile != "+34611222333" || acc.Email != "jose@example.org" || acc.Lang != "en" {
		t.Fatalf("account %+v, %v", acc, err)
	}
	v, err := e.st.GetVideoReview(ctx, got.ReviewID)
	if err != nil || v.State != store.ReviewDraft || v.PersonID != "12345678Z" {
		t.Fatalf("review %+v, %v", v, err)
	}
	// Used once.
	_, err = e.idp.VerifyVideo(ctx, sent.CodeID, code, Contact{})
	wantCode(t, err, "otp.used")
	if len(e.audited("video.open")) != 1 || len(e.audited("account.register")) != 1 {
		t.Fatal("the account and the review are not audited")
	}

	// Coming back finds the same open review: one per person.
	again := e.videoStart("")
	if again.ReviewID != got.ReviewID {
		t.Fatalf("a second start opened review %s beside %s", again.ReviewID, got.ReviewID)
	}
	v2, err := e.idp.OpenVideoReview(ctx, "12345678Z")
	if err != nil || v2.ID != got.ReviewID {
		t.Fatalf("OpenVideoReview = %+v, %v", v2, err)
	}
	// The account's number cannot be changed this way.
	_, err = e.idp.StartVideo(ctx, "12345678Z", "ABC123456", Contact{Mobile: "622 000 000"}, "")
	wantCode(t, err, "video.mobile_mismatch")
}

func TestVideoEvidence(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	_, err := e.idp.AddEvidence(ctx, "12345678Z", store.EvidenceDocumentFront, bytes.NewReader(jpeg(100)), 0)
	wantCode(t, err, "video.none")
	_, err = e.idp.SubmitVideo(ctx, "12345678Z")
	wantCode(t, err, "video.none")

	started := e.videoStart("611222333")
	e.idp.cfg.Video.PhotoMax, e.idp.cfg.Video.VideoMax = 4000, 8000
	cases := []struct {
		kind  string
		data  []byte
		ctype string
		code  string
	}{
		{store.EvidenceDocumentFront, jpeg(4000), "image/jpeg", ""},
		{store.EvidenceDocumentFront, jpeg(4001), "", "video.too_large"},
		{store.EvidenceDocumentBack, []byte("%PDF-1.7 not a photo"), "", "video.content_type"},
		{store.EvidenceDocumentBack, webm(100), "", "video.content_type"}, // a video is no photo
		{store.EvidenceDocumentBack, nil, "", "video.content_type"},
		{store.EvidenceDocumentBack, webp(300), "image/webp", ""},
		{store.EvidenceSelfieVideo, jpeg(300), "", "video.content_type"},
		{store.EvidenceSelfieVideo, webm(8001), "", "video.too_large"},
		{store.EvidenceSelfieVideo, mp4(8000), "video/mp4", ""},
		{"passport-photo", jpeg(100), "", "video.kind"},
	}
	for _, tc := range cases {
		// One byte at a time: the reader must not depend on large reads.
		got, err := e.idp.AddEvidence(ctx, "12345678Z", tc.kind, iotest.OneByteReader(bytes.NewReader(tc.data)), 0)
		if tc.code != "" {
			wantCode(t, err, tc.code)
			continue
		}
		if err != nil {
			t.Fatalf("%s of %d bytes: %v", tc.kind, len(tc.data), err)
		}
		data, err := e.st.EvidenceData(ctx, got.ID)
		if err != nil || !bytes.Equal(data, tc.data) || got.ContentType != tc.ctype || got.Size != int64(len(tc.data)) || len(got.SHA256) != 64 {
			t.Fatalf("%s stored as %+v (%d bytes, %v)", tc.kind, got, len(data), err)
		}
	}
	// The front again replaces the first one.
	front2, err := e.idp.AddEvidence(ctx, "12345678Z", store.EvidenceDocumentFront, bytes.NewReader(png(50)), 50)
	if err != nil {
		t.Fatal(err)
	}
	pieces, _ := e.st.ListEvidence(ctx, started.ReviewID)
	v, _ := e.st.GetVideoReview(ctx, started.ReviewID)
	if len(pieces) != 3 || len(v.Evidence) != 3 || v.Evidence[2] != front2.ID {
		t.Fatalf("after replacing the front: %d pieces, review lists %v", len(pieces), v.Evidence)
	}
	if n := len(e.audited("video.evidence")); n != 4 {
		t.Fatalf("%d evidence uploads audited, want 4", n)
	}
	// A reader that fails fails the upload, and stores nothing.
	_, err = e.idp.AddEvidence(ctx, "12345678Z", store.EvidenceDocumentBack, iotest.ErrReader(errors.New("connection reset")), 0)
	if err == nil || i18n.CodeOf(err) != "" {
		t.Fatalf("a failed read: %v", err)
	}
}

func TestVideoSubmitNeedsEveryPiece(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.videoStart("611222333")
	for _, kind := range []string{store.EvidenceDocumentFront, store.EvidenceSelfieVideo} {
		data := jpeg(100)
		if kind == store.EvidenceSelfieVideo {
			data = webm(100)
		}
		if _, err := e.idp.AddEvidence(ctx, "12345678Z", kind, bytes.NewReader(data), 0); err != nil {
			t.Fatal(err)
		}
		_, err := e.idp.SubmitVideo(ctx, "12345678Z")
		wantCode(t, err, "video.incomplete")
	}
	if _, err := e.idp.AddEvidence(ctx, "12345678Z", store.EvidenceDocumentBack, bytes.NewReader(jpeg(100)), 0); err != nil {
		t.Fatal(err)
	}
	v, err := e.idp.SubmitVideo(ctx, "12345678Z")
	if err != nil || v.State != store.ReviewPending {
		t.Fatalf("SubmitVideo = %+v, %v", v, err)
	}
	st, err := e.idp.StatusOfVideo(ctx, "12345678Z")
	if err != nil || st.Review.ID != v.ID || st.Position != 1 || st.CanStart {
		t.Fatalf("status %+v, %v", st, err)
	}
	// Sent is sent.
	_, err = e.idp.AddEvidence(ctx, "12345678Z", store.EvidenceDocumentBack, bytes.NewReader(jpeg(100)), 0)
	wantCode(t, err, "video.submitted")
	_, err = e.idp.SubmitVideo(ctx, "12345678Z")
	wantCode(t, err, "video.submitted")
	if len(e.audited("video.submit")) != 1 {
		t.Fatal("submission not audited")
	}
}

func TestVideoApproveMakesAdvanced(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.videoStart("611222333")
	v := e.videoComplete("12345678Z")

	q, err := e.idp.VideoQueue(ctx, e.desk, 0)
	if err != nil || len(q) != 1 || q[0].Review.ID != v.ID || q[0].Person.DocumentNumber != "12345678Z" {
		t.Fatalf("queue %+v, %v", q, err)
	}
	c, err := e.idp.VideoCaseFor(ctx, e.desk, v.ID)
	if err != nil || len(c.Evidence) != 3 || c.Account.Level != store.LevelBasic {
		t.Fatalf("case %+v, %v", c, err)
	}
	for i, kind := range EvidenceKinds {
		if c.Evidence[i].Kind != kind {
			t.Fatalf("evidence %d is %s, want %s", i, c.Evidence[i].Kind, kind)
		}
	}
	ev, data, err := e.idp.EvidenceFor(ctx, e.desk, v.ID, c.Evidence[0].ID)
	if err != nil || int64(len(data)) != ev.Size {
		t.Fatalf("EvidenceFor: %+v, %d bytes, %v", ev, len(data), err)
	}
	if _, _, err := e.idp.EvidenceFor(ctx, e.desk, "another-review", c.Evidence[0].ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("evidence through another review: %v", err)
	}
	if len(e.audited("video.evidence_view")) != 1 {
		t.Fatal("viewing evidence is not audited")
	}

	// What the operator saw must be the registry's document.
	wrong := joseDNI
	wrong.DocumentExpiry = wrong.DocumentExpiry.AddDate(1, 0, 0)
	_, err = e.idp.ApproveVideo(ctx, e.desk, v.ID, wrong)
	wantCode(t, err, "office.document_mismatch")
	if got, _ := e.st.GetVideoReview(ctx, v.ID); got.State != store.ReviewPending {
		t.Fatalf("a refused check changed the review to %s", got.State)
	}

	acc, err := e.idp.ApproveVideo(ctx, e.desk, v.ID, joseDNI)
	if err != nil {
		t.Fatal(err)
	}
	if acc.Level != store.LevelAdvanced || acc.RegisteredVia != store.ViaVideo {
		t.Fatalf("account %+v", acc)
	}
	got, _ := e.st.GetVideoReview(ctx, v.ID)
	if got.State != store.ReviewApproved || got.OperatorID != e.desk.Operator.ID || got.DecidedAt.IsZero() {
		t.Fatalf("review %+v", got)
	}
	evs := e.audited("video.approve")
	if len(evs) != 1 || evs[0].Actor != "operator:"+e.desk.Operator.ID {
		t.Fatalf("approval audit %+v", evs)
	}
	sms := e.outboxWith("12345678Z", store.KindSMS, "approved")
	mail := e.outboxWith("12345678Z", store.KindEmail, "approved")
	if len(sms) != 1 || len(mail) != 1 || mail[0].To != "jose@example.org" {
		t.Fatalf("notifications: %+v %+v", sms, mail)
	}
	// The decision is among the person's notices, in the email's words.
	notices, err := e.st.ListReminders(ctx, "12345678Z", 0)
	if err != nil || len(notices) != 1 || notices[0].Kind != store.ReminderVideoDecision || notices[0].Subject != v.ID ||
		notices[0].Title != mail[0].Subject || notices[0].Body != mail[0].Body {
		t.Fatalf("notices %+v, %v; email %+v", notices, err, mail[0])
	}
	_, err = e.idp.ApproveVideo(ctx, e.desk, v.ID, joseDNI)
	wantCode(t, err, "video.not_pending")
	st, _ := e.idp.StatusOfVideo(ctx, "12345678Z")
	if st.Review.State != store.ReviewApproved || st.CanStart {
		t.Fatalf("status %+v", st)
	}
	// Advanced now: nothing to gain from another try.
	_, err = e.idp.OpenVideoReview(ctx, "12345678Z")
	wantCode(t, err, "account.already_advanced")
	_, err = e.idp.StartVideo(ctx, "12345678Z", "ABC123456", Contact{}, "")
	wantCode(t, err, "account.already_advanced")
}

func TestVideoRefuseKeepsBasicAndAllowsResubmit(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.videoStart("611222333")
	v := e.videoComplete("12345678Z")

	_, err := e.idp.RefuseVideo(ctx, e.desk, v.ID, "bad-lighting", "")
	wantCode(t, err, "video.reason")
	_, err = e.idp.RefuseVideo(ctx, e.desk, v.ID, VideoOther, "  ")
	wantCode(t, err, "video.reason")
	_, err = e.idp.RefuseVideo(ctx, e.desk, v.ID, VideoOther, strings.Repeat("x", maxVideoNote+1))
	wantCode(t, err, "video.reason")

	got, err := e.idp.RefuseVideo(ctx, e.desk, v.ID, VideoFaceMismatch, "Se veía\n otra persona")
	if err != nil {
		t.Fatal(err)
	}
	if got.State != store.ReviewRefused || got.RefusalReason != "face.mismatch: Se veía otra persona" {
		t.Fatalf("review %+v", got)
	}
	if acc, _ := e.st.GetAccount(ctx, "12345678Z"); acc.Level != store.LevelBasic {
		t.Fatalf("a refusal changed the level to %s", acc.Level)
	}
	evs := e.audited("video.refuse")
	if len(evs) != 1 || evs[0].Actor != "operator:"+e.desk.Operator.ID || evs[0].Outcome != "refused" {
		t.Fatalf("refusal audit %+v", evs)
	}
	sms := e.outboxWith("12345678Z", store.KindSMS, "could not approve")
	if len(sms) != 1 || !strings.Contains(sms[0].Body, "does not match") || !strings.Contains(sms[0].Body, "registration office") ||
		!strings.Contains(sms[0].Body, "otra persona") {
		t.Fatalf("refusal SMS %+v", sms)
	}
	notices, err := e.st.ListReminders(ctx, "12345678Z", 0)
	if err != nil || len(notices) != 1 || notices[0].Kind != store.ReminderVideoDecision || notices[0].Subject != v.ID ||
		!strings.Contains(notices[0].Body, "does not match") || !strings.Contains(notices[0].Body, "otra persona") ||
		!strings.Contains(notices[0].Body, "registration office") {
		t.Fatalf("refusal notice %+v, %v", notices, err)
	}
	st, err := e.idp.StatusOfVideo(ctx, "12345678Z")
	if err != nil || st.Review.State != store.ReviewRefused || st.Refusal.Reason.EN == "" || st.Note != "Se veía otra persona" || !st.CanStart {
		t.Fatalf("status %+v, %v", st, err)
	}
	_, err = e.idp.RefuseVideo(ctx, e.desk, v.ID, VideoMissing, "")
	wantCode(t, err, "video.not_pending")

	// A new try: a new draft, the refused review kept as it was.
	next, err := e.idp.OpenVideoReview(ctx, "12345678Z")
	if err != nil || next.ID == v.ID || next.State != store.ReviewDraft {
		t.Fatalf("OpenVideoReview after a refusal = %+v, %v", next, err)
	}
	second := e.videoComplete("12345678Z")
	if second.ID != next.ID {
		t.Fatalf("submitted %s, opened %s", second.ID, next.ID)
	}
	if _, err := e.idp.ApproveVideo(ctx, e.desk, second.ID, joseDNI); err != nil {
		t.Fatal(err)
	}
	if notices, _ := e.st.ListReminders(ctx, "12345678Z", 0); len(notices) != 2 || notices[0].Subject != second.ID || notices[1].Subject != v.ID {
		t.Fatalf("after the second decision, notices %+v", notices)
	}
}

func TestVideoOfficeMustHandleAccounts(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	desk := e.desk
	desk.Office.Handles = []string{"certificate"}
	_, err := e.idp.VideoQueue(ctx, desk, 0)
	wantCode(t, err, ra.ErrOfficeCannot.Code)
	_, err = e.idp.ApproveVideo(ctx, desk, "x", joseDNI)
	wantCode(t, err, ra.ErrOfficeCannot.Code)
	_, err = e.idp.RefuseVideo(ctx, desk, "x", VideoMissing, "")
	wantCode(t, err, ra.ErrOfficeCannot.Code)
	_, _, err = e.idp.EvidenceFor(ctx, desk, "x", "y")
	wantCode(t, err, ra.ErrOfficeCannot.Code)

	// An office set up only to review video identifications may.
	desk.Office.Handles = []string{"video-review"}
	if _, err := e.idp.VideoQueue(ctx, desk, 0); err != nil {
		t.Errorf("a video-review office's queue: %v", err)
	}
	_, err = e.idp.ApproveVideo(ctx, desk, "x", joseDNI)
	if errors.Is(err, ra.ErrOfficeCannot) {
		t.Errorf("a video-review office may not approve: %v", err)
	}
}

func TestVideoEvidencePurgedAfterRetention(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.videoStart("611222333")
	v := e.videoComplete("12345678Z")
	if n, err := e.idp.PurgeVideoEvidence(ctx); err != nil || n != 0 {
		t.Fatalf("purge of an undecided review: %d, %v", n, err)
	}
	if _, err := e.idp.ApproveVideo(ctx, e.desk, v.ID, joseDNI); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(29 * 24 * time.Hour)
	if n, err := e.idp.PurgeVideoEvidence(ctx); err != nil || n != 0 {
		t.Fatalf("purge within the retention: %d, %v", n, err)
	}
	e.clock.Advance(2 * 24 * time.Hour)
	if n, err := e.idp.PurgeVideoEvidence(ctx); err != nil || n != 3 {
		t.Fatalf("purge after the retention: %d, %v; want 3", n, err)
	}
	for _, id := range v.Evidence {
		if _, err := e.st.EvidenceData(ctx, id); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("evidence %s still has its bytes: %v", id, err)
		}
		if ev, err := e.st.GetEvidence(ctx, id); err != nil || ev.PurgedAt.IsZero() || ev.SHA256 == "" {
			t.Fatalf("evidence %s after purge: %+v, %v", id, ev, err)
		}
	}
	if got, err := e.st.GetVideoReview(ctx, v.ID); err != nil || got.State != store.ReviewApproved {
		t.Fatalf("review after purge %+v, %v", got, err)
	}
	if evs := e.audited("video.evidence_purge"); len(evs) != 1 || evs[0].Actor != "system" || evs[0].Subject != v.ID {
		t.Fatalf("purge audit %+v", evs)
	}
	// The Run loop purges too, and twice purges nothing more.
	if n, err := e.idp.PurgeVideoEvidence(ctx); err != nil || n != 0 {
		t.Fatalf("second purge: %d, %v", n, err)
	}
}

func TestReadEvidenceHoldsOneBuffer(t *testing.T) {
	data := webm(1 << 20)
	for _, hint := range []int64{0, int64(len(data)), int64(len(data)) + 300, 100} {
		got, sum, too, err := readEvidence(bytes.NewReader(data), int64(len(data)), hint)
		if err != nil || too || !bytes.Equal(got, data) || len(sum) != 64 {
			t.Fatalf("hint %d: %d bytes, too %v, %v", hint, len(got), too, err)
		}
		if hint >= int64(len(data)) && cap(got) > len(data)+1 {
			t.Errorf("hint %d: buffer grew to %d for %d bytes", hint, cap(got), len(data))
		}
	}
	_, _, too, err := readEvidence(io.MultiReader(bytes.NewReader(data), bytes.NewReader([]byte{1})), int64(len(data)), int64(len(data)))
	if !too || err != nil {
		t.Fatalf("one byte over the limit: too %v, %v", too, err)
	}
}
