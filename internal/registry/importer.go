package registry

import (
	"bufio"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/llavero/llavero/internal/i18n"
	"github.com/llavero/llavero/internal/identity"
	"github.com/llavero/llavero/internal/store"
)

// Header is the exact first line of a registry CSV file.
var Header = []string{"id", "given_name", "first_surname", "second_surname", "birth_date", "nationality",
	"document_type", "document_number", "document_expiry", "support_number", "address", "postal_code",
	"city", "province", "email", "mobile"}

// ImportOptions tune an import.
type ImportOptions struct {
	// SkipBad imports the good rows and reports the bad ones. Without it a
	// single bad row keeps the whole file out.
	SkipBad bool
	// Now stamps UpdatedAt and bounds birth dates; time.Now when zero.
	Now time.Time
	// MaxReported caps how many bad rows are listed (all are counted);
	// 100 when zero.
	MaxReported int
}

// RowError is one bad row: its line in the file (1 is the header), the
// column at fault and why.
type RowError struct {
	Line  int
	Field string
	Err   error
}

// Message renders the row error in lang, with the fix when the cause has one.
func (e RowError) Message(lang i18n.Lang) string {
	prefix := fmt.Sprintf("line %d, %s: ", e.Line, e.Field)
	if lang == i18n.ES {
		prefix = fmt.Sprintf("línea %d, %s: ", e.Line, e.Field)
	}
	if ie, ok := i18n.As(e.Err); ok {
		return prefix + ie.Message(lang) + " " + ie.Hint(lang)
	}
	return prefix + e.Err.Error()
}

func (e RowError) Error() string { return e.Message(i18n.EN) }

// ImportReport says what an import read and changed.
type ImportReport struct {
	Rows     int // data rows read
	Imported int // rows written (0 when the file was refused)
	Created  int
	Updated  int
	Bad      int        // rows refused
	Errors   []RowError // the first MaxReported of them, in file order
	Duration time.Duration
}

// ErrRefused means the file had bad rows and, without SkipBad, nothing was
// imported.
var ErrRefused = i18n.New("registry.import_refused",
	i18n.T("El fichero tiene filas con errores y no se ha importado nada.", "The file has bad rows and nothing was imported."),
	i18n.T("Corrige las filas indicadas y vuelve a importar, o usa --skip-bad para importar solo las filas correctas.",
		"Fix the rows listed and import again, or use --skip-bad to import only the good rows."))

// ErrHeader means the first line is not the expected header.
var ErrHeader = i18n.New("registry.header",
	i18n.T("La primera línea del fichero no es la cabecera esperada.", "The first line of the file is not the expected header."),
	i18n.T("La primera línea debe ser exactamente: "+strings.Join(Header, ","), "The first line must be exactly: "+strings.Join(Header, ",")))

// batchSize is how many parsed rows travel together from the parser to the
// writer; large enough that channel hand-offs cost nothing per row.
const batchSize = 1024

// Import reads a registry CSV from r and upserts every person in it in one
// transaction. Parsing and validation run in their own goroutine so they
// overlap with the database writes.
func Import(ctx context.Context, st store.Store, r io.Reader, opt ImportOptions) (ImportReport, error) {
	start := time.Now()
	if opt.Now.IsZero() {
		opt.Now = time.Now()
	}
	if opt.MaxReported == 0 {
		opt.MaxReported = 100
	}
	cr := csv.NewReader(bufio.NewReaderSize(r, 1<<20))
	cr.ReuseRecord = true
	cr.FieldsPerRecord = -1 // a short row is a row error with its line, not the end of the import
	head, err := cr.Read()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return ImportReport{}, ErrHeader.Wrap(errors.New("empty file"))
		}
		return ImportReport{}, ErrHeader.Wrap(err)
	}
	if len(head) > 0 {
		head[0] = strings.TrimPrefix(head[0], "\ufeff")
	}
	if !sameHeader(head) {
		return ImportReport{}, ErrHeader
	}

	var rep ImportReport
	batches := make(chan []store.Person, 4)
	parseCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	parseErr := make(chan error, 1)
	go func() {
		defer close(batches)
		parseErr <- parse(parseCtx, cr, opt, &rep, batches)
	}()

	res, err := st.ImportPeople(ctx, func(put func(store.Person) error) error {
		for b := range batches {
			for _, p := range b {
				if err := put(p); err != nil {
					return err
				}
			}
		}
		if err := <-parseErr; err != nil {
			return err
		}
		if rep.Bad > 0 && !opt.SkipBad {
			return ErrRefused
		}
		return nil
	})
	// Let the parser finish (or notice the cancel) before reading rep.
	cancel()
	for range batches {
	}
	rep.Duration = time.Since(start)
	if err != nil {
		rep.Imported = 0
		return rep, err
	}
	rep.Created, rep.Updated = res.Created, res.Updated
	rep.Imported = res.Created + res.Updated
	return rep, nil
}

