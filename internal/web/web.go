// Package web is llavero's HTTP front: the route table, the middleware every
// response passes through (security headers, cross-origin protection,
// request IDs, logging, metrics, panic recovery), the embedded page
// templates and their texts in Spanish and English, and the translation of
// errors into pages or JSON a person can act on.
//
// Features plug in with [Server.Handle] and answer with [Server.Render] or
// [Server.Error]; they never write their own error pages.
//
// # Adding a page
//
// A page is templates/NAME.html defining two templates, "title" and
// "content"; the layout (templates/layout/base.html) wraps them. Its
// texts go beside its handler, in both languages:
//
//	var _ = addTexts(map[string]i18n.Text{
//		"office.title": i18n.T("Buscar una oficina", "Find an office"),
//	})
//
// The template shows them with {{t "office.title"}}, shows a bilingual
// value handed in Data (an i18n.Text) with {{in .Data.Field}}, and links
// static files with {{asset "style.css"}}. The handler ends with
// s.Render(w, r, http.StatusOK, "office", data). The tests fail on a key
// used but not defined, defined but not used, or lacking a language.
package web

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/llavero/llavero/internal/store"
)

// Config is what the web front needs from the rest of the installation.
type Config struct {
	// PublicURL is the platform's main public URL, such as
	// "https://llavero.example.es", used for absolute links. Empty means
	// links stay relative.
	PublicURL string
	// Logger receives one line per request and the detail of every
	// internal error. Nil means slog.Default().
	Logger *slog.Logger
	// Ready reports whether the node can serve, typically a database
	// ping. Nil means always ready.
	Ready func(ctx context.Context) error
	// Registry collects the HTTP metrics and is exposed at /metrics. Nil
	// means a new registry.
	Registry *prometheus.Registry
	// Version is shown in the page footer.
	Version string
	// TrustedProxies are the reverse proxies whose X-Forwarded-For is
	// believed when working out a client's address for rate limits.
	TrustedProxies []netip.Prefix
}

// Server holds the routes, templates and middleware of the web front. Its
// methods are safe for concurrent use, including Handle while serving.
type Server struct {
	cfg       Config
	log       *slog.Logger
	publicURL string // without a trailing slash
	mux       *http.ServeMux
	cop       *http.CrossOriginProtection
	pages     map[string]page
	assets    map[string]*asset
	metrics   *httpMetrics
	registry  *prometheus.Registry
	handler   http.Handler
	// formTargets names the origins a login page's forms may end at
	// (formaction.go); set by MountOIDC.
	formTargets func(*http.Request) []string
	// requestClient is the relying party of a pending sign-in (set by
	// MountOIDC), for the login pages to name the office.
	requestClient func(ctx context.Context, authRequestID string) (store.Client, error)
	// completeSignIn completes a pending sign-in with a session just
	// opened, when the office takes it, and says where the browser goes
	// (set by MountOIDC).
	completeSignIn func(r *http.Request, authRequestID string, sess store.Session) (string, bool)
	// devOutbox is set by MountDevOutbox, before serving: the home page
	// links to it.
	devOutbox bool
}

// readyTimeout bounds the readiness check so a hung database makes a load
// balancer take the node out of rotation instead of piling up probes.
const readyTimeout = 2 * time.Second

// New builds a Server with its built-in routes: the home page, health and
// readiness probes, metrics and static assets.
func New(cfg Config) (*Server, error) {
	s := &Server{
		cfg:      cfg,
		log:      cfg.Logger,
		mux:      http.NewServeMux(),
		cop:      http.NewCrossOriginProtection(),
		registry: cfg.Registry,
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.registry == nil {
		s.registry = prometheus.NewRegistry()
	}
	if cfg.PublicURL != "" {
		origin, base, err := parsePublicURL(cfg.PublicURL)
		if err != nil {
			return nil, err
		}
		s.publicURL = base
		// Behind a proxy that rewrites Host, the browser's Origin is still
		// the public one; trust it so same-site forms keep working.
		if err := s.cop.AddTrustedOrigin(origin); err != nil {
			return nil, fmt.Errorf("web: public URL: %w", err)
		}
	}
	var err error
	if s.assets, err = loadAssets(); err != nil {
		return nil, err
	}
	if s.pages, err = loadPages(s.assets, s.publicURL); err != nil {
		return nil, err
	}
	if s.metrics, err = newHTTPMetrics(s.registry); err != nil {
		return nil, err
	}

	s.Handle("GET /{$}", http.HandlerFunc(s.home))
	s.Handle("GET /healthz", http.HandlerFunc(healthz))
	s.Handle("GET /readyz", http.HandlerFunc(s.readyz))
	s.Handle("GET /metrics", s.metrics.handler(s.registry))
	s.Handle("GET /static/", http.HandlerFunc(s.static))

	s.handler = s.chain()
	return s, nil
}

// parsePublicURL checks the public URL and returns its origin (for
// cross-origin checks) and its base without a trailing slash (for links).
func parsePublicURL(raw string) (origin, base string, err error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", "", fmt.Errorf("web: public URL %q: %w", raw, err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", "", fmt.Errorf("web: public URL %q: want http(s)://host[:port]", raw)
	}
	if u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return "", "", fmt.Errorf("web: public URL %q: no user, query or fragment allowed", raw)
	}
	return u.Scheme + "://" + u.Host, strings.TrimRight(raw, "/"), nil
}

// Handler returns the server's full middleware chain around its routes.
func (s *Server) Handler() http.Handler { return s.handler }

// Handle registers h for a ServeMux pattern such as "GET /certificates" or
// "POST /api/v1/certificates/applications". Like ServeMux.Handle it panics
// on an invalid or conflicting pattern: that is a programming error found
// at start-up.
func (s *Server) Handle(pattern string, h http.Handler) {
	s.mux.Handle(pattern, h)
}

// AllowCrossOrigin exempts a pattern from cross-origin protection. Only
// endpoints that must accept cross-site form posts by design (a SAML
// HTTP-POST binding, for example) and that authenticate the message itself
// belong here.
func (s *Server) AllowCrossOrigin(pattern string) {
	s.cop.AddInsecureBypassPattern(pattern)
}

// healthz says the process is alive. It touches nothing else, so a slow
// database never gets a healthy node restarted.
func healthz(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Write([]byte("ok\n"))
}

// readyz says whether the node can serve requests now.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if s.cfg.Ready != nil {
		ctx, cancel := context.WithTimeout(r.Context(), readyTimeout)
		defer cancel()
		if err := s.cfg.Ready(ctx); err != nil {
			// The probe is public; the reason an operator needs is in the log.
			s.log.LogAttrs(r.Context(), slog.LevelWarn, "not ready",
				slog.String("request_id", RequestID(r)), slog.String("error", err.Error()))
			w.WriteHeader(http.StatusServiceUnavailable)
			w.Write([]byte("database unreachable\n"))
			return
		}
	}
	w.Write([]byte("ok\n"))
}
