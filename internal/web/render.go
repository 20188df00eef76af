package web

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"path"
	"strings"
	"sync"

	"github.com/llavero/llavero/internal/i18n"
)

// files holds the page templates and static assets, so the binary is the
// whole deployment.
//
//go:embed templates static
var files embed.FS

// page is one page template, parsed once per language so that its text
// functions are plain closures over the language (much cheaper per call
// than methods looked up by reflection on every render).
type page map[i18n.Lang]*template.Template

// loadPages parses every templates/NAME.html together with the shared
// files (templates/layout/*.html, which define the "layout" template) into
// a page called NAME.
func loadPages(assets map[string]*asset, publicURL string) (map[string]page, error) {
	names, err := fs.Glob(files, "templates/*.html")
	if err != nil {
		return nil, err
	}
	pages := make(map[string]page)
	for _, lang := range i18n.Langs {
		shared, err := template.New("").Option("missingkey=error").
			Funcs(pageFuncs(lang, assets, publicURL)).
			ParseFS(files, "templates/layout/*.html")
		if err != nil {
			return nil, fmt.Errorf("web: layout templates: %w", err)
		}
		for _, file := range names {
			t, err := shared.Clone()
			if err != nil {
				return nil, err
			}
			if t, err = t.ParseFS(files, file); err != nil {
				return nil, fmt.Errorf("web: page %s: %w", file, err)
			}
			for _, need := range []string{"title", "content"} {
				if t.Lookup(need) == nil {
					return nil, fmt.Errorf("web: page %s defines no %q template", file, need)
				}
			}
			name := strings.TrimSuffix(path.Base(file), ".html")
			if pages[name] == nil {
				pages[name] = page{}
			}
			pages[name][lang] = t
		}
	}
	return pages, nil
}

// pageFuncs are the functions templates call, bound to one language:
//
//	t "key"        the catalogue text key
//	in .Text       an i18n.Text handed over in Data (an error's message)
//	inOther .Text  the same in the language the switch offers, for pages
//	               that show both (a failure switching would only repeat)
//	asset "name"   the URL of a static file, versioned by its content hash,
//	               which is what lets assets be cached for a year
//	url "/path"    the absolute address of a path, for links that leave
//	               the page (emails, QR codes)
func pageFuncs(lang i18n.Lang, assets map[string]*asset, publicURL string) template.FuncMap {
	return template.FuncMap{
		"t": func(key string) string {
			// A missing key shows as itself, so a slip is visible rather
			// than blank; TestTemplateKeysExist catches it first.
			t, ok := catalogue[key]
			if !ok {
				return "[" + key + "]"
			}
			return t.In(lang)
		},
		"in":      func(t i18n.Text) string { return t.In(lang) },
		"inOther": func(t i18n.Text) string { return t.In(other(lang)) },
		"asset": func(name string) string {
			if a, ok := assets[name]; ok {
				return a.url
			}
			return "/static/" + name
		},
		"url": func(p string) string { return publicURL + p },
	}
}

// View is what every page template sees as dot. Page-specific values are
// in Data; texts come from the functions of pageFuncs.
type View struct {
	Lang      i18n.Lang
	Other     i18n.Lang // the language the switch offers
	SwitchURL string
	Version   string
	RequestID string
	Data      any
}

var buffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// Render writes page (templates/PAGE.html) with data in the request's
// language. The page is rendered in full before anything is sent, so a
// template failure becomes a clean 500 instead of half a page.
func (s *Server) Render(w http.ResponseWriter, r *http.Request, status int, page string, data any) {
	if err := s.render(w, r, status, page, data); err != nil {
		s.Error(w, r, err)
	}
}

func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, data any) error {
	lang := LangOf(r)
	tmpl := s.pages[name][lang]
	if tmpl == nil {
		return fmt.Errorf("web: no page %q", name)
	}
	v := View{
		Lang:      lang,
		Other:     other(lang),
		SwitchURL: switchURL(r, other(lang)),
		Version:   s.cfg.Version,
		RequestID: RequestID(r),
		Data:      data,
	}
	buf := buffers.Get().(*bytes.Buffer)
	buf.Reset()
	defer buffers.Put(buf)
	if err := tmpl.ExecuteTemplate(buf, "layout", v); err != nil {
		return fmt.Errorf("web: render %s: %w", name, err)
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Language", string(lang))
	h.Add("Vary", "Accept-Language, Cookie")
	s.allowFormTargets(w, r)
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		w.Write(buf.Bytes())
	}
	return nil
}

// statusErr attaches an HTTP status to a person-facing error.
type statusErr struct {
	status int
	err    error
}

func (e *statusErr) Error() string { return e.err.Error() }
func (e *statusErr) Unwrap() error { return e.err }

// WithStatus marks err to be answered with status by Server.Error, for
// example 404 for an application code that does not exist or 429 for a
// rate limit. Without it an i18n.Error is answered with 400.
func WithStatus(status int, err error) error {
	return &statusErr{status: status, err: err}
}