func sameHeader(h []string) bool {
	if len(h) != len(Header) {
		return false
	}
	for i := range h {
		if strings.TrimSpace(strings.ToLower(h[i])) != Header[i] {
			return false
		}
	}
	return true
}

// parse reads every row, sends the good ones in batches and counts the bad
// ones in rep. Once a bad row is seen without SkipBad the file will be
// refused, so it stops sending rows but keeps validating to report them all.
func parse(ctx context.Context, cr *csv.Reader, opt ImportOptions, rep *ImportReport, out chan<- []store.Person) error {
	batch := make([]store.Person, 0, batchSize)
	send := func() error {
		if len(batch) == 0 {
			return nil
		}
		select {
		case out <- batch:
		case <-ctx.Done():
			return ctx.Err()
		}
		batch = make([]store.Person, 0, batchSize)
		return nil
	}
	updated := opt.Now.UTC().Truncate(time.Microsecond)
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		line, _ := cr.FieldPos(0)
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				rep.Rows++
				rep.addBad(opt, RowError{Line: pe.Line, Field: "csv", Err: pe.Err})
				continue
			}
			return err
		}
		rep.Rows++
		p, rerr := ParseRow(rec, opt.Now)
		if rerr != nil {
			rerr.Line = line
			rep.addBad(opt, *rerr)
			continue
		}
		if rep.Bad > 0 && !opt.SkipBad {
			continue
		}
		p.UpdatedAt = updated
		batch = append(batch, p)
		if len(batch) == batchSize {
			if err := send(); err != nil {
				return err
			}
		}
	}
	return send()
}

func (rep *ImportReport) addBad(opt ImportOptions, e RowError) {
	rep.Bad++
	if len(rep.Errors) < opt.MaxReported {
		rep.Errors = append(rep.Errors, e)
	}
}

// Row errors that are not identity's own.
var (
	errRequired = i18n.New("registry.required",
		i18n.T("Falta este dato obligatorio.", "This required value is missing."),
		i18n.T("Rellena la columna.", "Fill in the column."))
	errNationality = i18n.New("registry.nationality",
		i18n.T("La nacionalidad no es un código de país de dos letras.", "The nationality is not a two-letter country code."),
		i18n.T("Usa el código ISO 3166-1 de dos letras, por ejemplo ES, MA, RO o GB.", "Use the two-letter ISO 3166-1 code, for example ES, MA, RO or GB."))
	errPostalCode = i18n.New("registry.postal_code",
		i18n.T("El código postal no es un código postal español.", "The postal code is not a Spanish postal code."),
		i18n.T("Usa cinco cifras, de 01000 a 52999.", "Use five digits, from 01000 to 52999."))
	errEmail = i18n.New("registry.email",
		i18n.T("El correo electrónico no es válido.", "The email address is not valid."),
		i18n.T("Escribe solo la dirección, por ejemplo nombre@ejemplo.es, o deja la columna vacía.", "Write only the address, for example name@example.org, or leave the column empty."))
	errBirthFuture = i18n.New("registry.birth_date",
		i18n.T("La fecha de nacimiento es posterior a hoy.", "The birth date is after today."),
		i18n.T("Revisa la fecha: el formato es AAAA-MM-DD.", "Check the date: the format is YYYY-MM-DD."))
	errTooLong = i18n.New("registry.too_long",
		i18n.T("El dato es demasiado largo (más de 200 caracteres).", "The value is too long (over 200 characters)."),
		i18n.T("Acórtalo.", "Shorten it."))
)

