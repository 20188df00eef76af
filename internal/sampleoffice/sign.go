package sampleoffice

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/llavero/llavero/internal/i18n"
	"github.com/llavero/llavero/internal/idp/loa"
)

// Signing the licence exchange form with llavero's remote signing, as a
// relying party does it:
//
//  1. build the document and hash it (SHA-256);
//  2. POST the hash, a description and the callback address to
//     /api/v1/signatures/requests, authenticated with the client's ID and
//     secret (HTTP Basic, as at the token endpoint);
//  3. send the person to the approve_url it answers with;
//  4. learn the outcome from the callback llavero posts, taking from it
//     only the request's id and reading the outcome itself from GET
//     /api/v1/signatures/requests/{id} (the callback is unauthenticated),
//     or by polling that address when the person comes back first;
//  5. check that the signer's certificate names the person who is
//     logged in before accepting the signature.
//
// A real office would also verify the CMS itself against the document
// and llavero's root (openssl cms -verify, or llavero's validation API);
// this sample only shows and offers it. Signings live in memory, like
// the office's sessions.

const signProcedure = "licence-exchange"

type signing struct {
	ref      string // the office's own reference, in its URLs
	id       string // llavero's request id
	owner    string // the person's sub at this office
	llavero  string // their llavero_id when they asked
	approve  string // llavero's approval URL
	doc      []byte
	docName  string
	created  time.Time
	state    string // as llavero last said: requested, approved, refused, expired, failed
	reason   string
	cms      []byte
	cert     []byte
	decided  time.Time
	informed bool // the callback arrived
}

type signings struct {
	mu    sync.Mutex
	byRef map[string]*signing
	byID  map[string]*signing
}

func newSignings() *signings {
	return &signings{byRef: map[string]*signing{}, byID: map[string]*signing{}}
}

func (s *signings) add(g *signing) {
	s.mu.Lock()
	defer s.mu.Unlock()
	// Signings are kept for a day; the sample forgets older ones.
	for ref, x := range s.byRef {
		if time.Since(x.created) > 24*time.Hour {
			delete(s.byRef, ref)
			delete(s.byID, x.id)
		}
	}
	s.byRef[g.ref], s.byID[g.id] = g, g
}

func (s *signings) get(ref string) (signing, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, ok := s.byRef[ref]
	if !ok {
		return signing{}, false
	}
	return *g, true
}

func (s *signings) byRequest(id string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, ok := s.byID[id]
	if !ok {
		return "", false
	}
	return g.ref, true
}

func (s *signings) update(ref string, r apiResult, informed bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, ok := s.byRef[ref]
	if !ok {
		return
	}
	g.state, g.reason, g.cms, g.cert, g.decided = r.State, r.Reason, r.sig, r.der, r.decided
	g.informed = g.informed || informed
}

// apiResult is llavero's answer about a request.
type apiResult struct {
	ID          string     `json:"id"`
	State       string     `json:"state"`
	Reason      string     `json:"reason"`
	DecidedAt   *time.Time `json:"decided_at"`
	Signature   string     `json:"signature"`
	Certificate string     `json:"certificate"`

	sig, der []byte
	decided  time.Time
}

func (o *Office) api(ctx context.Context, method, path string, body any, out any) (int, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return 0, err
		}
		rd = bytes.NewReader(b)
	}
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, o.cfg.Issuer+path, rd)
	if err != nil {
		return 0, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	// RFC 6749 §2.3.1: form-encode, then Basic.
	req.SetBasicAuth(url.QueryEscape(o.cfg.ClientID), url.QueryEscape(o.cfg.ClientSecret))
	resp, err := o.cfg.HTTPClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return resp.StatusCode, err
	}
	if resp.StatusCode/100 != 2 {
		return resp.StatusCode, fmt.Errorf("llavero answered %s: %s", resp.Status, bytes.TrimSpace(data))
	}
	return resp.StatusCode, json.Unmarshal(data, out)
}

