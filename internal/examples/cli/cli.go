package cli

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
)

// DefaultSeed is the seed an example uses when -seed is not given; the test
// that runs every example passes the same value.
const DefaultSeed = 1

// Flags are the command-line settings every example accepts.
type Flags struct {
	// Quick asks for a small run: under 30 s on two cores.
	Quick bool
	// Seed seeds every random generator the example creates.
	Seed uint64
	// Out is the directory for plots and other files; Parse creates it.
	Out string
}

// File returns the path of a file called name inside the output directory.
func (f Flags) File(name string) string { return filepath.Join(f.Out, name) }

// Parse registers -quick, -seed and -out on the program's command line (so an
// example may define its own flags before calling it), parses the arguments
// and creates the output directory, out/NAME by default. On a bad output
// directory it reports to stderr and exits with status 1. Examples call
// ParseAbout, which also says what the example does.
func Parse(name string) Flags {
	return ParseAbout(name, "")
}

// ParseAbout is Parse for an example that says in one line what it does:
// -h prints that line first, then how to run the example and its flags.
func ParseAbout(name, about string) Flags {
	f := register(flag.CommandLine, name)
	flag.CommandLine.Usage = usage(flag.CommandLine, name, about)
	flag.Parse()
	if err := f.prepare(); err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", name, err)
		os.Exit(1)
	}
	return *f
}

func register(fs *flag.FlagSet, name string) *Flags {
	f := new(Flags)
	fs.BoolVar(&f.Quick, "quick", false, "small, fast run (under 30 s on two cores)")
	fs.Uint64Var(&f.Seed, "seed", DefaultSeed, "seed for every random generator")
	fs.StringVar(&f.Out, "out", filepath.Join("out", name), "directory for plots and other output files")
	return f
}

// usage prints about (when set), a line on how to run the example, and the
// flags with their defaults.
func usage(fs *flag.FlagSet, name, about string) func() {
	return func() {
		w := fs.Output()
		if about != "" {
			fmt.Fprintf(w, "%s: %s\n\n", name, about)
		}
		fmt.Fprintf(w, "usage: go run ./examples/%s [flags]\n\nflags:\n", name)
		fs.PrintDefaults()
	}
}

func (f *Flags) prepare() error {
	if f.Out == "" {
		return errors.New("cli: -out must name a directory")
	}
	if err := os.MkdirAll(f.Out, 0o755); err != nil {
		return fmt.Errorf("cli: creating output directory: %w", err)
	}
	return nil
}

// Result prints the line that must end every example's standard output:
// {"example":NAME,"metrics":{...}} with the metric names sorted. A NaN or
// infinite metric (or none at all) means the example did not work: Result then
// reports to stderr and exits with status 1.
func Result(name string, metrics map[string]float64) {
	if err := WriteResult(os.Stdout, name, metrics); err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", name, err)
		os.Exit(1)
	}
}

// WriteResult writes the result line to w; see Result. It writes nothing when
// it returns an error.
func WriteResult(w io.Writer, name string, metrics map[string]float64) error {
	if name == "" {
		return errors.New("cli: result needs the example's name")
	}
	if len(metrics) == 0 {
		return errors.New("cli: result needs at least one metric")
	}
	keys := make([]string, 0, len(metrics))
	for k := range metrics {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if v := metrics[k]; math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("cli: metric %q is %v, want a finite number", k, v)
		}
	}
	// encoding/json writes map keys in sorted order.
	line, err := json.Marshal(struct {
		Example string             `json:"example"`
		Metrics map[string]float64 `json:"metrics"`
	}{name, metrics})
	if err != nil {
		return fmt.Errorf("cli: encoding result: %w", err)
	}
	_, err = w.Write(append(line, '\n'))
	return err
}
