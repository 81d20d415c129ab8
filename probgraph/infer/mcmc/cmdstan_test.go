package mcmc

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/ignis-ppl/ignis/probgraph"
	"github.com/ignis-ppl/ignis/probgraph/dist"
)

// stanCSV is a CmdStan CSV file read back: its comment lines, header and
// rows.
type stanCSV struct {
	comments []string
	header   []string
	rows     [][]float64
}

func readStanCSV(t *testing.T, b []byte) stanCSV {
	t.Helper()
	var out stanCSV
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "#"):
			out.comments = append(out.comments, line)
		case out.header == nil:
			out.header = strings.Split(line, ",")
		default:
			fields := strings.Split(line, ",")
			if len(fields) != len(out.header) {
				t.Fatalf("row of %d fields under a header of %d", len(fields), len(out.header))
			}
			row := make([]float64, len(fields))
			for i, f := range fields {
				v, err := strconv.ParseFloat(f, 64)
				if err != nil {
					t.Fatalf("field %q: %v", f, err)
				}
				row[i] = v
			}
			out.rows = append(out.rows, row)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func (c stanCSV) column(t *testing.T, name string) []float64 {
	t.Helper()
	i := slices.Index(c.header, name)
	if i < 0 {
		t.Fatalf("no column %q in %v", name, c.header)
	}
	out := make([]float64, len(c.rows))
	for k, r := range c.rows {
		out[k] = r[i]
	}
	return out
}

func (c stanCSV) hasComment(line string) bool { return slices.Contains(c.comments, line) }

// matrixModel has a 2×3 latent site, a scalar and a deterministic vector.
func matrixModel(m *probgraph.Ctx) {
	g := m.Graph()
	a := m.Sample("a", dist.ToEvent(dist.Normal(g.Constant([]float64{0, 1, 2, 3, 4, 5}, 2, 3), g.Fill(1, 2, 3)), 2))
	s := m.Sample("s", dist.HalfNormal(g.Scalar(1)))
	m.Deterministic("col", g.Add(g.Reshape(g.Slice(a, 0, 0, 1), 3), s))
}

