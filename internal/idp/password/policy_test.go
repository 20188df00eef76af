package password

import (
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/llavero/llavero/internal/i18n"
)

// templates lists every exported error template of the package.
// TestEveryExportedErrorIsListed fails when a new one is not added here, so
// the bilingual check cannot be skipped by forgetting it.
var templates = map[string]*i18n.Error{
	"ErrShort":    ErrShort,
	"ErrGroups":   ErrGroups,
	"ErrLong":     ErrLong,
	"ErrPersonal": ErrPersonal,
	"ErrCommon":   ErrCommon,
}

// internalErrors are exported errors that never reach a citizen.
var internalErrors = map[string]bool{"ErrMalformed": true, "ErrUnsupported": true}

func TestEveryExportedErrorIsListed(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	var declared []string
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			g, ok := d.(*ast.GenDecl)
			if !ok || g.Tok != token.VAR {
				continue
			}
			for _, spec := range g.Specs {
				for _, id := range spec.(*ast.ValueSpec).Names {
					if id.IsExported() && strings.HasPrefix(id.Name, "Err") && !internalErrors[id.Name] {
						declared = append(declared, id.Name)
					}
				}
			}
		}
	}
	sort.Strings(declared)
	if len(declared) == 0 {
		t.Fatal("found no Err* variables: is the test running in the package directory?")
	}
	for _, name := range declared {
		if _, ok := templates[name]; !ok {
			t.Errorf("%s is exported but missing from templates in policy_test.go", name)
		}
	}
	if len(declared) != len(templates) {
		t.Errorf("templates lists %d errors, the package declares %d: %v", len(templates), len(declared), declared)
	}
}

var codeShape = regexp.MustCompile(`^password\.[a-z_]+$`)

func TestEveryErrorTemplateIsBilingualWithAStableCode(t *testing.T) {
	seen := map[string]string{}
	for name, e := range templates {
		if !codeShape.MatchString(e.Code) {
			t.Errorf("%s: code %q is not password.name", name, e.Code)
		}
		if other, dup := seen[e.Code]; dup {
			t.Errorf("%s and %s share the code %q", name, other, e.Code)
		}
		seen[e.Code] = name
		checkTexts(t, name, e)
		if e.Cause != nil {
			t.Errorf("%s: a template must not carry a cause", name)
		}
	}
	for _, code := range []string{"password.short", "password.groups", "password.long", "password.personal", "password.common"} {
		if seen[code] == "" {
			t.Errorf("no template has the code %s", code)
		}
	}
}

// checkTexts fails when a message or next step is missing in a language,
// untranslated, or shows a formatting slip.
func checkTexts(t *testing.T, what string, e *i18n.Error) {
	t.Helper()
	for _, p := range []struct {
		part string
		txt  i18n.Text
	}{{"Msg", e.Msg}, {"Next", e.Next}} {
		if strings.TrimSpace(p.txt.ES) == "" || strings.TrimSpace(p.txt.EN) == "" {
			t.Errorf("%s (%s): %s is missing a language: %+v", what, e.Code, p.part, p.txt)
		}
		if p.txt.ES == p.txt.EN {
			t.Errorf("%s (%s): %s is the same in both languages: %q", what, e.Code, p.part, p.txt.ES)
		}
		for _, s := range []string{p.txt.ES, p.txt.EN} {
			if strings.Contains(s, "%!") || strings.Contains(s, "  ") || strings.Contains(s, "..") {
				t.Errorf("%s (%s): %s has a formatting slip: %q", what, e.Code, p.part, s)
			}
		}
	}
}

var ana = Person{ID: "12345678Z", GivenName: "Ana María", FirstSurname: "Muñoz", SecondSurname: "de la Fuente"}
var nie = Person{ID: "X0234567T", GivenName: "Oleksandr", FirstSurname: "Kovalenko"}
var dni0 = Person{ID: "01234567L", GivenName: "Li", FirstSurname: "Wu"}

