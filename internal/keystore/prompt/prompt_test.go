package prompt

import (
	"bytes"
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/llavero/llavero/internal/i18n"
)

var templates = map[string]*i18n.Error{
	"ErrNoTerminal": ErrNoTerminal,
	"ErrMismatch":   ErrMismatch,
	"ErrFile":       ErrFile,
}

func code(err error) string { return i18n.CodeOf(err) }

func TestReadPassphraseFromFile(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		name, content string
		confirm       bool
		want, code    string
	}{
		{"newline", "correct horse\n", false, "correct horse", ""},
		{"CRLF from Notepad", "correct horse\r\n", false, "correct horse", ""},
		{"no newline", "correct horse", false, "correct horse", ""},
		{"only one newline is taken", "correct horse\n\n", false, "correct horse\n", ""},
		{"spaces are part of it", "  correct horse  \n", false, "  correct horse  ", ""},
		{"empty, to open a key", "", false, "", ""},
		{"short, for a new key", "short\n", true, "", "keystore.weak_passphrase"},
		{"long enough, for a new key", "correct horse\n", true, "correct horse", ""},
	} {
		f := filepath.Join(dir, "pw")
		os.WriteFile(f, []byte(c.content), 0o600)
		got, err := ReadPassphrase(f, "unused: ", c.confirm, nil, nil)
		if code(err) != c.code || (c.code == "" && err != nil) {
			t.Errorf("%s: error %v, want code %q", c.name, err, c.code)
			continue
		}
		if string(got) != c.want {
			t.Errorf("%s: got %q, want %q", c.name, got, c.want)
		}
	}
	_, err := ReadPassphrase(filepath.Join(dir, "missing"), "", false, nil, nil)
	if code(err) != "passphrase.file" {
		t.Errorf("missing file: %v", err)
	}
}

func TestReadPassphraseNoTerminal(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	w.Write([]byte("correct horse\n"))
	w.Close()
	var out bytes.Buffer
	for _, in := range []*os.File{r, nil} {
		_, err := ReadPassphrase("", "Contraseña: ", false, in, &out)
		if code(err) != "passphrase.no_terminal" {
			t.Errorf("from a pipe: %v, want passphrase.no_terminal", err)
		}
		if e, _ := i18n.As(err); e == nil || !strings.Contains(e.Next.EN, "--passphrase-file") || !strings.Contains(e.Next.ES, "--passphrase-file") {
			t.Errorf("the error does not point to --passphrase-file: %v", err)
		}
	}
	if out.Len() != 0 {
		t.Errorf("prompted although nothing could be typed: %q", out.String())
	}
}

func TestEveryErrorIsListedAndBilingual(t *testing.T) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "prompt.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.VAR {
			continue
		}
		for _, spec := range g.Specs {
			for _, id := range spec.(*ast.ValueSpec).Names {
				if id.IsExported() && strings.HasPrefix(id.Name, "Err") {
					n++
					if templates[id.Name] == nil {
						t.Errorf("%s is missing from templates", id.Name)
					}
				}
			}
		}
	}
	if n != len(templates) {
		t.Errorf("templates has %d errors, prompt.go declares %d", len(templates), n)
	}
	for name, e := range templates {
		for _, s := range []string{e.Msg.ES, e.Msg.EN, e.Next.ES, e.Next.EN} {
			if strings.TrimSpace(s) == "" || strings.Contains(s, "  ") {
				t.Errorf("%s (%s): empty or badly spaced text %q", name, e.Code, s)
			}
		}
		if e.Msg.ES == e.Msg.EN || e.Next.ES == e.Next.EN {
			t.Errorf("%s: untranslated", name)
		}
		if !strings.HasPrefix(e.Code, "passphrase.") {
			t.Errorf("%s: code %s", name, e.Code)
		}
		if copy := e.Wrap(errors.New("x")); !errors.Is(copy, e) {
			t.Errorf("%s: a wrapped copy does not match its template", name)
		}
	}
}
