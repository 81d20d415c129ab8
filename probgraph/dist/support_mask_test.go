package dist

import (
	"math"
	"testing"

	"github.com/ignis-ppl/ignis/engine"
)

// LogProb is −∞ off the support (exactly; the reference JSON cannot hold
// infinities, so these cases live here), finite at the closed ends of the
// support, and NaN for a NaN value (−∞ for Uniform and Delta, whose
// log-prob is a membership test: NaN is not in [low, high) nor equal to v).
func TestLogProbOffSupport(t *testing.T) {
	inf := math.Inf(-1)
	nan := math.NaN()
	cases := []struct {
		name  string
		build func(g *engine.Graph) Distribution
		x     []float64
		want  []float64 // NaN entries: want NaN; 1: want finite
	}{
		{"LogNormal", func(g *engine.Graph) Distribution { return LogNormal(g.Scalar(0), g.Scalar(1)) },
			[]float64{-1, 0, 1, nan}, []float64{inf, inf, 1, nan}},
		{"HalfNormal", func(g *engine.Graph) Distribution { return HalfNormal(g.Scalar(2)) },
			[]float64{-1e-300, 0, 1, nan}, []float64{inf, 1, 1, nan}},
		{"HalfCauchy", func(g *engine.Graph) Distribution { return HalfCauchy(g.Scalar(2)) },
			[]float64{-3, 0, 1, nan}, []float64{inf, 1, 1, nan}},
		{"Exponential", func(g *engine.Graph) Distribution { return Exponential(g.Scalar(2)) },
			[]float64{-0.5, 0, 1, nan}, []float64{inf, 1, 1, nan}},
		{"Uniform", func(g *engine.Graph) Distribution { return Uniform(g.Scalar(-1), g.Scalar(2)) },
			[]float64{-1.0000001, -1, 2, 7, nan}, []float64{inf, 1, inf, inf, inf}},
		{"Delta", func(g *engine.Graph) Distribution { return Delta(g.Scalar(1.5)) },
			[]float64{1.5, 1.5000001, -1.5, nan}, []float64{1, inf, inf, inf}},
		{"DeltaEvent", func(g *engine.Graph) Distribution {
			return DeltaEventWithDensity(g.Constant([]float64{1, 2}, 2), g.Scalar(-0.5), 1)
		}, []float64{1, 2, 1, 3, 0, 0}, []float64{-0.5, inf, inf}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			g := engine.NewGraph()
			d := c.build(g)
			shape := []int{len(c.x)}
			if len(d.EventShape()) > 0 {
				shape = []int{len(c.x) / d.EventShape()[0], d.EventShape()[0]}
			}
			lp := d.LogProb(g.Constant(c.x, shape...))
			if err := g.Err(); err != nil {
				t.Fatal(err)
			}
			prog, err := g.Compile([]*engine.Node{lp})
			if err != nil {
				t.Fatal(err)
			}
			if err := prog.Run(); err != nil {
				t.Fatal(err)
			}
			for i, v := range prog.Value(lp) {
				w := c.want[i]
				switch {
				case math.IsNaN(w):
					if !math.IsNaN(v) {
						t.Errorf("log p(%v) = %v, want NaN", c.x[i], v)
					}
				case math.IsInf(w, -1):
					if !math.IsInf(v, -1) {
						t.Errorf("log p(x[%d]) = %v, want −Inf", i, v)
					}
				case w == 1:
					if math.IsInf(v, 0) || math.IsNaN(v) {
						t.Errorf("log p(%v) = %v, want finite", c.x[i], v)
					}
				default:
					if v != w {
						t.Errorf("log p(x[%d]) = %v, want %v", i, v, w)
					}
				}
			}
		})
	}
}

// Off the support the log-prob's gradient in the parameters is zero rather
// than NaN, so a masked-out value cannot poison an optimizer step.
func TestLogNormalGradientOffSupportIsFinite(t *testing.T) {
	g := engine.NewGraph()
	theta := g.Param("theta", []float64{0.2, 0.7}, 2)
	d := LogNormal(g.Slice(theta, 0, 0, 1), g.Slice(theta, 0, 1, 2))
	lp := d.LogProb(g.Constant([]float64{0, -2, 1.5}, 3))
	// Sum the finite entry only: the masked entries get a zero upstream
	// gradient, which must stay zero through the formula.
	loss := g.Sum(g.Where(g.Constant([]float64{0, 0, 1}, 3), lp, g.Scalar(0)))
	grad := g.Grad(loss, theta)[0]
	if err := g.Err(); err != nil {
		t.Fatal(err)
	}
	prog, err := g.Compile([]*engine.Node{grad})
	if err != nil {
		t.Fatal(err)
	}
	if err := prog.Run(); err != nil {
		t.Fatal(err)
	}
	for i, v := range prog.Value(grad) {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			t.Errorf("gradient[%d] = %v, want finite", i, v)
		}
	}
}