// form is the licence exchange application the person signs: plain text,
// in both languages, naming them and the moment.
func exchangeForm(u user, ref string, at time.Time) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "SOLICITUD DE CANJE DE PERMISO DE CONDUCIR EXTRANJERO\nFOREIGN DRIVING LICENCE EXCHANGE APPLICATION\n\n")
	fmt.Fprintf(&b, "Sede / Office: %s\n", Name)
	fmt.Fprintf(&b, "Referencia / Reference: %s\n", ref)
	fmt.Fprintf(&b, "Solicitante / Applicant: %s (%s)\n", u.Name, u.LlaveroID)
	fmt.Fprintf(&b, "Fecha / Date: %s\n\n", at.UTC().Format(time.RFC3339))
	fmt.Fprintf(&b, "Solicito el canje de mi permiso de conducir extranjero por el permiso español equivalente y declaro que los datos son ciertos.\n")
	fmt.Fprintf(&b, "I apply to exchange my foreign driving licence for the equivalent Spanish licence and declare that the data are true.\n")
	fmt.Fprintf(&b, "\n(Documento de ejemplo / Sample document)\n")
	return []byte(b.String())
}

func (o *Office) signStart(w http.ResponseWriter, r *http.Request) {
	v := o.view(r)
	u, ok := o.sessions.user(o.sessionID(r))
	if v.User == nil || !ok || !loa.Meets(u.ACR, loa.Substantial) {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	ref := randomToken()[:16]
	now := o.cfg.Now()
	doc := exchangeForm(u, ref, now)
	sum := sha256.Sum256(doc)
	var created struct {
		ID         string `json:"id"`
		ApproveURL string `json:"approve_url"`
	}
	docName := "canje-" + ref + ".txt"
	_, err := o.api(r.Context(), http.MethodPost, "/api/v1/signatures/requests", map[string]string{
		"description":   "Solicitud de canje de permiso de conducir extranjero (ref. " + ref + ") / Foreign driving licence exchange application",
		"document_name": docName,
		"hash_alg":      "SHA-256",
		"digest":        base64.StdEncoding.EncodeToString(sum[:]),
		"callback_uri":  o.cfg.PublicURL + "/signature/callback",
		"return_uri":    o.cfg.PublicURL + "/signature/" + ref,
	}, &created)
	// Only an approval page on llavero itself: a bad answer must not send
	// the person elsewhere.
	if err == nil && !strings.HasPrefix(created.ApproveURL, o.cfg.Issuer+"/") {
		err = fmt.Errorf("approve_url %q is not on llavero", created.ApproveURL)
	}
	if err != nil {
		o.cfg.Log.Warn("sample office: signature request refused", "err", err)
		o.problem(w, r, http.StatusBadGateway, pageSignRequest)
		return
	}
	o.signs.add(&signing{ref: ref, id: created.ID, owner: u.Sub, llavero: u.LlaveroID, approve: created.ApproveURL, doc: doc,
		docName: docName, created: now, state: "requested"})
	http.Redirect(w, r, created.ApproveURL, http.StatusSeeOther)
}

// signCallback takes llavero's notice that a request was decided. Its
// body is not trusted: only the id is read from it, and the outcome
// fetched from llavero with the client's credentials.
func (o *Office) signCallback(w http.ResponseWriter, r *http.Request) {
	var note struct {
		ID string `json:"id"`
	}
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&note); err != nil || note.ID == "" {
		http.Error(w, "bad callback", http.StatusBadRequest)
		return
	}
	ref, ok := o.signs.byRequest(note.ID)
	if !ok {
		http.Error(w, "unknown request", http.StatusNotFound)
		return
	}
	if _, err := o.refresh(r.Context(), ref, note.ID, true); err != nil {
		o.cfg.Log.Warn("sample office: signature outcome not read", "err", err)
		// llavero tries again later.
		http.Error(w, "not read", http.StatusBadGateway)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (o *Office) refresh(ctx context.Context, ref, id string, informed bool) (apiResult, error) {
	var res apiResult
	if _, err := o.api(ctx, http.MethodGet, "/api/v1/signatures/requests/"+url.PathEscape(id), nil, &res); err != nil {
		return res, err
	}
	if res.ID != id {
		return res, errors.New("llavero answered about another request")
	}
	var err error
	if res.Signature != "" {
		if res.sig, err = base64.StdEncoding.DecodeString(res.Signature); err != nil {
			return res, err
		}
	}
	if res.Certificate != "" {
		if res.der, err = base64.StdEncoding.DecodeString(res.Certificate); err != nil {
			return res, err
		}
	}
	if res.DecidedAt != nil {
		res.decided = *res.DecidedAt
	}
	o.signs.update(ref, res, informed)
	return res, nil
}

// signView is the signing page's content.
type signView struct {
	Ref, Doc, DocName string
	Waiting           bool
	ApproveURL        string
	Signed            bool
	Signer, SignerID  string
	At                string
	Mismatch          bool // signed by someone other than the person logged in
	Refused, Expired  bool
	Failed            bool
	Reason            string
}

var oidSerialNumber = asn1.ObjectIdentifier{2, 5, 4, 5}

func (o *Office) signResult(w http.ResponseWriter, r *http.Request) {
	ref := r.PathValue("ref")
	g, ok := o.ownSigning(w, r, ref)
	if !ok {
		return
	}
	if g.state == "requested" {
		// Back before the callback: ask llavero.
		if _, err := o.refresh(r.Context(), ref, g.id, false); err != nil {
			o.cfg.Log.Warn("sample office: signature outcome not read", "err", err)
		}
		g, _ = o.signs.get(ref)
	}
	lang := o.lang(r)
	v := o.view(r)
	p, _ := o.cfg.Office.procedure(signProcedure)
	pv := procView(p, lang)
	v.Proc = &pv
	sv := &signView{Ref: ref, Doc: string(g.doc), DocName: g.docName, ApproveURL: g.approve, Reason: g.reason}
	switch g.state {
	case "approved":
		cert, err := x509.ParseCertificate(g.cert)
		if err != nil {
			sv.Failed = true
			break
		}
		sv.Signed = true
		sv.Signer = strings.TrimSpace(firstName(cert) + " " + surname(cert))
		for _, n := range cert.Subject.Names {
			if n.Type.Equal(oidSerialNumber) {
				s, _ := n.Value.(string)
				sv.SignerID = strings.TrimPrefix(s, "IDCES-")
			}
		}
		sv.Mismatch = sv.SignerID != g.llavero
		sv.At = g.decided.Local().Format(time.DateTime + " MST")
	case "refused":
		sv.Refused = true
	case "expired":
		sv.Expired = true
	case "failed":
		sv.Failed = true
	default:
		sv.Waiting = true
	}
	v.Sign = sv
	o.render(w, r, http.StatusOK, "sign", v)
}

func firstName(c *x509.Certificate) string { return nameAttr(c, asn1.ObjectIdentifier{2, 5, 4, 42}) }
func surname(c *x509.Certificate) string   { return nameAttr(c, asn1.ObjectIdentifier{2, 5, 4, 4}) }

func nameAttr(c *x509.Certificate, oid asn1.ObjectIdentifier) string {
	for _, n := range c.Subject.Names {
		if n.Type.Equal(oid) {
			s, _ := n.Value.(string)
			return s
		}
	}
	return ""
}

// ownSigning finds a signing of the person logged in; anyone else is
// sent home.
func (o *Office) ownSigning(w http.ResponseWriter, r *http.Request, ref string) (signing, bool) {
	u, ok := o.sessions.user(o.sessionID(r))
	g, found := o.signs.get(ref)
	if !ok || !found || g.owner != u.Sub {
		o.problem(w, r, http.StatusNotFound, pageNotFound)
		return signing{}, false
	}
	return g, true
}

func (o *Office) signDocument(w http.ResponseWriter, r *http.Request) {
	g, ok := o.ownSigning(w, r, r.PathValue("ref"))
	if !ok {
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+g.docName+`"`)
	_, _ = w.Write(g.doc)
}

func (o *Office) signSignature(w http.ResponseWriter, r *http.Request) {
	g, ok := o.ownSigning(w, r, r.PathValue("ref"))
	if !ok {
		return
	}
	if len(g.cms) == 0 {
		o.problem(w, r, http.StatusNotFound, pageNotFound)
		return
	}
	w.Header().Set("Content-Type", "application/pkcs7-signature")
	w.Header().Set("Content-Disposition", `attachment; filename="`+strings.TrimSuffix(g.docName, ".txt")+`.p7s"`)
	_, _ = w.Write(g.cms)
}

var pageSignRequest = problem{
	Title: i18n.T("llavero no ha aceptado la solicitud de firma", "llavero did not accept the signature request"),
	Detail: i18n.T("No se ha firmado ni presentado nada. Vuelva al trámite e inténtelo de nuevo; si vuelve a ocurrir, avise a quien administra llavero.",
		"Nothing has been signed or submitted. Go back to the procedure and try again; if it happens again, tell whoever runs llavero."),
}
