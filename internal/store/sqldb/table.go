package sqldb

import (
	"bytes"
	"strconv"
	"strings"
	"time"
)

// table holds the statements of a table whose columns map one to one onto a
// model's fields, the key first. Each model's statements are built from one
// column list, so a new field is added in one place (and the migrations).
type table struct {
	name string
	cols []string
	// insert does nothing on a duplicate of any unique key, rather than
	// failing: the driver error codes differ, and in PostgreSQL a failed
	// INSERT would abort the caller's whole transaction, while ErrConflict
	// is meant to be handled.
	insert string
	get    string // WHERE key = $1
	from   string // "SELECT cols FROM name": add WHERE, ORDER BY…

	// An UPDATE leaves out the columns that never change, and the indexed
	// columns that did not change this time: SQLite rewrites every index
	// holding a column of the SET list, changed or not, which made an
	// approval twice as slow. indexed[g] lists the columns (positions in
	// cols) of one index, and updates[m], with setCols[m], the UPDATE that
	// includes the indexes whose bit is set in m: all of them prepared.
	indexed [][]int
	updates []string
	setCols [][]int
}

// newTable builds the statements of table name. fixed are the columns an
// update never writes (the key and the creation time, which the Update
// methods refuse to change); indexed are the columns of each index, as
// SQLite sees them: a partial index's WHERE columns count.
func newTable(name string, cols []string, fixed []string, indexed ...[]string) *table {
	pos := func(c string) int {
		for i, x := range cols {
			if x == c {
				return i
			}
		}
		panic("sqldb: table " + name + " has no column " + c)
	}
	t := &table{name: name, cols: cols}
	list := strings.Join(cols, ", ")
	ph := make([]string, len(cols))
	for i := range cols {
		ph[i] = "$" + strconv.Itoa(i+1)
	}
	t.from = "SELECT " + list + " FROM " + name
	t.insert = static("INSERT INTO " + name + " (" + list + ") VALUES (" + strings.Join(ph, ", ") + ") ON CONFLICT DO NOTHING")
	t.get = static(t.from + " WHERE " + cols[0] + " = $1")

	skip := make([]bool, len(cols))
	skip[0] = true
	for _, c := range fixed {
		skip[pos(c)] = true
	}
	inIndex := make([]bool, len(cols))
	for _, idx := range indexed {
		var g []int
		for _, c := range idx {
			if p := pos(c); !skip[p] {
				g = append(g, p)
				inIndex[p] = true
			}
		}
		t.indexed = append(t.indexed, g)
	}
	for m := range 1 << len(t.indexed) {
		in := make([]bool, len(cols))
		for i := range cols {
			in[i] = !skip[i] && !inIndex[i]
		}
		for g, idx := range t.indexed {
			if m&(1<<g) != 0 {
				for _, p := range idx {
					in[p] = true
				}
			}
		}
		var set []string
		var setCols []int
		for i, c := range cols {
			if in[i] {
				setCols = append(setCols, i)
				// $1 is the key.
				set = append(set, c+" = $"+strconv.Itoa(len(setCols)+1))
			}
		}
		t.setCols = append(t.setCols, setCols)
		t.updates = append(t.updates, static("UPDATE "+name+" SET "+strings.Join(set, ", ")+" WHERE "+cols[0]+" = $1"))
	}
	return t
}

// update returns the UPDATE that writes args, in cols order, over the row
// whose arguments were old, and its bind arguments.
func (t *table) update(old, args []any) (string, []any) {
	m := 0
	for g, idx := range t.indexed {
		for _, p := range idx {
			if !sameArg(old[p], args[p]) {
				m |= 1 << g
				break
			}
		}
	}
	out := make([]any, 0, len(t.setCols[m])+1)
	out = append(out, args[0])
	for _, p := range t.setCols[m] {
		out = append(out, args[p])
	}
	return t.updates[m], out
}

// sameArg reports whether two bind arguments store the same value.
func sameArg(a, b any) bool {
	switch x := a.(type) {
	case []byte:
		y, ok := b.([]byte)
		return ok && bytes.Equal(x, y)
	case time.Time:
		y, ok := b.(time.Time)
		return ok && x.Equal(y)
	}
	return a == b
}
