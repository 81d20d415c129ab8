package main

import (
	"math/rand/v2"
	"testing"

	"github.com/ignis-ppl/ignis/engine"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

func init() {
	register(Suite{Name: "engine", About: "compiled executor vs Gorgonia's TapeMachine on the same graphs", Cases: engineCases})
}

// vectorGraph is the executor benchmark's 50-node graph over length-n vectors
// with gradients (the same computation as engine's BenchmarkExecutor).
func vectorGraph(n int) (*engine.Graph, []*engine.Node) {
	r := rand.New(rand.NewPCG(1, 2))
	vec := func() []float64 {
		v := make([]float64, n)
		for i := range v {
			v[i] = r.NormFloat64()
		}
		return v
	}
	g := engine.NewGraph()
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
	return g, append([]*engine.Node{loss}, g.Grad(loss, x, y)...)
}

func matmulGraph(n int) (*engine.Graph, []*engine.Node) {
	r := rand.New(rand.NewPCG(3, 4))
	mat := func() []float64 {
		v := make([]float64, n*n)
		for i := range v {
			v[i] = r.NormFloat64() / 16
		}
		return v
	}
	g := engine.NewGraph()
	a := g.Param("a", mat(), n, n)
	b := g.Param("b", mat(), n, n)
	loss := g.Sum(g.Tanh(g.MatMul(a, b)))
	return g, append([]*engine.Node{loss}, g.Grad(loss, a, b)...)
}

func ignisCase(build func() (*engine.Graph, []*engine.Node)) func(b *testing.B) {
	return func(b *testing.B) {
		g, outs := build()
		prog, err := g.Compile(outs)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			if err := prog.Run(); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// tapeCase runs the same Gorgonia graph on Gorgonia's TapeMachine, binding
// every leaf before each run.
func tapeCase(build func() (*engine.Graph, []*engine.Node)) func(b *testing.B) {
	return func(b *testing.B) {
		g, _ := build()
		type leaf struct {
			n *G.Node
			v G.Value
		}
		var leaves []leaf
		for _, n := range g.Nodes() {
			v, ok := n.ConstValue()
			if !ok {
				v, ok = n.InitValue()
			}
			if !ok {
				continue
			}
			var val G.Value
			if len(n.Shape()) == 0 {
				f := G.F64(v[0])
				val = &f
			} else {
				val = tensor.New(tensor.WithShape(n.Shape()...), tensor.WithBacking(v))
			}
			leaves = append(leaves, leaf{n.Gorgonia(), val})
		}
		m := G.NewTapeMachine(g.Gorgonia())
		defer m.Close()
		b.ReportAllocs()
		for b.Loop() {
			for _, l := range leaves {
				if err := G.Let(l.n, l.v); err != nil {
					b.Fatal(err)
				}
			}
			if err := m.RunAll(); err != nil {
				b.Fatal(err)
			}
			m.Reset()
		}
	}
}

func engineCases() ([]Case, error) {
	vec := func() (*engine.Graph, []*engine.Node) { return vectorGraph(100) }
	mm := func() (*engine.Graph, []*engine.Node) { return matmulGraph(256) }
	return []Case{
		{Name: "vector50/ignis", Run: ignisCase(vec)},
		{Name: "vector50/tape", Run: tapeCase(vec)},
		{Name: "matmul256/ignis", Run: ignisCase(mm)},
		{Name: "matmul256/tape", Run: tapeCase(mm)},
	}, nil
}
