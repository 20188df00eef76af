package web

import (
	"fmt"

	"github.com/llavero/llavero/internal/i18n"
)

// catalogue holds the texts templates show, by key, each in both
// languages. Every page file adds its own with addTexts, so the texts of a
// page sit next to its handler and two features never edit one list.
// TestCatalogueComplete and TestTemplateKeysExist keep it honest.
var catalogue = map[string]i18n.Text{}

// addTexts adds texts to the catalogue. A key defined twice is a
// programming error found at start-up (and by any test).
func addTexts(texts map[string]i18n.Text) struct{} {
	for k, t := range texts {
		if _, dup := catalogue[k]; dup {
			panic(fmt.Sprintf("web: text %q defined twice", k))
		}
		catalogue[k] = t
	}
	return struct{}{}
}

// Texts of the layout and the error page, shared by every page.
var _ = addTexts(map[string]i18n.Text{
	"layout.skip":      i18n.T("Saltar al contenido", "Skip to content"),
	"layout.tagline":   i18n.T("Tu identidad digital", "Your digital identity"),
	"layout.home":      i18n.T("llavero: página de inicio", "llavero: home page"),
	"layout.switch":    i18n.T("Read this page in English", "Leer esta página en español"),
	"layout.version":   i18n.T("Versión", "Version"),
	"layout.footer":    i18n.T("llavero es software libre para la identidad digital.", "llavero is free software for digital identity."),
	"error.next":       i18n.T("Qué puedes hacer", "What you can do"),
	"error.home":       i18n.T("Ir a la página de inicio", "Go to the home page"),
	"error.code":       i18n.T("Código del error", "Error code"),
	"error.request_id": i18n.T("Identificador de la petición", "Request ID"),
	"error.other_lang": i18n.T("In English", "En español"),
})
