package mcmc

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/ignis-ppl/ignis/engine"
)

// The sampler columns CmdStan writes before the model's, in its order. Draws
// that did not come from Run (FromDraws) get the first two only, as
// CmdStan's fixed_param sampler writes them: lp__ and accept_stat__ are 0.
var (
	samplerColumns    = []string{"lp__", "accept_stat__", "stepsize__", "treedepth__", "n_leapfrog__", "divergent__", "energy__"}
	fixedParamColumns = samplerColumns[:2]
)

// column is one CSV column of a site: its name and the row-major offset of
// its element within a draw of the site.
type column struct {
	name   string
	offset int
}

// stanColumns names a site's elements the way Stan does: the site name,
// then each index 1-based after a dot ("beta.1", "a.2.1"), the elements in
// column-major order (the first index varies fastest), as Stan flattens
// arrays and matrices.
func stanColumns(name string, shape engine.Shape) []column {
	size := shape.Size()
	if len(shape) == 0 {
		return []column{{name, 0}}
	}
	strides := make([]int, len(shape))
	st := 1
	for i := len(shape) - 1; i >= 0; i-- {
		strides[i] = st
		st *= shape[i]
	}
	out := make([]column, 0, size)
	idx := make([]int, len(shape))
	var b strings.Builder
	for range size {
		b.Reset()
		b.WriteString(name)
		off := 0
		for i, v := range idx {
			b.WriteByte('.')
			b.WriteString(strconv.Itoa(v + 1))
			off += v * strides[i]
		}
		out = append(out, column{b.String(), off})
		for i := range idx { // advance, first index fastest
			if idx[i]++; idx[i] < shape[i] {
				break
			}
			idx[i] = 0
		}
	}
	return out
}

// checkColumnName rejects a site name that readers of CmdStan CSV would
// split or take for a sampler column.
func checkColumnName(name string) error {
	bad := name == "" || strings.HasSuffix(name, "__") || strings.ContainsFunc(name, func(r rune) bool {
		return strings.ContainsRune(".,:#\"", r) || unicode.IsSpace(r) || unicode.IsControl(r)
	})
	if bad {
		return fmt.Errorf("%w: %q", ErrCSVName, name)
	}
	return nil
}

// WriteChainCSV writes one chain's draws to w in CmdStan's CSV format, as
// CmdStan's sample method writes them, for ArviZ (from_cmdstan) and
// cmdstanpy (from_csv), or any CSV reader that skips '#' lines: comment
// lines with the sampler's settings, a header row, the adaptation result
// (step size and inverse mass matrix), one row per draw and the elapsed
// times.
//
// The columns are lp__ (ChainStats.LogDensity: ignis keeps every
// normalizing constant, Stan drops those of its sampling statements, so
// the two differ by a constant), accept_stat__, stepsize__, treedepth__
// (0 for HMC), n_leapfrog__, divergent__ (0 or 1) and energy__, then every
// site in the order of Sites, its elements named and ordered as Stan names
// and orders them: "theta.1" … "theta.8" for a vector, "a.1.1", "a.2.1",
// "a.1.2" … for a matrix (1-based, first index fastest). Values are written
// in the shortest form that reads back to the same float64. Draws that did
// not come from Run (FromDraws) are written as CmdStan's fixed_param
// sampler writes them, with lp__ and accept_stat__ columns holding 0. Site
// names must be usable as column names (ErrCSVName).
//
// cmdstanpy 1.3 reads the draws of NUTS runs with a warm-up. It refuses,
// as it refuses CmdStan's own files of the kind, those of HMC (it asks for
// max_depth, which only NUTS has) and those without warm-up (num_warmup =
// 0), FromDraws's among them; ArviZ reads them all.
func (s *Samples) WriteChainCSV(w io.Writer, chain int) error {
	return s.writeChain(w, chain, "ignis")
}

