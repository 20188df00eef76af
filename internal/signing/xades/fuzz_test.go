package xades

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/llavero/llavero/internal/i18n"
	"github.com/llavero/llavero/internal/signing"
)

var fuzzSeeds = []string{
	invoice,
	`<a/>`,
	`<a xmlns="urn:a"><b xmlns=""/></a>`,
	`<r xmlns:z="urn:a" xmlns:y="urn:b" y:a="1" z:b="2" xml:lang="es"/>`,
	"<?pi?><a><!-- c --><![CDATA[x]]>&amp;&#10;</a><?after x?>",
	`<!DOCTYPE a [<!ENTITY e "x">]><a>&e;</a>`,
	`<a x="1" x="2"/>`,
	`<p:a/>`,
	"\xEF\xBB\xBF<a b='\t'/>",
	`<?xml version="1.0" encoding="latin1"?><a/>`,
	"<a></b>",
	"",
}

var (
	fuzzOnce sync.Once
	fuzzFix  fixture
)

// FuzzSignEnveloped feeds arbitrary bytes to the input check and, when they
// pass it, signs them: whatever is accepted must come back as a signature
// that parses and checks. What is refused must be refused with one of the
// package's bilingual errors.
func FuzzSignEnveloped(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		fuzzOnce.Do(func() { fuzzFix = newFixture(t, "p256") })
		out, err := SignEnveloped(context.Background(), bytes.NewReader(in), fuzzFix.cred, Options{})
		if err != nil {
			if _, ok := i18n.As(err); !ok {
				t.Fatalf("refusal without a bilingual error: %v", err)
			}
			return
		}
		infos, err := Parse(out)
		if err != nil {
			t.Fatalf("own output does not parse: %v\n%q", err, out)
		}
		if err := infos[len(infos)-1].CheckIntegrity(nil); err != nil {
			t.Fatalf("own signature does not check: %v\n%q", err, out)
		}
	})
}

// FuzzParse feeds arbitrary signatures to Parse and CheckIntegrity: no
// panic, and only bilingual errors out of Parse.
func FuzzParse(f *testing.F) {
	fix := newFixture(f, "p256")
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	enveloped, err := SignEnveloped(context.Background(), strings.NewReader(invoice), fix.cred, Options{Level: signing.LevelT, Timestamper: newTestTSA(f)})
	if err != nil {
		f.Fatal(err)
	}
	detached, err := SignDetached(context.Background(), strings.NewReader("data"), "d.txt", fix.cred, Options{})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(enveloped)
	f.Add(detached)
	empty := f.TempDir() // no signed file: external references stay unresolved
	f.Fuzz(func(t *testing.T, in []byte) {
		infos, err := Parse(in)
		if err != nil {
			if _, ok := i18n.As(err); !ok {
				t.Fatalf("Parse refused without a bilingual error: %v", err)
			}
			return
		}
		for _, info := range infos {
			if info.Certificate == nil {
				t.Fatal("a signature without signer certificate")
			}
			_ = info.CheckIntegrity(DirResolver(empty))
		}
	})
}