// The CSV read back holds every draw and every per-draw statistic bit for
// bit, under Stan's column names, with the settings and the adaptation
// result in the comments as CmdStan writes them.
func TestCmdStanCSVRoundTripsEveryBit(t *testing.T) {
	s, err := Run(context.Background(), matrixModel, WithChains(2), WithWarmup(100), WithSamples(60), WithSeed(5))
	if err != nil {
		t.Fatal(err)
	}
	for c := range s.Chains {
		var buf bytes.Buffer
		if err := s.WriteChainCSV(&buf, c); err != nil {
			t.Fatal(err)
		}
		got := readStanCSV(t, buf.Bytes())
		wantHeader := []string{"lp__", "accept_stat__", "stepsize__", "treedepth__", "n_leapfrog__", "divergent__", "energy__",
			"a.1.1", "a.2.1", "a.1.2", "a.2.2", "a.1.3", "a.2.3", "s", "col.1", "col.2", "col.3"}
		if !slices.Equal(got.header, wantHeader) {
			t.Fatalf("header %v, want %v", got.header, wantHeader)
		}
		if len(got.rows) != s.NumSamples {
			t.Fatalf("%d rows, want %d", len(got.rows), s.NumSamples)
		}
		st := s.Chains[c]
		ints := func(v []int) []float64 {
			out := make([]float64, len(v))
			for i, x := range v {
				out[i] = float64(x)
			}
			return out
		}
		div := make([]float64, len(st.Divergent))
		for i, d := range st.Divergent {
			if d {
				div[i] = 1
			}
		}
		for _, col := range []struct {
			name string
			want []float64
		}{
			{"lp__", st.LogDensity}, {"accept_stat__", st.Accept}, {"treedepth__", ints(st.TreeDepth)},
			{"n_leapfrog__", ints(st.LeapfrogSteps)}, {"divergent__", div}, {"energy__", st.Energy},
		} {
			if g := got.column(t, col.name); !slices.Equal(g, col.want) {
				t.Errorf("chain %d column %s differs from the chain's statistics", c, col.name)
			}
		}
		for _, v := range got.column(t, "stepsize__") {
			if v != st.StepSize {
				t.Fatalf("stepsize__ %v, want %v", v, st.StepSize)
			}
		}
		// a is 2×3 row-major in ignis: a.i.j is element (i-1, j-1).
		a, _ := s.Chain("a")
		sv, _ := s.Chain("s")
		col, _ := s.Chain("col")
		for i := range 2 {
			for j := range 3 {
				g := got.column(t, "a."+strconv.Itoa(i+1)+"."+strconv.Itoa(j+1))
				for k, v := range g {
					if w := a[c][6*k+3*i+j]; math.Float64bits(v) != math.Float64bits(w) {
						t.Fatalf("chain %d draw %d a[%d,%d]: %v read back, %v drawn", c, k, i, j, v, w)
					}
				}
			}
		}
		if !slices.Equal(got.column(t, "s"), sv[c]) {
			t.Errorf("chain %d: column s differs from the draws", c)
		}
		for j := range 3 {
			for k, v := range got.column(t, "col."+strconv.Itoa(j+1)) {
				if v != col[c][3*k+j] {
					t.Fatalf("chain %d draw %d col[%d] differs", c, k, j)
				}
			}
		}
		for _, want := range []string{
			"# method = sample", "#     num_samples = 60", "#     num_warmup = 100", "#     save_warmup = 0", "#     thin = 1",
			"#     algorithm = hmc", "#         engine = nuts", "#             max_depth = 10", "#         metric = diag_e",
			"#     num_chains = 2", "# id = " + strconv.Itoa(c+1), "#   seed = 5", "# Adaptation terminated",
			"# Step size = " + strconv.FormatFloat(st.StepSize, 'g', -1, 64),
			"# Diagonal elements of inverse mass matrix:",
		} {
			if !got.hasComment(want) {
				t.Errorf("chain %d: no comment line %q in\n%s", c, want, strings.Join(got.comments, "\n"))
			}
		}
		i := slices.Index(got.comments, "# Diagonal elements of inverse mass matrix:")
		if i < 0 || i+1 >= len(got.comments) {
			t.Fatal("no inverse mass matrix")
		}
		var mass []float64
		for _, f := range strings.Split(strings.TrimPrefix(got.comments[i+1], "# "), ", ") {
			v, err := strconv.ParseFloat(f, 64)
			if err != nil {
				t.Fatal(err)
			}
			mass = append(mass, v)
		}
		if !slices.Equal(mass, st.InverseMass) {
			t.Errorf("chain %d: inverse mass %v read back, %v adapted", c, mass, st.InverseMass)
		}
	}
}

// lp__ is the log density of the draw with the Jacobian of the bijection:
// for p ~ Beta(1, 1) and 7 heads in 10 flips, sampled as logit p, that is
// 7 log p + 3 log(1−p) plus log p(1−p).
func TestLogDensityIsTheNegativePotentialAtTheDraw(t *testing.T) {
	s, err := Run(context.Background(), betaBernoulli, WithChains(2), WithWarmup(100), WithSamples(100), WithSeed(2))
	if err != nil {
		t.Fatal(err)
	}
	p, _ := s.Chain("p")
	for c, st := range s.Chains {
		steps := 0
		for k, lp := range st.LogDensity {
			x := p[c][k]
			want := 8*math.Log(x) + 4*math.Log1p(-x)
			// The draw is recorded through the sigmoid, so log p carries a
			// few ulps of p's rounding: 1e-12 relative is a wide margin.
			if math.Abs(lp-want) > 1e-12*math.Abs(want) {
				t.Fatalf("chain %d draw %d: lp %.17g, want %.17g", c, k, lp, want)
			}
			d, n := st.TreeDepth[k], st.LeapfrogSteps[k]
			if n < 1<<d-1 || n > 1<<(d+1)-1 {
				t.Errorf("chain %d draw %d: %d leapfrog steps at tree depth %d", c, k, n, d)
			}
			steps += n
		}
		if steps != st.Leapfrogs {
			t.Errorf("chain %d: per-draw leapfrog steps add up to %d, the chain counted %d", c, steps, st.Leapfrogs)
		}
	}
}

