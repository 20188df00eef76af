package sqldb

import (
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// setList splits an UPDATE's SET clause into "column = $n" items.
func setList(t *testing.T, tb *table, q string) []string {
	t.Helper()
	set, ok := strings.CutPrefix(q, "UPDATE "+tb.name+" SET ")
	set, key, ok2 := strings.Cut(set, " WHERE ")
	if !ok || !ok2 || key != tb.cols[0]+" = $1" {
		t.Fatalf("%s: malformed UPDATE %s", tb.name, q)
	}
	return strings.Split(set, ", ")
}

// An UPDATE leaves indexed columns out when they did not change; whatever
// single column changes, it must still be written.
func TestTableUpdateWritesEveryChange(t *testing.T) {
	for _, tb := range []*table{applications, certificates, operators, offices,
		accounts, codes, sessions, devices, videoReviews, clients} {
		old := make([]any, len(tb.cols))
		for i := range old {
			old[i] = "v" + strconv.Itoa(i)
		}
		for i, c := range tb.cols {
			args := slices.Clone(old)
			args[i] = "changed"
			q, qargs := tb.update(old, args)
			set := setList(t, tb, q)
			if len(qargs) != len(set)+1 || qargs[0] != args[0] {
				t.Fatalf("%s: %s bound to %v", tb.name, q, qargs)
			}
			written := slices.Index(set, c+" = $"+strconv.Itoa(slices.Index(qargs, any("changed"))+1)) >= 0
			if fixed := i == 0 || c == "created_at"; written == fixed {
				t.Errorf("%s: changing %s (fixed %v) gives %s", tb.name, c, fixed, q)
			}
		}
	}
	// The approval's UPDATE: state changes, so its index is rewritten; the
	// code and person indexes are not.
	old := make([]any, len(applications.cols))
	for i := range old {
		old[i] = "v"
	}
	args := slices.Clone(old)
	args[slices.Index(applications.cols, "state")] = "approved"
	q, _ := applications.update(old, args)
	set := setList(t, applications, q)
	if !slices.ContainsFunc(set, func(s string) bool { return strings.HasPrefix(s, "state = ") }) ||
		strings.Contains(q, "code_hash") || strings.Contains(q, "person_id") {
		t.Errorf("approval UPDATE: %s", q)
	}
}

func TestSameArg(t *testing.T) {
	now := time.Now()
	for _, c := range []struct {
		a, b any
		same bool
	}{
		{[]byte{1, 2}, []byte{1, 2}, true},
		{[]byte{1, 2}, []byte{1, 3}, false},
		{[]byte{}, []byte(nil), true},
		{now, now.UTC(), true},
		{now, now.Add(time.Microsecond), false},
		{nil, nil, true},
		{nil, "x", false},
		{int64(1), int64(1), true},
		{"a", "b", false},
		{true, false, false},
	} {
		if got := sameArg(c.a, c.b); got != c.same {
			t.Errorf("sameArg(%#v, %#v) = %v", c.a, c.b, got)
		}
	}
}
