package dist

import (
	"testing"

	"github.com/ignis-ppl/ignis/engine"
)

func init() {
	// The reference cases pass event_dim as a scalar parameter and
	// log_density only when the Delta has one.
	refFamilies["Delta"] = func(g *engine.Graph, p map[string]*engine.Node) Distribution {
		ed := 0
		if n, ok := p["event_dim"]; ok {
			v, _ := n.ConstValue()
			ed = int(v[0])
		}
		if ld, ok := p["log_density"]; ok {
			return DeltaEventWithDensity(p["v"], ld, ed)
		}
		return DeltaEvent(p["v"], ed)
	}
}

// Every draw is exactly v, which is stronger than a moment check.
func TestDeltaSamplesAreV(t *testing.T) {
	v := []float64{1.5, -2, 0, 7, 3, -0.25}
	const n = 100000
	draws, per := drawSamples(t, n, 1, func(g *engine.Graph) Distribution {
		return DeltaEvent(g.Constant(v, 2, 3), 1)
	})
	if per != len(v) {
		t.Fatalf("draw has %d elements, want %d", per, len(v))
	}
	for i, x := range draws {
		if x != v[i%per] {
			t.Fatalf("draw element %d = %v, want %v", i, x, v[i%per])
		}
	}
}

func TestDeltaShapes(t *testing.T) {
	g := engine.NewGraph()
	d := DeltaEventWithDensity(g.Fill(1, 4, 2, 3), g.Fill(0.5, 2), 1)
	if !d.BatchShape().Equal(engine.Shape{4, 2}) || !d.EventShape().Equal(engine.Shape{3}) {
		t.Errorf("batch %v event %v, want [4 2] [3]", d.BatchShape(), d.EventShape())
	}
	if x := d.Sample(5); !x.Shape().Equal(engine.Shape{5, 4, 2, 3}) {
		t.Errorf("sample shape %v", x.Shape())
	}
	if lp := d.LogProb(g.Fill(1, 3)); !lp.Shape().Equal(engine.Shape{4, 2}) {
		t.Errorf("log-prob shape %v", lp.Shape())
	}
	if err := g.Err(); err != nil {
		t.Fatal(err)
	}
}

// Sample is v itself, so d/dv E[x²] = 2v exactly; the loss averages over the
// two elements of the event, which halves each derivative.
func TestDeltaReparamGradient(t *testing.T) {
	checkReparamGrad(t, func(g *engine.Graph) (*engine.Node, Distribution) {
		theta := g.Param("v", []float64{0.7, -1.3}, 2)
		return theta, DeltaEvent(theta, 1)
	}, func(g *engine.Graph, x *engine.Node) *engine.Node { return g.Square(x) }, []float64{0.7, -1.3})
}

// The gradient of LogProb flows into the log density and not into v.
func TestDeltaLogProbGradient(t *testing.T) {
	g := engine.NewGraph()
	v := g.Param("v", []float64{1, 2}, 2)
	ld := g.Param("ld", []float64{0.3})
	lp := g.Sum(DeltaWithDensity(v, ld).LogProb(g.Constant([]float64{1, 2}, 2)))
	grads := g.Grad(lp, v, ld)
	if err := g.Err(); err != nil {
		t.Fatal(err)
	}
	prog, err := g.Compile([]*engine.Node{lp, grads[0], grads[1]})
	if err != nil {
		t.Fatal(err)
	}
	if err := prog.Run(); err != nil {
		t.Fatal(err)
	}
	if got := prog.Scalar(lp); got != 0.6 {
		t.Errorf("log prob %v, want 0.6", got)
	}
	if gv := prog.Value(grads[0]); gv[0] != 0 || gv[1] != 0 {
		t.Errorf("gradient in v %v, want 0", gv)
	}
	if gl := prog.Scalar(grads[1]); gl != 2 {
		t.Errorf("gradient in log density %v, want 2", gl)
	}
}

func TestDeltaSupport(t *testing.T) {
	checkDrawsInSupport(t, "real", func(g *engine.Graph) Distribution { return Delta(g.Fill(2, 3)) })
	checkDrawsInSupport(t, "independent(real, 1)", func(g *engine.Graph) Distribution {
		return DeltaEvent(g.Fill(2, 3), 1)
	})
}

func TestDeltaInvalidParameters(t *testing.T) {
	expectParamError(t, "Delta", "event_dim", false, func(g *engine.Graph) Distribution {
		return DeltaEvent(g.Fill(0, 3), -1)
	})
	expectParamError(t, "Delta", "v", true, func(g *engine.Graph) Distribution {
		return DeltaEvent(g.Fill(0, 3), 2)
	})
	expectParamError(t, "Delta", "log_density", true, func(g *engine.Graph) Distribution {
		return DeltaWithDensity(g.Fill(0, 3), g.Fill(0, 2))
	})
	g := engine.NewGraph()
	d := DeltaWithDensity(g.Scalar(1), nil)
	if d.Graph().Err() == nil {
		t.Error("DeltaWithDensity with a nil log density: no error")
	}
}