// WriteCmdStanCSV writes every chain's draws (WriteChainCSV) to its own
// file in dir, created if need be: prefix_1.csv, prefix_2.csv, … (chains
// numbered from 1, as CmdStan does), with prefix as the model's name in
// the header. It returns the files' paths.
func (s *Samples) WriteCmdStanCSV(dir, prefix string) ([]string, error) {
	if prefix == "" || strings.ContainsFunc(prefix, func(r rune) bool { return r == '/' || r == '\\' || unicode.IsSpace(r) }) {
		return nil, fmt.Errorf("%w: file prefix %q", ErrCSVName, prefix)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("mcmc: writing draws: %w", err)
	}
	paths := make([]string, len(s.Chains))
	for c := range s.Chains {
		paths[c] = filepath.Join(dir, fmt.Sprintf("%s_%d.csv", prefix, c+1))
		f, err := os.Create(paths[c])
		if err != nil {
			return nil, fmt.Errorf("mcmc: writing draws: %w", err)
		}
		err = s.writeChain(f, c, prefix)
		if cerr := f.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("mcmc: writing draws: %w", cerr)
		}
		if err != nil {
			return nil, err
		}
	}
	return paths, nil
}

// siteColumns are the columns of one site and one chain's draws of it.
type siteColumns struct {
	cols  []column
	draws []float64
	size  int
}

func (s *Samples) writeChain(w io.Writer, chain int, model string) error {
	if chain < 0 || chain >= len(s.Chains) {
		return fmt.Errorf("%w: chain %d of %d", ErrChain, chain, len(s.Chains))
	}
	header := samplerColumns
	if s.run == nil {
		header = fixedParamColumns
	}
	header = slices.Clone(header)
	sites := make([]siteColumns, len(s.Sites))
	for i, site := range s.Sites {
		if err := checkColumnName(site.Name); err != nil {
			return err
		}
		sc := siteColumns{cols: stanColumns(site.Name, site.Shape), draws: s.draws[site.Name][chain], size: site.Shape.Size()}
		for _, c := range sc.cols {
			header = append(header, c.name)
		}
		sites[i] = sc
	}
	st := &s.Chains[chain]
	bw := bufio.NewWriter(w)
	s.writeConfig(bw, chain, model)
	bw.WriteString(strings.Join(header, ","))
	bw.WriteByte('\n')
	if s.run != nil {
		writeAdaptation(bw, st)
	}
	var row []byte
	for k := range s.NumSamples {
		row = s.appendRow(row[:0], st, k, sites)
		if _, err := bw.Write(row); err != nil {
			return fmt.Errorf("mcmc: writing draws: %w", err)
		}
	}
	// The times in CmdStan's format, which readers parse as [0-9.]+.
	sec := func(v float64) string { return strconv.FormatFloat(v, 'f', 3, 64) }
	fmt.Fprintf(bw, "#\n#  Elapsed Time: %s seconds (Warm-up)\n", sec(st.WarmupSeconds))
	fmt.Fprintf(bw, "#                %s seconds (Sampling)\n", sec(st.SampleSeconds))
	fmt.Fprintf(bw, "#                %s seconds (Total)\n#\n", sec(st.WarmupSeconds+st.SampleSeconds))
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("mcmc: writing draws: %w", err)
	}
	return nil
}

// appendRow appends draw k's row: the sampler columns, then every site's.
func (s *Samples) appendRow(row []byte, st *ChainStats, k int, sites []siteColumns) []byte {
	if s.run != nil {
		row = appendFloat(row, st.LogDensity[k])
		row = appendFloat(append(row, ','), st.Accept[k])
		row = appendFloat(append(row, ','), st.StepSize)
		row = strconv.AppendInt(append(row, ','), int64(st.TreeDepth[k]), 10)
		row = strconv.AppendInt(append(row, ','), int64(st.LeapfrogSteps[k]), 10)
		div := "0"
		if st.Divergent[k] {
			div = "1"
		}
		row = append(append(row, ','), div...)
		row = appendFloat(append(row, ','), st.Energy[k])
	} else {
		row = append(row, "0,0"...)
	}
	for _, sc := range sites {
		draw := sc.draws[k*sc.size : (k+1)*sc.size]
		for _, c := range sc.cols {
			row = appendFloat(append(row, ','), draw[c.offset])
		}
	}
	return append(row, '\n')
}

