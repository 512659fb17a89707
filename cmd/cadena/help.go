package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/cadena-finance/cadena/internal/platform/config"
)

// errUsage marks a command line that cannot run (exit status 2).
var errUsage = errors.New("usage")

type usageError struct{ msg string }

func (e usageError) Error() string   { return e.msg }
func (e usageError) Is(t error) bool { return t == errUsage }

func usageErr(format string, a ...any) error { return usageError{fmt.Sprintf(format, a...)} }

func isHelp(arg string) bool { return arg == "-h" || arg == "-help" || arg == "--help" }

// newFlags is every subcommand's flag set. name is the command, or the
// command and its verb ("audit verify"); --help prints the command's
// description, synopsis, flags and example to stdout.
func newFlags(name string, stdout io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard) // parseFlags reports errors once, as the command's error
	fs.Usage = func() { commandHelp(stdout, fs) }
	return fs
}

// parseFlags parses args with fs: --help prints the help and returns
// flag.ErrHelp (exit 0); a bad flag is a usage error naming the help.
func parseFlags(fs *flag.FlagSet, args []string) error {
	help := fs.Usage
	fs.Usage = func() {}
	err := fs.Parse(args)
	fs.Usage = help
	switch {
	case errors.Is(err, flag.ErrHelp):
		help()
		return err
	case err != nil:
		return usageErr("%s: %v (cadena %s --help)", fs.Name(), err, strings.Fields(fs.Name())[0])
	}
	return nil
}

func commandHelp(w io.Writer, fs *flag.FlagSet) {
	name := strings.Fields(fs.Name())[0]
	var c command
	for _, x := range commands() {
		if x.name == name {
			c = x
		}
	}
	fmt.Fprintf(w, "cadena %s: %s\n\nUsage:\n  cadena %s %s\n\nFlags:\n", c.name, c.summary, c.name, c.synopsis)
	n := 0
	fs.VisitAll(func(*flag.Flag) { n++ })
	if n == 0 {
		fmt.Fprintln(w, "  none")
	}
	fs.SetOutput(w)
	fs.PrintDefaults()
	fs.SetOutput(io.Discard)
	fmt.Fprintf(w, "\nExample:\n  %s\n\nSettings come from the environment too: cadena --help lists them.\n", c.example)
}

// usage is the top-level help: commands, then every environment variable.
func usage(w io.Writer) {
	fmt.Fprintln(w, "Cadena: reverse factoring for buyers, suppliers and lenders.")
	fmt.Fprintln(w, "\nUsage: cadena <command> [flags]   (cadena <command> --help for its flags and an example)")
	fmt.Fprintln(w, "\nCommands:")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, c := range commands() {
		fmt.Fprintf(tw, "  %s\t%s\n", c.name, c.summary)
	}
	_ = tw.Flush() // help text: a closed terminal leaves nothing to report to
	fmt.Fprintln(w, "\nConfiguration comes from the environment:")
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, v := range config.Variables {
		fmt.Fprintf(tw, "  %s\t%s\n", v[0], describeVariable(v[1], v[2]))
	}
	_ = tw.Flush() // as above
}

// describeVariable is a variable's meaning with its default; a default in
// parentheses already says what unset means.
func describeVariable(def, meaning string) string {
	switch {
	case def == "":
		return meaning + " (unset by default)"
	case strings.HasPrefix(def, "("):
		return meaning + " " + def
	}
	return meaning + " (default " + def + ")"
}
