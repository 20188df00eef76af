// Package prompt reads the citizen's passphrases: from a file for scripts,
// otherwise from the terminal without echo. Never from a flag value, which
// would sit in the shell history and in every process listing.
//
// It is a package of its own so that keystore, which the server imports for
// VerifyChallenge, stays free of terminal handling.
package prompt

import (
	"bytes"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"os"

	"golang.org/x/term"

	"github.com/llavero/llavero/internal/i18n"
	"github.com/llavero/llavero/internal/keystore"
)

// The errors of reading a passphrase.
var (
	ErrNoTerminal = i18n.New("passphrase.no_terminal",
		i18n.T("No hay un terminal donde escribir la contraseña.",
			"There is no terminal to type the passphrase in."),
		i18n.T("Ejecuta la orden en una ventana de terminal, o escribe la contraseña en un archivo que solo tú puedas leer y pásalo con --passphrase-file (o --p12-passphrase-file para un .p12).",
			"Run the command in a terminal window, or put the passphrase in a file only you can read and pass it with --passphrase-file (or --p12-passphrase-file for a .p12)."))

	ErrMismatch = i18n.New("passphrase.mismatch",
		i18n.T("Las dos contraseñas escritas no coinciden.",
			"The two passphrases typed do not match."),
		i18n.T("Vuelve a ejecutar la orden y escribe la misma contraseña las dos veces. Apúntala: no se puede recuperar.",
			"Run the command again and type the same passphrase both times. Write it down: it cannot be recovered."))

	ErrFile = i18n.New("passphrase.file",
		i18n.T("No se puede leer el archivo de la contraseña.",
			"The passphrase file cannot be read."),
		i18n.T("Comprueba la ruta que diste con --passphrase-file o --p12-passphrase-file y que tienes permiso para leer el archivo.",
			"Check the path given with --passphrase-file or --p12-passphrase-file and that you may read the file."))
)

// ReadPassphrase returns a passphrase. With file set, it is the file's
// content less one trailing newline ("\n" or "\r\n", as editors add them).
// Otherwise prompt is written to out and the passphrase read from the
// terminal in without echo; with confirm it is asked twice ("(1/2)",
// "(2/2)": the prompt's language is the caller's) and must match. A new
// passphrase (confirm) must also meet keystore.CheckPassphrase, checked
// here so the person hears about it before any key is made.
//
// If in is not a terminal and no file is given the error is ErrNoTerminal:
// reading a passphrase from a pipe would echo nothing but also hide a
// script's mistake, so scripts must say --passphrase-file explicitly.
//
// The caller clears the returned slice when done with it.
func ReadPassphrase(file string, prompt string, confirm bool, in *os.File, out io.Writer) ([]byte, error) {
	if file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			return nil, ErrFile.Wrap(err)
		}
		b = trimNewline(b)
		if confirm {
			if err := keystore.CheckPassphrase(b); err != nil {
				clear(b)
				return nil, err
			}
		}
		return b, nil
	}
	if in == nil || !term.IsTerminal(int(in.Fd())) {
		return nil, ErrNoTerminal.Wrap(errors.New("standard input is not a terminal and no passphrase file was given"))
	}
	if !confirm {
		return readHidden(in, out, prompt)
	}
	first, err := readHidden(in, out, "(1/2) "+prompt)
	if err != nil {
		return nil, err
	}
	if err := keystore.CheckPassphrase(first); err != nil {
		clear(first)
		return nil, err
	}
	second, err := readHidden(in, out, "(2/2) "+prompt)
	if err != nil {
		clear(first)
		return nil, err
	}
	defer clear(second)
	// Constant time, because this compares two copies of a secret.
	if subtle.ConstantTimeCompare(first, second) != 1 {
		clear(first)
		return nil, ErrMismatch.Wrap(nil)
	}
	return first, nil
}

func readHidden(in *os.File, out io.Writer, prompt string) ([]byte, error) {
	fmt.Fprint(out, prompt)
	p, err := term.ReadPassword(int(in.Fd()))
	// Enter was not echoed either; without this the next output would
	// start on the prompt's line.
	fmt.Fprintln(out)
	if err != nil {
		return nil, fmt.Errorf("reading the passphrase: %w", err)
	}
	return p, nil
}

func trimNewline(b []byte) []byte {
	if b2, ok := bytes.CutSuffix(b, []byte("\n")); ok {
		b2, _ = bytes.CutSuffix(b2, []byte("\r"))
		return b2
	}
	return b
}
