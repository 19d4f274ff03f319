// Package cli gives pushauth's command-line programs one style of help and
// version output, so that pushauthd, pushctl, softtoken, pushdemo and
// radbench read alike:
//
//   - --help (or -h) prints a Command's help on standard output and exits 0;
//   - --version prints one line from the binary's build information
//     (module version, VCS commit and time, Go version) and exits 0;
//   - a wrong command line prints one line and a pointer to --help on
//     standard error and exits 2.
//
// Flags are always written with two dashes ("--config FILE"); Go's flag
// package accepts one or two.
package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// Exit codes shared by the programs.
const (
	ExitOK    = 0
	ExitError = 1
	ExitUsage = 2
)

// Command describes a program (or a subcommand) for its help text.
type Command struct {
	// Name is what the user types, e.g. "pushauthd" or "softtoken watch".
	Name string
	// Summary says in one line what the program is.
	Summary string
	// Usage lists synopsis lines, each without Name.
	Usage []string
	// About is free text printed after the synopsis (paragraphs).
	About string
	// Flags are listed under "Flags:"; nil lists none.
	Flags *flag.FlagSet
	// Sections follow the flags: commands, environment, signals, files,
	// exit status...
	Sections []Section
}

// Section is a titled part of a help text: aligned items, or text.
type Section struct {
	Title string
	Items []Item
	Text  string // printed after the items
}

// Item is one line of a section: a term and what it means.
type Item struct{ Term, Text string }

// Help returns the command's help text.
func (c Command) Help() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s - %s\n\nUsage:\n", c.Name, c.Summary)
	for _, u := range c.Usage {
		fmt.Fprintf(&b, "  %s %s\n", c.Name, u)
	}
	if c.About != "" {
		fmt.Fprintf(&b, "\n%s\n", strings.TrimRight(c.About, "\n"))
	}
	if c.Flags != nil {
		writeSection(&b, Section{Title: "Flags", Items: FlagItems(c.Flags)})
	}
	for _, s := range c.Sections {
		writeSection(&b, s)
	}
	return b.String()
}

// writeSection prints a section with its items aligned in two columns.
func writeSection(w io.Writer, s Section) {
	fmt.Fprintf(w, "\n%s:\n", s.Title)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, it := range s.Items {
		lines := strings.Split(it.Text, "\n")
		fmt.Fprintf(tw, "  %s\t%s\n", it.Term, lines[0])
		for _, l := range lines[1:] {
			fmt.Fprintf(tw, "  \t%s\n", l)
		}
	}
	_ = tw.Flush() // writes to a strings.Builder or a terminal; nothing to do on failure
	if s.Text != "" {
		for _, l := range strings.Split(strings.TrimRight(s.Text, "\n"), "\n") {
			fmt.Fprintf(w, "  %s\n", l)
		}
	}
}

// FlagItems lists fs's flags as help items, "--name VALUE" and the usage
// with its default, in the flag package's (alphabetical) order, followed
// by --help.
func FlagItems(fs *flag.FlagSet) []Item {
	var items []Item
	fs.VisitAll(func(f *flag.Flag) {
		name, usage := flag.UnquoteUsage(f)
		term := "--" + f.Name
		if name != "" {
			term += " " + strings.ToUpper(name)
		}
		if !zeroDefault(f) {
			usage += fmt.Sprintf(" (default %s)", f.DefValue)
		}
		items = append(items, Item{Term: term, Text: usage})
	})
	return append(items, Item{Term: "--help", Text: "print this help and exit"})
}

// zeroDefault reports whether a flag's default is not worth printing.
func zeroDefault(f *flag.Flag) bool {
	switch f.DefValue {
	case "", "false", "0", "0s":
		return true
	}
	return false
}

// AddVersionFlag registers --version on fs and returns its value.
func AddVersionFlag(fs *flag.FlagSet) *bool {
	return fs.Bool("version", false, "print the version and exit")
}

// Parse parses args with fs (which must not print; Parse sets its output
// to io.Discard) for the program c, which should have a --version flag
// from AddVersionFlag. When the program should end now it returns done =
// true and the exit code: after --help (help on stdout, 0), --version
// (version on stdout, 0) or a wrong command line (stderr, 2).
func (c Command) Parse(args []string, version *bool, stdout, stderr io.Writer) (code int, done bool) {
	c.Flags.SetOutput(io.Discard)
	err := c.Flags.Parse(args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		fmt.Fprint(stdout, c.Help())
		return ExitOK, true
	case err != nil:
		return c.UsageError(stderr, err.Error()), true
	case version != nil && *version:
		fmt.Fprintln(stdout, Version(c.Name))
		return ExitOK, true
	}
	return ExitOK, false
}

// UsageError prints msg and a pointer to --help on stderr and returns
// ExitUsage.
func (c Command) UsageError(stderr io.Writer, msg string) int {
	prog := strings.Fields(c.Name)[0]
	fmt.Fprintf(stderr, "%s: %s\nRun '%s --help' for usage.\n", c.Name, msg, prog)
	return ExitUsage
}

// IsHelp reports whether arg asks for help.
func IsHelp(arg string) bool {
	switch arg {
	case "-h", "--help", "-help", "help":
		return true
	}
	return false
}

// IsVersion reports whether arg asks for the version.
func IsVersion(arg string) bool { return arg == "--version" || arg == "-version" }