// ParseRow validates one CSV record (in Header order) and returns the person
// it describes with every value in canonical form. The RowError's Line is
// left for the caller, which knows it.
func ParseRow(rec []string, now time.Time) (store.Person, *RowError) {
	bad := func(field string, err error) (store.Person, *RowError) {
		return store.Person{}, &RowError{Field: field, Err: err}
	}
	if len(rec) != len(Header) {
		return bad("csv", i18n.New("registry.columns",
			i18n.Tf("La fila tiene %d columnas y deben ser %d.", "The row has %d columns; it needs %d.", len(rec), len(Header)),
			i18n.T("Revisa las comas: un valor que contiene comas debe ir entre comillas dobles.", `Check the commas: a value containing commas must be in double quotes.`)))
	}
	var p store.Person
	id, err := identity.ParseID(rec[0])
	if err != nil {
		return bad("id", err)
	}
	p.ID = id.Value
	if p.GivenName, err = identity.NormalizeName(rec[1]); err != nil {
		return bad("given_name", err)
	}
	if p.FirstSurname, err = identity.NormalizeName(rec[2]); err != nil {
		return bad("first_surname", err)
	}
	if strings.TrimSpace(rec[3]) != "" {
		if p.SecondSurname, err = identity.NormalizeName(rec[3]); err != nil {
			return bad("second_surname", err)
		}
	}
	if p.BirthDate, err = identity.ParseDate(rec[4]); err != nil {
		return bad("birth_date", err)
	}
	if p.BirthDate.After(now) {
		return bad("birth_date", errBirthFuture)
	}
	nat := strings.ToUpper(strings.TrimSpace(rec[5]))
	if len(nat) != 2 || nat[0] < 'A' || nat[0] > 'Z' || nat[1] < 'A' || nat[1] > 'Z' {
		return bad("nationality", errNationality)
	}
	p.Nationality = nat
	dt, err := identity.ParseDocType(rec[6])
	if err != nil {
		return bad("document_type", err)
	}
	if err := identity.CheckIDMatchesDocument(id, dt); err != nil {
		return bad("document_type", err)
	}
	p.DocumentType = string(dt)
	if p.DocumentNumber, err = identity.ParseDocumentNumber(dt, rec[7]); err != nil {
		return bad("document_number", err)
	}
	if p.DocumentExpiry, err = identity.ParseDate(rec[8]); err != nil {
		return bad("document_expiry", err)
	}
	if strings.TrimSpace(rec[9]) != "" {
		if p.SupportNumber, err = identity.ParseSupportNumber(rec[9]); err != nil {
			return bad("support_number", err)
		}
	}
	for i, dst := range []*string{&p.Address, &p.PostalCode, &p.City, &p.Province} {
		v := strings.Join(strings.Fields(rec[10+i]), " ")
		if v == "" {
			return bad(Header[10+i], errRequired)
		}
		if len(v) > 200 {
			return bad(Header[10+i], errTooLong)
		}
		*dst = v
	}
	if !spanishPostalCode(p.PostalCode) {
		return bad("postal_code", errPostalCode)
	}
	if e := strings.TrimSpace(rec[14]); e != "" {
		if !identity.IsEmail(e) {
			return bad("email", errEmail)
		}
		p.Email = e
	}
	if strings.TrimSpace(rec[15]) != "" {
		// The registry records what people gave; whether a foreign number
		// may receive codes is the deployment's decision at the time of use.
		ph, err := identity.ParsePhone(rec[15], identity.PhoneOptions{AllowForeign: true})
		if err != nil {
			return bad("mobile", err)
		}
		p.Mobile = ph.E164
	}
	return p, nil
}

func spanishPostalCode(s string) bool {
	if len(s) != 5 {
		return false
	}
	for i := 0; i < 5; i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	prov := int(s[0]-'0')*10 + int(s[1]-'0')
	return prov >= 1 && prov <= 52
}
