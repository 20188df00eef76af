package main

import (
	"context"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/llavero/llavero/internal/client"
	"github.com/llavero/llavero/internal/i18n"
	"github.com/llavero/llavero/internal/server"
	"github.com/llavero/llavero/internal/signing/validate"
	"github.com/llavero/llavero/internal/store"
)

// Exit statuses of llavero verify: the report's (0 PASSED, 1 FAILED,
// 2 INDETERMINATE), or 3 when there is no report (usage, a file that
// cannot be read, a server that cannot be reached).
const exitVerifyUsage = 3

func (a *app) verifyCmd() *cobra.Command {
	var detached, content, srv string
	var trust []string
	var asJSON, network bool
	cmd := &cobra.Command{
		Use:   "verify IN [--detached SIG | --content FILE]",
		Short: "Validate a signed file (CAdES, PAdES, XAdES) and print the report",
		Long: `Validate the signatures of a file and print a report in the spirit of
ETSI EN 319 102-1: PASSED, FAILED or INDETERMINATE with the reason, and for
each signature the signer, the signing time (proven by a timestamp or
not) and every check done.

IN is a signed PDF, a CAdES signature (.csig, .p7s: DER, PEM or base64) or
an XML signature. For a detached signature give the document too: either
IN is the signature and --content the document, or IN is the document and
--detached the signature.

It runs on this computer against the installation in --data (its root CA
is trusted, and revocation comes from its database), plus the authorities
in --trust. With --server it asks that llavero server instead.

Exit status: 0 PASSED, 1 FAILED, 2 INDETERMINATE, 3 no report (usage or
a file that cannot be read).`,
		Example: `  llavero verify contrato.pdf
  llavero verify solicitud.csig --content solicitud.pdf --json
  llavero verify solicitud.pdf --detached solicitud.csig --trust fnmt.pem
  llavero verify contrato.pdf --server https://id.example.org`,
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := a.load(cmd); err != nil {
				return a.verifyFail(err)
			}
			lang := a.lang()
			if len(args) != 1 || (detached != "" && content != "") {
				return a.verifyFail(fmt.Errorf("%s", msg(lang,
					"indica un archivo, y como mucho uno de --detached y --content (llavero verify --help)",
					"give one file, and at most one of --detached and --content (llavero verify --help)")))
			}
			in := validate.Input{}
			sigPath, contentPath := args[0], content
			if detached != "" {
				sigPath, contentPath = detached, args[0]
			}
			var err error
			if in.Signature, err = os.ReadFile(sigPath); err != nil {
				return a.verifyFail(err)
			}
			if contentPath != "" {
				if in.Content, err = os.ReadFile(contentPath); err != nil {
					return a.verifyFail(err)
				}
			}
			ctx := cmd.Context()
			var rep *validate.Report
			if srv != "" {
				cl, err := client.New(srv, lang)
				if err != nil {
					return a.verifyFail(err)
				}
				if rep, err = cl.ValidateSignature(ctx, in.Signature, in.Content); err != nil {
					return a.verifyFail(err)
				}
			} else if rep, err = a.verifyLocal(ctx, in, trust, network); err != nil {
				return a.verifyFail(err)
			}
			if asJSON {
				err = writeJSON(a.stdout, rep)
			} else {
				err = rep.WriteText(a.stdout, lang)
			}
			if err != nil {
				return a.verifyFail(err)
			}
			if code := rep.ExitCode(); code != 0 {
				return exitError{code}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&detached, "detached", "", "the detached signature of IN (IN is then the document)")
	f.StringVar(&content, "content", "", "the document IN signs, for a detached signature")
	f.BoolVar(&asJSON, "json", false, "print the report as JSON")
	f.StringArrayVar(&trust, "trust", nil, "more trusted authorities: a PEM bundle or a directory of certificates (repeatable)")
	f.BoolVar(&network, "network", false, "ask the OCSP responders and CRLs of other authorities than llavero's (offline otherwise)")
	f.StringVar(&srv, "server", "", "validate on this llavero server instead of locally")
	return cmd
}

// verifyLocal validates against the installation's data: its CA
// certificates and its store, when there is one.
func (a *app) verifyLocal(ctx context.Context, in validate.Input, trust []string, network bool) (*validate.Report, error) {
	root, issuing, err := server.ReadCACertificates(a.cfg.Data)
	if err != nil {
		return nil, err
	}
	var certs validate.CertificateGetter
	if root != nil {
		var st store.Store
		if st, err = server.OpenStore(ctx, &a.cfg); err != nil {
			return nil, err
		}
		defer st.Close()
		certs = st
	}
	v, err := server.SignatureValidator(root, issuing, trust, certs, network)
	if err != nil {
		return nil, err
	}
	return v.Validate(ctx, in), nil
}

// verifyFail prints why there is no report and exits with status 3.
func (a *app) verifyFail(err error) error {
	lang := a.lang()
	if ie, ok := i18n.As(err); ok {
		fmt.Fprintf(a.stderr, "llavero: %s\n  %s\n", ie.Message(lang), ie.Hint(lang))
	} else {
		fmt.Fprintf(a.stderr, "llavero: %v\n", err)
	}
	return exitError{exitVerifyUsage}
}
