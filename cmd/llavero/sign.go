package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/llavero/llavero/internal/i18n"
	"github.com/llavero/llavero/internal/keystore/prompt"
	"github.com/llavero/llavero/internal/signing"
	"github.com/llavero/llavero/internal/signing/cades"
	"github.com/llavero/llavero/internal/signing/pades"
	"github.com/llavero/llavero/internal/signing/xades"
)

// The sign command's own errors (the signing packages have theirs).
var (
	errSignFormat = i18n.New("sign.format",
		i18n.T("Formato de firma desconocido.", "Unknown signature format."),
		i18n.T("Usa --format cades (cualquier archivo), pades (PDF) o xades (XML).",
			"Use --format cades (any file), pades (PDF) or xades (XML)."))
	errSignModePAdES = i18n.New("sign.mode_pades",
		i18n.T("En PAdES la firma siempre va dentro del PDF.", "With PAdES the signature always goes inside the PDF."),
		i18n.T("Quita --attached, --detached y --enveloped; si quieres la firma en un archivo aparte, usa --format cades --detached.",
			"Leave out --attached, --detached and --enveloped; for the signature in a separate file, use --format cades --detached."))
	errSignModeXAdES = i18n.New("sign.mode_xades",
		i18n.T("XAdES firma dentro del XML (--enveloped) o en un archivo aparte (--detached).", "XAdES signs inside the XML (--enveloped) or in a separate file (--detached)."),
		i18n.T("Usa --enveloped para un documento XML o --detached para cualquier archivo; --attached es para CAdES.",
			"Use --enveloped for an XML document or --detached for any file; --attached is for CAdES."))
	errSignCoFormat = i18n.New("sign.cosign_format",
		i18n.T("La cofirma y la contrafirma con --cosign y --countersign son de CAdES.", "Co-signing and countersigning with --cosign and --countersign are for CAdES."),
		i18n.T("Para añadir otra firma a un PDF firmado, fírmalo de nuevo con --format pades: las firmas anteriores siguen válidas. Para XML, firma de nuevo con --format xades.",
			"To add another signature to a signed PDF, sign it again with --format pades: the earlier signatures stay valid. For XML, sign it again with --format xades."))
	errSignMode = i18n.New("sign.mode",
		i18n.T("Esa forma de firma no sirve para CAdES.", "That kind of signature does not apply to CAdES."),
		i18n.T("Con CAdES usa --attached (el documento va dentro de la firma, por defecto) o --detached (la firma va aparte); --enveloped es para XML (XAdES).",
			"With CAdES use --attached (the document goes inside the signature, the default) or --detached (the signature is a separate file); --enveloped is for XML (XAdES)."))
	errSignTwoModes = i18n.New("sign.two_modes",
		i18n.T("Se han pedido dos formas de firma a la vez.", "Two kinds of signature were asked for at once."),
		i18n.T("Elige solo una de --attached, --detached y --enveloped.", "Choose only one of --attached, --detached and --enveloped."))
	errSignCoAndCounter = i18n.New("sign.cosign_and_countersign",
		i18n.T("No se puede cofirmar y contrafirmar en la misma orden.", "Co-signing and countersigning cannot be done in one command."),
		i18n.T("Usa --cosign para firmar el mismo documento junto a los demás, o --countersign para firmar sobre la firma de otro; no ambas.",
			"Use --cosign to sign the same document beside the others, or --countersign to sign over someone's signature; not both."))
	errSignNeedInput = i18n.New("sign.need_input",
		i18n.T("Falta el archivo que quieres firmar.", "The file to sign is missing."),
		i18n.T("Escribe la ruta del archivo al final de la orden, por ejemplo: llavero sign --p12 certificado.p12 contrato.pdf",
			"Give the file's path at the end of the command, for example: llavero sign --p12 certificate.p12 contract.pdf"))
	errSignRead = i18n.New("sign.read",
		i18n.T("No se puede leer un archivo indicado.", "A file given cannot be read."),
		i18n.T("Comprueba la ruta y que tienes permiso para leer el archivo.", "Check the path and that you may read the file."))
	errSignOutputExists = i18n.New("sign.output_exists",
		i18n.T("Ya existe un archivo con el nombre de la firma.", "A file with the signature's name already exists."),
		i18n.T("Elige otro nombre con -o, o borra o mueve el archivo existente si ya no lo necesitas: llavero no lo sobrescribe sin que lo pidas.",
			"Choose another name with -o, or delete or move the existing file if you no longer need it: llavero does not overwrite it unless asked."))
	errSignWrite = i18n.New("sign.write",
		i18n.T("No se ha podido guardar la firma.", "The signature could not be saved."),
		i18n.T("Comprueba que la carpeta existe, que puedes escribir en ella y que hay espacio en el disco.",
			"Check that the folder exists, that you may write in it and that the disk has space."))
	errSignSigner = i18n.New("sign.signer",
		i18n.T("El número de firmante no es válido.", "The signer number is not valid."),
		i18n.T("Usa --signer con un número desde 1 (el primer firmante).", "Use --signer with a number from 1 (the first signer)."))
)

