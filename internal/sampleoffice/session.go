package sampleoffice

import (
	"crypto/rand"
	"encoding/base64"
	"sync"
	"time"
)

// Sessions live in this process's memory: a sample office runs as one
// process, and losing every session on restart costs a person one more
// login. A real office keeps them where all its nodes can read them.
const (
	sessionIdle   = 30 * time.Minute
	pendingTTL    = 10 * time.Minute // as long as llavero keeps an auth request
	maxPending    = 8                // sign-ins started and not finished, per browser
	sweepInterval = time.Minute
)

// user is who logged in, as the verified ID token says.
type user struct {
	Name      string
	LlaveroID string
	Sub       string
	ACR       string // level name: low, substantial, high
	AMR       []string
	AuthTime  time.Time
	IDToken   string // kept for id_token_hint at logout
}

// pending is a sign-in started from this browser: what the callback needs
// to check that the answer belongs to it.
type pending struct {
	verifier string // PKCE
	nonce    string
	proc     string
	started  time.Time
}

type session struct {
	seen    time.Time
	user    *user
	pending map[string]pending // by state
}

type sessions struct {
	now func() time.Time

	mu        sync.Mutex
	m         map[string]*session
	lastSweep time.Time
}

func newSessions(now func() time.Time) *sessions {
	return &sessions{now: now, m: map[string]*session{}}
}

func randomToken() string {
	var b [32]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand, Go 1.24+)
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// getLocked returns the live session id names, touching it.
func (s *sessions) getLocked(id string) (*session, bool) {
	now := s.now()
	s.sweepLocked(now)
	se, ok := s.m[id]
	if !ok || now.Sub(se.seen) > sessionIdle {
		delete(s.m, id)
		return nil, false
	}
	se.seen = now
	return se, true
}

// sweepLocked drops idle sessions and stale sign-ins now and then, so
// memory stays bounded by the people active in the last half hour.
func (s *sessions) sweepLocked(now time.Time) {
	if now.Sub(s.lastSweep) < sweepInterval {
		return
	}
	s.lastSweep = now
	for id, se := range s.m {
		if now.Sub(se.seen) > sessionIdle {
			delete(s.m, id)
			continue
		}
		for st, p := range se.pending {
			if now.Sub(p.started) > pendingTTL {
				delete(se.pending, st)
			}
		}
	}
}

// user returns a copy of the session's user, if someone logged in.
func (s *sessions) user(id string) (user, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	se, ok := s.getLocked(id)
	if !ok || se.user == nil {
		return user{}, false
	}
	return *se.user, true
}

// begin records a sign-in for the browser with session id (making a new
// session when id is not a live one) and returns the session's id and the
// sign-in's state.
func (s *sessions) begin(id string, p pending) (sid, state string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	se, ok := s.getLocked(id)
	if !ok {
		id = randomToken()
		se = &session{seen: s.now()}
		s.m[id] = se
	}
	if se.pending == nil {
		se.pending = map[string]pending{}
	}
	// A browser that keeps starting and never finishing forgets its
	// oldest sign-in rather than growing without end.
	if len(se.pending) >= maxPending {
		var oldest string
		for st, q := range se.pending {
			if oldest == "" || q.started.Before(se.pending[oldest].started) {
				oldest = st
			}
		}
		delete(se.pending, oldest)
	}
	p.started = s.now()
	state = randomToken()
	se.pending[state] = p
	return id, state
}

// take removes and returns the sign-in with state, if this browser
// started it and it is recent: a state works once.
func (s *sessions) take(id, state string) (pending, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	se, ok := s.getLocked(id)
	if !ok || state == "" {
		return pending{}, false
	}
	p, ok := se.pending[state]
	delete(se.pending, state)
	if !ok || s.now().Sub(p.started) > pendingTTL {
		return pending{}, false
	}
	return p, true
}

// login replaces the session id with a new one holding u, so an id
// planted in the browser before the login (session fixation) never
// becomes a logged-in session. Sign-ins still pending move along.
func (s *sessions) login(id string, u user) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	ne := &session{seen: s.now(), user: &u}
	if old, ok := s.getLocked(id); ok {
		ne.pending = old.pending
		delete(s.m, id)
	}
	nid := randomToken()
	s.m[nid] = ne
	return nid
}

// logout forgets the session and returns who was in it.
func (s *sessions) logout(id string) (user, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	se, ok := s.getLocked(id)
	delete(s.m, id)
	if !ok || se.user == nil {
		return user{}, false
	}
	return *se.user, true
}
