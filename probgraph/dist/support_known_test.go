package dist

import (
	"math"
	"strings"
	"testing"

	"github.com/ignis-ppl/ignis/engine"
)

// A value marked as lying in the support gets the same log density without
// the support mask; an unmarked one keeps it (−∞ outside); a mark with a
// wider set than the support leaves the mask in place.
func TestMarkedValuesSkipTheMask(t *testing.T) {
	g := engine.NewGraph()
	d := Gamma(g.Scalar(2), g.Scalar(1.5))
	free := g.Input("free", 3)
	inside := g.Input("inside", 3)
	wide := g.Input("wide", 3)
	MarkSupport(inside, Positive())
	MarkSupport(wide, Real())
	outs := []*engine.Node{d.LogProb(free), d.LogProb(inside), d.LogProb(wide)}
	p, err := g.Compile(outs)
	if err != nil {
		t.Fatal(err)
	}
	// Gamma's mask tests x < 0 (the density has another where, for x·log x
	// at 0).
	if n := strings.Count(p.Describe(), "less"); n != 2 {
		t.Errorf("%d masks in the program, want 2 (the unmarked value and the one marked with a wider set):\n%s", n, p.Describe())
	}
	for _, in := range []*engine.Node{free, inside, wide} {
		if err := p.Set(in, []float64{0.5, 1, 4}); err != nil {
			t.Fatal(err)
		}
	}
	if err := p.Run(); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		a, b, c := p.Value(outs[0])[i], p.Value(outs[1])[i], p.Value(outs[2])[i]
		if a != b || a != c || math.IsInf(a, 0) {
			t.Errorf("element %d: log densities %v, %v, %v differ", i, a, b, c)
		}
	}
	if err := p.Set(free, []float64{-1, 1, 4}); err != nil {
		t.Fatal(err)
	}
	if err := p.Run(); err != nil {
		t.Fatal(err)
	}
	if v := p.Value(outs[0])[0]; !math.IsInf(v, -1) {
		t.Errorf("unmarked value off the support: log density %v, want −Inf", v)
	}
}
