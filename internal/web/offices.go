package web

import (
	"net/http"
	"slices"

	"github.com/llavero/llavero/internal/i18n"
	"github.com/llavero/llavero/internal/store"
)

// directoryOffice is one registration office as the directory shows it.
type directoryOffice struct {
	Name, Address, PostalCode, City, Province, Hours string
	Handles                                          []i18n.Text
}

// handleLabels say what each office handle means to a person.
var handleLabels = map[string]i18n.Text{
	handleCertificate: i18n.T("comprobación de identidad para el certificado", "identity check for the certificate"),
	handleAccount:     i18n.T("registro de la cuenta (nivel avanzado)", "account registration (advanced level)"),
	handleVideoReview: i18n.T("revisión de videoidentificaciones (no atiende al público)", "review of video identifications (not open to the public)"),
}

func viewOffice(o store.Office) directoryOffice {
	v := directoryOffice{Name: o.Name, Address: o.Address, PostalCode: o.PostalCode, City: o.City, Province: o.Province, Hours: o.Hours}
	for _, h := range o.Handles {
		v.Handles = append(v.Handles, label(handleLabels, h))
	}
	return v
}

// officesHandling returns the offices that do handle, in directory order.
func officesHandling(offices []store.Office, handle string) []directoryOffice {
	var out []directoryOffice
	for _, o := range offices {
		if slices.Contains(o.Handles, handle) {
			out = append(out, viewOffice(o))
		}
	}
	return out
}

// officesView is the Data of the office directory page.
type officesView struct {
	Offices []directoryOffice
}

// officesPage lists every registration office: where it is, when it
// opens and what it does, so nobody travels to one that cannot help.
func (st *startRoutes) officesPage(w http.ResponseWriter, r *http.Request) {
	offices, err := st.d.Offices.ListOffices(r.Context())
	if err != nil {
		st.s.Error(w, r, err)
		return
	}
	v := officesView{}
	for _, o := range offices {
		v.Offices = append(v.Offices, viewOffice(o))
	}
	st.s.Render(w, r, http.StatusOK, "offices", v)
}

var _ = addTexts(map[string]i18n.Text{
	"offices.title": i18n.T("Oficinas de registro", "Registration offices"),
	"offices.lead": i18n.T(
		"En estas oficinas comprueban tu identidad. No todas hacen lo mismo: mira qué hace cada una y su horario antes de ir.",
		"These offices check your identity. They do not all do the same: look at what each one does and its hours before you go."),
	"offices.none":    i18n.T("Todavía no hay ninguna oficina en este servicio.", "There is no office on this service yet."),
	"offices.address": i18n.T("Dirección", "Address"),
	"offices.hours":   i18n.T("Horario", "Opening hours"),
	"offices.handles": i18n.T("Qué hace", "What it does"),
	"offices.plan":    i18n.T("¿No sabes por dónde empezar? Planifica tus pasos.", "Not sure where to start? Plan your steps."),
})

var _ = addTexts(map[string]i18n.Text{
	"offices.where": i18n.T("Dónde están y cuándo abren", "Where they are and when they open"),
})
