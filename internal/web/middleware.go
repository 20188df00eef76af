package web

import (
	"context"
	"crypto/rand"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strings"
	"time"
)

// requestState travels in the request context so that the outer
// middleware (logging, metrics) learns what the inner router decided,
// even when a handler replaces the *http.Request with a copy.
type requestState struct {
	id      string
	pattern string
	client  string // the client's address (see clientAddr)
}

type stateKey struct{}

// RequestID returns the ID of the request, as sent in the X-Request-Id
// header and written in every log line about it.
func RequestID(r *http.Request) string {
	if st, ok := r.Context().Value(stateKey{}).(*requestState); ok {
		return st.id
	}
	return ""
}

func stateOf(r *http.Request) *requestState {
	st, _ := r.Context().Value(stateKey{}).(*requestState)
	return st
}

// chain wraps the router in the middleware every response passes through,
// outermost first: request state, logging and metrics see the final status
// of everything inside, including a recovered panic.
func (s *Server) chain() http.Handler {
	return s.observe(securityHeaders(s.recoverPanics(http.HandlerFunc(s.route))))
}

// observe gives the request its ID, then logs and counts it once it is
// done. It never logs the path or query: those may carry application
// codes; the route pattern says enough.
func (s *Server) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		// An incoming X-Request-Id is not trusted: it would let a client
		// forge or collide log lines.
		st := &requestState{id: rand.Text(), client: clientAddr(r, s.cfg.TrustedProxies)}
		r = r.WithContext(context.WithValue(r.Context(), stateKey{}, st))
		w.Header().Set("X-Request-Id", st.id)
		sw := &statusWriter{ResponseWriter: w}

		next.ServeHTTP(sw, r)

		status := sw.status
		if status == 0 {
			status = http.StatusOK
		}
		elapsed := time.Since(start)
		s.metrics.observe(r.Method, st.pattern, status, elapsed)
		s.log.LogAttrs(r.Context(), logLevel(st.pattern, status), "request",
			slog.String("method", r.Method),
			slog.String("route", st.pattern),
			slog.Int("status", status),
			slog.Duration("duration", elapsed),
			slog.Int64("bytes", sw.bytes),
			slog.String("request_id", st.id),
		)
	})
}

// logLevel keeps successful status publication (OCSP, CRL, CA
// certificates) out of the info log: relying parties poll it thousands of
// times a second, the metrics count it, and at that rate the log line
// costs a third of the request.
func logLevel(pattern string, status int) slog.Level {
	if status < 400 && (strings.Contains(pattern, "/ocsp") || strings.Contains(pattern, "/crl/") || strings.Contains(pattern, "/ca/")) {
		return slog.LevelDebug
	}
	return slog.LevelInfo
}

// statusWriter remembers the status and size of a response.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (w *statusWriter) WriteHeader(code int) {
	// 1xx responses are informational; the final status comes later.
	if w.status == 0 && code >= 200 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the connection's own writer
// (flushing, deadlines).
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Flush keeps streaming responses streaming through the wrapper.
func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		if w.status == 0 {
			w.status = http.StatusOK
		}
		f.Flush()
	}
}

// The security headers. The policy allows no inline script or style at
// all, which is why every page takes its look from one stylesheet.
const (
	contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; " +
		"img-src 'self' data:; object-src 'none'; base-uri 'none'; " +
		"form-action 'self'; frame-ancestors 'none'"
	// The camera will be opened to 'self' when document capture arrives.
	permissionsPolicy = "camera=(), geolocation=(), microphone=()"
	// Two years without includeSubDomains: the platform does not own its
	// parent domain's other hosts.
	strictTransportSecurity = "max-age=63072000"
)

// securityHeaders sets the headers every response carries, before the
// handler runs so that even a panic's page has them.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Permissions-Policy", permissionsPolicy)
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		// Pages will hold personal data; shared caches must not keep them.
		// Static assets override this.
		h.Set("Cache-Control", "no-store")
		// Sent over plain HTTP, the header could be stripped or forged by
		// anyone on the path, so browsers ignore it there anyway.
		if r.TLS != nil {
			h.Set("Strict-Transport-Security", strictTransportSecurity)
		}
		next.ServeHTTP(w, r)
	})
}

// recoverPanics turns a handler's panic into a 500 page with the request
// ID, so the person has something to quote and the server keeps serving.
func (s *Server) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			if v == http.ErrAbortHandler {
				// The handler asked for the connection to be dropped.
				panic(v)
			}
			s.log.LogAttrs(r.Context(), slog.LevelError, "panic",
				slog.String("request_id", RequestID(r)),
				slog.String("panic", fmt.Sprint(v)),
				slog.String("stack", string(debug.Stack())),
			)
			if sw, ok := w.(*statusWriter); ok && sw.status != 0 {
				// Part of a response is out; a page now would corrupt it.
				// Aborting tells the client the response is incomplete.
				panic(http.ErrAbortHandler)
			}
			s.internalError(w, r)
		}()
		next.ServeHTTP(w, r)
	})
}

// route finds the handler for a request and applies the checks that
// depend on the route: the language switch, 404/405 pages and
// cross-origin protection.
func (s *Server) route(w http.ResponseWriter, r *http.Request) {
	// The pattern is what ServeMux will set as r.Pattern. It is recorded
	// here, not read from r afterwards, because a handler may have worked
	// on a copy of r.
	h, pattern := s.mux.Handler(r)
	if st := stateOf(r); st != nil {
		st.pattern = pattern
	}
	if switchLang(w, r) {
		return
	}
	if pattern == "" {
		// Not found, method not allowed, or a redirect to a cleaned path.
		// Ask the mux's own answer, then answer in the person's language.
		var p probe
		h.ServeHTTP(&p, r)
		switch p.status {
		case http.StatusNotFound:
			s.Error(w, r, WithStatus(http.StatusNotFound, errNotFound))
			return
		case http.StatusMethodNotAllowed:
			w.Header().Set("Allow", p.header.Get("Allow"))
			s.Error(w, r, WithStatus(http.StatusMethodNotAllowed, errMethodNotAllowed))
			return
		}
		h.ServeHTTP(w, r)
		return
	}
	// The mux looks the route up again here; only ServeHTTP gives the
	// handler its path values (r.PathValue) and r.Pattern.
	if err := s.cop.Check(r); err != nil {
		s.log.LogAttrs(r.Context(), slog.LevelInfo, "cross-origin request refused",
			slog.String("request_id", RequestID(r)), slog.String("reason", err.Error()))
		s.Error(w, r, WithStatus(http.StatusForbidden, errCrossOrigin))
		return
	}
	s.mux.ServeHTTP(w, r)
}

// probe records a response without sending it.
type probe struct {
	header http.Header
	status int
}

func (p *probe) Header() http.Header {
	if p.header == nil {
		p.header = make(http.Header)
	}
	return p.header
}

func (p *probe) WriteHeader(code int) {
	if p.status == 0 {
		p.status = code
	}
}

func (p *probe) Write(b []byte) (int, error) {
	p.WriteHeader(http.StatusOK)
	return len(b), nil
}
