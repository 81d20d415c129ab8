package dist

import (
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ignis-ppl/ignis/engine"
)

// stanCase is one case of testdata/stan_reference.json
// (scripts/reference/stan_reference.py).
type stanCase struct {
	Family   string         `json:"family"`
	Params   map[string]any `json:"params"`
	X        refFloats      `json:"x"`
	LogProb  refFloats      `json:"log_prob"`
	CDF      refFloats      `json:"cdf"`
	SF       refFloats      `json:"sf"`
	Mean     *float64       `json:"mean"`
	Variance *float64       `json:"variance"`
	Lo       *float64       `json:"lo"`
	Hi       *float64       `json:"hi"`
}

func (c stanCase) num(name string) float64 { return c.Params[name].(float64) }

// stanBase builds the family of a case (for Truncated*, its base).
func stanBase(t *testing.T, g *engine.Graph, c stanCase) Distribution {
	t.Helper()
	s := g.Scalar
	switch strings.TrimPrefix(c.Family, "Truncated") {
	case "HalfStudentT":
		return HalfStudentT(s(c.num("df")), s(c.num("scale")))
	case "Normal":
		return Normal(s(c.num("loc")), s(c.num("scale")))
	case "StudentT":
		return StudentT(s(c.num("df")), s(c.num("loc")), s(c.num("scale")))
	case "Cauchy":
		return Cauchy(s(c.num("loc")), s(c.num("scale")))
	case "Exponential":
		return Exponential(s(c.num("rate")))
	case "Gamma":
		return Gamma(s(c.num("concentration")), s(c.num("rate")))
	case "PoissonLogRate":
		var eta []float64
		for _, v := range c.Params["log_rate_list"].([]any) {
			eta = append(eta, v.(float64))
		}
		return PoissonLogRate(g.Constant(eta, len(eta)))
	case "Multinomial":
		var p []float64
		for _, v := range c.Params["probs"].([]any) {
			p = append(p, v.(float64))
		}
		return Multinomial(int(c.num("total_count")), g.Constant(p, len(p)))
	}
	t.Fatalf("unknown family %s", c.Family)
	return nil
}

func loadStanCases(t *testing.T) []stanCase {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "stan_reference.json"))
	if err != nil {
		t.Fatal(err)
	}
	var f struct{ Cases []stanCase }
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	return f.Cases
}

// stanClose compares with a relative tolerance of 1e-10 (absolute below 1),
// infinities exactly.
func stanClose(got, want float64) bool {
	if math.IsInf(want, 0) || math.IsNaN(want) {
		return got == want || (math.IsNaN(want) && math.IsNaN(got))
	}
	return math.Abs(got-want) <= 1e-10*math.Max(1, math.Abs(want))
}

// TestStanReference checks the log densities, distribution functions and
// moments of HalfStudentT, the truncated families, PoissonLogRate and
// Multinomial against SciPy to 1e-10.
func TestStanReference(t *testing.T) {
	for _, c := range loadStanCases(t) {
		g := engine.NewGraph()
		d := stanBase(t, g, c)
		shape := []int{len(c.X)}
		if mn, ok := d.(*MultinomialDist); ok {
			shape = []int{len(c.X) / mn.event[0], mn.event[0]}
		}
		x := g.Constant(c.X, shape...)
		if strings.HasPrefix(c.Family, "Truncated") {
			var lo, hi *engine.Node
			if c.Lo != nil {
				lo = g.Scalar(*c.Lo)
			}
			if c.Hi != nil {
				hi = g.Scalar(*c.Hi)
			}
			d = Truncated(d, lo, hi)
		}
		var nodes []*engine.Node
		var want [][]float64
		var what []string
		if c.LogProb != nil {
			nodes, want, what = append(nodes, d.LogProb(x)), append(want, c.LogProb), append(what, "log_prob")
		}
		if c.CDF != nil {
			nodes, want, what = append(nodes, d.(CDFer).CDF(x)), append(want, c.CDF), append(what, "cdf")
		}
		if c.SF != nil {
			nodes, want, what = append(nodes, d.(SFer).SF(x)), append(want, c.SF), append(what, "sf")
		}
		if c.Mean != nil {
			nodes, want, what = append(nodes, d.(Meaner).Mean()), append(want, []float64{*c.Mean}), append(what, "mean")
		}
		if c.Variance != nil {
			nodes, want, what = append(nodes, d.(Variancer).Variance()), append(want, []float64{*c.Variance}), append(what, "variance")
		}
		got := evalNodes(t, g, nodes...)
		for i := range nodes {
			if len(got[i]) != len(want[i]) {
				t.Fatalf("%s %v %s: %d values, want %d", c.Family, c.Params, what[i], len(got[i]), len(want[i]))
			}
			for j := range want[i] {
				if !stanClose(got[i][j], want[i][j]) {
					t.Errorf("%s %v lo %v hi %v %s[%d]: got %v, want %v", c.Family, c.Params, c.Lo, c.Hi, what[i], j, got[i][j], want[i][j])
				}
			}
		}
	}
}

