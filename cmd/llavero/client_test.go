package main

import (
	"context"
	"encoding/json"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/llavero/llavero/internal/config"
	"github.com/llavero/llavero/internal/i18n"
	"github.com/llavero/llavero/internal/store"
	"github.com/llavero/llavero/internal/store/sqlite"
)

// TestClientAddProcedureSignatureKinds registers procedures with each
// kind of signature and reads them back with `admin client list`; the
// old ":signature" still means a certificate signature, and a wrong kind
// or a remote signature below substantial is refused with the syntax.
func TestClientAddProcedureSignatureKinds(t *testing.T) {
	t.Setenv("LLAVERO_DATA", t.TempDir())
	for _, tc := range []struct {
		spec      string
		signature bool
		kind      string
		refusal   string // a part of the error, when refused
	}{
		{spec: "points:Saldo de puntos:low"},
		{spec: "exchange:Canje de permiso:substantial:remote", signature: true, kind: "remote"},
		{spec: "vat:Declaración del IVA:substantial:certificate", signature: true, kind: "certificate"},
		{spec: "old:Trámite antiguo:substantial:signature", signature: true, kind: "certificate"},
		{spec: "fine:Multa:low:remote", refusal: "remote signing needs a substantial login"},
		{spec: "x:Algo:substantial:sms", refusal: `signature "sms" is not certificate or remote`},
		{spec: "x:Algo:substantial:remote:more", refusal: "ID:NAME[|ENGLISH NAME]:LEVEL:remote"},
	} {
		t.Run(tc.spec, func(t *testing.T) {
			stdout, stderr, code := run(t, "admin", "client", "add", "--name", "Sede "+tc.spec, "--redirect-uri", "https://sede.example.es/cb",
				"--procedure", tc.spec, "--json")
			if tc.refusal != "" {
				if code == 0 || !strings.Contains(stderr, tc.refusal) {
					t.Fatalf("exit %d, stderr %q; want a refusal with %q", code, stderr, tc.refusal)
				}
				return
			}
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			var added struct{ ID string }
			if err := json.Unmarshal([]byte(stdout), &added); err != nil {
				t.Fatal(err)
			}
			stdout, stderr, code = run(t, "admin", "client", "list", "--json")
			var list []struct {
				ID         string
				Procedures []struct {
					ID            string
					Signature     bool
					SignatureKind string
				}
			}
			if err := json.Unmarshal([]byte(stdout), &list); code != 0 || err != nil {
				t.Fatalf("list: exit %d, %v: %s", code, err, stderr)
			}
			for _, c := range list {
				if c.ID != added.ID {
					continue
				}
				if len(c.Procedures) != 1 || c.Procedures[0].Signature != tc.signature || c.Procedures[0].SignatureKind != tc.kind {
					t.Errorf("stored procedures %+v; want signature %v, kind %q", c.Procedures, tc.signature, tc.kind)
				}
				return
			}
			t.Errorf("client %s not listed", added.ID)
		})
	}
}

func TestParseProcedure(t *testing.T) {
	for _, tc := range []struct {
		spec string
		want store.Procedure
		err  string
	}{
		{"points-balance:Saldo de puntos:low", store.Procedure{ID: "points-balance", Name: "Saldo de puntos", ACR: "low"}, ""},
		{"points-balance:Saldo de puntos|Points balance:low", store.Procedure{ID: "points-balance", Name: "Saldo de puntos", NameEN: "Points balance", ACR: "low"}, ""},
		{"lx: Canje de permiso | Licence exchange :substantial:signature",
			store.Procedure{ID: "lx", Name: "Canje de permiso", NameEN: "Licence exchange", ACR: "substantial", Signature: true, SignatureKind: store.SignatureCertificate}, ""},
		{"lx:Canje de permiso|Licence exchange:substantial:remote",
			store.Procedure{ID: "lx", Name: "Canje de permiso", NameEN: "Licence exchange", ACR: "substantial", Signature: true, SignatureKind: store.SignatureRemote}, ""},
		{"vat:IVA|VAT return:high:certificate",
			store.Procedure{ID: "vat", Name: "IVA", NameEN: "VAT return", ACR: "high", Signature: true, SignatureKind: store.SignatureCertificate}, ""},
		{"lx:Canje|Exchange:low:remote", store.Procedure{}, "remote signing needs a substantial login"},
		{"lx:Canje|:substantial:remote", store.Procedure{}, "one English name"},
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
	// The registration is in the audit chain, and the chain still holds.
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(data, "llavero.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	evs, err := st.ListAudit(ctx, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, e := range evs {
		if e.Action == "client.add" && e.Subject == cl["id"] && strings.HasPrefix(e.Actor, "admin:") {
			found = true
		}
	}
	if !found {
		t.Errorf("no client.add audit event for %v in %d events", cl["id"], len(evs))
	}
	if out, errOut, code := run(t, "admin", "audit", "verify"); code != 0 {
		t.Errorf("audit verify after client add: exit %d: %s %s", code, out, errOut)
	}
}

// TestBackupStep: the last words of download and renew name the file, the
// command that checks a copy (with --server when not the default) and why,
// in both languages.
func TestBackupStep(t *testing.T) {
	for _, tc := range []struct {
		lang i18n.Lang
		want []string
	}{
		{i18n.EN, []string{"/home/ana/certificate.p12", "llavero cert backup --p12 /home/ana/certificate.p12 --copy-to", "USB stick", "visit an office", "remind you by email"}},
		{i18n.ES, []string{"/home/ana/certificate.p12", "llavero cert backup --p12 /home/ana/certificate.p12 --copy-to", "memoria USB", "volver a una oficina", "te lo recordaremos por correo"}},
	} {
		got := backupStep(tc.lang, config.DefaultServer, "/home/ana/certificate.p12")
		for _, w := range tc.want {
			if !strings.Contains(got, w) {
				t.Errorf("%s: lacks %q:\n%s", tc.lang, w, got)
			}
		}
		// Another server is named in both commands, so they work as copied.
		got = backupStep(tc.lang, "https://id.example.es", "/home/ana/certificate.p12")
		if n := strings.Count(got, "llavero cert backup --server https://id.example.es --p12 "); n != 2 {
			t.Errorf("%s: %d commands name the server, want 2:\n%s", tc.lang, n, got)
		}
	}
}
