// Command manygp fits one Gaussian process per series, for many series, as
// an Apache Beam pipeline: it reads series from CSV files (one row per
// point: key,index,x1,…,xD,y) with Beam's textio, assembles each series,
// fits every series by MAP with Gamma priors (many.FitGPs, BundleSize
// series per batched GP), and writes one JSON line per fitted series to
// OUT/fits.jsonl and one per series that could not be fitted, with the
// reason, to OUT/dead.jsonl.
//
// Without -input it first writes synthetic series (many.Synthetic) to
// OUT/series.csv and reads those. With -check (the default) it then fits
// the same series again in this process, without Beam (many.Bundles and
// many.FitBundle, one goroutine per core), compares every key's result
// with the pipeline's bit for bit, and reports both wall times.
//
// The pipeline runs on Beam's embedded Prism runner unless --runner names
// another (flink, spark, dataflow, universal; see the repository's
// docs/scale-out.md); OUT and -input may then be any path Beam's file
// systems know (gs://…) and -check should be off.
//
//	go run ./examples/manygp [-quick] [-count N] [-n N] [-dim D] [-input GLOB] [-out DIR] [--runner prism]
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"sync"
	"syscall"
	"time"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/io/textio"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/x/beamx"
	"github.com/ignis-ppl/ignis/beam/many"
)

func init() {
	register.DoFn3x0[string, func(string, point), func(many.DeadLetter)](&parseFn{})
	register.DoFn4x0[string, func(*point) bool, func(many.Series), func(many.DeadLetter)](&assembleFn{})
	register.Function1x2[many.GPFit, string, error](fitJSON)
	register.Function1x2[many.DeadLetter, string, error](deadJSON)
	register.Emitter2[string, point]()
	register.Emitter1[many.Series]()
	register.Iter1[point]()
	beam.RegisterType(reflect.TypeFor[point]())
}

type config struct {
	input, out           string
	count, n, dim, steps int
	bundle, shards       int
	seed                 uint64
	check                bool
}

func main() {
	var c config
	quick := flag.Bool("quick", false, "a small run (200 series, 20 steps)")
	flag.StringVar(&c.input, "input", "", "CSV files to read (a glob); empty: write synthetic series to OUT/series.csv and read them")
	flag.StringVar(&c.out, "out", "out/manygp", "directory for series.csv, fits.jsonl and dead.jsonl")
	flag.IntVar(&c.count, "count", 10000, "synthetic series to generate")
	flag.IntVar(&c.n, "n", 20, "points per synthetic series")
	flag.IntVar(&c.dim, "dim", 1, "inputs per point of the synthetic series")
	flag.IntVar(&c.steps, "steps", 100, "Adam steps per fit")
	flag.IntVar(&c.bundle, "bundle", 64, "series per batched GP")
	flag.IntVar(&c.shards, "shards", 8, "groups per series size, spread over workers")
	flag.Uint64Var(&c.seed, "seed", 1, "seed of the synthetic series")
	flag.BoolVar(&c.check, "check", true, "also fit in-process without Beam and compare every result bit for bit")
	flag.Parse()
	// Everything before beam.Init also runs in each worker a runner starts
	// from this binary; what follows runs only in the launching process.
	beam.Init()
	if *quick {
		c.count, c.steps = 200, 20
	}
	metrics, err := run(context.Background(), c)
	if err == nil {
		var line []byte
		line, err = json.Marshal(map[string]any{"example": "manygp", "metrics": metrics})
		fmt.Println(string(line))
	}
	if err != nil {
		// Beam's logging takes over package log; say it plainly.
		fmt.Fprintln(os.Stderr, "manygp:", err)
		os.Exit(1)
	}
}

func (c config) options() many.GPOptions {
	return many.GPOptions{
		Lengthscale: &many.Gamma{Conc: 2, Rate: 1},
		Variance:    &many.Gamma{Conc: 2, Rate: 1},
		Noise:       &many.Gamma{Conc: 1.1, Rate: 10},
		Steps:       c.steps,
		BundleSize:  c.bundle,
		Shards:      c.shards,
	}
}