// appendFloat appends v in the shortest form that parses back to the same
// float64, non-finite values as CmdStan writes them (nan, inf, -inf).
func appendFloat(b []byte, v float64) []byte {
	switch {
	case math.IsNaN(v):
		return append(b, "nan"...)
	case math.IsInf(v, 1):
		return append(b, "inf"...)
	case math.IsInf(v, -1):
		return append(b, "-inf"...)
	}
	return strconv.AppendFloat(b, v, 'g', -1, 64)
}

// writeConfig writes CmdStan's comment header: the settings of the run, in
// CmdStan's layout and with Stan's names, which cmdstanpy requires (model,
// method, num_samples, num_warmup, save_warmup, thin, algorithm, max_depth,
// metric) and ArviZ keeps as attributes.
func (s *Samples) writeConfig(w *bufio.Writer, chain int, model string) {
	p := func(indent int, key string, val any) {
		fmt.Fprintf(w, "# %s%s = %v\n", strings.Repeat("  ", indent), key, val)
	}
	w.WriteString("# Draws written by ignis (github.com/ignis-ppl/ignis) in CmdStan's CSV format.\n")
	p(0, "model", model)
	p(0, "method", "sample")
	w.WriteString("#   sample\n")
	p(2, "num_samples", s.NumSamples)
	cfg := s.run
	if cfg == nil {
		p(2, "num_warmup", 0)
		p(2, "save_warmup", 0)
		p(2, "thin", 1)
		w.WriteString("#     adapt\n")
		p(3, "engaged", 0)
		p(2, "algorithm", "fixed_param")
		p(2, "num_chains", len(s.Chains))
		p(0, "id", chain+1)
		return
	}
	b2i := func(b bool) int {
		if b {
			return 1
		}
		return 0
	}
	p(2, "num_warmup", cfg.warmup)
	p(2, "save_warmup", 0)
	p(2, "thin", 1)
	w.WriteString("#     adapt\n")
	p(3, "engaged", b2i(cfg.warmup > 0 && (cfg.adaptStep || cfg.adaptMass)))
	da := newDualAveraging(cfg.target)
	p(3, "gamma", da.gamma)
	p(3, "delta", cfg.target)
	p(3, "kappa", da.kappa)
	p(3, "t0", da.t0)
	win := newWindows(1000) // Stan's buffers, before a short warm-up shrinks them
	p(3, "init_buffer", win.initBuf)
	p(3, "term_buffer", win.termBuf)
	p(3, "window", win.size)
	p(2, "algorithm", "hmc")
	w.WriteString("#       hmc\n")
	if cfg.algorithm == HMC {
		p(4, "engine", "static")
		w.WriteString("#           static\n")
		p(6, "int_time", cfg.trajLen)
	} else {
		p(4, "engine", "nuts")
		w.WriteString("#           nuts\n")
		p(6, "max_depth", cfg.maxDepth)
	}
	metric := "diag_e"
	if cfg.dense {
		metric = "dense_e"
	}
	p(4, "metric", metric)
	p(4, "stepsize", cfg.stepSize)
	p(4, "stepsize_jitter", 0)
	p(2, "num_chains", len(s.Chains))
	p(0, "id", chain+1)
	w.WriteString("# random\n")
	p(1, "seed", cfg.seed)
}

// writeAdaptation writes the adaptation block that follows the header row:
// the step size and the inverse mass matrix (its diagonal on one line, or
// the dense matrix a row per line).
func writeAdaptation(w *bufio.Writer, st *ChainStats) {
	fmt.Fprintf(w, "# Adaptation terminated\n# Step size = %s\n", appendFloat(nil, st.StepSize))
	line := func(v []float64) {
		b := []byte("# ")
		for i, x := range v {
			if i > 0 {
				b = append(b, ", "...)
			}
			b = appendFloat(b, x)
		}
		w.Write(append(b, '\n'))
	}
	if !st.Dense {
		w.WriteString("# Diagonal elements of inverse mass matrix:\n")
		line(st.InverseMass)
		return
	}
	w.WriteString("# Elements of inverse mass matrix:\n")
	d := int(math.Sqrt(float64(len(st.InverseMass))))
	for i := range d {
		line(st.InverseMass[i*d : (i+1)*d])
	}
}
