package dist

import (
	"math"
	"testing"

	"github.com/ignis-ppl/ignis/engine"
)

// KL finds the closed form through Expand and ToEvent wrappers in either
// order and on either side.
func TestKLThroughWrappers(t *testing.T) {
	g := engine.NewGraph()
	p := Normal(g.Constant([]float64{0.1, -0.3}, 2), g.Scalar(0.8))
	q := Normal(g.Scalar(0.5), g.Scalar(1.3))
	base := KL(p, q) // [2]
	cases := []struct {
		name string
		n    *engine.Node
	}{
		{"Expand(ToEvent) vs Expand(ToEvent)", KL(Expand(ToEvent(p, 1), 4), Expand(ToEvent(Expand(q, 2), 1), 4))},
		{"ToEvent(Expand) vs ToEvent(Expand)", KL(ToEvent(Expand(p, 3, 2), 1), ToEvent(Expand(q, 3, 2), 1))},
		{"Expand vs plain", KL(Expand(p, 5, 2), q)},
	}
	if err := g.Err(); err != nil {
		t.Fatal(err)
	}
	nodes := []*engine.Node{base}
	for _, c := range cases {
		nodes = append(nodes, c.n)
	}
	out := evalNodes(t, g, nodes...)
	want := out[0][0] + out[0][1]
	for i, c := range cases {
		name, n, v := c.name, c.n, out[i+1]
		switch name {
		case "Expand vs plain":
			if !n.Shape().Equal(engine.Shape{5, 2}) || math.Abs(v[3]-out[0][1]) > 1e-15 {
				t.Errorf("%s: shape %v values %v", name, n.Shape(), v)
			}
		default:
			if math.Abs(v[0]-want) > 1e-14 {
				t.Errorf("%s: %v, want %v", name, v[0], want)
			}
		}
	}
	if HasKL(p, Gamma(g.Scalar(1), g.Scalar(1))) {
		t.Error("HasKL(Normal, Gamma) is true")
	}
}