func run(ctx context.Context, c config) (map[string]float64, error) {
	if err := os.MkdirAll(c.out, 0o755); err != nil {
		return nil, err
	}
	input := c.input
	if input == "" {
		input = filepath.Join(c.out, "series.csv")
		if err := writeCSV(input, many.Synthetic(c.count, c.n, c.dim, c.seed)); err != nil {
			return nil, fmt.Errorf("writing synthetic series: %w", err)
		}
		fmt.Fprintf(os.Stderr, "wrote %d synthetic series of %d points to %s\n", c.count, c.n, input)
	}
	// textio.Write writes nothing for an empty collection: clear the
	// outputs of an earlier run so that none is taken for this one's.
	for _, name := range []string{"fits.jsonl", "dead.jsonl"} {
		if err := os.Remove(filepath.Join(c.out, name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
	}
	p, s := beam.NewPipelineWithRoot()
	lines := textio.Read(s, input)
	points, badRows := beam.ParDo2(s, &parseFn{}, lines)
	series, badSeries := beam.ParDo2(s, &assembleFn{}, beam.GroupByKey(s, points))
	fits, dead, err := many.FitGPs(s, series, c.options())
	if err != nil {
		return nil, err
	}
	textio.Write(s, filepath.Join(c.out, "fits.jsonl"), beam.ParDo(s, fitJSON, fits))
	textio.Write(s, filepath.Join(c.out, "dead.jsonl"), beam.ParDo(s, deadJSON, beam.Flatten(s, badRows, badSeries, dead)))

	fmt.Fprintf(os.Stderr, "running the pipeline\n")
	start, cpu := time.Now(), cpuSeconds()
	if err := beamx.Run(ctx, p); err != nil {
		return nil, fmt.Errorf("pipeline: %w", err)
	}
	m := map[string]float64{
		"pipeline_s":     time.Since(start).Seconds(),
		"pipeline_cpu_s": cpuSeconds() - cpu,
		"steps":          float64(c.steps),
		"bundle":         float64(c.bundle),
	}
	if !c.check {
		return m, nil
	}
	return m, check(c, input, m)
}

// check fits the series in-process and compares with the pipeline's output.
func check(c config, input string, m map[string]float64) error {
	fmt.Fprintf(os.Stderr, "fitting the same series in-process\n")
	start, cpu := time.Now(), cpuSeconds()
	f, err := os.Open(input)
	if err != nil {
		return err
	}
	series, dead, err := readCSV(f)
	f.Close()
	if err != nil {
		return err
	}
	want, bad, err := fitDirect(series, c.options())
	if err != nil {
		return err
	}
	direct, directCPU := time.Since(start).Seconds(), cpuSeconds()-cpu
	got, err := readJSONL[many.GPFit](filepath.Join(c.out, "fits.jsonl"))
	if err != nil {
		return err
	}
	gotDead, err := readJSONL[many.DeadLetter](filepath.Join(c.out, "dead.jsonl"))
	if err != nil {
		return err
	}
	byKey := map[string]many.GPFit{}
	for _, g := range got {
		byKey[g.Key] = g
	}
	mismatches := 0
	for _, w := range want {
		g, ok := byKey[w.Key]
		if !ok || !sameFit(g, w) {
			mismatches++
			if mismatches <= 3 {
				fmt.Fprintf(os.Stderr, "%s: pipeline %+v\n  direct %+v\n", w.Key, g, w)
			}
		}
	}
	mismatches += abs(len(got) - len(want))
	m["series"] = float64(len(want) + len(bad) + len(dead))
	m["fits"] = float64(len(got))
	m["dead_letters"] = float64(len(gotDead))
	m["direct_dead_letters"] = float64(len(bad) + len(dead))
	m["mismatches"] = float64(mismatches)
	m["direct_s"] = direct
	m["overhead"] = m["pipeline_s"] / direct
	m["direct_cpu_s"] = directCPU
	m["cpu_overhead"] = m["pipeline_cpu_s"] / directCPU
	m["series_per_s"] = m["series"] / m["pipeline_s"]
	m["direct_series_per_s"] = m["series"] / direct
	m["cores"] = float64(runtime.GOMAXPROCS(0))
	if mismatches > 0 {
		return fmt.Errorf("%d series differ between the pipeline and the direct fits", mismatches)
	}
	return nil
}

// fitDirect fits the bundles of series on one goroutine per core.
func fitDirect(series []many.Series, o many.GPOptions) ([]many.GPFit, []many.DeadLetter, error) {
	bundles, dead := many.Bundles(series, o)
	fits := make([][]many.GPFit, len(bundles))
	bad := make([][]many.DeadLetter, len(bundles))
	errs := make([]error, len(bundles))
	next := make(chan int)
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for i := range next {
				fits[i], bad[i], errs[i] = many.FitBundle(bundles[i], o)
			}
		})
	}
	for i := range bundles {
		next <- i
	}
	close(next)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			return nil, nil, err
		}
		dead = append(dead, bad[i]...)
	}
	return slices.Concat(fits...), dead, nil
}

