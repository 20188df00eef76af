package password

import (
	"bufio"
	_ "embed" // the seed list of common passwords
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

//go:generate go run ./internal/commongen -o common.txt

// seedText is the list Check uses until LoadList replaces it. It is made by
// internal/commongen from hand-written lists of the passwords, words, names,
// places and teams people in Spain and English-speaking countries use most,
// plus the combinations they build from them ("teamomaria",
// "mariagarcia"). It is a seed, deliberately small: a deployment should load
// a larger list of passwords known from breaches with LoadList.
//
//go:embed common.txt
var seedText string

// list is a set of common passwords, each stored as its key.
type list map[string]struct{}

var (
	current  atomic.Pointer[list]
	seedOnce sync.Once
)

// currentList returns the list in force, building the seed the first time.
func currentList() list {
	seedOnce.Do(func() {
		if current.Load() != nil {
			return // LoadList ran first
		}
		l, err := readList(strings.NewReader(seedText))
		if err != nil {
			panic("password: the embedded seed list does not load: " + err.Error())
		}
		current.CompareAndSwap(nil, &l)
	})
	return *current.Load()
}

// LoadList replaces the list of common passwords that Check refuses with
// the one read from r, safely while Check runs in other goroutines. The
// format is one password per line, in UTF-8; blank lines and lines starting
// with # are skipped, and so are lines longer than MaxLen, which no
// password can equal. Case, accents and digit-for-letter spellings need not
// be listed: "password" also refuses "P@ssw0rd" and "Password2024!".
//
// The seed list (common.txt beside this file, about ten thousand entries) is
// replaced, not extended: to keep it, put its lines in your file too. A
// list with no entries is refused, because a misconfigured empty file would
// otherwise switch the check off without anyone noticing.
func LoadList(r io.Reader) error {
	l, err := readList(r)
	if err != nil {
		return err
	}
	if len(l) == 0 {
		return errors.New("password: the list of common passwords is empty")
	}
	current.Store(&l)
	return nil
}

func readList(r io.Reader) (list, error) {
	l := make(list)
	sc := bufio.NewScanner(r)
	// Long lines are skipped, not fatal: breach lists contain junk.
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSuffix(sc.Text(), "\r")
		if n == 1 {
			line = strings.TrimPrefix(line, "\ufeff")
		}
		if line == "" || line[0] == '#' || utf8.RuneCountInString(line) > MaxLen {
			continue
		}
		if !utf8.ValidString(line) {
			return nil, fmt.Errorf("password: line %d of the list is not UTF-8", n)
		}
		if k := key(fold(norm.NFKC.String(line)), 'i'); k != "" {
			l[k] = struct{}{}
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("password: reading the list: %w", err)
	}
	return l, nil
}

// isCommon reports whether pw (already NFKC) is on the list once its
// disguises are taken off, or is an easy pattern.
//
// The disguises are the ones people use to get a common word past a
// composition rule: capitals and accents (folded), digits and symbols for
// letters (leet, below), separators inside (te_amo), digits, a year or
// punctuation after the word (Madrid2024!) or before it, and repeating it
// (teamoteamo). Only the whole of what is left is looked up, never a part,
// so a good password that happens to contain a word is not refused.
func isCommon(pw string, l list) bool {
	f := fold(pw)
	if trivial(f) {
		return true
	}
	for _, c := range cores(f) {
		// '1' stands for both i and l; trying both is cheaper than
		// listing both spellings of every word.
		for _, one := range [...]rune{'i', 'l'} {
			k := key(c, one)
			if k == "" {
				continue
			}
			if _, ok := l[k]; ok {
				return true
			}
			if u := unit(k); u != "" {
				if _, ok := l[u]; ok {
					return true
				}
			}
		}
	}
	return false
}

// cores returns f and what is left of it after taking off decoration: first
// trailing punctuation (C0ntr4s3ñ4! keeps its 4), then trailing digits too
// (Madrid2024!), then the same at the front (2024Madrid).
func cores(f string) []string {
	trail := strings.TrimRightFunc(f, isPunct)
	bare := strings.TrimRightFunc(trail, isDecoration)
	front := strings.TrimLeftFunc(bare, isDecoration)
	return []string{f, trail, bare, front}
}

// isPunct is anything but a letter or a digit.
func isPunct(r rune) bool {
	return !unicode.IsLetter(r) && !unicode.IsDigit(r)
}

// isDecoration is anything but a letter.
func isDecoration(r rune) bool { return !unicode.IsLetter(r) }

// leet writes the letters that digits and symbols stand for. one is the
// letter for '1' (i or l).
func leet(s string, one rune) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case '0':
			return 'o'
		case '1':
			return one
		case '!', '|':
			return 'i'
		case '3':
			return 'e'
		case '4', '@':
			return 'a'
		case '5', '$':
			return 's'
		case '7', '+':
			return 't'
		case '9':
			return 'g'
		}
		return r
	}, s)
}

