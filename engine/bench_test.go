package engine

import (
	"math/rand/v2"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// benchGraph is a graph with its loss, gradients and leaves, shared by the
// ignis and Gorgonia-TapeMachine runs of BenchmarkExecutor.
type benchGraph struct {
	g      *Graph
	loss   *Node
	grads  []*Node
	leaves []*Node
	// forward is the number of nodes before gradients were added.
	forward int
}

// vectorGraph builds 50 forward nodes over length-n vectors (element-wise ops
// and reductions, the mix a small model's log density has) and their
// gradients with respect to two parameters.
func vectorGraph(n int) benchGraph {
	var forward int
	r := rand.New(rand.NewPCG(1, 2))
	vec := func() []float64 {
		v := make([]float64, n)
		for i := range v {
			v[i] = r.NormFloat64()
		}
		return v
	}
	g := NewGraph()
	x := g.Param("x", vec(), n)
	y := g.Param("y", vec(), n)
	data := g.Constant(vec(), n)
	h := x
	for i := 0; i < 4; i++ {
		a := g.Mul(h, y)
		b := g.Tanh(g.Add(a, data))
		c := g.Exp(g.Scale(g.Square(b), -0.5))
		d := g.Sub(c, g.Sigmoid(y))
		h = g.Add(g.Mul(d, x), g.Softplus(h))
	}
	loss := g.Add(g.Sum(h), g.Scale(g.Sum(g.Square(x)), 0.5))
	forward = len(g.nodes)
	grads := g.Grad(loss, x, y)
	var leaves []*Node
	for _, nd := range g.nodes {
		if nd.kind != KindOp {
			leaves = append(leaves, nd)
		}
	}
	return benchGraph{g: g, loss: loss, grads: grads, leaves: leaves, forward: forward}
}

// matmulGraph is loss = Σ tanh(A·B) for 256×256 A and B, with gradients
// (three matrix products of 256³ each).
func matmulGraph(n int) benchGraph {
	r := rand.New(rand.NewPCG(3, 4))
	mat := func() []float64 {
		v := make([]float64, n*n)
		for i := range v {
			v[i] = r.NormFloat64() / 16
		}
		return v
	}
	g := NewGraph()
	a := g.Param("a", mat(), n, n)
	b := g.Param("b", mat(), n, n)
	loss := g.Sum(g.Tanh(g.MatMul(a, b)))
	grads := g.Grad(loss, a, b)
	var leaves []*Node
	for _, nd := range g.nodes {
		if nd.kind != KindOp {
			leaves = append(leaves, nd)
		}
	}
	return benchGraph{g: g, loss: loss, grads: grads, leaves: leaves}
}

func (bg benchGraph) runIgnis(b *testing.B) {
	prog, err := bg.g.Compile(append([]*Node{bg.loss}, bg.grads...))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(len(prog.steps)), "ops")
	if bg.forward > 0 {
		b.ReportMetric(float64(bg.forward), "fwd-nodes")
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if err := prog.Run(); err != nil {
			b.Fatal(err)
		}
	}
}

// runTape runs the same Gorgonia ExprGraph on Gorgonia's TapeMachine, binding
// every leaf before each run as a user of Gorgonia would.
func (bg benchGraph) runTape(b *testing.B) {
	vals := make([]G.Value, len(bg.leaves))
	for i, l := range bg.leaves {
		v := l.value
		if v == nil {
			v = make([]float64, l.shape.Size())
		}
		if len(l.shape) == 0 {
			f := G.F64(v[0])
			vals[i] = &f
		} else {
			vals[i] = tensor.New(tensor.WithShape(l.shape.Clone()...), tensor.WithBacking(append([]float64(nil), v...)))
		}
	}
	m := G.NewTapeMachine(bg.g.Gorgonia())
	defer m.Close()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		for i, l := range bg.leaves {
			if err := G.Let(l.Gorgonia(), vals[i]); err != nil {
				b.Fatal(err)
			}
		}
		if err := m.RunAll(); err != nil {
			b.Fatal(err)
		}
		m.Reset()
	}
}

func BenchmarkExecutor(b *testing.B) {
	graphs := []struct {
		name  string
		build func() benchGraph
	}{
		{"graph=vector50", func() benchGraph { return vectorGraph(100) }},
		{"graph=matmul256", func() benchGraph { return matmulGraph(256) }},
	}
	for _, gr := range graphs {
		b.Run(gr.name+"/impl=ignis", func(b *testing.B) { gr.build().runIgnis(b) })
		b.Run(gr.name+"/impl=tape", func(b *testing.B) { gr.build().runTape(b) })
	}
	// The same vector computation written with Gorgonia's own ops and Grad.
	b.Run("graph=vector50/impl=tape-native", runNativeTape)
}

