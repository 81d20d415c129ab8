// Command bench runs ignis's benchmark suites and prints a table, or with
// -json one JSON object per line per case.
//
//	go run ./bench -suite engine
//	go run ./bench -suite svi -json
//	go run ./bench -export-data /tmp/scale && go run ./bench -suite scale -data /tmp/scale
//
// Figures worth quoting are ratios against an anchor measured on the same
// machine in the same run (scripts/reference/*_anchor.py); see RESULTS.md.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"runtime"
	"sort"
	"strings"
	"testing"
	"text/tabwriter"
	"time"
)

// Case is one benchmark of a suite.
type Case struct {
	Name string
	// Run is the timed body, called b.N times through testing.Benchmark.
	Run func(b *testing.B)
	// Flops is the floating-point work of one call, when it is worth
	// reporting a rate (0 otherwise).
	Flops float64
	// Runs, when positive, fixes the number of iterations of Run's b.Loop
	// instead of the -benchtime duration (the scale suite's NUTS cases run
	// one seed per iteration).
	Runs int
}

// Suite is a named list of cases built on demand (building may be slow).
type Suite struct {
	Name  string
	About string
	Cases func() ([]Case, error)
	// Device names the device the suite runs on; nil means the CPU.
	Device func() string
	// Export, when set, writes the suite's data sets to a directory
	// (-export-data) for the anchors to read, and CasesFrom builds the
	// cases from such a directory (-data) instead of simulating them.
	Export    func(dir string) error
	CasesFrom func(dir string) ([]Case, error)
}

var suites = map[string]Suite{}

func register(s Suite) { suites[s.Name] = s }

// Result is one measured case.
type Result struct {
	Suite       string  `json:"suite"`
	Case        string  `json:"case"`
	NsPerOp     float64 `json:"ns_per_op"`
	AllocsPerOp int64   `json:"allocs_per_op"`
	BytesPerOp  int64   `json:"bytes_per_op"`
	N           int     `json:"n"`
	GOMAXPROCS  int     `json:"gomaxprocs"`
	Device      string  `json:"device"`
	// Extra holds the metrics a case reports with b.ReportMetric, by unit
	// (the nuts suite's effective samples per second, the gp suite's process
	// CPU time per op, which shared machines distort less than wall time).
	Extra map[string]float64 `json:"extra,omitempty"`
	// GFlops is the achieved rate for cases that declare their flop count.
	GFlops float64 `json:"gflops,omitempty"`
}

func main() {
	suite := flag.String("suite", "", "suite to run (see -list)")
	asJSON := flag.Bool("json", false, "print JSON lines instead of a table")
	list := flag.Bool("list", false, "list the suites")
	filter := flag.String("case", "", "run only cases whose name contains this")
	benchtime := flag.Duration("benchtime", time.Second, "minimum time per case")
	dataDir := flag.String("data", "", "read the suite's data sets from this directory (written by -export-data)")
	export := flag.String("export-data", "", "write the data sets of -suite (default scale) to this directory and exit")
	flag.Parse()
	if *export != "" {
		name := *suite
		if name == "" {
			name = "scale"
		}
		s, ok := suites[name]
		if !ok || s.Export == nil {
			fmt.Fprintf(os.Stderr, "bench: suite %q has no data sets to export\n", name)
			os.Exit(2)
		}
		if err := s.Export(*export); err != nil {
			fmt.Fprintf(os.Stderr, "bench: export: %v\n", err)
			os.Exit(1)
		}
		return
	}
	if *list || *suite == "" {
		var names []string
		for n := range suites {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			fmt.Printf("%-8s %s\n", n, suites[n].About)
		}
		if *suite == "" && !*list {
			fmt.Fprintln(os.Stderr, "bench: choose a suite with -suite NAME")
			os.Exit(2)
		}
		return
	}
	s, ok := suites[*suite]
	if !ok {
		fmt.Fprintf(os.Stderr, "bench: unknown suite %q (try -list)\n", *suite)
		os.Exit(2)
	}
	testing.Init()
	build := s.Cases
	if *dataDir != "" {
		if s.CasesFrom == nil {
			fmt.Fprintf(os.Stderr, "bench: suite %s reads no data sets (-data)\n", s.Name)
			os.Exit(2)
		}
		build = func() ([]Case, error) { return s.CasesFrom(*dataDir) }
	}
	cases, err := build()
	if err != nil {
		fmt.Fprintf(os.Stderr, "bench: suite %s: %v\n", s.Name, err)
		os.Exit(1)
	}
	var results []Result
	failed := 0
	for _, c := range cases {
		if *filter != "" && !strings.Contains(c.Name, *filter) {
			continue
		}
		bt := benchtime.String()
		if c.Runs > 0 {
			bt = fmt.Sprintf("%dx", c.Runs)
		}
		_ = flag.Set("test.benchtime", bt)
		r := testing.Benchmark(c.Run)
		if r.N == 0 {
			// The other cases still run (on a borrowed GPU, one failing size
			// should not cost the rest); the exit status reports the failure.
			fmt.Fprintf(os.Stderr, "bench: %s/%s failed\n", s.Name, c.Name)
			failed++
			continue
		}
		res := Result{Suite: s.Name, Case: c.Name, NsPerOp: float64(r.T.Nanoseconds()) / float64(r.N),
			AllocsPerOp: r.AllocsPerOp(), BytesPerOp: r.AllocedBytesPerOp(), N: r.N,
			GOMAXPROCS: runtime.GOMAXPROCS(0), Device: "cpu", Extra: r.Extra}
		if s.Device != nil {
			res.Device = s.Device()
		}
		if c.Flops > 0 {
			res.GFlops = c.Flops / res.NsPerOp
		}
		results = append(results, res)
		if *asJSON {
			b, _ := json.Marshal(res)
			fmt.Println(string(b))
		}
	}
	if !*asJSON {
		w := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', tabwriter.AlignRight)
		if len(results) > 0 && results[0].Device != "cpu" {
			fmt.Printf("device: %s\n", results[0].Device)
		}
		fmt.Fprintf(w, "case\tµs/op\tallocs/op\tB/op\truns\t\n")
		for _, r := range results {
			fmt.Fprintf(w, "%s\t%.2f\t%d\t%d\t%d\t", r.Case, r.NsPerOp/1e3, r.AllocsPerOp, r.BytesPerOp, r.N)
			if r.GFlops > 0 {
				fmt.Fprintf(w, "%.1f GFLOP/s\t", r.GFlops)
			}
			units := make([]string, 0, len(r.Extra))
			for u := range r.Extra {
				units = append(units, u)
			}
			sort.Strings(units)
			for _, u := range units {
				fmt.Fprintf(w, "%.4g %s\t", r.Extra[u], u)
			}
			fmt.Fprintln(w)
		}
		w.Flush()
	}
	if failed > 0 {
		fmt.Fprintf(os.Stderr, "bench: %d case(s) of suite %s failed\n", failed, s.Name)
		os.Exit(1)
	}
}
