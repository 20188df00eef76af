package web

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"sort"
	"strconv"
	"testing"
	"text/template/parse"

	"github.com/llavero/llavero/internal/i18n"
)

// TestCatalogueComplete walks the catalogue: every text exists in every
// language.
func TestCatalogueComplete(t *testing.T) {
	if len(catalogue) == 0 {
		t.Fatal("empty catalogue")
	}
	for key, text := range catalogue {
		for _, l := range i18n.Langs {
			if text.In(l) == "" {
				t.Errorf("text %q has no %s translation", key, l)
			}
		}
	}
}

// TestGoTextsComplete checks the texts written in Go (errors): every
// i18n.T, i18n.Tf and i18n.Text literal in the package has both languages.
func TestGoTextsComplete(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	for _, name := range files {
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			var args []ast.Expr
			switch n := n.(type) {
			case *ast.CallExpr:
				if sel, ok := n.Fun.(*ast.SelectorExpr); ok && isIdent(sel.X, "i18n") && (sel.Sel.Name == "T" || sel.Sel.Name == "Tf") {
					args = n.Args[:2]
				}
			case *ast.CompositeLit:
				if sel, ok := n.Type.(*ast.SelectorExpr); ok && isIdent(sel.X, "i18n") && sel.Sel.Name == "Text" {
					args = n.Elts
					if len(args) < 2 {
						t.Errorf("%s: i18n.Text with fewer than two languages", fset.Position(n.Pos()))
					}
				}
			}
			for _, a := range args {
				if kv, ok := a.(*ast.KeyValueExpr); ok {
					a = kv.Value
				}
				if lit, ok := a.(*ast.BasicLit); ok && lit.Kind == token.STRING {
					if s, _ := strconv.Unquote(lit.Value); s == "" {
						t.Errorf("%s: empty translation", fset.Position(lit.Pos()))
					}
				}
			}
			return true
		})
	}
}

func isIdent(e ast.Expr, name string) bool {
	id, ok := e.(*ast.Ident)
	return ok && id.Name == name
}

// TestTemplateKeysExist reads every template for t "key" calls: each key
// must be in the catalogue, and each catalogue key must be used, so texts
// neither go missing nor rot.
func TestTemplateKeysExist(t *testing.T) {
	pages, err := loadPages(nil, "")
	if err != nil {
		t.Fatal(err)
	}
	used := map[string]bool{}
	for name, p := range pages {
		for _, tmpl := range p[i18n.ES].Templates() {
			if tmpl.Tree == nil {
				continue
			}
			for _, key := range textKeys(tmpl.Tree.Root) {
				used[key] = true
				if _, ok := catalogue[key]; !ok {
					t.Errorf("page %s, template %s: text %q is not in the catalogue", name, tmpl.Name(), key)
				}
			}
		}
	}
	var unused []string
	for key := range catalogue {
		if !used[key] {
			unused = append(unused, key)
		}
	}
	sort.Strings(unused)
	for _, key := range unused {
		t.Errorf("text %q is in the catalogue but no template uses it", key)
	}
}

// textKeys returns the string arguments of every t call under n.
func textKeys(n parse.Node) []string {
	var keys []string
	var walk func(parse.Node)
	walk = func(n parse.Node) {
		switch n := n.(type) {
		case *parse.ListNode:
			if n == nil {
				return
			}
			for _, c := range n.Nodes {
				walk(c)
			}
		case *parse.ActionNode:
			walk(n.Pipe)
		case *parse.IfNode:
			walk(&n.BranchNode)
		case *parse.RangeNode:
			walk(&n.BranchNode)
		case *parse.WithNode:
			walk(&n.BranchNode)
		case *parse.BranchNode:
			walk(n.Pipe)
			walk(n.List)
			walk(n.ElseList)
		case *parse.TemplateNode:
			walk(n.Pipe)
		case *parse.PipeNode:
			if n == nil {
				return
			}
			for _, c := range n.Cmds {
				walk(c)
			}
		case *parse.CommandNode:
			if id, ok := n.Args[0].(*parse.IdentifierNode); ok && id.Ident == "t" && len(n.Args) >= 2 {
				if s, ok := n.Args[1].(*parse.StringNode); ok {
					keys = append(keys, s.Text)
				}
			}
			for _, a := range n.Args {
				walk(a)
			}
		}
	}
	walk(n)
	return keys
}
