package storetest

import (
	"strconv"
	"strings"
	"time"

	"github.com/llavero/llavero/internal/store"
)

// Synthetic data shaped like a real registry export: accented and ñ names,
// two surnames, Spanish addresses, some people without e-mail or mobile.
var (
	givenNames = []string{"María", "José", "Antonio", "Carmen", "Núria", "Íñigo", "Lucía", "Begoña",
		"Jesús", "Ainhoa", "Álvaro", "Inés", "Joan", "Montserrat", "Xosé", "Iciar"}
	surnames = []string{"García", "Fernández", "González", "Rodríguez", "López", "Martínez", "Sánchez",
		"Pérez", "Muñoz", "Peña", "Gómez", "Martín", "Jiménez", "Ruiz", "Hernández", "Díaz", "Ibáñez",
		"Castaño", "Etxeberria", "Vázquez"}
	streets = []string{"Calle Mayor", "Avenida de la Constitución", "Plaza de España", "Calle Real",
		"Rúa do Franco", "Carrer de Balmes", "Paseo de la Castellana", "Calle Alcalá"}
	provinces = []struct{ name, city, cp string }{
		{"Madrid", "Madrid", "28"}, {"Barcelona", "Barcelona", "08"}, {"Valencia", "València", "46"},
		{"Sevilla", "Sevilla", "41"}, {"A Coruña", "Santiago de Compostela", "15"},
		{"Bizkaia", "Bilbao", "48"}, {"Málaga", "Málaga", "29"}, {"Illes Balears", "Palma", "07"},
	}
	nationalities = []string{"ES", "ES", "ES", "ES", "ES", "ES", "PT", "FR", "IT", "RO", "MA", "CO"}
)

const dniLetters = "TRWAGMYFPDXBNJZSQVHLCKE"

// SyntheticPerson returns the i-th person (0 ≤ i < 10⁸) of a deterministic
// synthetic registry: unique valid DNIs (or NIEs for foreigners), in an order
// that is not sorted, as a real export's would not be.
func SyntheticPerson(i int) store.Person {
	// 7919 is prime, so i ↦ i·7919 mod 10⁸ is a permutation: IDs stay unique
	// while consecutive people land far apart in the primary key.
	n := (i*7919 + 12345678) % 100_000_000
	nat := nationalities[i%len(nationalities)]
	prov := provinces[(i/7)%len(provinces)]
	given := givenNames[i%len(givenNames)]
	first := surnames[(i/3)%len(surnames)]
	second := surnames[(i/11)%len(surnames)]

	var id, docType string
	if nat == "ES" {
		id = pad(n, 8) + string(dniLetters[n%23])
		docType = store.DocDNI
	} else {
		// NIE: X/Y/Z counts as 0/1/2 in front of seven digits for the letter.
		m := n % 10_000_000
		prefix := i % 3
		id = string("XYZ"[prefix]) + pad(m, 7) + string(dniLetters[(prefix*10_000_000+m)%23])
		docType = store.DocTIE
		if nat == "PT" || nat == "FR" || nat == "IT" || nat == "RO" {
			docType = store.DocEUCertificate
		}
	}

	p := store.Person{
		ID:             id,
		GivenName:      given,
		FirstSurname:   first,
		SecondSurname:  second,
		BirthDate:      time.Date(1940+i%66, time.Month(1+i%12), 1+i%28, 0, 0, 0, 0, time.UTC),
		Nationality:    nat,
		DocumentType:   docType,
		DocumentNumber: id,
		DocumentExpiry: time.Date(2026+i%10, time.Month(1+(i/12)%12), 1+(i/28)%28, 0, 0, 0, 0, time.UTC),
		SupportNumber:  "C" + pad(n%100_000_000, 8),
		Address:        streets[i%len(streets)] + ", " + strconv.Itoa(1+i%150) + ", " + strconv.Itoa(1+i%9) + "º " + string(rune('A'+i%4)),
		PostalCode:     prov.cp + pad(i%1000, 3),
		City:           prov.city,
		Province:       prov.name,
		UpdatedAt:      time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Millisecond),
	}
	if docType == store.DocEUCertificate {
		p.SecondSurname = ""
		p.SupportNumber = ""
	}
	if i%5 != 0 {
		p.Email = strings.ToLower(asciiFold(given)) + "." + strings.ToLower(asciiFold(first)) + strconv.Itoa(i) + "@example.es"
	}
	if i%4 != 0 {
		p.Mobile = "+346" + pad(n, 8)
	}
	if i%50 == 0 {
		p.DocumentExpiry = time.Time{}
	}
	return p
}

func pad(n, width int) string {
	s := strconv.Itoa(n)
	if len(s) >= width {
		return s
	}
	return strings.Repeat("0", width-len(s)) + s
}

var folder = strings.NewReplacer("á", "a", "é", "e", "í", "i", "ó", "o", "ú", "u", "ñ", "n",
	"Á", "A", "É", "E", "Í", "I", "Ó", "O", "Ú", "U", "Ñ", "N", "ç", "c")

func asciiFold(s string) string { return folder.Replace(s) }