func sameFit(a, b many.GPFit) bool {
	bits := func(v ...float64) []uint64 {
		out := make([]uint64, len(v))
		for i, x := range v {
			out[i] = math.Float64bits(x)
		}
		return out
	}
	return a.Key == b.Key && a.Bundle == b.Bundle && a.BundleSize == b.BundleSize &&
		slices.Equal(bits(a.Lengthscale...), bits(b.Lengthscale...)) &&
		slices.Equal(bits(a.Mean...), bits(b.Mean...)) && slices.Equal(bits(a.Var...), bits(b.Var...)) &&
		slices.Equal(bits(a.Variance, a.Noise, a.Jitter, a.LogMarginal, a.LogPrior),
			bits(b.Variance, b.Noise, b.Jitter, b.LogMarginal, b.LogPrior))
}

// cpuSeconds is the user and system CPU time of this process so far: on
// Prism the pipeline's workers run in this process, so the difference
// over a phase is that phase's CPU cost, which other jobs on a shared
// machine disturb far less than its wall time.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return math.NaN()
	}
	sec := func(t syscall.Timeval) float64 { return float64(t.Sec) + float64(t.Usec)/1e6 }
	return sec(ru.Utime) + sec(ru.Stime)
}

func abs(x int) int { return max(x, -x) }

// readJSONL reads the JSON lines of the single file textio.Write made.
func readJSONL[T any](path string) ([]T, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil // an empty collection
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []T
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<26)
	for sc.Scan() {
		var v T
		if err := json.Unmarshal(sc.Bytes(), &v); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		out = append(out, v)
	}
	return out, sc.Err()
}

// parseFn turns a row into a point keyed by its series, and a row that
// does not parse into a dead letter.
type parseFn struct{}

func (parseFn) ProcessElement(line string, emit func(string, point), dead func(many.DeadLetter)) {
	if isHeader(line) {
		return
	}
	p, err := parseLine(line)
	if err != nil {
		dead(many.DeadLetter{Key: line, Stage: stageRead, Error: err.Error()})
		return
	}
	emit(p.Key, p)
}

// assembleFn puts one key's points together into a series.
type assembleFn struct{}

func (assembleFn) ProcessElement(key string, iter func(*point) bool, emit func(many.Series), dead func(many.DeadLetter)) {
	var pts []point
	for {
		var p point
		if !iter(&p) {
			break
		}
		pts = append(pts, p)
	}
	s, err := assemble(key, pts)
	if err != nil {
		dead(many.DeadLetter{Key: key, Stage: stageRead, Error: err.Error()})
		return
	}
	emit(s)
}

func fitJSON(f many.GPFit) (string, error) {
	b, err := json.Marshal(f)
	return string(b), err
}

func deadJSON(d many.DeadLetter) (string, error) {
	b, err := json.Marshal(d)
	return string(b), err
}
