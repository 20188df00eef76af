package web

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"net/http"
	"slices"
	"time"

	"github.com/llavero/llavero/internal/idp"
	"github.com/llavero/llavero/internal/store"
)

// Browser sessions. The cookie carries a random token; the store keeps
// only its SHA-256, so a leaked database row cannot be replayed as a
// cookie. A session ends after sessionIdle without a request or
// sessionMax after the login, whichever comes first.
const (
	sessionCookie = "llavero_session"
	sessionIdle   = 30 * time.Minute
	sessionMax    = 8 * time.Hour
	// sessionTouchEvery spares the store a write on every page: the idle
	// limit loses at most this much precision.
	sessionTouchEvery = time.Minute
)

// sessionEnds is when a session ends if the person does nothing more.
func sessionEnds(s store.Session) time.Time {
	idle := s.LastSeenAt.Add(sessionIdle)
	if idle.Before(s.ExpiresAt) {
		return idle
	}
	return s.ExpiresAt
}

// sessionID is what the store knows a token by.
func sessionID(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// sessionOf returns the live session the request's cookie names. An
// expired one is deleted on sight, so the cookie stops working even if
// the purge has not run yet.
func (a *accountRoutes) sessionOf(r *http.Request) (store.Session, bool) {
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" || len(c.Value) > 64 {
		return store.Session{}, false
	}
	id := sessionID(c.Value)
	ctx := r.Context()
	sess, err := a.d.Store.GetSession(ctx, id)
	if err != nil || sess.PersonID == "" {
		return store.Session{}, false
	}
	now := a.now()
	if !now.Before(sessionEnds(sess)) {
		_ = a.d.Store.DeleteSession(ctx, id)
		return store.Session{}, false
	}
	if now.Sub(sess.LastSeenAt) >= sessionTouchEvery {
		if s, err := a.d.Store.UpdateSession(ctx, id, func(s *store.Session) error {
			s.LastSeenAt = now
			return nil
		}); err == nil {
			sess = s
		}
	}
	return sess, true
}

// startSession opens a session for a person who has just logged in. The
// token is always new and any session the browser brought is ended: a
// token planted before the login (session fixation) never becomes a
// logged-in one.
func (a *accountRoutes) startSession(w http.ResponseWriter, r *http.Request, who idp.Authenticated) error {
	opened, err := a.openSession(r, who)
	if err != nil {
		return err
	}
	a.setSessionCookie(w, r, opened.token)
	return nil
}

// openSession opens a session for who in a transaction of its own (a
// login whose own transaction is over); the caller sets the cookie.
func (a *accountRoutes) openSession(r *http.Request, who idp.Authenticated) (openedSession, error) {
	var opened openedSession
	err := a.d.Store.InTx(r.Context(), func(tx store.Tx) error { return a.sessionIn(r, &opened)(tx, who) })
	return opened, err
}

// openedSession is a session opened in a login's transaction; its cookie
// is set once that commits.
type openedSession struct {
	sess  store.Session
	token string
}

// sessionIn opens the session of a login inside the login's own
// transaction (idp.AfterLogin), ending the one the browser brought.
func (a *accountRoutes) sessionIn(r *http.Request, out *openedSession) idp.AfterLogin {
	return func(tx store.Tx, who idp.Authenticated) error {
		ctx := r.Context()
		if c, err := r.Cookie(sessionCookie); err == nil && c.Value != "" && len(c.Value) <= 64 {
			if err := tx.DeleteSession(ctx, sessionID(c.Value)); err != nil && !errors.Is(err, store.ErrNotFound) {
				return err
			}
		}
		var b [32]byte
		if _, err := rand.Read(b[:]); err != nil {
			return err
		}
		token := base64.RawURLEncoding.EncodeToString(b[:])
		now := a.now()
		sess := store.Session{
			ID:         sessionID(token),
			PersonID:   who.PersonID,
			ACR:        who.ACR,
			AMR:        slices.Clone(who.AMR),
			CreatedAt:  now,
			AuthTime:   now,
			ExpiresAt:  now.Add(sessionMax),
			LastSeenAt: now,
			IP:         clientKey(r),
			UserAgent:  truncate(r.UserAgent(), 256),
		}
		if err := tx.CreateSession(ctx, sess); err != nil {
			return err
		}
		*out = openedSession{sess: sess, token: token}
		return nil
	}
}

func (a *accountRoutes) setSessionCookie(w http.ResponseWriter, r *http.Request, token string) {
	http.SetCookie(w, &http.Cookie{
		Name:  sessionCookie,
		Value: token,
		Path:  "/",
		// No Max-Age: the store decides when the session ends, and a
		// browser-session cookie also goes when the browser closes.
		HttpOnly: true,
		Secure:   r.TLS != nil,
		SameSite: http.SameSiteLaxMode,
	})
}

// endSession deletes the request's session and tells the browser to drop
// the cookie.
func (a *accountRoutes) endSession(w http.ResponseWriter, r *http.Request) error {
	var err error
	if c, cerr := r.Cookie(sessionCookie); cerr == nil && c.Value != "" && len(c.Value) <= 64 {
		err = a.d.Store.DeleteSession(r.Context(), sessionID(c.Value))
		if errors.Is(err, store.ErrNotFound) {
			err = nil
		}
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteLaxMode})
	return err
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
