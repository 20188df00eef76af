package sqldb

import (
	"reflect"
	"strings"
	"testing"

	"github.com/llavero/llavero/internal/store"
)

// TestProceduresReadSignatureKinds reads procedures as rows hold them:
// those written before signature kinds existed ("signature" alone) need a
// certificate signature; newer rows say which kind.
func TestProceduresReadSignatureKinds(t *testing.T) {
	for _, tc := range []struct {
		name, row string
		want      store.Procedure
	}{
		{"no signature", `[{"id":"p","name":"N","acr":"low","signature":false}]`,
			store.Procedure{ID: "p", Name: "N", ACR: "low"}},
		{"old row with a signature", `[{"id":"p","name":"N","acr":"substantial","signature":true}]`,
			store.Procedure{ID: "p", Name: "N", ACR: "substantial", Signature: true, SignatureKind: store.SignatureCertificate}},
		{"remote", `[{"id":"p","name":"N","acr":"substantial","signature":true,"signature_kind":"remote"}]`,
			store.Procedure{ID: "p", Name: "N", ACR: "substantial", Signature: true, SignatureKind: store.SignatureRemote}},
		{"certificate", `[{"id":"p","name":"N","acr":"substantial","signature":true,"signature_kind":"certificate"}]`,
			store.Procedure{ID: "p", Name: "N", ACR: "substantial", Signature: true, SignatureKind: store.SignatureCertificate}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []store.Procedure
			if err := (proceduresCol{&got}).Scan(tc.row); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, []store.Procedure{tc.want}) {
				t.Errorf("read %+v, want %+v", got, tc.want)
			}
		})
	}
}

// TestProceduresWriteSignatureKinds: what is written keeps "signature"
// true for any kind, so a binary from before kinds still sees that a
// signature is needed, and names the kind.
func TestProceduresWriteSignatureKinds(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   store.Procedure
		want string
	}{
		{"none", store.Procedure{ID: "p"}, `"signature":false}`},
		{"bare signature", store.Procedure{ID: "p", Signature: true}, `"signature":true,"signature_kind":"certificate"}`},
		{"remote kind only", store.Procedure{ID: "p", SignatureKind: store.SignatureRemote}, `"signature":true,"signature_kind":"remote"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := proceduresArg([]store.Procedure{tc.in})
			if err != nil || !strings.HasSuffix(got, tc.want+"]") {
				t.Errorf("proceduresArg = %s, %v; want it to end %s]", got, err, tc.want)
			}
		})
	}
}