func TestCheck(t *testing.T) {
	for _, tc := range []struct {
		pw     string
		person Person
		code   string
	}{
		// Length and groups.
		{"", ana, "password.short"},
		{"Ab1!xyz", ana, "password.short"},
		{"Ab1!xyzw", ana, ""},
		{"abcdefgh", ana, "password.groups"},
		{"tromboneazul", ana, "password.groups"},
		{"TROMBONEAZUL7", ana, "password.groups"},
		{"TROMBONEazul7", ana, ""},
		{"trombone azul7", ana, ""},               // the space is a symbol
		{"ñandúcigüeña9", ana, "password.groups"}, // ñ and ü are lower-case letters
		{"ÑandúCigüeña9", ana, ""},
		{"Мойпароль77", ana, ""},      // Cyrillic upper and lower, digits
		{"秘密の合言葉です7!", ana, ""},       // caseless letters count as lower case
		{"tromboneazulfrio", ana, ""}, // 16 characters of one group
		{"tromboneazulfri", ana, "password.groups"},
		{strings.Repeat("nube tenedor ", 9) + "bicicleta", ana, ""},
		{strings.Repeat("x", MaxLen+1), ana, "password.long"},
		{strings.Repeat("ñ", MaxLen+1), ana, "password.long"}, // counted in characters, not bytes
		{strings.Repeat("ñ", 60) + "Aa1!", ana, ""},

		// Personal data.
		{"Clave12345678Z!", ana, "password.personal"},
		{"Clave-12.345.678-z", ana, "password.personal"},
		{"Mi12345678Casa", ana, "password.personal"},
		{"Ana12345!", ana, "password.personal"}, // a 3-letter given name counts
		{"AnaMaria#77", ana, "password.personal"},
		{"MARIA_grande7", ana, "password.personal"},
		{"M4r14-grande", ana, "password.personal"},
		{"Munoz#Tuba77", ana, "password.personal"},
		{"MUÑOZ#tuba77", ana, "password.personal"},
		{"FuenteTuba#7", ana, "password.personal"},
		{"DeLa#Tuba#77", ana, ""}, // "de" and "la" are too short to count
		{"X0234567-tuba", nie, "password.personal"},
		{"tuba0234567T!", nie, "password.personal"},
		{"Tuba234567!!", nie, "password.personal"},
		{"KOVALENKO!tuba", nie, "password.personal"},
		{"Tuba1234567!", dni0, "password.personal"}, // DNI without its leading zero
		{"Liwu#Tuba2024", dni0, ""},                 // Li and Wu are too short to count

		// Common passwords and patterns.
		{"Password1!", ana, "password.common"},
		{"P@ssw0rd", ana, "password.common"},
		{"passwordpassword", ana, "password.common"},
		{"Contraseña2024!", ana, "password.common"},
		{"CONTRASENA.1", ana, "password.common"},
		{"C0ntr4s3ñ4!", ana, "password.common"},
		{"Te_Amo_2024", ana, "password.common"},
		{"te amo mucho 123", ana, "password.common"},
		{"TeAmoTeAmo1", ana, "password.common"},
		{"RealMadrid1902", ana, "password.common"},
		{"Barça1899!", ana, "password.common"},
		{"!!Sevilla2024", ana, "password.common"},
		{"Madrid#2024", ana, "password.common"},
		{"Pikachu2000", ana, "password.common"},
		{"IloveYou!!", ana, "password.common"},
		{"He11oWorld", ana, "password.common"}, // 1 for l
		{"Tequ1ero!", ana, "password.common"},  // 1 for i
		{"JoseLuis1975", ana, "password.common"},
		{"MariaGarcia1!", dni0, "password.common"},
		{"TeamoCarlos!1", ana, "password.common"},
		{"Qwerty123!", ana, "password.common"},
		{"Abcd1234!", ana, "password.common"},
		{"1234567890123456", Person{}, "password.common"},
		{"1234567890123456", ana, "password.personal"}, // 12345678 is her DNI
		{"aaaaaaaaaaaaaaaaaaaa", ana, "password.common"},
		{"0987poiuLKJH", ana, "password.common"},
		{"1qaz2wsx3edc!Q", ana, "password.common"},
		{"1qaz@WSX", ana, "password.common"},
		{"Q1w2e3r4t5", ana, "password.common"},
		{"Abc12345!", ana, "password.common"},
		{"Holaquetal1", ana, "password.common"},

		// Good passwords that merely contain a common word.
		{"Madrid-tuba-47-nube", ana, ""},
		{"Tr0mbón-azul", ana, ""},
		{"caballo grapa batería", ana, ""},
		{"Qwerty-Ñu-Pez-Hoja", ana, ""},
	} {
		err := Check(tc.pw, tc.person)
		got := i18n.CodeOf(err)
		if got != tc.code {
			t.Errorf("Check(%q) = %q (%v), want %q", tc.pw, got, err, tc.code)
			continue
		}
		if err == nil {
			continue
		}
		e, _ := i18n.As(err)
		checkTexts(t, tc.pw, e)
		if tmpl := templates[templateName(e.Code)]; !errors.Is(err, tmpl) || e == tmpl {
			t.Errorf("Check(%q): not a copy of the template %s", tc.pw, e.Code)
		}
		for _, s := range []string{e.Msg.ES, e.Msg.EN, e.Next.ES, e.Next.EN} {
			if len(tc.pw) >= 4 && strings.Contains(s, tc.pw) {
				t.Errorf("Check(%q): the message repeats the password: %q", tc.pw, s)
			}
		}
	}
}

func templateName(code string) string {
	for name, e := range templates {
		if e.Code == code {
			return name
		}
	}
	return ""
}

