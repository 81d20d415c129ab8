package dist

import (
	"testing"

	"github.com/ignis-ppl/ignis/engine"
)

func init() {
	// Normal with its last batch dimension made an event dimension, for the
	// Independent(Normal)–Independent(Normal) KL reference case.
	refFamilies["Independent(Normal)"] = func(g *engine.Graph, p map[string]*engine.Node) Distribution {
		return ToEvent(Normal(p["loc"], p["scale"]), 1)
	}
}

func TestHasKLContinuous(t *testing.T) {
	g := engine.NewGraph()
	e := Exponential(g.Scalar(1))
	if !HasKL(e, e) {
		t.Error("no closed-form KL for Exponential–Exponential")
	}
	if HasKL(e, Gumbel(g.Scalar(0), g.Scalar(1))) {
		t.Error("closed-form KL reported for Exponential–Gumbel")
	}
	n := ToEvent(Normal(g.Fill(0, 2, 3), g.Fill(1, 2, 3)), 1)
	if kl := KL(n, n); !kl.Shape().Equal(engine.Shape{2}) {
		t.Errorf("KL of Independent(Normal) has shape %v, want [2]", kl.Shape())
	}
	if err := g.Err(); err != nil {
		t.Fatal(err)
	}
}
