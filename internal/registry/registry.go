// Package registry is the population registry: the authority's list of who
// exists, which document proves it and where their letters go. Offices,
// letters and registrations check against it; "not in the registry" is a
// common, real failure, so it has its own explained error.
package registry

import (
	"context"
	"errors"
	"fmt"

	"github.com/llavero/llavero/internal/i18n"
	"github.com/llavero/llavero/internal/identity"
	"github.com/llavero/llavero/internal/store"
)

// ErrNotInRegistry means the identifier is well formed but nobody with it is
// in the registry. It is common for recent residents whose data has not
// reached the registry yet.
var ErrNotInRegistry = i18n.New("registry.not_found",
	i18n.T("Tu número de identificación no figura en el registro de población de esta plataforma.",
		"Your identity number is not in this platform's population registry."),
	i18n.T("Comprueba que lo has escrito igual que en tu documento. Si es correcto, tus datos aún no han llegado: pide en tu ayuntamiento o en la oficina de extranjería que actualicen el padrón y vuelve a intentarlo en unos días.",
		"Check you typed it exactly as on your document. If it is right, your data has not reached us yet: ask your town hall or the foreigners' office to update your registration, then try again in a few days."))

// Registry looks people up.
type Registry struct {
	st store.Tx
}

// New returns a Registry reading from st.
func New(st store.Tx) *Registry { return &Registry{st: st} }

// Lookup finds a person by identifier, accepting the forgiving forms
// identity.ParseID accepts. The error is an *i18n.Error: the identifier's own
// problem, or ErrNotInRegistry.
func (r *Registry) Lookup(ctx context.Context, raw string) (store.Person, error) {
	id, err := identity.ParseID(raw)
	if err != nil {
		return store.Person{}, err
	}
	p, err := r.st.GetPerson(ctx, id.Value)
	if errors.Is(err, store.ErrNotFound) {
		return store.Person{}, ErrNotInRegistry.Wrap(err)
	}
	if err != nil {
		return store.Person{}, fmt.Errorf("registry lookup: %w", err)
	}
	return p, nil
}

// FullName returns the person's name as written on letters.
func FullName(p store.Person) string {
	n := p.GivenName + " " + p.FirstSurname
	if p.SecondSurname != "" {
		n += " " + p.SecondSurname
	}
	return n
}
