package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/llavero/llavero/internal/audit"
	"github.com/llavero/llavero/internal/i18n"
	"github.com/llavero/llavero/internal/registry"
	"github.com/llavero/llavero/internal/server"
	"github.com/llavero/llavero/internal/store"
)

func (a *app) adminCmd() *cobra.Command {
	admin := &cobra.Command{
		Use:   "admin",
		Short: "Administer the local installation (registry, CA, offices, operators, outbox, audit log)",
		Long: `Administer the local installation. These commands open the same database as
"llavero serve" (take the same --data and --database settings) and can run
beside a live server.`,
	}
	admin.AddCommand(a.registryCmd(), a.outboxCmd(), a.auditCmd(), a.adminCACmd(), a.adminOfficeCmd(), a.adminOperatorCmd(), a.adminClientCmd())
	return admin
}

// withStore loads the configuration, opens the store and runs fn with it.
func (a *app) withStore(cmd *cobra.Command, fn func(ctx context.Context, st store.Store) error) error {
	if err := a.load(cmd); err != nil {
		return err
	}
	ctx := cmd.Context()
	st, err := server.OpenStore(ctx, &a.cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	return fn(ctx, st)
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func (a *app) registryCmd() *cobra.Command {
	reg := &cobra.Command{
		Use:   "registry",
		Short: "Import and look up the population registry",
	}
	var skipBad, asJSON bool
	imp := &cobra.Command{
		Use:   "import FILE.csv",
		Short: "Import or update people from a CSV file, all or nothing (or --skip-bad)",
		Long: `Import or update people from a UTF-8 CSV file whose first line is:

  ` + strings.Join(registry.Header, ",") + `

Rows are matched by id (DNI or NIE): new people are added, known ones
updated. The whole file is one transaction: one bad row keeps the file
out, and every bad row is listed with its line number and the reason.
With --skip-bad the good rows are imported and the bad ones listed.
Use "-" to read standard input.`,
		Example: `  llavero admin registry import people.csv
  llavero admin registry import --skip-bad people.csv`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.withStore(cmd, func(ctx context.Context, st store.Store) error {
				var in io.Reader = os.Stdin
				if args[0] != "-" {
					f, err := os.Open(args[0])
					if err != nil {
						return fmt.Errorf("cannot read %s: %v", args[0], err)
					}
					defer f.Close()
					in = f
				}
				rep, err := registry.Import(ctx, st, in, registry.ImportOptions{SkipBad: skipBad})
				lang := a.lang()
				if asJSON {
					if e := writeJSON(a.stdout, importJSON(rep, err, lang)); e != nil {
						return e
					}
				} else {
					printImport(a.stdout, a.stderr, rep, lang)
				}
				if err == nil {
					_, aerr := audit.New(nil, nil).Record(ctx, st, audit.Event{
						Actor: "admin:" + currentUser(), Action: "registry.import", Subject: args[0], Outcome: audit.OK,
						Detail: map[string]any{"rows": rep.Rows, "created": rep.Created, "updated": rep.Updated, "skipped": rep.Bad},
					})
					if aerr != nil {
						return fmt.Errorf("import done, but the audit event could not be written: %w", aerr)
					}
				}
				if asJSON && err != nil {
					return exitError{1}
				}
				return err
			})
		},
	}
	imp.Flags().BoolVar(&skipBad, "skip-bad", false, "import the good rows and report the bad ones")
	imp.Flags().BoolVar(&asJSON, "json", false, "print the report as JSON")

	var showJSON bool
	show := &cobra.Command{
		Use:   "show ID",
		Short: "Print one person of the registry",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.withStore(cmd, func(ctx context.Context, st store.Store) error {
				p, err := registry.New(st).Lookup(ctx, args[0])
				if err != nil {
					return err
				}
				if showJSON {
					return writeJSON(a.stdout, personJSON(p))
				}
				printPerson(a.stdout, p)
				return nil
			})
		},
	}
	show.Flags().BoolVar(&showJSON, "json", false, "print the person as JSON")

	var rows int
	var seed uint64
	var out string
	sample := &cobra.Command{
		Use:   "sample",
		Short: "Write a registry CSV of fictional people, for trials and load tests",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			w := a.stdout
			if out != "" && out != "-" {
				f, err := os.Create(out)
				if err != nil {
					return err
				}
				defer f.Close()
				w = f
			}
			return registry.GenerateCSV(w, rows, seed)
		},
	}
	sample.Flags().IntVar(&rows, "rows", 1000, "how many people")
	sample.Flags().Uint64Var(&seed, "seed", 1, "seed: the same seed writes the same file")
	sample.Flags().StringVarP(&out, "output", "o", "-", "file to write (- for standard output)")

	reg.AddCommand(imp, show, sample)
	return reg
}

func currentUser() string {
	if u := os.Getenv("USER"); u != "" {
		return u
	}
	return "unknown"
}

func printImport(stdout, stderr io.Writer, rep registry.ImportReport, lang i18n.Lang) {
	for _, e := range rep.Errors {
		fmt.Fprintln(stderr, e.Message(lang))
	}
	if more := rep.Bad - len(rep.Errors); more > 0 {
		fmt.Fprintf(stderr, "… and %d more bad rows\n", more)
	}
	fmt.Fprintf(stdout, "rows read: %d, created: %d, updated: %d, bad: %d, in %s\n",
		rep.Rows, rep.Created, rep.Updated, rep.Bad, rep.Duration.Round(time.Millisecond))
}

