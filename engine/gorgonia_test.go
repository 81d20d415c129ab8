package engine

import (
	"math"
	"testing"

	G "gorgonia.org/gorgonia"
)

// TestGorgoniaGradOnIgnisGraph differentiates an ignis graph with Gorgonia's
// own Grad (through the ops' SymDiff) and compares with Graph.Grad.
func TestGorgoniaGradOnIgnisGraph(t *testing.T) {
	g := NewGraph()
	x := g.Param("x", []float64{0.3, -1.2, 2}, 3)
	loss := g.Sum(g.Mul(g.Tanh(x), g.Exp(g.Scale(x, 0.5))))
	want := g.Grad(loss, x)[0]
	gg, err := G.Grad(loss.Gorgonia(), x.Gorgonia())
	if err != nil {
		t.Fatal(err)
	}
	got := g.Import(gg[0])
	if err := g.Err(); err != nil {
		t.Fatal(err)
	}
	p, err := g.Compile([]*Node{want, got})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Run(); err != nil {
		t.Fatal(err)
	}
	for i, w := range p.Value(want) {
		if d := math.Abs(p.Value(got)[i] - w); d > 1e-14 {
			t.Errorf("element %d: gorgonia grad %v, ignis grad %v", i, p.Value(got)[i], w)
		}
	}
}

// TestImportGorgoniaOp runs a node built with Gorgonia's own op inside an
// ignis program and differentiates through it.
func TestImportGorgoniaOp(t *testing.T) {
	g := NewGraph()
	x := g.Param("x", []float64{0.5, 1.5}, 2)
	raw := G.Must(G.Cube(x.Gorgonia()))
	cube := g.Import(raw)
	loss := g.Sum(cube)
	grad := g.Grad(loss, x)[0]
	if err := g.Err(); err != nil {
		t.Fatal(err)
	}
	p, err := g.Compile([]*Node{loss, grad})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Run(); err != nil {
		t.Fatal(err)
	}
	if l := p.Scalar(loss); math.Abs(l-(0.125+3.375)) > 1e-14 {
		t.Errorf("loss %v", l)
	}
	for i, v := range []float64{0.5, 1.5} {
		if d := p.Value(grad)[i] - 3*v*v; math.Abs(d) > 1e-14 {
			t.Errorf("grad[%d] = %v, want %v", i, p.Value(grad)[i], 3*v*v)
		}
	}
}
