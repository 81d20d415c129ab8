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

// Building, differentiating and compiling never builds the Gorgonia mirror;
// asking for it builds it.
func TestGorgoniaMirrorOnlyWhenAsked(t *testing.T) {
	g, loss, wrt := recurrence(50)
	grads := g.Grad(loss, wrt...)
	if _, err := g.Compile(append([]*Node{loss}, grads...)); err != nil {
		t.Fatal(err)
	}
	if g.mirror != nil {
		t.Fatal("the Gorgonia mirror was built without being asked for")
	}
	eg := g.Gorgonia()
	if eg == nil || g.Err() != nil {
		t.Fatalf("mirror not built: %v", g.Err())
	}
	if got, want := len(eg.AllNodes()), len(g.nodes); got != want {
		t.Errorf("the mirror has %d nodes, the graph %d", got, want)
	}
}

// labelledOp adds a constant c, but prints the same for every c.
type labelledOp struct{ c float64 }

func (labelledOp) String() string                  { return "add_hidden_constant" }
func (labelledOp) Shape(in []Shape) (Shape, error) { return in[0].Clone(), nil }
func (labelledOp) Grad(_ *Graph, _ []*Node, _, gout *Node) []*Node {
	return []*Node{gout}
}
func (o labelledOp) Kernel(KernelSpec) (Kernel, error) {
	return KernelFunc(func(out []float64, in [][]float64) error {
		for i, v := range in[0] {
			out[i] = v + o.c
		}
		return nil
	}), nil
}

// Two distinct ops whose String() and shapes agree stay two nodes, in the
// graph, in programs and in the Gorgonia mirror run on a TapeMachine.
func TestEqualLookingOpsStayDistinct(t *testing.T) {
	g := NewGraph()
	x := g.Constant([]float64{1, 2}, 2)
	a := g.Apply(labelledOp{c: 10}, x)
	b := g.Apply(labelledOp{c: 20}, x)
	if a == b || a.id == b.id {
		t.Fatal("the two ops were merged")
	}
	p, err := g.Compile([]*Node{a, b})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Run(); err != nil {
		t.Fatal(err)
	}
	if p.Value(a)[0] != 11 || p.Value(b)[0] != 21 {
		t.Fatalf("program: a = %v, b = %v", p.Value(a), p.Value(b))
	}
	m := G.NewTapeMachine(g.Gorgonia())
	defer m.Close()
	if err := m.RunAll(); err != nil {
		t.Fatal(err)
	}
	va, _ := valueData(a.Gorgonia().Value())
	vb, _ := valueData(b.Gorgonia().Value())
	if a.Gorgonia() == b.Gorgonia() || va[1] != 12 || vb[1] != 22 {
		t.Fatalf("mirror: a = %v, b = %v", va, vb)
	}
}

// A node of a Gorgonia graph of the user's own imports with its leaves: a
// leaf with a value becomes a parameter, one without an input, and
// importing a leaf again gives the same node.
func TestImportFromAUsersGorgoniaGraph(t *testing.T) {
	eg := G.NewGraph()
	w := G.NewVector(eg, G.Float64, G.WithShape(3), G.WithName("w"),
		G.WithValue(tensorValue(Shape{3}, []float64{0.5, -1, 2})))
	x := G.NewVector(eg, G.Float64, G.WithShape(3), G.WithName("x"))
	y := G.Must(G.Sum(G.Must(G.Cube(G.Must(G.HadamardProd(w, x))))))

	g := NewGraph()
	loss := g.Import(y)
	wn, xn := g.Import(w), g.Import(x)
	if err := g.Err(); err != nil {
		t.Fatal(err)
	}
	if wn.Kind() != KindParam || wn.Name() != "w" || xn.Kind() != KindInput || xn.Name() != "x" {
		t.Fatalf("leaves imported as %v and %v", wn, xn)
	}
	grad := g.Grad(loss, wn)[0]
	p, err := g.Compile([]*Node{loss, grad})
	if err != nil {
		t.Fatal(err)
	}
	xs := []float64{1, 2, -0.5}
	if err := p.Set(xn, xs); err != nil {
		t.Fatal(err)
	}
	if err := p.Run(); err != nil {
		t.Fatal(err)
	}
	ws := []float64{0.5, -1, 2}
	want := 0.0
	for i := range ws {
		z := ws[i] * xs[i]
		want += z * z * z
		if d := p.Value(grad)[i] - 3*z*z*xs[i]; math.Abs(d) > 1e-13 {
			t.Errorf("grad[%d] = %v, want %v", i, p.Value(grad)[i], 3*z*z*xs[i])
		}
	}
	if math.Abs(p.Scalar(loss)-want) > 1e-13 {
		t.Errorf("loss %v, want %v", p.Scalar(loss), want)
	}
}