// signErrors lists the errors above for the bilingual checks.
var signErrors = map[string]*i18n.Error{
	"errSignFormat": errSignFormat, "errSignModePAdES": errSignModePAdES, "errSignModeXAdES": errSignModeXAdES,
	"errSignCoFormat": errSignCoFormat, "errSignMode": errSignMode,
	"errSignTwoModes": errSignTwoModes, "errSignCoAndCounter": errSignCoAndCounter, "errSignNeedInput": errSignNeedInput,
	"errSignRead": errSignRead, "errSignOutputExists": errSignOutputExists, "errSignWrite": errSignWrite, "errSignSigner": errSignSigner,
}

type signFlags struct {
	p12, p12PassFile             string
	format, level, tsa, server   string
	attached, detached, envelope bool
	cosign, countersign, out     string
	signer                       int
	visible                      bool
	reason, location             string
}

func (a *app) signCmd() *cobra.Command {
	var f signFlags
	cmd := &cobra.Command{
		Use:   "sign [flags] IN",
		Short: "Sign a file with your certificate (.p12): CAdES, PAdES (PDF) or XAdES (XML)",
		Long: `Sign a file with the certificate and key in your .p12 backup.

PAdES (--format pades) signs a PDF inside the PDF, written to IN.signed.pdf
(an incremental update: earlier signatures stay valid; --visible draws the
signature on the last page). XAdES (--format xades) signs an XML document
inside it (--enveloped, the default for .xml) or any file in a separate
IN.xsig (--detached).

CAdES (--format cades) signs any file. By default the document goes inside
the signature (--attached), written to IN.csig; with --detached the
signature is a separate IN.csig and the document stays as it is. Level T
(--level T) adds a timestamp from the platform's timestamp authority
(--tsa, by default the /tsa of --server), which proves when you signed.

--cosign EXISTING adds your signature beside the ones in EXISTING (for a
detached EXISTING, give the document as IN too); --countersign EXISTING
signs over one signer's signature (--signer, from 1). Both update EXISTING
unless -o says otherwise, and keep the earlier signatures valid.`,
		Example: `  llavero sign --p12 ana.p12 contrato.pdf
  llavero sign --p12 ana.p12 --detached --level T contrato.pdf -o contrato.csig
  llavero sign --p12 luis.p12 --cosign contrato.csig contrato.pdf
  llavero sign --p12 notaria.p12 --countersign contrato.pdf.csig --signer 1
  llavero sign --p12 ana.p12 --format pades --visible --level T contrato.pdf
  llavero sign --p12 ana.p12 --format xades factura.xml`,
		Args: cobra.RangeArgs(0, 1),
		RunE: func(cmd *cobra.Command, args []string) error {
			in := ""
			if len(args) == 1 {
				in = args[0]
			}
			return a.sign(cmd, f, in)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.p12, "p12", "", "your certificate and key (.p12 / .pfx)")
	fl.StringVar(&f.p12PassFile, "p12-passphrase-file", "", "file holding the .p12 passphrase (default: ask on the terminal)")
	fl.StringVar(&f.format, "format", signing.CAdES, "signature format: cades, pades or xades")
	fl.BoolVar(&f.attached, "attached", false, "put the document inside the signature (CAdES default)")
	fl.BoolVar(&f.detached, "detached", false, "write the signature as a separate file")
	fl.BoolVar(&f.envelope, "enveloped", false, "put the signature inside the document (XAdES)")
	fl.StringVar(&f.level, "level", "B", "B (basic) or T (with a timestamp)")
	fl.StringVar(&f.server, "server", defaultServer(), "the platform's address (or LLAVERO_SERVER); its /tsa is the default timestamp authority")
	fl.StringVar(&f.tsa, "tsa", "", "timestamp authority URL for level T (default: SERVER/tsa)")
	fl.StringVar(&f.cosign, "cosign", "", "an existing signature to add your signature to")
	fl.StringVar(&f.countersign, "countersign", "", "an existing signature whose signer you countersign")
	fl.IntVar(&f.signer, "signer", 1, "with --countersign: which signer to countersign, from 1")
	fl.BoolVar(&f.visible, "visible", false, "PAdES: draw the signature on the last page")
	fl.StringVar(&f.reason, "reason", "", "PAdES: why you sign (shown by PDF readers)")
	fl.StringVar(&f.location, "location", "", "PAdES: where you sign")
	fl.StringVarP(&f.out, "out", "o", "", "where to write the signature (default IN.csig; with --cosign/--countersign, the existing file)")
	_ = cmd.MarkFlagRequired("p12")
	return cmd
}

func (a *app) sign(cmd *cobra.Command, f signFlags, in string) error {
	lang := a.lang()
	modes := 0
	for _, m := range []bool{f.attached, f.detached, f.envelope} {
		if m {
			modes++
		}
	}
	if modes > 1 {
		return errSignTwoModes
	}
	format := strings.ToLower(f.format)
	switch format {
	case signing.CAdES:
		if f.envelope {
			return errSignMode
		}
	case signing.PAdES:
		if modes > 0 {
			return errSignModePAdES
		}
	case signing.XAdES:
		if f.attached {
			return errSignModeXAdES
		}
	default:
		return errSignFormat.Wrap(fmt.Errorf("format %q", f.format))
	}
	if format != signing.CAdES && (f.cosign != "" || f.countersign != "") {
		return errSignCoFormat
	}
	if f.cosign != "" && f.countersign != "" {
		return errSignCoAndCounter
	}
	if in == "" && f.cosign == "" && f.countersign == "" {
		return errSignNeedInput
	}
	if f.countersign != "" && f.signer < 1 {
		return errSignSigner
	}
	level, err := signing.ParseLevel(f.level)
	if err != nil {
		return err
	}
	var ts signing.Timestamper
	if level == signing.LevelT {
		url := f.tsa
		if url == "" {
			url = strings.TrimRight(f.server, "/") + "/tsa"
		}
		ts = &signing.TSAClient{URL: url}
	}
	switch format {
	case signing.PAdES:
		return a.signPDF(cmd, f, in, level, ts)
	case signing.XAdES:
		return a.signXML(cmd, f, in, level, ts)
	}
	opt := cades.Options{Detached: f.detached, Level: level, Timestamper: ts}

	cred, err := a.readCredential(f.p12, f.p12PassFile)
	if err != nil {
		return err
	}
	ctx := cmd.Context()
	var sig []byte
	out, explicit := f.out, f.out != ""
	switch {
	case f.countersign != "":
		existing, err := readFile(f.countersign)
		if err != nil {
			return err
		}
		if sig, err = cades.CounterSign(ctx, existing, f.signer-1, cred, opt); err != nil {
			return err
		}
		if out == "" {
			out, explicit = f.countersign, true
		}
	case f.cosign != "":
		existing, err := readFile(f.cosign)
		if err != nil {
			return err
		}
		var content io.Reader
		if in != "" {
			file, err := os.Open(in)
			if err != nil {
				return errSignRead.Wrap(err)
			}
			defer file.Close()
			content = bufio.NewReaderSize(file, 1<<16)
		}
		if sig, err = cades.CoSign(ctx, existing, content, cred, opt); err != nil {
			return err
		}
		if out == "" {
			out, explicit = f.cosign, true
		}
	default:
		file, err := os.Open(in)
		if err != nil {
			return errSignRead.Wrap(err)
		}
		defer file.Close()
		if sig, err = cades.Sign(ctx, bufio.NewReaderSize(file, 1<<16), cred, opt); err != nil {
			return err
		}
		if out == "" {
			out = in + ".csig"
		}
	}
	if err := writeSignature(out, sig, explicit); err != nil {
		return err
	}
	what := msg(lang, "adjunta", "attached")
	switch {
	case f.cosign != "":
		what = msg(lang, "cofirma", "co-signature")
	case f.countersign != "":
		what = msg(lang, "contrafirma", "countersignature")
	case f.detached:
		what = msg(lang, "separada", "detached")
	}
	fmt.Fprintf(a.stdout, msg(lang, "Firma CAdES-B-%s (%s) de %s guardada en %s\n", "CAdES-B-%s signature (%s) by %s saved to %s\n"),
		level, what, cred.Certificate.Subject.CommonName, out)
	return nil
}

// readCredential opens a .p12, asking for its passphrase on the terminal
// unless a file gives it.
func (a *app) readCredential(path, passFile string) (signing.Credential, error) {
	data, err := readFile(path)
	if err != nil {
		return signing.Credential{}, err
	}
	pass, err := prompt.ReadPassphrase(passFile, msg(a.lang(), "Contraseña del fichero .p12: ", "Passphrase of the .p12 file: "), false, os.Stdin, a.stderr)
	if err != nil {
		return signing.Credential{}, err
	}
	defer clear(pass)
	return signing.FromPKCS12(data, string(pass))
}

func readFile(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, errSignRead.Wrap(err)
	}
	return b, nil
}

