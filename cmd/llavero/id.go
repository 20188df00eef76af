package main

import (
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/llavero/llavero/internal/i18n"
	"github.com/llavero/llavero/internal/identity"
)

func (a *app) idCmd() *cobra.Command {
	id := &cobra.Command{
		Use:   "id",
		Short: "Check identity numbers (DNI, NIE) as llavero reads them",
	}
	var asJSON bool
	check := &cobra.Command{
		Use:   "check VALUE",
		Short: "Print the canonical form and kind of a DNI or NIE, or what is wrong with it",
		Example: `  llavero id check x-1234567-l
  llavero id check 12345678Z --json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			lang := a.lang()
			id, err := identity.ParseID(args[0])
			if asJSON {
				out := map[string]any{"input": args[0], "valid": err == nil}
				if err == nil {
					out["canonical"], out["kind"] = id.Value, string(id.Kind)
				} else if ie, ok := i18n.As(err); ok {
					out["code"], out["message"], out["next"] = ie.Code, ie.Message(lang), ie.Hint(lang)
				}
				enc := json.NewEncoder(a.stdout)
				enc.SetIndent("", "  ")
				if e := enc.Encode(out); e != nil {
					return e
				}
				if err != nil {
					return exitError{1}
				}
				return nil
			}
			if err != nil {
				if ie, ok := i18n.As(err); ok {
					fmt.Fprintf(a.stderr, "%s (%s)\n  %s\n", ie.Message(lang), ie.Code, ie.Hint(lang))
					return exitError{1}
				}
				return err
			}
			fmt.Fprintf(a.stdout, "%s\t%s\n", id.Value, id.Kind)
			return nil
		},
	}
	check.Flags().BoolVar(&asJSON, "json", false, "print the result as JSON")
	id.AddCommand(check)
	return id
}
