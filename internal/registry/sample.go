package registry

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"math/rand/v2"
	"strconv"
	"time"
)

// Fictional names for generated registries. Accents and ñ are there on
// purpose: they are what surname matching has to get right.
var (
	sampleGiven    = []string{"María", "José", "Lucía", "Ahmed", "Ioana", "Olena", "Chen", "Aitor", "Núria", "Fatima", "John", "Iñaki", "Zoë", "Andrés", "Wei"}
	sampleSurnames = []string{"García", "Muñoz", "López", "Pérez", "Martín-Sanz", "Ibáñez", "El Amrani", "Popescu", "Kovalenko", "Smith", "Zhang", "Etxeberria", "Núñez", "O'Brien", "Sánchez"}
	sampleCities   = []struct{ city, province, postal string }{
		{"Madrid", "Madrid", "280"}, {"Barcelona", "Barcelona", "080"}, {"València", "Valencia", "460"},
		{"Sevilla", "Sevilla", "410"}, {"Málaga", "Málaga", "290"}, {"A Coruña", "A Coruña", "150"},
		{"Bilbao", "Bizkaia", "480"}, {"Alicante", "Alicante", "030"},
	}
)

const controlLetters = "TRWAGMYFPDXBNJZSQVHLCKE"

// GenerateCSV writes a registry file of n fictional people, deterministic
// for a given seed: a third NIE holders with a TIE, a sixth EU citizens with
// a registration certificate, the rest DNI holders. It feeds benchmarks,
// load tests and trial installations; none of the people exist.
func GenerateCSV(w io.Writer, n int, seed uint64) error {
	rnd := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	bw := bufio.NewWriterSize(w, 1<<20)
	cw := csv.NewWriter(bw)
	if err := cw.Write(Header); err != nil {
		return err
	}
	base := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
	rec := make([]string, len(Header))
	for i := 0; i < n; i++ {
		// Spread numbers so IDs are unique for any n below ten million.
		num := (i*7919 + 13) % 10_000_000
		var id, docType, docNum, nat, support string
		switch i % 6 {
		case 0, 3:
			prefix := "XYZ"[(i/6)%3]
			v := int(prefix-'X')*10_000_000 + num
			id = fmt.Sprintf("%c%07d%c", prefix, num, controlLetters[v%23])
			docType, docNum, nat = "TIE", id, []string{"MA", "CO", "UA", "CN", "GB"}[i%5]
			support = fmt.Sprintf("E%08d", rnd.IntN(100_000_000))
		case 1:
			v := 10_000_000 + num
			id = fmt.Sprintf("Y%07d%c", num, controlLetters[v%23])
			docType, docNum, nat = "EU_CERTIFICATE", id, []string{"RO", "IT", "DE", "FR"}[i%4]
		default:
			v := 10_000_000 + num*3
			id = fmt.Sprintf("%08d%c", v, controlLetters[v%23])
			docType, docNum, nat = "DNI", id, "ES"
			support = fmt.Sprintf("%c%c%c%06d", 'A'+rnd.IntN(26), 'A'+rnd.IntN(26), 'A'+rnd.IntN(26), rnd.IntN(1_000_000))
		}
		c := sampleCities[rnd.IntN(len(sampleCities))]
		rec[0] = id
		rec[1] = sampleGiven[rnd.IntN(len(sampleGiven))]
		rec[2] = sampleSurnames[rnd.IntN(len(sampleSurnames))]
		rec[3] = ""
		if nat == "ES" || rnd.IntN(3) == 0 {
			rec[3] = sampleSurnames[rnd.IntN(len(sampleSurnames))]
		}
		rec[4] = time.Date(1940+rnd.IntN(65), time.Month(1+rnd.IntN(12)), 1+rnd.IntN(28), 0, 0, 0, 0, time.UTC).Format(time.DateOnly)
		rec[5] = nat
		rec[6] = docType
		rec[7] = docNum
		rec[8] = base.AddDate(0, 0, rnd.IntN(3650)).Format(time.DateOnly)
		rec[9] = support
		rec[10] = "Calle Mayor " + strconv.Itoa(1+rnd.IntN(200)) + ", " + strconv.Itoa(1+rnd.IntN(8)) + "º"
		rec[11] = c.postal + fmt.Sprintf("%02d", rnd.IntN(100))
		rec[12] = c.city
		rec[13] = c.province
		rec[14] = ""
		if rnd.IntN(2) == 0 {
			rec[14] = "persona" + strconv.Itoa(i) + "@example.org"
		}
		rec[15] = ""
		if rnd.IntN(4) != 0 {
			rec[15] = "+346" + fmt.Sprintf("%08d", rnd.IntN(100_000_000))
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	return bw.Flush()
}
