package main

import (
	"bytes"
	"os"
	"strings"
	"testing"
)

// The embedded list must be what the generator makes from core/, or an edit
// to core/ was not followed by go generate (or common.txt was edited by
// hand and the next go generate would lose the change).
func TestCommonTxtIsUpToDate(t *testing.T) {
	want, err := generate()
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("../../common.txt")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("common.txt is stale: run go generate in internal/idp/password")
	}
}

func TestGenerateIsDeterministicAndSorted(t *testing.T) {
	a, err := generate()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := generate()
	if !bytes.Equal(a, b) {
		t.Fatal("two runs differ")
	}
	var prev string
	n := 0
	for _, l := range strings.Split(strings.TrimSuffix(string(a), "\n"), "\n") {
		if strings.HasPrefix(l, "#") {
			continue
		}
		n++
		if l <= prev {
			t.Fatalf("not sorted or duplicated: %q after %q", l, prev)
		}
		prev = l
	}
	if n < 10000 {
		t.Errorf("only %d entries; the seed is meant to have about ten thousand", n)
	}
}