// jacobianLogDet is log|det ∂f/∂x| at x by central differences (step 1e-6:
// truncation and rounding errors both about 1e-10 for these smooth maps).
func jacobianLogDet(t *testing.T, f func(g *engine.Graph, x *engine.Node) *engine.Node, x0 []float64) float64 {
	t.Helper()
	n := len(x0)
	g := engine.NewGraph()
	x := g.Param("x", x0, n)
	y := f(g, x)
	prog, err := g.Compile([]*engine.Node{y})
	if err != nil {
		t.Fatal(err)
	}
	eval := func(v []float64) []float64 {
		copy(prog.Value(x), v)
		if err := prog.Replay(); err != nil {
			t.Fatal(err)
		}
		return append([]float64(nil), prog.Value(y)...)
	}
	const h = 1e-6
	jac := make([][]float64, n)
	for i := range jac {
		jac[i] = make([]float64, n)
	}
	for j := range n {
		v := append([]float64(nil), x0...)
		v[j] += h
		up := eval(v)
		v[j] -= 2 * h
		down := eval(v)
		for i := range n {
			jac[i][j] = (up[i] - down[i]) / (2 * h)
		}
	}
	return logAbsDet(jac)
}

// logAbsDet is log|det a| by Gaussian elimination with partial pivoting.
func logAbsDet(a [][]float64) float64 {
	n := len(a)
	s := 0.0
	for c := range n {
		p := c
		for r := c + 1; r < n; r++ {
			if math.Abs(a[r][c]) > math.Abs(a[p][c]) {
				p = r
			}
		}
		a[c], a[p] = a[p], a[c]
		s += math.Log(math.Abs(a[c][c]))
		for r := c + 1; r < n; r++ {
			m := a[r][c] / a[c][c]
			for k := c; k < n; k++ {
				a[r][k] -= m * a[c][k]
			}
		}
	}
	return s
}

// TestStanTransformsLogDetByFiniteDifferences checks the log-Jacobians of
// the ordered, positive-ordered and node-bounded maps against central
// differences, and that each map's inverse undoes it.
func TestStanTransformsLogDetByFiniteDifferences(t *testing.T) {
	x0 := []float64{0.3, -1.2, 0.8, 0.1}
	cases := []struct {
		name string
		c    func(g *engine.Graph) Constraint
	}{
		{"ordered", func(*engine.Graph) Constraint { return OrderedVector() }},
		{"positive_ordered", func(*engine.Graph) Constraint { return PositiveOrderedVector() }},
		{"IntervalOf", func(g *engine.Graph) Constraint {
			return IntervalOf(g.Sin(g.Constant([]float64{-1, 0, 2, -3}, 4)), g.Exp(g.Constant([]float64{0.5, 1, 3, -1}, 4)))
		}},
		{"GreaterThanOf", func(g *engine.Graph) Constraint { return GreaterThanOf(g.Sin(g.Scalar(0.4))) }},
		{"LessThanOf", func(g *engine.Graph) Constraint { return LessThanOf(g.Sin(g.Scalar(-2))) }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			forward := func(g *engine.Graph, x *engine.Node) *engine.Node {
				tr, err := BijectTo(tc.c(g))
				if err != nil {
					t.Fatal(err)
				}
				return tr.Forward(x)
			}
			want := jacobianLogDet(t, forward, x0)
			g := engine.NewGraph()
			c := tc.c(g)
			tr, err := BijectTo(c)
			if err != nil {
				t.Fatal(err)
			}
			x := g.Constant(x0, 4)
			y := tr.Forward(x)
			ladj := g.Sum(tr.LogAbsDetJacobian(x, y))
			back := tr.Inverse(y)
			in := g.Min(g.Reshape(c.Check(y), -1))
			got := evalNodes(t, g, ladj, back, in)
			if math.Abs(got[0][0]-want) > 1e-7 {
				t.Errorf("log|det J| = %v, finite differences give %v", got[0][0], want)
			}
			for i, v := range got[1] {
				if math.Abs(v-x0[i]) > 1e-12 {
					t.Errorf("inverse(forward(x))[%d] = %v, want %v", i, v, x0[i])
				}
			}
			if got[2][0] != 1 {
				t.Errorf("forward(x) is outside %v", c)
			}
		})
	}
}