// key is the form a list entry and a candidate are compared in: folded, leet
// undone and separators dropped.
func key(folded string, one rune) string {
	return strings.Map(func(r rune) rune {
		if isSeparator(r) {
			return -1
		}
		return r
	}, leet(folded, one))
}

// unit returns u when s is u repeated two or more times, and "" otherwise.
func unit(s string) string {
	n := len(s)
	for p := 1; p <= n/2; p++ {
		if n%p == 0 && strings.Repeat(s[:p], n/p) == s {
			return s[:p]
		}
	}
	return ""
}

// isSeparator reports characters people put between words: spaces, dots,
// hyphens, underscores.
func isSeparator(r rune) bool {
	return r == '.' || r == '_' || unicode.IsSpace(r) || unicode.Is(unicode.Pd, r)
}

// fold lower-cases s and takes off accents: "Contraseña" becomes
// "contrasena", as on a keyboard without ñ.
func fold(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range norm.NFKD.String(s) {
		switch {
		case unicode.Is(unicode.Mn, r):
		default:
			if p, ok := plainLetters[r]; ok {
				b.WriteString(p)
			} else {
				b.WriteRune(unicode.ToLower(r))
			}
		}
	}
	return b.String()
}

// plainLetters are Latin letters Unicode does not split into a base letter
// and an accent, written as a keyboard without them would.
var plainLetters = map[rune]string{
	'ø': "o", 'Ø': "o", 'ł': "l", 'Ł': "l", 'đ': "d", 'Đ': "d", 'ı': "i",
	'æ': "ae", 'Æ': "ae", 'œ': "oe", 'Œ': "oe", 'ß': "ss", 'ẞ': "ss",
}

// minRun is the shortest run of keyboard or alphabet order, or of one
// repeated character, that counts as a pattern.
const minRun = 4

// minLeft is how many characters must be left outside such runs.
const minLeft = 4

// walks are the orders people type without thinking: the alphabet, the
// digits, the rows and columns of Spanish, English, French and German
// keyboards (folded, so ñ is n). Each is also matched backwards.
var walks = func() []string {
	w := []string{
		"abcdefghijklmnopqrstuvwxyz",
		"01234567890",
		"qwertyuiop", "asdfghjkln", "asdfghjkl", "zxcvbnm",
		"azertyuiop", "qsdfghjklm", "wxcvbn",
		"qwertzuiop", "yxcvbnm",
		"1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik9ol0p",
		"qazwsxedcrfvtgbyhnujmikolp",
		"zaqxswcdevfrbgtnhymju",
	}
	for _, s := range w[:len(w):len(w)] {
		r := []byte(s)
		for i, j := 0, len(r)-1; i < j; i, j = i+1, j-1 {
			r[i], r[j] = r[j], r[i]
		}
		w = append(w, string(r))
	}
	return w
}()

// trivial reports whether f (folded) is mostly runs: remove every stretch of
// minRun or more characters that follow a walk or repeat one character,
// and fewer than minLeft characters remain. "Qwerty123!", "Abcd1234",
// "aaaaaaaaaaaaaaaa" and "1234567890123456" are trivial.
func trivial(f string) bool {
	r := []rune(f)
	covered := make([]bool, len(r))
	for i := 0; i < len(r); i++ {
		j := runEnd(r, i)
		if j-i >= minRun {
			for k := i; k < j; k++ {
				covered[k] = true
			}
		}
	}
	left := 0
	for _, c := range covered {
		if !c {
			left++
		}
	}
	return left < minLeft
}

// runEnd returns the end of the longest run starting at i: either one
// character repeated, or a stretch found in a walk.
func runEnd(r []rune, i int) int {
	j := i + 1
	for j < len(r) && r[j] == r[i] {
		j++
	}
	best := j
	for _, w := range walks {
		j := i + 1
		// A stretch of a walk stays one as it grows, so it stops at the
		// first character that breaks it.
		for j < len(r) && r[j] < utf8.RuneSelf && strings.Contains(w, string(r[i:j+1])) {
			j++
		}
		if r[i] < utf8.RuneSelf && strings.ContainsRune(w, r[i]) && j > best {
			best = j
		}
	}
	return best
}