// writeSignature writes through a temporary file, so that an interrupted
// run never leaves half a signature, nor damages the signature being co-
// or countersigned (rename replaces it at once). Without overwrite the
// file is linked into place, which fails if one exists: nothing is lost
// even when two runs race.
func writeSignature(path string, sig []byte, overwrite bool) error {
	return writeStreamed(path, overwrite, func(w io.Writer) error {
		if _, err := w.Write(sig); err != nil {
			return errSignWrite.Wrap(err)
		}
		return nil
	})
}

// writeStreamed is writeSignature for output made by write as it goes (a
// signed PDF as large as the original); an error from write leaves
// nothing behind.
func writeStreamed(path string, overwrite bool, write func(io.Writer) error) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".llavero-sign-*")
	if err != nil {
		return errSignWrite.Wrap(err)
	}
	defer os.Remove(tmp.Name())
	bw := bufio.NewWriterSize(tmp, 1<<16)
	if err := write(bw); err != nil {
		tmp.Close()
		return err
	}
	if err := bw.Flush(); err != nil {
		tmp.Close()
		return errSignWrite.Wrap(err)
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return errSignWrite.Wrap(err)
	}
	if err := tmp.Close(); err != nil {
		return errSignWrite.Wrap(err)
	}
	if overwrite {
		err = os.Rename(tmp.Name(), path)
	} else {
		err = os.Link(tmp.Name(), path)
	}
	switch {
	case errors.Is(err, fs.ErrExist):
		return errSignOutputExists.Wrap(err)
	case err != nil:
		return errSignWrite.Wrap(err)
	}
	return nil
}