// TestOrderedConstraintMembership checks ordered and positive-ordered
// membership and BijectTo's maps' codomains.
func TestOrderedConstraintMembership(t *testing.T) {
	g := engine.NewGraph()
	vals := g.Constant([]float64{-1, 0, 2, 1, 1, 3, 0.5, 1, 1.5, -1, 2, 3}, 4, 3)
	got := evalNodes(t, g, OrderedVector().Check(vals), PositiveOrderedVector().Check(vals))
	if want := []float64{1, 0, 1, 1}; !equalFloats(got[0], want) {
		t.Errorf("ordered membership %v, want %v", got[0], want)
	}
	if want := []float64{0, 0, 1, 0}; !equalFloats(got[1], want) {
		t.Errorf("positive ordered membership %v, want %v", got[1], want)
	}
	if c := OrderedVector(); c.EventDim() != 1 || c.Discrete() || c.String() != "ordered_vector" {
		t.Errorf("ordered_vector: event dim %d, discrete %v, name %q", c.EventDim(), c.Discrete(), c.String())
	}
}

func equalFloats(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestImproperUniform checks the flat density: 0 on the support, −Inf off
// it, NaN at NaN, no draws, and a node-bounded support.
func TestImproperUniform(t *testing.T) {
	g := engine.NewGraph()
	x := g.Constant([]float64{-3, 0, 2, math.NaN()}, 4)
	flat := Flat(g, 4).LogProb(x)
	pos := FlatPositive(g, 4).LogProb(x)
	lo := g.Sin(g.Scalar(-0.5)) // a computed bound, ≈ −0.479
	bounded := ImproperUniform(g, GreaterThanOf(lo), engine.Shape{4}, nil).LogProb(x)
	ord := ImproperUniform(g, OrderedVector(), nil, engine.Shape{2}).LogProb(g.Constant([]float64{1, 2, 2, 1}, 2, 2))
	got := evalNodes(t, g, flat, pos, bounded, ord)
	inf := math.Inf(-1)
	for i, want := range [][]float64{{0, 0, 0, math.NaN()}, {inf, inf, 0, math.NaN()}, {inf, 0, 0, math.NaN()}, {0, inf}} {
		for j := range want {
			if !stanClose(got[i][j], want[j]) {
				t.Errorf("case %d element %d: %v, want %v", i, j, got[i][j], want[j])
			}
		}
	}
	g2 := engine.NewGraph()
	Flat(g2).Sample()
	if err := g2.Err(); !errors.Is(err, ErrNotSupported) {
		t.Errorf("Flat.Sample: error %v, want ErrNotSupported", err)
	}
	var _ Unsampleable = Flat(g2)
	var _ Unsampleable = TruncatedNormal(g2.Scalar(0), g2.Scalar(1), g2.Scalar(0), nil)
}

// TestIntervalOfRejectsCrossedBoundsAtRun checks that bounds computed so
// that lo ≥ hi fail the run of the map onto them with ErrParameter, and
// that constant crossed bounds are rejected at construction.
func TestIntervalOfRejectsCrossedBoundsAtRun(t *testing.T) {
	g := engine.NewGraph()
	a := g.Param("a", []float64{0.5})
	tr, err := BijectTo(IntervalOf(a, g.Scale(a, 0.5)))
	if err != nil {
		t.Fatal(err)
	}
	y := tr.Forward(g.Scalar(0.2))
	prog, err := g.Compile([]*engine.Node{y})
	if err != nil {
		t.Fatal(err)
	}
	if err := prog.Run(); !errors.Is(err, ErrParameter) || !strings.Contains(err.Error(), "lo must be below hi") {
		t.Errorf("run with lo 0.5 ≥ hi 0.25: error %v, want ErrParameter", err)
	}
	g2 := engine.NewGraph()
	IntervalOf(g2.Scalar(1), g2.Scalar(1))
	if err := g2.Err(); !errors.Is(err, ErrParameter) {
		t.Errorf("IntervalOf(1, 1): error %v, want ErrParameter", err)
	}
	g3 := engine.NewGraph()
	Truncated(Normal(g3.Scalar(0), g3.Scalar(1)), g3.Scalar(2), g3.Scalar(-1))
	if err := g3.Err(); !errors.Is(err, ErrParameter) {
		t.Errorf("Truncated with lo 2 > hi −1: error %v, want ErrParameter", err)
	}
}

// TestTruncatedGradientsByFiniteDifferences checks the gradients of
// truncated log densities in every parameter and in the bounds (through
// the distribution functions, the Student t's and Gamma's in their shape
// parameters by differences inside the op) against central differences.
func TestTruncatedGradientsByFiniteDifferences(t *testing.T) {
	builds := map[string]func(g *engine.Graph, th *engine.Node) Distribution{
		"Normal": func(g *engine.Graph, th *engine.Node) Distribution {
			return TruncatedNormal(g.Slice(th, 0, 0, 1), g.Exp(g.Slice(th, 0, 1, 2)), g.Slice(th, 0, 2, 3), g.Slice(th, 0, 3, 4))
		},
		"StudentT": func(g *engine.Graph, th *engine.Node) Distribution {
			return Truncated(StudentT(g.Exp(g.Slice(th, 0, 1, 2)), g.Slice(th, 0, 0, 1), g.Scalar(1.3)), g.Slice(th, 0, 2, 3), g.Slice(th, 0, 3, 4))
		},
		"Cauchy": func(g *engine.Graph, th *engine.Node) Distribution {
			return Truncated(Cauchy(g.Slice(th, 0, 0, 1), g.Exp(g.Slice(th, 0, 1, 2))), g.Slice(th, 0, 2, 3), g.Slice(th, 0, 3, 4))
		},
		"Gamma": func(g *engine.Graph, th *engine.Node) Distribution {
			return Truncated(Gamma(g.Exp(g.Slice(th, 0, 1, 2)), g.Exp(g.Slice(th, 0, 0, 1))), g.Exp(g.Slice(th, 0, 2, 3)), g.Exp(g.Slice(th, 0, 3, 4)))
		},
		"Exponential": func(g *engine.Graph, th *engine.Node) Distribution {
			return Truncated(Exponential(g.Exp(g.Slice(th, 0, 1, 2))), g.Exp(g.Slice(th, 0, 2, 3)), g.Exp(g.Slice(th, 0, 3, 4)))
		},
	}
	theta0 := []float64{0.2, 0.4, -0.8, 1.4}
	for name, build := range builds {
		t.Run(name, func(t *testing.T) {
			xs := []float64{0.1, 0.5, 1.2}
			if name == "Gamma" || name == "Exponential" {
				xs = []float64{0.6, 1.5, 3.5}
			}
			checkLogProbGradFD(t, theta0, []int{4}, func(g *engine.Graph, th *engine.Node) *engine.Node {
				return g.Sum(build(g, th).LogProb(g.Constant(xs, len(xs))))
			})
		})
	}
}

// TestMultinomialDrawsMatchMean checks that draws are count vectors summing
// to the total whose average is n·p within 5 standard errors.
func TestMultinomialDrawsMatchMean(t *testing.T) {
	const draws, n = 4000, 7
	p := []float64{0.1, 0.6, 0.3}
	g := engine.NewGraph()
	d := Multinomial(n, g.Constant(p, 3))
	x := d.Sample(draws)
	got := evalNodes(t, g, x, g.Min(g.Reshape(d.Support().Check(x), -1)))
	if got[1][0] != 1 {
		t.Fatal("a draw is outside the support")
	}
	for k := range p {
		s := 0.0
		for i := range draws {
			s += got[0][i*3+k]
		}
		mean, se := s/draws, math.Sqrt(n*p[k]*(1-p[k])/draws)
		if math.Abs(mean-n*p[k]) > 5*se {
			t.Errorf("category %d: mean count %v, want %v ± %v", k, mean, n*p[k], 5*se)
		}
	}
}

// TestIIDIsIndependentExpanded checks that IID gives event shape [n] and
// the sum of the members' log densities.
func TestIIDIsIndependentExpanded(t *testing.T) {
	g := engine.NewGraph()
	d := IID(Normal(g.Scalar(1), g.Scalar(2)), 3)
	if !d.EventShape().Equal(engine.Shape{3}) || len(d.BatchShape()) != 0 {
		t.Fatalf("IID shapes: batch %v event %v", d.BatchShape(), d.EventShape())
	}
	x := g.Constant([]float64{0, 1, 5}, 3)
	got := evalNodes(t, g, d.LogProb(x), g.Sum(Normal(g.Scalar(1), g.Scalar(2)).LogProb(x)))
	if !stanClose(got[0][0], got[1][0]) {
		t.Errorf("IID log density %v, sum of members %v", got[0][0], got[1][0])
	}
}

// TestHalfStudentTDrawsFollowTheCDF checks that the fraction of draws at
// or below x is F(x) within 5 binomial standard errors.
func TestHalfStudentTDrawsFollowTheCDF(t *testing.T) {
	const n = 20000
	g := engine.NewGraph()
	d := HalfStudentT(g.Scalar(2.5), g.Scalar(1.5))
	xs := []float64{0.3, 1, 2.5, 6}
	got := evalNodes(t, g, d.Sample(n), d.CDF(g.Constant(xs, len(xs))))
	for j, x := range xs {
		below := 0
		for _, v := range got[0] {
			if v < 0 {
				t.Fatalf("negative draw %v", v)
			}
			if v <= x {
				below++
			}
		}
		p := got[1][j]
		if frac, se := float64(below)/n, math.Sqrt(p*(1-p)/n); math.Abs(frac-p) > 5*se {
			t.Errorf("x = %v: %.4f of draws below, F(x) = %.4f ± %.4f", x, frac, p, 5*se)
		}
	}
}

// TestTruncatedUpperTailGradientsByFiniteDifferences checks the gradients
// where the mass between the bounds is computed from survival functions
// (the lower bound above the median) and from the log tails (one bound).
func TestTruncatedUpperTailGradientsByFiniteDifferences(t *testing.T) {
	xs := []float64{2.2, 2.6}
	builds := map[string]func(g *engine.Graph, th *engine.Node) Distribution{
		"Normal/two-bounds": func(g *engine.Graph, th *engine.Node) Distribution {
			return TruncatedNormal(g.Slice(th, 0, 0, 1), g.Exp(g.Slice(th, 0, 1, 2)), g.Slice(th, 0, 2, 3), g.Slice(th, 0, 3, 4))
		},
		"Normal/lower-bound": func(g *engine.Graph, th *engine.Node) Distribution {
			return TruncatedNormal(g.Slice(th, 0, 0, 1), g.Exp(g.Slice(th, 0, 1, 2)), g.Slice(th, 0, 2, 3), nil)
		},
		"StudentT/two-bounds": func(g *engine.Graph, th *engine.Node) Distribution {
			return Truncated(StudentT(g.Exp(g.Slice(th, 0, 1, 2)), g.Slice(th, 0, 0, 1), g.Scalar(0.7)), g.Slice(th, 0, 2, 3), g.Slice(th, 0, 3, 4))
		},
		"Gamma/lower-bound": func(g *engine.Graph, th *engine.Node) Distribution {
			return Truncated(Gamma(g.Exp(g.Slice(th, 0, 1, 2)), g.Exp(g.Slice(th, 0, 0, 1))), g.Slice(th, 0, 2, 3), nil)
		},
		"Exponential/lower-bound": func(g *engine.Graph, th *engine.Node) Distribution {
			return Truncated(Exponential(g.Exp(g.Slice(th, 0, 1, 2))), g.Slice(th, 0, 2, 3), nil)
		},
	}
	for name, build := range builds {
		t.Run(name, func(t *testing.T) {
			checkLogProbGradFD(t, []float64{0.2, 0.4, 1.9, 3.0}, []int{4}, func(g *engine.Graph, th *engine.Node) *engine.Node {
				return g.Sum(build(g, th).LogProb(g.Constant(xs, len(xs))))
			})
		})
	}
}
