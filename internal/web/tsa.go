package web

import (
	"io"
	"log/slog"
	"mime"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/llavero/llavero/internal/tsa"
)

// PathTSA is where the timestamp authority answers (RFC 3161 3.4).
const PathTSA = "/tsa"

// tsaResponder serves RFC 3161 requests over HTTP. Like the OCSP
// responder it does no page or language work: read, answer, count.
type tsaResponder struct {
	s         *Server
	authority *tsa.Authority
	// answers counts responses by outcome (granted, or the failure info),
	// so a dashboard shows refusals beside the route's request counts.
	answers *prometheus.CounterVec
}

// MountTSA adds POST /tsa: application/timestamp-query in,
// application/timestamp-reply out.
func (s *Server) MountTSA(a *tsa.Authority) {
	answers, err := register(s.registry, prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: "llavero",
		Subsystem: "tsa",
		Name:      "responses_total",
		Help:      "Timestamp responses, by outcome: granted or the RFC 3161 failure info.",
	}, []string{"outcome"}))
	if err != nil {
		panic("web: registering the TSA metrics: " + err.Error())
	}
	t := &tsaResponder{s: s, authority: a, answers: answers}
	s.Handle("POST "+PathTSA, http.HandlerFunc(t.post))
}

var tsaContentType = []string{"application/timestamp-reply"}

func (t *tsaResponder) post(w http.ResponseWriter, r *http.Request) {
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/timestamp-query" {
		http.Error(w, "send an RFC 3161 request as application/timestamp-query", http.StatusUnsupportedMediaType)
		return
	}
	// One byte over the limit is enough to know the request is too big;
	// the authority then refuses it as badRequest.
	body, err := io.ReadAll(io.LimitReader(r.Body, tsa.MaxRequest+1))
	if err != nil {
		http.Error(w, "cannot read the request", http.StatusBadRequest)
		return
	}
	resp, outcome, err := t.authority.Respond(body)
	if err != nil {
		t.s.log.LogAttrs(r.Context(), slog.LevelError, "timestamp not issued",
			slog.String("request_id", RequestID(r)), slog.String("error", err.Error()))
	}
	t.answers.WithLabelValues(string(outcome)).Inc()
	h := w.Header()
	h["Content-Type"] = tsaContentType
	h.Set("Cache-Control", "no-store")
	w.Write(resp)
}
