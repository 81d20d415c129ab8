package dist

import (
	"errors"
	"math"
	"testing"

	"github.com/ignis-ppl/ignis/engine"
)

func init() {
	refFamilies["Dirichlet"] = func(g *engine.Graph, p map[string]*engine.Node) Distribution {
		return Dirichlet(p["concentration"])
	}
}

func TestDirichletSampleMoments(t *testing.T) {
	alpha := []float64{0.5, 1.5, 3, 0.1, 0.1, 5}
	mean, variance := make([]float64, 6), make([]float64, 6)
	for r := 0; r < 2; r++ {
		row := alpha[3*r : 3*r+3]
		a0 := row[0] + row[1] + row[2]
		for k, a := range row {
			mean[3*r+k] = a / a0
			variance[3*r+k] = a * (a0 - a) / (a0 * a0 * (a0 + 1))
		}
	}
	checkMoments(t, func(g *engine.Graph) Distribution {
		return Dirichlet(g.Constant(alpha, 2, 3))
	}, mean, variance)
}

// E[x_j] = α_j/α₀, so d/dα_i E[x_j] = δ_ij/α₀ − α_j/α₀². f picks component j,
// and the check's mean over the 3 components divides the gradient by 3.
func TestDirichletReparamGradient(t *testing.T) {
	alpha := []float64{0.8, 2, 3.5}
	a0 := alpha[0] + alpha[1] + alpha[2]
	for _, j := range []int{0, 2} {
		want := make([]float64, 3)
		for i := range want {
			if i == j {
				want[i] = 1 / a0
			}
			want[i] = (want[i] - alpha[j]/(a0*a0)) / 3
		}
		pick := make([]float64, 3)
		pick[j] = 1
		checkReparamGrad(t, func(g *engine.Graph) (*engine.Node, Distribution) {
			theta := g.Param("alpha", alpha, 3)
			return theta, Dirichlet(theta)
		}, func(g *engine.Graph, x *engine.Node) *engine.Node {
			return g.Mul(x, g.Constant(pick, 3))
		}, want)
	}
}

func TestDirichletShapes(t *testing.T) {
	g := engine.NewGraph()
	d := Dirichlet(g.Fill(1, 2, 3))
	x := d.Sample(4)
	lp := d.LogProb(x)
	lpOne := d.LogProb(g.Fill(1.0/3, 3))
	if err := g.Err(); err != nil {
		t.Fatal(err)
	}
	if !d.BatchShape().Equal(engine.Shape{2}) || !d.EventShape().Equal(engine.Shape{3}) {
		t.Errorf("batch %v event %v, want [2] [3]", d.BatchShape(), d.EventShape())
	}
	if !x.Shape().Equal(engine.Shape{4, 2, 3}) || !lp.Shape().Equal(engine.Shape{4, 2}) || !lpOne.Shape().Equal(engine.Shape{2}) {
		t.Errorf("sample %v, log-probs %v and %v, want [4 2 3], [4 2], [2]", x.Shape(), lp.Shape(), lpOne.Shape())
	}
	// A flat Dirichlet on 3 components has density Γ(3) = 2 everywhere.
	v := evalNodes(t, g, lpOne)
	sameFloats(t, v[0], []float64{math.Log(2), math.Log(2)})
}

func TestDirichletRejectsBadShapes(t *testing.T) {
	g := engine.NewGraph()
	Dirichlet(g.Scalar(1))
	if err := g.Err(); !errors.Is(err, ErrShape) {
		t.Errorf("Dirichlet of a scalar: error %v, want one wrapping ErrShape", err)
	}
	d := Dirichlet(g.Fill(1, 3))
	d.LogProb(g.Fill(0.25, 4))
	if err := g.Err(); !errors.Is(err, ErrShape) {
		t.Errorf("LogProb of a 4-vector under a 3-component Dirichlet: error %v, want one wrapping ErrShape", err)
	}
}

// Tiny concentrations make most components underflow; draws stay at or
// above the smallest normal number and on the simplex.
func TestDirichletSamplesStayOnTheSimplex(t *testing.T) {
	g := engine.NewGraph()
	x := Dirichlet(g.Constant([]float64{0.01, 0.02, 0.05}, 3)).Sample(5000)
	v := evalNodes(t, g, x)[0]
	for i := 0; i < len(v); i += 3 {
		s := v[i] + v[i+1] + v[i+2]
		if !(v[i] >= gammaTiny && v[i+1] >= gammaTiny && v[i+2] >= gammaTiny) || math.Abs(s-1) > 1e-15 {
			t.Fatalf("draw %d = %v (sum %v)", i/3, v[i:i+3], s)
		}
	}
}

// A zero component gives +Inf, a finite value or −Inf as its concentration is
// below, at or above 1; a negative one, or components that do not sum to 1,
// give −Inf (off the simplex).
func TestDirichletLogProbAtAndOutsideSupport(t *testing.T) {
	got := runLogProb(t, func(g *engine.Graph) Distribution {
		return Dirichlet(g.Constant([]float64{0.5, 1, 2}, 3))
	}, []float64{0, 0.5, 0.5, 0.5, 0, 0.5, 0.5, 0.5, 0, -0.5, 1, 0.5, 0.5, 0.5, 0.5}, 5, 3)
	if !math.IsInf(got[0], 1) || math.IsInf(got[1], 0) || math.IsNaN(got[1]) || !math.IsInf(got[2], -1) ||
		!math.IsInf(got[3], -1) || !math.IsInf(got[4], -1) {
		t.Errorf("log densities %v, want [+Inf finite −Inf −Inf −Inf]", got)
	}
}

func TestDirichletRejectsNonPositiveConcentration(t *testing.T) {
	checkRejects(t, "Dirichlet", "concentration", func(g *engine.Graph) Distribution {
		return Dirichlet(g.Constant([]float64{1, 0, 2}, 3))
	})
	checkRejectsAtRun(t, "Dirichlet", "concentration", func(g *engine.Graph, bad *engine.Node) Distribution {
		return Dirichlet(g.Concat(0, g.Fill(1, 2), g.Reshape(bad, 1)))
	})
}

func TestDirichletExpandAndToEvent(t *testing.T) {
	g := engine.NewGraph()
	d := ToEvent(Expand(Dirichlet(g.Constant([]float64{1, 2, 3}, 3)), 2), 1)
	x := d.Sample(5)
	lp := d.LogProb(x)
	if err := g.Err(); err != nil {
		t.Fatal(err)
	}
	if !x.Shape().Equal(engine.Shape{5, 2, 3}) || !lp.Shape().Equal(engine.Shape{5}) || !d.EventShape().Equal(engine.Shape{2, 3}) {
		t.Errorf("sample %v, log-prob %v, event %v; want [5 2 3], [5], [2 3]", x.Shape(), lp.Shape(), d.EventShape())
	}
	v := evalNodes(t, g, x)[0]
	if v[0] == v[3] {
		t.Errorf("the two expanded members drew the same value %v", v[0])
	}
}