// Every chain goes to its own file, numbered from 1; the files hold the
// same bytes WriteChainCSV writes under the prefix as model name.
func TestWriteCmdStanCSVWritesAFilePerChain(t *testing.T) {
	s, err := Run(context.Background(), betaBernoulli, WithChains(3), WithWarmup(50), WithSamples(20), WithSeed(1), WithDenseMass())
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "draws")
	paths, err := s.WriteCmdStanCSV(dir, "bb")
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) != 3 {
		t.Fatalf("%d files, want 3", len(paths))
	}
	for c, path := range paths {
		if want := filepath.Join(dir, "bb_"+strconv.Itoa(c+1)+".csv"); path != want {
			t.Errorf("file %q, want %q", path, want)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		got := readStanCSV(t, b)
		if !got.hasComment("# model = bb") || !got.hasComment("#         metric = dense_e") ||
			!got.hasComment("# Elements of inverse mass matrix:") {
			t.Errorf("chain %d: header comments lack the model name or the dense metric:\n%s", c, strings.Join(got.comments, "\n"))
		}
		if p, _ := s.Chain("p"); !slices.Equal(got.column(t, "p"), p[c]) {
			t.Errorf("chain %d: draws differ", c)
		}
	}
}

// Draws from elsewhere are written as CmdStan's fixed_param sampler writes
// them: lp__ and accept_stat__ hold 0, and there is no adaptation block.
func TestFromDrawsWritesFixedParamCSV(t *testing.T) {
	s, err := FromDraws(map[string]probgraph.Tensor{
		"y":  {Data: []float64{1, 2, 3, 4, 5, 6}, Shape: []int{3, 2}},
		"mu": {Data: []float64{0.5, -1, 1e-300}, Shape: []int{3}},
	})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := s.WriteChainCSV(&buf, 0); err != nil {
		t.Fatal(err)
	}
	got := readStanCSV(t, buf.Bytes())
	if want := []string{"lp__", "accept_stat__", "mu", "y.1", "y.2"}; !slices.Equal(got.header, want) {
		t.Fatalf("header %v, want %v", got.header, want)
	}
	want := [][]float64{{0, 0, 0.5, 1, 2}, {0, 0, -1, 3, 4}, {0, 0, 1e-300, 5, 6}}
	for k, r := range got.rows {
		if !slices.Equal(r, want[k]) {
			t.Errorf("row %d: %v, want %v", k, r, want[k])
		}
	}
	if !got.hasComment("#     algorithm = fixed_param") || got.hasComment("# Adaptation terminated") {
		t.Errorf("comments:\n%s", strings.Join(got.comments, "\n"))
	}
}

// Non-finite draws are written as CmdStan writes them and read back.
func TestNonFiniteDrawsRoundTrip(t *testing.T) {
	vals := []float64{math.NaN(), math.Inf(1), math.Inf(-1), -0.0, math.SmallestNonzeroFloat64, math.MaxFloat64}
	s, err := FromDraws(map[string]probgraph.Tensor{"v": {Data: vals, Shape: []int{6}}})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := s.WriteChainCSV(&buf, 0); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "\n0,0,nan\n0,0,inf\n0,0,-inf\n") {
		t.Errorf("non-finite values not written as nan, inf, -inf:\n%s", buf.String())
	}
	got := readStanCSV(t, buf.Bytes()).column(t, "v")
	for k, v := range vals {
		if math.Float64bits(got[k]) != math.Float64bits(v) && !(math.IsNaN(v) && math.IsNaN(got[k])) {
			t.Errorf("draw %d: %v read back, %v written", k, got[k], v)
		}
	}
}

func TestCmdStanCSVBadInput(t *testing.T) {
	s, err := FromDraws(map[string]probgraph.Tensor{"v": {Data: []float64{1, 2}, Shape: []int{2}}})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	for _, c := range []int{-1, 1} {
		if err := s.WriteChainCSV(&buf, c); !errors.Is(err, ErrChain) {
			t.Errorf("chain %d: %v, want ErrChain", c, err)
		}
	}
	for _, prefix := range []string{"", "a/b", "my model"} {
		if _, err := s.WriteCmdStanCSV(t.TempDir(), prefix); !errors.Is(err, ErrCSVName) {
			t.Errorf("prefix %q: %v, want ErrCSVName", prefix, err)
		}
	}
	for _, name := range []string{"w.1", "a,b", "t:0", "x y", "lp__", "#", `"q"`} {
		s, err := FromDraws(map[string]probgraph.Tensor{name: {Data: []float64{1, 2}, Shape: []int{2}}})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.WriteChainCSV(&buf, 0); !errors.Is(err, ErrCSVName) || !strings.Contains(err.Error(), strconv.Quote(name)) {
			t.Errorf("site %q: %v, want ErrCSVName naming it", name, err)
		}
	}
}