func TestNativeGorgoniaGraphAgrees(t *testing.T) {
	g, outs, err := nativeVectorGraph(100)
	if err != nil {
		t.Fatal(err)
	}
	m := G.NewTapeMachine(g)
	defer m.Close()
	if err := m.RunAll(); err != nil {
		t.Fatal(err)
	}
	bg := vectorGraph(100)
	prog, err := bg.g.Compile(append([]*Node{bg.loss}, bg.grads...))
	if err != nil {
		t.Fatal(err)
	}
	if err := prog.Run(); err != nil {
		t.Fatal(err)
	}
	for i, n := range append([]*Node{bg.loss}, bg.grads...) {
		want, err := valueData(outs[i].Value())
		if err != nil {
			t.Fatal(err)
		}
		for j, v := range prog.Value(n) {
			if abs(v-want[j]) > 1e-12*(1+abs(want[j])) {
				t.Fatalf("output %d[%d]: ignis %v, gorgonia %v", i, j, v, want[j])
			}
		}
	}
}

// TestExecutorMatchesTape checks that the compiled program and Gorgonia's
// TapeMachine compute the same loss and gradients on the benchmark graphs.
func TestExecutorMatchesTape(t *testing.T) {
	for _, bg := range []benchGraph{vectorGraph(100), matmulGraph(32)} {
		prog, err := bg.g.Compile(append([]*Node{bg.loss}, bg.grads...))
		if err != nil {
			t.Fatal(err)
		}
		if err := prog.Run(); err != nil {
			t.Fatal(err)
		}
		m := G.NewTapeMachine(bg.g.Gorgonia())
		for _, l := range bg.leaves {
			var v G.Value
			if len(l.shape) == 0 {
				f := G.F64(l.value[0])
				v = &f
			} else {
				v = tensor.New(tensor.WithShape(l.shape.Clone()...), tensor.WithBacking(append([]float64(nil), l.value...)))
			}
			if err := G.Let(l.Gorgonia(), v); err != nil {
				t.Fatal(err)
			}
		}
		if err := m.RunAll(); err != nil {
			t.Fatal(err)
		}
		for _, n := range append([]*Node{bg.loss}, bg.grads...) {
			want, err := valueData(n.Gorgonia().Value())
			if err != nil {
				t.Fatal(err)
			}
			got := prog.Value(n)
			for i := range got {
				if d := got[i] - want[i]; d > 1e-12*(1+abs(want[i])) || d < -1e-12*(1+abs(want[i])) {
					t.Fatalf("%v[%d]: program %v, tape %v", n, i, got[i], want[i])
				}
			}
		}
		m.Close()
		t.Logf("%d graph nodes, %d program steps: program and tape agree", len(bg.g.nodes), len(prog.steps))
	}
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}

// nativeVectorGraph builds vectorGraph's computation with Gorgonia's own ops
// and Grad, for a TapeMachine baseline that involves no ignis code at all.
func nativeVectorGraph(n int) (*G.ExprGraph, G.Nodes, error) {
	r := rand.New(rand.NewPCG(1, 2))
	vec := func() *tensor.Dense {
		v := make([]float64, n)
		for i := range v {
			v[i] = r.NormFloat64()
		}
		return tensor.New(tensor.WithShape(n), tensor.WithBacking(v))
	}
	g := G.NewGraph()
	x := G.NewVector(g, G.Float64, G.WithShape(n), G.WithName("x"), G.WithValue(vec()))
	y := G.NewVector(g, G.Float64, G.WithShape(n), G.WithName("y"), G.WithValue(vec()))
	data := G.NewVector(g, G.Float64, G.WithShape(n), G.WithName("data"), G.WithValue(vec()))
	half := G.NewConstant(-0.5)
	h := x
	for i := 0; i < 4; i++ {
		a := G.Must(G.HadamardProd(h, y))
		b := G.Must(G.Tanh(G.Must(G.Add(a, data))))
		c := G.Must(G.Exp(G.Must(G.Mul(G.Must(G.Square(b)), half))))
		d := G.Must(G.Sub(c, G.Must(G.Sigmoid(y))))
		h = G.Must(G.Add(G.Must(G.HadamardProd(d, x)), G.Must(G.Softplus(h))))
	}
	loss := G.Must(G.Add(G.Must(G.Sum(h)), G.Must(G.Mul(G.Must(G.Sum(G.Must(G.Square(x)))), G.NewConstant(0.5)))))
	grads, err := G.Grad(loss, x, y)
	return g, append(G.Nodes{loss}, grads...), err
}

func runNativeTape(b *testing.B) {
	g, _, err := nativeVectorGraph(100)
	if err != nil {
		b.Fatal(err)
	}
	m := G.NewTapeMachine(g)
	defer m.Close()
	b.ReportAllocs()
	for b.Loop() {
		if err := m.RunAll(); err != nil {
			b.Fatal(err)
		}
		m.Reset()
	}
}
