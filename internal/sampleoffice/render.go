package sampleoffice

import (
	"bytes"
	"html/template"
	"net/http"
	"net/url"
	"time"

	"golang.org/x/text/language"

	"github.com/llavero/llavero/internal/i18n"
	"github.com/llavero/llavero/internal/idp/loa"
)

// The language: a ?lang= link sets a cookie that wins over
// Accept-Language. The cookie has the office's own name: on localhost
// cookies are shared across ports, and llavero's own would otherwise be
// overwritten by the office's choice.

var matcher = language.NewMatcher([]language.Tag{language.Spanish, language.English})

func langOf(r *http.Request, cookie string) i18n.Lang {
	if c, err := r.Cookie(cookie); err == nil {
		if l, ok := i18n.Parse(c.Value); ok {
			return l
		}
	}
	if tags, _, err := language.ParseAcceptLanguage(r.Header.Get("Accept-Language")); err == nil && len(tags) > 0 {
		if _, i, conf := matcher.Match(tags...); conf != language.No && i == 1 {
			return i18n.EN
		}
	}
	return i18n.ES
}

// switchLang remembers a ?lang= choice and redirects to the same page
// without it, so the address stays clean to share.
func switchLang(next http.Handler, cookie string, secure bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if r.Method != http.MethodGet || !q.Has("lang") {
			next.ServeHTTP(w, r)
			return
		}
		if l, ok := i18n.Parse(q.Get("lang")); ok {
			http.SetCookie(w, &http.Cookie{Name: cookie, Value: string(l), Path: "/", MaxAge: 365 * 24 * 3600,
				HttpOnly: true, Secure: secure, SameSite: http.SameSiteLaxMode})
		}
		q.Del("lang")
		target := r.URL.Path
		if len(q) > 0 {
			target += "?" + q.Encode()
		}
		// The mux has cleaned the path, but "//host" would still leave
		// the office.
		if len(target) > 1 && (target[1] == '/' || target[1] == '\\') {
			target = "/"
		}
		http.Redirect(w, r, target, http.StatusSeeOther)
	})
}

type userView struct {
	Name, LlaveroID, Sub string
	Level, ACRURI        string
	level                string
	AMR                  string
	AuthTime             string
}

type procPageView struct {
	ID, Name, Level string
	Signature       string // the kind, as [Procedure.Signature]
}

func procView(p Procedure, lang i18n.Lang) procPageView {
	return procPageView{ID: p.ID, Name: p.Name.In(lang), Level: levelName(p.ACR, lang), Signature: p.Signature}
}

// problem is a page that says what happened and what to do.
type problem struct {
	Title, Detail i18n.Text
	Code          string // the provider's error code, for whoever helps the person
}

type problemView struct{ Title, Detail, Code string }

// view is what every page template gets.
type view struct {
	Name      string // the office's
	Lang      string
	SwitchURL string
	T         map[string]string
	User      *userView
	Procs     []procPageView
	Bye       bool

	Proc     *procPageView
	Points   int
	NoFines  bool
	Exchange bool
	Outcome  string    // a catalogue procedure's made-up answer
	SignStop bool      // and the procedure stops before its signature
	Sign     *signView // the signing page (sign.go)

	Problem *problemView
}

// pageTexts are the texts in each language, resolved once.
var pageTexts = func() map[i18n.Lang]map[string]string {
	out := map[i18n.Lang]map[string]string{}
	for _, l := range i18n.Langs {
		m := map[string]string{}
		for k, t := range texts {
			m[k] = t.In(l)
		}
		out[l] = m
	}
	return out
}()

func (o *Office) view(r *http.Request) view {
	lang := o.lang(r)
	other := i18n.EN
	if lang == i18n.EN {
		other = i18n.ES
	}
	q := url.Values{}
	for k, vs := range r.URL.Query() {
		if k != "state" && k != "code" {
			q[k] = vs
		}
	}
	q.Set("lang", string(other))
	path := r.URL.Path
	if r.Method != http.MethodGet || path == "/callback" {
		path = "/"
	}
	v := view{Name: o.cfg.Office.Name.In(lang), Lang: string(lang), SwitchURL: path + "?" + q.Encode(), T: pageTexts[lang]}
	for _, p := range o.cfg.Office.Procedures {
		v.Procs = append(v.Procs, procView(p, lang))
	}
	if u, ok := o.sessions.user(o.sessionID(r)); ok {
		uv := &userView{Name: u.Name, LlaveroID: u.LlaveroID, Sub: u.Sub, level: u.ACR, Level: levelName(u.ACR, lang),
			ACRURI: loa.URI(u.ACR), AMR: describeAMR(u.AMR, lang)}
		if !u.AuthTime.IsZero() {
			uv.AuthTime = u.AuthTime.Local().Format(time.DateTime + " MST")
		}
		v.User = uv
	}
	return v
}

func (o *Office) parsePages() error {
	o.pages = map[string]*template.Template{}
	for _, name := range []string{"home", "result", "problem", "sign"} {
		t, err := template.New("layout.html").ParseFS(files, "templates/layout.html", "templates/"+name+".html")
		if err != nil {
			return err
		}
		o.pages[name] = t
	}
	return nil
}

func (o *Office) render(w http.ResponseWriter, r *http.Request, status int, page string, v view) {
	var buf bytes.Buffer
	if err := o.pages[page].Execute(&buf, v); err != nil {
		o.cfg.Log.Error("sample office: page", "page", page, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Language", v.Lang)
	h.Set("Vary", "Accept-Language, Cookie")
	// Pages name the person; a shared computer's back button must not
	// show them to the next user.
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

func (o *Office) problem(w http.ResponseWriter, r *http.Request, status int, p problem) {
	lang := o.lang(r)
	v := o.view(r)
	v.Problem = &problemView{Title: p.Title.In(lang), Detail: p.Detail.In(lang), Code: p.Code}
	o.render(w, r, status, "problem", v)
}
