// Package i18ntest holds the checks every package with citizen-facing
// errors runs in its tests: that each exported error template is listed
// (so none escapes the checks) and that each has a stable code and a
// message and next step in both languages.
package i18ntest

import (
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

// ExportedErrors returns the names of the exported package-level Err*
// variables declared in the non-test Go files of dir.
func ExportedErrors(t testing.TB, dir string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	var names []string
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
					if id.IsExported() && strings.HasPrefix(id.Name, "Err") {
						names = append(names, id.Name)
					}
				}
			}
		}
	}
	sort.Strings(names)
	if len(names) == 0 {
		t.Fatalf("no Err* variables in %s: is the test running in the package directory?", dir)
	}
	return names
}

// CheckListed fails for every exported Err* variable of dir that listed
// lacks (and for listed names the package does not declare).
func CheckListed(t *testing.T, dir string, listed map[string]*i18n.Error) {
	t.Helper()
	declared := ExportedErrors(t, dir)
	for _, name := range declared {
		if _, ok := listed[name]; !ok {
			t.Errorf("%s is exported but not listed in the test's error table", name)
		}
	}
	if len(declared) != len(listed) {
		t.Errorf("the test lists %d errors, the package declares %d: %v", len(listed), len(declared), declared)
	}
}

// CheckBilingual fails for an error without a code of the given shape,
// with a code another error already uses, or without its message and next
// step in Spanish and English.
func CheckBilingual(t *testing.T, errs map[string]*i18n.Error, codeShape *regexp.Regexp) {
	t.Helper()
	seen := map[string]string{}
	for name, e := range errs {
		if e == nil {
			t.Errorf("%s is nil", name)
			continue
		}
		if !codeShape.MatchString(e.Code) {
			t.Errorf("%s: code %q does not match %s", name, e.Code, codeShape)
		}
		if other, dup := seen[e.Code]; dup {
			t.Errorf("%s and %s share the code %q", name, other, e.Code)
		}
		seen[e.Code] = name
		for _, l := range i18n.Langs {
			if strings.TrimSpace(e.Message(l)) == "" || strings.TrimSpace(e.Hint(l)) == "" {
				t.Errorf("%s (%s): empty message or next step in %s", name, e.Code, l)
			}
		}
	}
}
