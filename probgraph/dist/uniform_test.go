package dist

import (
	"math"
	"strings"
	"testing"

	"github.com/ignis-ppl/ignis/engine"
)

func init() {
	refFamilies["Uniform"] = func(g *engine.Graph, p map[string]*engine.Node) Distribution {
		return Uniform(p["low"], p["high"])
	}
}

func TestUniformSampleMoments(t *testing.T) {
	checkMoments(t, func(g *engine.Graph) Distribution {
		return Uniform(g.Constant([]float64{-1, 2}, 2), g.Constant([]float64{1, 5}, 2))
	}, []float64{0, 3.5}, []float64{4.0 / 12, 9.0 / 12})
}

// E[x²] = (l² + lh + h²)/3, so d/dl = (2l + h)/3 and d/dh = (l + 2h)/3.
func TestUniformReparamGradient(t *testing.T) {
	l, h := -0.5, 2.0
	checkReparamGrad(t, func(g *engine.Graph) (*engine.Node, Distribution) {
		theta := g.Param("theta", []float64{l, h}, 2)
		return theta, Uniform(g.Slice(theta, 0, 0, 1), g.Slice(theta, 0, 1, 2))
	}, func(g *engine.Graph, x *engine.Node) *engine.Node { return g.Square(x) },
		[]float64{(2*l + h) / 3, (l + 2*h) / 3})
}

// Constant bounds shared by the whole batch give a plain Interval; bounds that
// vary or are parameters give an interval whose Check reads the bound nodes.
func TestUniformSupport(t *testing.T) {
	checkDrawsInSupport(t, "interval(-2, 3)", func(g *engine.Graph) Distribution {
		return Uniform(g.Fill(-2, 3), g.Scalar(3))
	})
	g := engine.NewGraph()
	d := Uniform(g.Constant([]float64{0, 10}, 2), g.Param("high", []float64{1, 11}, 2))
	s := d.Support()
	if !strings.HasPrefix(s.String(), "interval(") || s.EventDim() != 0 || s.Discrete() {
		t.Errorf("support %v (event dim %d, discrete %v)", s, s.EventDim(), s.Discrete())
	}
	in := s.Check(g.Constant([]float64{0.5, 0.5, 10.5, 12, 0, 1}, 3, 2))
	if err := g.Err(); err != nil {
		t.Fatal(err)
	}
	prog, err := g.Compile([]*engine.Node{in})
	if err != nil {
		t.Fatal(err)
	}
	if err := prog.Run(); err != nil {
		t.Fatal(err)
	}
	want := []float64{1, 0, 0, 0, 0, 0}
	for i, v := range prog.Value(in) {
		if v != want[i] {
			t.Errorf("in support [%d] = %v, want %v", i, v, want[i])
		}
	}
	checkDrawsInSupport(t, s.String(), func(g *engine.Graph) Distribution {
		return Uniform(g.Constant([]float64{0, 10}, 2), g.Param("high", []float64{1, 11}, 2))
	})
}

func TestUniformInvalidParameters(t *testing.T) {
	expectParamError(t, "Uniform", "high", false, func(g *engine.Graph) Distribution {
		return Uniform(g.Constant([]float64{0, 2}, 2), g.Scalar(1))
	})
	expectParamError(t, "Uniform", "low", false, func(g *engine.Graph) Distribution {
		return Uniform(g.Scalar(math.Inf(-1)), g.Scalar(1))
	})
	// Constant bounds are compared after broadcasting: low [[0], [2]] with
	// high [3, 4, 1.5] fails at batch element (1, 2), flat index 5.
	g := engine.NewGraph()
	Uniform(g.Constant([]float64{0, 2}, 2, 1), g.Constant([]float64{3, 4, 1.5}, 3))
	if err := g.Err(); err == nil || !strings.Contains(err.Error(), "element 5: low 2, high 1.5") {
		t.Errorf("broadcast bounds: error %v, want one at element 5", err)
	}
	expectParamError(t, "Uniform", "low", true, func(g *engine.Graph) Distribution {
		return Uniform(g.Fill(0, 3), g.Fill(1, 2))
	})
	expectRunParamError(t, "Uniform", "high", func(g *engine.Graph) Distribution {
		return Uniform(g.Param("low", []float64{0, 3}, 2), g.Scalar(2))
	}, func(g *engine.Graph, d Distribution) *engine.Node { return d.(Meaner).Mean() })
	expectRunParamError(t, "Uniform", "low", func(g *engine.Graph) Distribution {
		return Uniform(g.Param("low", []float64{math.NaN()}), g.Scalar(2))
	}, logProbOf)
}