// signPDF signs a PDF inside itself (PAdES), streaming it: the document is
// never read whole into memory.
func (a *app) signPDF(cmd *cobra.Command, f signFlags, in string, level signing.Level, ts signing.Timestamper) error {
	cred, err := a.readCredential(f.p12, f.p12PassFile)
	if err != nil {
		return err
	}
	file, err := os.Open(in)
	if err != nil {
		return errSignRead.Wrap(err)
	}
	defer file.Close()
	st, err := file.Stat()
	if err != nil {
		return errSignRead.Wrap(err)
	}
	opt := pades.Options{Level: level, Timestamper: ts, Reason: f.reason, Location: f.location}
	if f.visible {
		opt.Visible = &pades.Visible{}
	}
	out, explicit := f.out, f.out != ""
	if out == "" {
		out = strings.TrimSuffix(in, filepath.Ext(in)) + ".signed.pdf"
	}
	err = writeStreamed(out, explicit, func(w io.Writer) error {
		return pades.Sign(cmd.Context(), file, st.Size(), w, cred, opt)
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, msg(a.lang(), "Firma PAdES-B-%s de %s guardada en %s\n", "PAdES-B-%s signature by %s saved to %s\n"),
		level, cred.Certificate.Subject.CommonName, out)
	return nil
}

// signXML signs an XML document inside itself (XAdES enveloped), or any
// file in a separate signature (XAdES detached, the default for a file that
// is not .xml).
func (a *app) signXML(cmd *cobra.Command, f signFlags, in string, level signing.Level, ts signing.Timestamper) error {
	detached := f.detached || (!f.envelope && !strings.EqualFold(filepath.Ext(in), ".xml"))
	cred, err := a.readCredential(f.p12, f.p12PassFile)
	if err != nil {
		return err
	}
	file, err := os.Open(in)
	if err != nil {
		return errSignRead.Wrap(err)
	}
	defer file.Close()
	opt := xades.Options{Level: level, Timestamper: ts}
	var sig []byte
	what := msg(a.lang(), "dentro del XML", "enveloped")
	if detached {
		what = msg(a.lang(), "separada", "detached")
		sig, err = xades.SignDetached(cmd.Context(), bufio.NewReaderSize(file, 1<<16), filepath.Base(in), cred, opt)
	} else {
		sig, err = xades.SignEnveloped(cmd.Context(), bufio.NewReaderSize(file, 1<<16), cred, opt)
	}
	if err != nil {
		return err
	}
	out, explicit := f.out, f.out != ""
	if out == "" {
		out = in + ".xsig"
	}
	if err := writeSignature(out, sig, explicit); err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, msg(a.lang(), "Firma XAdES-B-%s (%s) de %s guardada en %s\n", "XAdES-B-%s signature (%s) by %s saved to %s\n"),
		level, what, cred.Certificate.Subject.CommonName, out)
	return nil
}
