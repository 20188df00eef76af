package main

import (
	"reflect"
	"strings"
	"testing"

	"github.com/llavero/llavero/internal/i18n"
	"github.com/llavero/llavero/internal/store"
)

func TestParseProcedure(t *testing.T) {
	for _, tc := range []struct {
		spec string
		want store.Procedure
		err  string
	}{
		{"points-balance:Saldo de puntos:low", store.Procedure{ID: "points-balance", Name: "Saldo de puntos", ACR: "low"}, ""},
		{"points-balance:Saldo de puntos|Points balance:low", store.Procedure{ID: "points-balance", Name: "Saldo de puntos", NameEN: "Points balance", ACR: "low"}, ""},
		{"lx: Canje de permiso | Licence exchange :substantial:signature",
			store.Procedure{ID: "lx", Name: "Canje de permiso", NameEN: "Licence exchange", ACR: "substantial", Signature: true}, ""},
		{"lx:Canje|:low", store.Procedure{}, "one English name"},
		{"lx:Canje|Exchange|Tausch:low", store.Procedure{}, "one English name"},
		{"lx:|Exchange:low", store.Procedure{}, "Spanish name are required"},
		{"lx:Canje:medium", store.Procedure{}, "not low, substantial or high"},
		{"lx:Canje", store.Procedure{}, "use ID:NAME[|ENGLISH NAME]:LEVEL"},
		{"lx:Canje:low:firma", store.Procedure{}, "use ID:NAME[|ENGLISH NAME]:LEVEL"},
	} {
		got, err := parseProcedure(tc.spec)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%q: err = %v, want one saying %q", tc.spec, err, tc.err)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%q = %+v, %v; want %+v", tc.spec, got, err, tc.want)
		}
	}
}

// TestClientAddStoresEnglishNames: the names given to "admin client add"
// are what the store keeps.
func TestClientAddStoresEnglishNames(t *testing.T) {
	data := t.TempDir()
	t.Setenv("LLAVERO_DATA", data)
	var cl map[string]any
	mustJSON(t, &cl, "admin", "client", "add", "--name", "Sede de Tráfico", "--redirect-uri", "https://trafico.example.es/cb",
		"--procedure", "points-balance:Saldo de puntos|Points balance:low", "--procedure", "fine:Pagar una multa:low", "--json")
	var list []map[string]any
	mustJSON(t, &list, "admin", "client", "list", "--json")
	if len(list) != 1 {
		t.Fatalf("clients %v", list)
	}
	procs := list[0]["procedures"].([]any)
	first, second := procs[0].(map[string]any), procs[1].(map[string]any)
	if first["Name"] != "Saldo de puntos" || first["NameEN"] != "Points balance" || second["NameEN"] != "" {
		t.Errorf("procedures %v", procs)
	}
}

// TestBackupStep: the last words of download and renew name the file, the
// command that checks a copy and why, in both languages.
func TestBackupStep(t *testing.T) {
	for _, tc := range []struct {
		lang i18n.Lang
		want []string
	}{
		{i18n.EN, []string{"/home/ana/certificate.p12", "llavero cert backup --p12 /home/ana/certificate.p12 --copy-to", "USB stick", "visit an office", "remind you by email"}},
		{i18n.ES, []string{"/home/ana/certificate.p12", "llavero cert backup --p12 /home/ana/certificate.p12 --copy-to", "memoria USB", "volver a una oficina", "te lo recordaremos por correo"}},
	} {
		got := backupStep(tc.lang, "/home/ana/certificate.p12")
		for _, w := range tc.want {
			if !strings.Contains(got, w) {
				t.Errorf("%s: lacks %q:\n%s", tc.lang, w, got)
			}
		}
	}
}
