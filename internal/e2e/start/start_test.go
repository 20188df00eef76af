package start_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/llavero/llavero/internal/platformtest"
	"github.com/llavero/llavero/internal/store"
)

func get(t *testing.T, u, lang string) (int, string) {
	t.Helper()
	req, err := http.NewRequest("GET", u, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept-Language", lang)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

// TestStartOnThePlatform: a newcomer's plan from the real catalogue and
// office directory, in the order that gets the certificate first.
func TestStartOnThePlatform(t *testing.T) {
	e := platformtest.Start(t, platformtest.Options{})
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Microsecond)
	for _, o := range []store.Office{
		{ID: "of-centro", Name: "Oficina Centro", Address: "Plaza Mayor 1", PostalCode: "28012", City: "Madrid", Province: "Madrid",
			Hours: "L-V 9:00-14:00", Handles: []string{"certificate", "account"}, CreatedAt: now},
		{ID: "of-video", Name: "Sala de revisión", Address: "Calle Interna 2", PostalCode: "28001", City: "Madrid", Province: "Madrid",
			Hours: "L-V 8:00-15:00", Handles: []string{"video-review"}, CreatedAt: now},
	} {
		if err := e.Store.CreateOffice(ctx, o); err != nil {
			t.Fatal(err)
		}
	}

	status, form := get(t, e.Issuer+"/start", "es")
	if status != 200 || !strings.Contains(form, `value="`+e.ClientID+`.licence-exchange"`) || !strings.Contains(form, "Canjear un permiso de conducir extranjero") {
		t.Fatalf("GET /start = %d; the form does not offer the traffic office's procedures", status)
	}

	status, plan := get(t, e.Issuer+"/start/plan?doc=tie&phone=foreign&cert=none&proc="+e.ClientID+".licence-exchange", "en")
	if status != 200 {
		t.Fatalf("GET /start/plan = %d\n%s", status, plan)
	}
	order := []string{`id="step-request"`, `id="step-check"`, `id="step-download"`, `id="step-account"`, `id="step-procedures"`}
	last := -1
	for _, s := range order {
		i := strings.Index(plan, s)
		if i <= last {
			t.Fatalf("plan steps out of order at %s", s)
		}
		last = i
	}
	check := plan[strings.Index(plan, `id="step-check"`):strings.Index(plan, `id="step-download"`)]
	if !strings.Contains(check, "Oficina Centro") || strings.Contains(check, "Sala de revisión") {
		t.Error("the identity check should list the office that does it, and only that one")
	}
	for _, want := range []string{"Your original TIE, not expired", "risk-request-passport-not-nie", "risk-account-foreign-sms", "Exchange a foreign driving licence"} {
		if !strings.Contains(plan, want) {
			t.Errorf("plan lacks %q", want)
		}
	}

	status, dir := get(t, e.Issuer+"/offices", "es")
	if status != 200 || !strings.Contains(dir, "Oficina Centro") || !strings.Contains(dir, "Sala de revisión") || !strings.Contains(dir, "L-V 8:00-15:00") {
		t.Errorf("GET /offices = %d; the directory does not list every office", status)
	}

	if status, _ := get(t, e.Issuer+"/start/plan?doc=tie&phone=es&cert=none&nie=X1234567L", "es"); status != http.StatusBadRequest {
		t.Errorf("a plan link with a NIE = %d, want 400", status)
	}
}