func TestGroupsErrorSaysWhatToAdd(t *testing.T) {
	e, _ := i18n.As(Check("trombone77", ana))
	if e == nil || e.Code != "password.groups" {
		t.Fatalf("got %v", e)
	}
	if !strings.Contains(e.Msg.EN, "lower-case letters and digits") || !strings.Contains(e.Next.EN, "capital letters or symbols") {
		t.Errorf("EN: %q / %q", e.Msg.EN, e.Next.EN)
	}
	if !strings.Contains(e.Msg.ES, "minúsculas y cifras") || !strings.Contains(e.Next.ES, "mayúsculas o símbolos") {
		t.Errorf("ES: %q / %q", e.Msg.ES, e.Next.ES)
	}
	e, _ = i18n.As(Check("Ab1", ana))
	if e == nil || !strings.Contains(e.Msg.EN, "it has 3 characters") || !strings.Contains(e.Msg.ES, "tiene 3 caracteres") {
		t.Errorf("short: %v", e)
	}
}

func TestReturnedErrorsAreCopies(t *testing.T) {
	e, _ := i18n.As(Check("Password1!", ana))
	e.Cause = errors.New("set by a caller")
	e.Msg.EN = "changed by a caller"
	if ErrCommon.Cause != nil || ErrCommon.Msg.EN == "changed by a caller" {
		t.Fatal("changing a returned error changed the template")
	}
}

func TestSeedListSize(t *testing.T) {
	l := currentList()
	if len(l) < 10000 {
		t.Errorf("the seed list has %d distinct keys, want about ten thousand", len(l))
	}
	t.Logf("seed list: %d distinct keys", len(l))
}

func TestLoadList(t *testing.T) {
	old := currentList()
	t.Cleanup(func() { current.Store(&old) })

	in := "\ufeff# a deployment's list\r\n\r\nzanahoria\r\nPÉRGOLA\n" + strings.Repeat("x", MaxLen+1) + "\n"
	if err := LoadList(strings.NewReader(in)); err != nil {
		t.Fatal(err)
	}
	for pw, want := range map[string]string{
		"Zanahoria2024!":   "password.common",
		"P3rg0la#1":        "password.common",
		"Pérgola_77":       "password.common",
		"Password1!":       "", // the seed was replaced
		"# a deployment's": "",
	} {
		if got := i18n.CodeOf(Check(pw, Person{})); got != want {
			t.Errorf("after LoadList, Check(%q) = %q, want %q", pw, got, want)
		}
	}
	if len(currentList()) != 2 {
		t.Errorf("list has %d keys, want 2", len(currentList()))
	}

	for _, bad := range []string{"", "# only comments\n\n", "\xff\xfe\n"} {
		if err := LoadList(strings.NewReader(bad)); err == nil {
			t.Errorf("LoadList(%q) accepted", bad)
		}
	}
	if len(currentList()) != 2 {
		t.Error("a refused list replaced the one in force")
	}
}

func TestCheckWhileLoading(t *testing.T) {
	old := currentList()
	t.Cleanup(func() { current.Store(&old) })
	done := make(chan bool)
	go func() {
		for i := 0; i < 20; i++ {
			_ = LoadList(strings.NewReader("zanahoria\n"))
		}
		close(done)
	}()
	for i := 0; i < 200; i++ {
		_ = Check("Zanahoria2024!", ana)
	}
	<-done
}

func TestTrivial(t *testing.T) {
	for s, want := range map[string]bool{
		"qwerty123!":       false, // "123" is too short a run: the list catches qwerty
		"abcd1234":         true,
		"poiuytrewq":       true,
		"zxcvbnm,":         true,
		"4321dcba":         true,
		"aaaa1111!!!!":     true,
		"aa1!1234abcd":     false,
		"1qaz2wsx3edc":     true,
		"x7!12345678":      true,
		"xy7!12345678":     false,
		"tr0mbon-azul":     false,
		"madrid-tuba-47":   false,
		"":                 true,
		"nube tenedor bic": false,
	} {
		if got := trivial(s); got != want {
			t.Errorf("trivial(%q) = %v, want %v", s, got, want)
		}
	}
}

func TestFold(t *testing.T) {
	for in, want := range map[string]string{
		"Contraseña": "contrasena",
		"ÁÉÍÓÚÜ":     "aeiouu",
		"Ødegaard":   "odegaard",
		"STRAẞE":     "strasse",
		"Ｍａｄｒｉｄ":     "madrid",
		"İstanbul":   "istanbul",
	} {
		if got := fold(in); got != want {
			t.Errorf("fold(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzCheck: Check never panics, answers only with its own codes, and never
// repeats the password in a message.
func FuzzCheck(f *testing.F) {
	for _, s := range []string{"Password1!", "Tr0mbón-azul", "12345678Z", "ñandú", "\xff\xfe", strings.Repeat("ab", 70)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, pw string) {
		err := Check(pw, ana)
		if err == nil {
			return
		}
		e, ok := i18n.As(err)
		if !ok || templateName(e.Code) == "" {
			t.Fatalf("Check(%q) = %v: not one of the package's errors", pw, err)
		}
		if len(pw) >= 6 {
			for _, s := range []string{e.Msg.ES, e.Msg.EN, e.Next.ES, e.Next.EN} {
				if strings.Contains(s, pw) {
					t.Fatalf("Check(%q): the message repeats the password", pw)
				}
			}
		}
	})
}
