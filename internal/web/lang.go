package web

import (
	"net/http"
	"net/url"
	"strings"

	"golang.org/x/text/language"

	"github.com/llavero/llavero/internal/i18n"
)

// The language switch: a ?lang= parameter sets a cookie that wins over
// Accept-Language for a year. The cookie is HttpOnly because no script
// needs it.
const (
	langCookie    = "lang"
	langParam     = "lang"
	langCookieAge = 365 * 24 * 60 * 60
)

// matcher maps what a browser asks for to the languages of llavero, in
// i18n.Langs order, so the index of a match is the index in i18n.Langs.
var matcher = language.NewMatcher(langTags())

func langTags() []language.Tag {
	tags := make([]language.Tag, len(i18n.Langs))
	for i, l := range i18n.Langs {
		tags[i] = language.Make(string(l))
	}
	return tags
}

// LangOf returns the language to answer r in: the one chosen with the
// language switch (the cookie), else the best match for Accept-Language,
// else Spanish.
func LangOf(r *http.Request) i18n.Lang {
	if c, err := r.Cookie(langCookie); err == nil {
		if l, ok := i18n.Parse(c.Value); ok {
			return l
		}
	}
	if accept := r.Header.Get("Accept-Language"); accept != "" {
		tags, _, err := language.ParseAcceptLanguage(accept)
		if err == nil && len(tags) > 0 {
			if _, i, conf := matcher.Match(tags...); conf != language.No {
				return i18n.Langs[i]
			}
		}
	}
	return i18n.ES
}

// other returns the language the switch offers on a page in l.
func other(l i18n.Lang) i18n.Lang {
	if l == i18n.EN {
		return i18n.ES
	}
	return i18n.EN
}

// switchLang handles a ?lang= link on any page: it remembers the choice
// in a cookie and redirects to the same address without the parameter, so
// the choice sticks and the address stays clean to share. It reports
// whether it answered the request.
func switchLang(w http.ResponseWriter, r *http.Request) bool {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return false
	}
	q := r.URL.Query()
	if !q.Has(langParam) {
		return false
	}
	if l, ok := i18n.Parse(q.Get(langParam)); ok {
		http.SetCookie(w, &http.Cookie{
			Name:     langCookie,
			Value:    string(l),
			Path:     "/",
			MaxAge:   langCookieAge,
			SameSite: http.SameSiteLaxMode,
			Secure:   r.TLS != nil,
			HttpOnly: true,
		})
	}
	q.Del(langParam)
	target := localPath(r.URL.EscapedPath())
	if len(q) > 0 {
		target += "?" + q.Encode()
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
	return true
}

// localPath makes p safe to use as a relative redirect: a path starting
// with "//" or "/\" would be read by browsers as another host.
func localPath(p string) string {
	if p == "" || p[0] != '/' {
		return "/"
	}
	return "/" + strings.TrimLeft(p, "/\\")
}

// switchURL is the link that shows the current page in lang.
func switchURL(r *http.Request, lang i18n.Lang) string {
	q := url.Values{}
	for k, v := range r.URL.Query() {
		if k != langParam {
			q[k] = v
		}
	}
	q.Set(langParam, string(lang))
	return localPath(r.URL.EscapedPath()) + "?" + q.Encode()
}

// officeLanguage follows the language the office asked for (ui_locales)
// when the person has not chosen one here: someone who picked English at
// the office must not land on Spanish login pages because their browser
// says otherwise. It is a cookie for this browser session only, so the
// language switch still wins, and it is added to r so that the page
// answering r is in that language too.
func officeLanguage(w http.ResponseWriter, r *http.Request, locales []string) {
	if _, err := r.Cookie(langCookie); err == nil {
		return
	}
	for _, loc := range locales {
		l, ok := i18n.Parse(loc)
		if !ok {
			continue
		}
		c := &http.Cookie{Name: langCookie, Value: string(l), Path: "/", SameSite: http.SameSiteLaxMode,
			Secure: r.TLS != nil, HttpOnly: true}
		http.SetCookie(w, c)
		r.AddCookie(c)
		return
	}
}