func importJSON(rep registry.ImportReport, err error, lang i18n.Lang) map[string]any {
	bad := make([]map[string]any, 0, len(rep.Errors))
	for _, e := range rep.Errors {
		row := map[string]any{"line": e.Line, "field": e.Field, "message": e.Message(lang)}
		if ie, ok := i18n.As(e.Err); ok {
			row["code"] = ie.Code
		}
		bad = append(bad, row)
	}
	out := map[string]any{
		"imported": err == nil, "rows": rep.Rows, "created": rep.Created, "updated": rep.Updated,
		"bad": rep.Bad, "errors": bad, "duration_ms": rep.Duration.Milliseconds(),
	}
	if err != nil {
		out["error"] = err.Error()
		if ie, ok := i18n.As(err); ok {
			out["error"], out["code"], out["next"] = ie.Message(lang), ie.Code, ie.Hint(lang)
		}
	}
	return out
}

func date(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.DateOnly)
}

func personJSON(p store.Person) map[string]string {
	return map[string]string{
		"id": p.ID, "given_name": p.GivenName, "first_surname": p.FirstSurname, "second_surname": p.SecondSurname,
		"birth_date": date(p.BirthDate), "nationality": p.Nationality, "document_type": p.DocumentType,
		"document_number": p.DocumentNumber, "document_expiry": date(p.DocumentExpiry), "support_number": p.SupportNumber,
		"address": p.Address, "postal_code": p.PostalCode, "city": p.City, "province": p.Province,
		"email": p.Email, "mobile": p.Mobile, "updated_at": p.UpdatedAt.UTC().Format(time.RFC3339),
	}
}

func printPerson(w io.Writer, p store.Person) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	m := personJSON(p)
	for _, k := range append(append([]string{}, registry.Header...), "updated_at") {
		fmt.Fprintf(tw, "%s:\t%s\n", k, m[k])
	}
	tw.Flush()
}

func (a *app) outboxCmd() *cobra.Command {
	var f store.OutboxFilter
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "outbox",
		Short: "List the emails, SMS and letters the platform sent, newest first",
		Example: `  llavero admin outbox --to X1234567L
  llavero admin outbox --kind sms --to +34612345678 --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			switch f.Kind {
			case "", store.KindEmail, store.KindSMS, store.KindLetter:
			default:
				return fmt.Errorf(`--kind %q: use "email", "sms" or "letter"`, f.Kind)
			}
			return a.withStore(cmd, func(ctx context.Context, st store.Store) error {
				msgs, err := st.ListOutbox(ctx, f)
				if err != nil {
					return err
				}
				if asJSON {
					out := make([]map[string]string, 0, len(msgs))
					for _, m := range msgs {
						out = append(out, map[string]string{
							"id": m.ID, "kind": m.Kind, "to": m.To, "person_id": m.PersonID, "lang": m.Lang,
							"subject": m.Subject, "body": m.Body, "path": m.Path, "created_at": m.CreatedAt.UTC().Format(time.RFC3339Nano),
						})
					}
					return writeJSON(a.stdout, out)
				}
				if len(msgs) == 0 {
					fmt.Fprintln(a.stdout, "The outbox is empty (for this filter).")
					return nil
				}
				for _, m := range msgs {
					fmt.Fprintf(a.stdout, "── %s  %s  to %s", m.CreatedAt.Local().Format("2006-01-02 15:04:05"), m.Kind, m.To)
					if m.PersonID != "" && m.PersonID != m.To {
						fmt.Fprintf(a.stdout, " (%s)", m.PersonID)
					}
					fmt.Fprintln(a.stdout)
					if m.Subject != "" {
						fmt.Fprintf(a.stdout, "   %s\n", m.Subject)
					}
					if m.Path != "" {
						fmt.Fprintf(a.stdout, "   PDF: %s\n", m.Path)
					}
					for _, line := range strings.Split(strings.TrimRight(m.Body, "\n"), "\n") {
						fmt.Fprintf(a.stdout, "   │ %s\n", line)
					}
				}
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&f.To, "to", "", "only messages to this email address, phone number (E.164) or registry ID")
	cmd.Flags().StringVar(&f.Kind, "kind", "", `only this kind: "email", "sms" or "letter"`)
	cmd.Flags().IntVar(&f.Limit, "limit", 50, "at most this many messages")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the messages as JSON")
	return cmd
}

func (a *app) auditCmd() *cobra.Command {
	au := &cobra.Command{
		Use:   "audit",
		Short: "Check the hash-chained audit log",
	}
	var asJSON bool
	verify := &cobra.Command{
		Use:   "verify",
		Short: "Recompute the audit chain and name the first broken event, if any",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.withStore(cmd, func(ctx context.Context, st store.Store) error {
				rep, err := audit.Verify(ctx, st)
				var be *audit.BrokenError
				if errors.As(err, &be) {
					if asJSON {
						_ = writeJSON(a.stdout, map[string]any{"intact": false, "checked": rep.Events, "broken_seq": be.Seq, "broken_id": be.ID, "reason": be.Reason})
						return exitError{1}
					}
					return fmt.Errorf("%v; events before it (%d) are intact. Restore the log from a backup and investigate who changed it", be, rep.Events)
				}
				if err != nil {
					return err
				}
				if asJSON {
					return writeJSON(a.stdout, map[string]any{"intact": true, "checked": rep.Events, "head_seq": rep.Head.Seq, "head_hash": rep.Head.Hash})
				}
				fmt.Fprintf(a.stdout, "audit chain intact: %d events, head %d %s\n", rep.Events, rep.Head.Seq, rep.Head.Hash)
				return nil
			})
		},
	}
	verify.Flags().BoolVar(&asJSON, "json", false, "print the result as JSON")
	au.AddCommand(verify)
	return au
}