// The errors of the web front itself.
var (
	errNotFound = i18n.New("web.not_found",
		i18n.T("No hay ninguna página en esta dirección.",
			"There is no page at this address."),
		i18n.T("Revisa la dirección. Si llegaste con un enlace de llavero, puede que esa parte aún no esté abierta en este servidor. Desde la página de inicio puedes seguir.",
			"Check the address. If you followed a link from llavero, that part may not be open on this server yet. You can carry on from the home page."))
	errMethodNotAllowed = i18n.New("web.method_not_allowed",
		i18n.T("Esta dirección existe, pero no admite esta forma de envío.",
			"This address exists, but it does not accept this kind of request."),
		i18n.T("Vuelve a la página anterior y usa sus botones y enlaces, o empieza desde la página de inicio.",
			"Go back to the previous page and use its buttons and links, or start again from the home page."))
	errCrossOrigin = i18n.New("web.cross_origin",
		i18n.T("Hemos rechazado este envío porque venía de otro sitio web.",
			"We refused this request because it came from another website."),
		i18n.T("Por tu seguridad, llavero solo acepta formularios enviados desde sus propias páginas. Abre llavero directamente y repite el paso.",
			"For your safety, llavero only accepts forms sent from its own pages. Open llavero directly and repeat the step."))
	// errInternal is what a person sees of any failure that is not theirs;
	// its detail stays in the log under the request ID.
	errInternal = i18n.New("internal",
		i18n.T("Algo ha fallado en nuestro lado. No es culpa tuya.",
			"Something went wrong on our side. It is not your fault."),
		i18n.T("Inténtalo de nuevo dentro de unos minutos. Si vuelve a pasar, contacta con soporte y da este identificador de la petición.",
			"Try again in a few minutes. If it happens again, contact support and give them this request ID."))
)

// errorBody is the JSON form of an error: {"code", "message", "next",
// "request_id"}. The CLI and other clients match on code.
type errorBody struct {
	Code      string `json:"code"`
	Message   string `json:"message"`
	Next      string `json:"next"`
	RequestID string `json:"request_id"`
}

// errorPage is the Data of the error page.
type errorPage struct {
	Status int
	Code   string
	Msg    i18n.Text
	Next   i18n.Text
}

// Error answers a failed request. An i18n.Error anywhere in err's chain is
// the person's to act on: it is answered with 400 (or the status given
// with WithStatus), its code, message and next step, in the request's
// language. Anything else is the platform's failure: a generic 500 with
// the request ID, and err only in the log. Paths under /api/ and clients
// that prefer application/json get JSON (see errorBody), others a page.
func (s *Server) Error(w http.ResponseWriter, r *http.Request, err error) {
	ie, ok := i18n.As(err)
	if !ok {
		s.log.LogAttrs(r.Context(), slog.LevelError, "internal error",
			slog.String("request_id", RequestID(r)),
			slog.String("route", routeOf(r)),
			slog.String("error", err.Error()))
		s.internalError(w, r)
		return
	}
	status := http.StatusBadRequest
	var se *statusErr
	if errors.As(err, &se) && se.status >= 400 && se.status <= 599 {
		status = se.status
	}
	if ie.Cause != nil {
		s.log.LogAttrs(r.Context(), slog.LevelInfo, "request refused",
			slog.String("request_id", RequestID(r)),
			slog.String("code", ie.Code),
			slog.String("cause", ie.Cause.Error()))
	}
	s.writeError(w, r, status, ie)
}

// internalError answers with the generic 500.
func (s *Server) internalError(w http.ResponseWriter, r *http.Request) {
	s.writeError(w, r, http.StatusInternalServerError, errInternal)
}

func (s *Server) writeError(w http.ResponseWriter, r *http.Request, status int, ie *i18n.Error) {
	// Headers a failed handler may have set for the response it meant to
	// send would garble this one (a download's file name, a length).
	for _, h := range []string{"Content-Disposition", "Content-Length", "Content-Encoding", "ETag", "Last-Modified"} {
		w.Header().Del(h)
	}
	if wantsJSON(r) {
		lang := LangOf(r)
		writeJSON(w, r, status, errorBody{
			Code:      ie.Code,
			Message:   ie.Message(lang),
			Next:      ie.Hint(lang),
			RequestID: RequestID(r),
		})
		return
	}
	data := errorPage{Status: status, Code: ie.Code, Msg: ie.Msg, Next: ie.Next}
	if err := s.render(w, r, status, "error", data); err != nil {
		// The error page itself failed: say the least that is still true.
		s.log.LogAttrs(r.Context(), slog.LevelError, "error page failed",
			slog.String("request_id", RequestID(r)), slog.String("error", err.Error()))
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(status)
		fmt.Fprintf(w, "%s\n%s\n\n%s\n%s\n\nrequest id: %s\n",
			ie.Msg.ES, ie.Next.ES, ie.Msg.EN, ie.Next.EN, RequestID(r))
	}
}

func routeOf(r *http.Request) string {
	if st := stateOf(r); st != nil {
		return st.pattern
	}
	return ""
}
