package prompt

import (
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// openPTY returns both ends of a new pseudo-terminal, so the terminal path
// is tested against a real line discipline rather than a fake.
func openPTY(t *testing.T) (master, slave *os.File) {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Skip("no pseudo-terminals here:", err)
	}
	if err := unix.IoctlSetPointerInt(int(m.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		m.Close()
		t.Skip("unlockpt:", err)
	}
	n, err := unix.IoctlGetInt(int(m.Fd()), unix.TIOCGPTN)
	if err != nil {
		m.Close()
		t.Skip("ptsname:", err)
	}
	s, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		m.Close()
		t.Skip("opening the pts:", err)
	}
	t.Cleanup(func() { s.Close(); m.Close() })
	return m, s
}

// promptWriter tells the test each time a prompt has been written, which is
// just before the terminal is put in no-echo mode.
type promptWriter struct {
	mu      sync.Mutex
	text    strings.Builder
	prompts chan string
}

func (w *promptWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	w.text.Write(p)
	w.mu.Unlock()
	if s := string(p); strings.HasSuffix(s, ": ") {
		w.prompts <- s
	}
	return len(p), nil
}

// typeLine waits for echo to be off on the terminal, then types line: a
// passphrase typed while echo is on would show on screen, so this is also
// the check that it is not.
func typeLine(t *testing.T, master, slave *os.File, line string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		tio, err := unix.IoctlGetTermios(int(slave.Fd()), unix.TCGETS)
		if err != nil {
			t.Fatal(err)
		}
		if tio.Lflag&unix.ECHO == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("echo was never turned off")
		}
		time.Sleep(time.Millisecond)
	}
	if _, err := master.Write([]byte(line + "\r")); err != nil {
		t.Fatal(err)
	}
}

func TestReadPassphraseFromTerminal(t *testing.T) {
	for _, c := range []struct {
		name     string
		confirm  bool
		typed    []string
		want     string
		code     string
		nPrompts int
	}{
		{"unlock", false, []string{"contraseña"}, "contraseña", "", 1},
		{"new, typed twice", true, []string{"correct horse", "correct horse"}, "correct horse", "", 2},
		{"new, mistyped", true, []string{"correct horse", "correct hose"}, "", "passphrase.mismatch", 2},
		{"new, too short", true, []string{"short"}, "", "keystore.weak_passphrase", 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			master, slave := openPTY(t)
			// What the terminal writes back is what the person would see.
			var screenMu sync.Mutex
			var screen strings.Builder
			go func() {
				buf := make([]byte, 256)
				for {
					n, err := master.Read(buf)
					screenMu.Lock()
					screen.Write(buf[:n])
					screenMu.Unlock()
					if err != nil {
						return
					}
				}
			}()
			out := &promptWriter{prompts: make(chan string, 4)}
			type result struct {
				p   []byte
				err error
			}
			done := make(chan result, 1)
			go func() {
				p, err := ReadPassphrase("", "Contraseña: ", c.confirm, slave, out)
				done <- result{p, err}
			}()
			var prompts []string
			for _, line := range c.typed {
				prompts = append(prompts, <-out.prompts)
				typeLine(t, master, slave, line)
			}
			r := <-done
			if i18nCode(r.err) != c.code || (c.code == "" && r.err != nil) {
				t.Fatalf("error %v, want code %q", r.err, c.code)
			}
			if string(r.p) != c.want {
				t.Errorf("got %q, want %q", r.p, c.want)
			}
			if len(prompts) != c.nPrompts {
				t.Errorf("prompts %q, want %d", prompts, c.nPrompts)
			}
			if c.confirm && (len(prompts) < 1 || prompts[0] != "(1/2) Contraseña: ") {
				t.Errorf("first prompt %q", prompts)
			}
			if strings.Contains(out.text.String(), "correct") || strings.Contains(out.text.String(), "contraseña\n") {
				t.Errorf("the passphrase reached the output: %q", out.text.String())
			}
			time.Sleep(50 * time.Millisecond) // let any echo arrive
			screenMu.Lock()
			defer screenMu.Unlock()
			for _, line := range c.typed {
				if strings.Contains(screen.String(), line) {
					t.Errorf("the terminal echoed %q: %q", line, screen.String())
				}
			}
		})
	}
}

func i18nCode(err error) string { return code(err) }
