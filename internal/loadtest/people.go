package loadtest

import (
	"context"
	"fmt"
	"time"

	"github.com/llavero/llavero/internal/store"
)

// The synthetic population lives in DNI numbers from dniBase up, far from
// the registry sample generator's and from real test fixtures, so a load
// run can share a database with them.
const (
	dniBase   = 40000000
	maxPeople = 10000000
)

const dniLetters = "TRWAGMYFPDXBNJZSQVHLCKE"

// Person is what a virtual browser types to log in as someone.
type Person struct {
	ID   string // canonical DNI
	Fact string // the second fact: the document's support number
	// IP is the address the person's browser is said to come from (as a
	// trusted proxy would forward it): one per person, so the IdP's
	// per-client-address try limit counts each citizen on their own.
	IP string
}

// PersonAt is the i-th person of the synthetic population.
func PersonAt(i int) Person {
	n := dniBase + i
	return Person{
		ID:   fmt.Sprintf("%08d%c", n, dniLetters[n%23]),
		Fact: fmt.Sprintf("BLT%06d", i%1000000),
		IP:   fmt.Sprintf("10.%d.%d.%d", (i>>16)&255, (i>>8)&255, i&255),
	}
}

func registryEntry(i int, now time.Time) (store.Person, store.Account) {
	p := PersonAt(i)
	mobile := fmt.Sprintf("+346%08d", i)
	day := time.Date(1980+i%30, time.Month(1+i%12), 1+i%28, 0, 0, 0, 0, time.UTC)
	return store.Person{
			ID: p.ID, GivenName: "Carga", FirstSurname: "Prueba", SecondSurname: fmt.Sprintf("N%d", i),
			BirthDate: day, Nationality: "ES", DocumentType: store.DocDNI, DocumentNumber: p.ID,
			DocumentExpiry: time.Date(2035, 1, 1, 0, 0, 0, 0, time.UTC), SupportNumber: p.Fact,
			Address: "Calle de la Carga 1", PostalCode: "28013", City: "Madrid", Province: "Madrid",
			Mobile: mobile, UpdatedAt: now,
		}, store.Account{
			PersonID: p.ID, Level: store.LevelAdvanced, RegisteredVia: store.ViaOffice, Mobile: mobile, Lang: "es",
			CreatedAt: now, UpdatedAt: now,
		}
}

// Prepare writes people first..first+n-1 of the synthetic population to the
// registry, each with an advanced account (as an office registration
// leaves it) and a distinct mobile, in one transaction. Running it again
// over the same range fails on the existing accounts and changes nothing.
func Prepare(ctx context.Context, st store.Store, first, n int) error {
	if first < 0 || n < 1 || first+n > maxPeople {
		return fmt.Errorf("people %d..%d: the synthetic population has %d people", first, first+n-1, maxPeople)
	}
	now := time.Now().UTC().Truncate(time.Microsecond)
	return st.InTx(ctx, func(tx store.Tx) error {
		for i := first; i < first+n; i++ {
			p, a := registryEntry(i, now)
			if err := tx.UpsertPerson(ctx, p); err != nil {
				return fmt.Errorf("person %s: %w", p.ID, err)
			}
			if err := tx.CreateAccount(ctx, a); err != nil {
				return fmt.Errorf("account %s: %w", p.ID, err)
			}
		}
		return nil
	})
}
