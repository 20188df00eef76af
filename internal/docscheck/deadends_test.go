package docscheck

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// testLink is a Markdown link to a test: [text](path_test.go#TestName/sub).
var testLink = regexp.MustCompile(`\]\(([^)#\s]+_test\.go)#([^)\s]+)\)`)

// repoRoot is where go.mod is, found from this package's directory.
func repoRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		up := filepath.Dir(dir)
		if up == dir {
			t.Fatal("go.mod not found above the test's directory")
		}
		dir = up
	}
}

// testsIn returns, for each top-level Test function of the file, the names
// its subtests may have, as go test spells them (spaces become
// underscores): the literal names given to Run, and, when a Run takes its
// name from a table (t.Run(tc.name, ...)), every string literal of the
// function, since the table's names are among them.
func testsIn(path string) (map[string]map[string]bool, error) {
	f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.SkipObjectResolution)
	if err != nil {
		return nil, err
	}
	spell := func(lit *ast.BasicLit) (string, bool) {
		if lit.Kind != token.STRING {
			return "", false
		}
		s, err := strconv.Unquote(lit.Value)
		return strings.ReplaceAll(s, " ", "_"), err == nil
	}
	out := map[string]map[string]bool{}
	for _, d := range f.Decls {
		fn, ok := d.(*ast.FuncDecl)
		if !ok || fn.Recv != nil || !strings.HasPrefix(fn.Name.Name, "Test") || fn.Body == nil {
			continue
		}
		named, all := map[string]bool{}, map[string]bool{}
		tabled := false
		ast.Inspect(fn.Body, func(n ast.Node) bool {
			if lit, ok := n.(*ast.BasicLit); ok {
				if s, ok := spell(lit); ok {
					all[s] = true
				}
			}
			call, ok := n.(*ast.CallExpr)
			if !ok || len(call.Args) != 2 {
				return true
			}
			if sel, ok := call.Fun.(*ast.SelectorExpr); !ok || sel.Sel.Name != "Run" {
				return true
			}
			if lit, ok := call.Args[0].(*ast.BasicLit); ok {
				if s, ok := spell(lit); ok {
					named[s] = true
				}
			} else {
				tabled = true
			}
			return true
		})
		if tabled {
			named = all
		}
		out[fn.Name.Name] = named
	}
	return out, nil
}

// checkLinks checks every test link of a Markdown file under root and
// returns how many links it found and what is wrong with them.
func checkLinks(root, doc string) (int, []string) {
	raw, err := os.ReadFile(filepath.Join(root, doc))
	if err != nil {
		return 0, []string{err.Error()}
	}
	var bad []string
	parsed := map[string]map[string]map[string]bool{}
	links := testLink.FindAllStringSubmatch(string(raw), -1)
	for _, m := range links {
		path := filepath.Clean(filepath.Join(root, filepath.Dir(doc), m[1]))
		if !strings.HasPrefix(path, root+string(filepath.Separator)) {
			bad = append(bad, "link "+m[1]+" leaves the repository")
			continue
		}
		tests, seen := parsed[path]
		if !seen {
			tests, err = testsIn(path)
			if err != nil {
				bad = append(bad, "link to "+m[1]+": "+err.Error())
			}
			parsed[path] = tests
		}
		if tests == nil {
			continue
		}
		name, sub, _ := strings.Cut(m[2], "/")
		subs, ok := tests[name]
		switch {
		case !ok:
			bad = append(bad, m[1]+" has no "+name)
		case sub != "" && !subs[sub]:
			bad = append(bad, name+" runs no subtest "+strconv.Quote(sub))
		}
	}
	return len(links), bad
}

func TestDeadEndsLinksNameTestsThatExist(t *testing.T) {
	n, bad := checkLinks(repoRoot(t), "docs/dead-ends.md")
	for _, b := range bad {
		t.Errorf("docs/dead-ends.md: %s", b)
	}
	if n < 16 {
		t.Errorf("docs/dead-ends.md links %d tests; each of its 16 entries needs at least one", n)
	}
}

// TestCheckLinksCatchesBadLinks gives the checker a page with a link to a
// missing test, a missing subtest and a missing file, and a good one.
func TestCheckLinksCatchesBadLinks(t *testing.T) {
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "docs"), 0o755); err != nil {
		t.Fatal(err)
	}
	write := func(name, s string) {
		if err := os.WriteFile(filepath.Join(root, name), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("x_test.go", "package x\n\nimport \"testing\"\n\nfunc TestA(t *testing.T) {\n\tt.Run(\"two words\", func(t *testing.T) {})\n}\n\n"+
		"func TestT(t *testing.T) {\n\tfor _, n := range []string{\"from table\"} {\n\t\tt.Run(n, func(t *testing.T) {})\n\t}\n}\n")
	for _, tc := range []struct {
		link string
		bad  bool
	}{
		{"../x_test.go#TestA", false},
		{"../x_test.go#TestA/two_words", false},
		{"../x_test.go#TestT/from_table", false},
		{"../x_test.go#TestT/not_in_table", true},
		{"../x_test.go#TestB", true},
		{"../x_test.go#TestA/three_words", true},
		{"../y_test.go#TestA", true},
		{"../../x_test.go#TestA", true},
	} {
		write("docs/page.md", "See [it]("+tc.link+").\n")
		n, bad := checkLinks(root, "docs/page.md")
		if n != 1 || (len(bad) != 0) != tc.bad {
			t.Errorf("%s: %d links, problems %q, want problems: %v", tc.link, n, bad, tc.bad)
		}
	}
}
