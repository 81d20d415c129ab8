package dist

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/ignis-ppl/ignis/engine"
)

// Test helpers shared by the continuous families' tests (the families whose
// reference values come from scripts/reference/dist_ref/continuous.py).

// Constructors given nil or invalid nodes never panic: the error lands on a
// graph and every method returns an invalid node.
func TestContinuousConstructorsNeverPanic(t *testing.T) {
	g := engine.NewGraph()
	bad := g.Fail(errors.New("earlier failure"))
	builds := map[string]func(n *engine.Node) Distribution{
		"LogNormal":   func(n *engine.Node) Distribution { return LogNormal(n, n) },
		"HalfNormal":  func(n *engine.Node) Distribution { return HalfNormal(n) },
		"HalfCauchy":  func(n *engine.Node) Distribution { return HalfCauchy(n) },
		"Cauchy":      func(n *engine.Node) Distribution { return Cauchy(n, n) },
		"Laplace":     func(n *engine.Node) Distribution { return Laplace(n, n) },
		"Gumbel":      func(n *engine.Node) Distribution { return Gumbel(n, n) },
		"Uniform":     func(n *engine.Node) Distribution { return Uniform(n, n) },
		"Exponential": func(n *engine.Node) Distribution { return Exponential(n) },
		"Delta":       func(n *engine.Node) Distribution { return DeltaEventWithDensity(n, n, 0) },
		"DeltaEvent":  func(n *engine.Node) Distribution { return DeltaEvent(n, -1) },
	}
	for name, build := range builds {
		for _, n := range []*engine.Node{nil, bad} {
			d := build(n)
			outs := []*engine.Node{d.LogProb(bad), d.Sample(2)}
			if m, ok := d.(Meaner); ok {
				outs = append(outs, m.Mean())
			}
			if m, ok := d.(Variancer); ok {
				outs = append(outs, m.Variance())
			}
			if m, ok := d.(Entropier); ok {
				outs = append(outs, m.Entropy())
			}
			for i, o := range outs {
				if o.Valid() {
					t.Errorf("%s(%v): output %d is valid", name, n, i)
				}
			}
			if d.Graph() == nil || d.Support() == nil {
				t.Errorf("%s(%v): nil graph or support", name, n)
			}
		}
	}
}

// expectParamError checks that building a family from constant parameters
// fails at once with an ErrParameter (or ErrShape when shape is true) error
// naming the family and the parameter.
func expectParamError(t *testing.T, family, param string, shape bool, build func(g *engine.Graph) Distribution) {
	t.Helper()
	g := engine.NewGraph()
	d := build(g)
	d.LogProb(g.Scalar(0.5))
	err := g.Err()
	want := ErrParameter
	if shape {
		want = ErrShape
	}
	if !errors.Is(err, want) {
		t.Fatalf("%s with bad %s: error %v, want one wrapping %v", family, param, err, want)
	}
	if msg := err.Error(); !strings.Contains(msg, family) || !strings.Contains(msg, param) {
		t.Errorf("error %q does not name %s and %s", msg, family, param)
	}
}

// expectRunParamError checks that a family whose parameter is a graph
// parameter (not a constant) builds without error, and that running a program
// with an invalid value fails with an ErrParameter error naming the family and
// the parameter; out picks the node to compute (LogProb, Sample, Mean...).
func expectRunParamError(t *testing.T, family, param string, build func(g *engine.Graph) Distribution,
	out func(g *engine.Graph, d Distribution) *engine.Node) {
	t.Helper()
	g := engine.NewGraph()
	d := build(g)
	n := out(g, d)
	if err := g.Err(); err != nil {
		t.Fatalf("building %s with a non-constant %s: %v", family, param, err)
	}
	prog, err := g.Compile([]*engine.Node{n})
	if err != nil {
		t.Fatal(err)
	}
	err = prog.Run()
	if !errors.Is(err, ErrParameter) {
		t.Fatalf("%s with bad %s at run time: error %v, want one wrapping ErrParameter", family, param, err)
	}
	if msg := err.Error(); !strings.Contains(msg, family) || !strings.Contains(msg, param) {
		t.Errorf("error %q does not name %s and %s", msg, family, param)
	}
}

func logProbOf(g *engine.Graph, d Distribution) *engine.Node { return d.LogProb(g.Scalar(0.5)) }

// checkDrawsInSupport draws n values and checks that the support's Check
// accepts every one and that the support prints as want.
func checkDrawsInSupport(t *testing.T, want string, build func(g *engine.Graph) Distribution) {
	t.Helper()
	g := engine.NewGraph()
	d := build(g)
	if s := d.Support().String(); s != want {
		t.Errorf("support %s, want %s", s, want)
	}
	in := d.Support().Check(d.Sample(2000))
	if err := g.Err(); err != nil {
		t.Fatal(err)
	}
	prog, err := g.Compile([]*engine.Node{in}, engine.WithSeed(7))
	if err != nil {
		t.Fatal(err)
	}
	if err := prog.Run(); err != nil {
		t.Fatal(err)
	}
	for i, v := range prog.Value(in) {
		if v != 1 {
			t.Fatalf("draw %d is outside the support %s", i, want)
		}
	}
}

// checkQuantileCoverage is the sampler check for families without a finite
// variance: for each probability p and each element j of a draw, the fraction
// of 10⁵ draws at or below the exact quantile q_j(p) must be within 5
// binomial standard errors √(p(1−p)/n) of p.
func checkQuantileCoverage(t *testing.T, build func(g *engine.Graph) Distribution,
	quantile func(j int, p float64) float64) {
	t.Helper()
	const n = 100000
	v, per := drawSamples(t, n, 4242, build)
	for _, p := range []float64{0.05, 0.25, 0.5, 0.75, 0.95} {
		se := math.Sqrt(p * (1 - p) / n)
		for j := 0; j < per; j++ {
			q := quantile(j, p)
			below := 0
			for i := 0; i < n; i++ {
				if v[i*per+j] <= q {
					below++
				}
			}
			frac := float64(below) / n
			if math.Abs(frac-p) > 5*se {
				t.Errorf("element %d: %.5f of draws ≤ q(%v) = %.6g, want %v ± %.2g (5 SE)", j, frac, p, q, p, 5*se)
			}
		}
	}
}
