package main

import (
	"encoding/json"
	"strings"
	"testing"
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
		{spec: "x:Algo:substantial:remote:more", refusal: "ID:NAME:LEVEL:remote"},
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
