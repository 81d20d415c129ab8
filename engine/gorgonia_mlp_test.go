package engine

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// gorgoniaMLP is a two-layer perceptron with a ReLU (Gorgonia's Rectify)
// or tanh hidden layer and a squared-error loss, written with Gorgonia's
// own API as its users write one.
type gorgoniaMLP struct {
	eg             *G.ExprGraph
	x, y           *G.Node
	w0, b0, w1, b1 *G.Node
	loss           *G.Node
	xs, ys         []float64
}

func newGorgoniaMLP(n, d, h int, relu bool) gorgoniaMLP {
	r := rand.New(rand.NewPCG(5, 6))
	normal := func(k int, s float64) []float64 {
		v := make([]float64, k)
		for i := range v {
			v[i] = s * r.NormFloat64()
		}
		return v
	}
	m := gorgoniaMLP{eg: G.NewGraph()}
	m.xs = normal(n*d, 1)
	m.ys = make([]float64, n)
	for i := range m.ys {
		m.ys[i] = math.Sin(m.xs[i*d]) + 0.5*m.xs[i*d+1]*m.xs[i*d+1]
	}
	param := func(name string, v []float64, shape ...int) *G.Node {
		return G.NewTensor(m.eg, G.Float64, len(shape), G.WithShape(shape...), G.WithName(name),
			G.WithValue(tensor.New(tensor.WithShape(shape...), tensor.WithBacking(v))))
	}
	m.x = G.NewMatrix(m.eg, G.Float64, G.WithShape(n, d), G.WithName("x"))
	m.y = G.NewMatrix(m.eg, G.Float64, G.WithShape(n, 1), G.WithName("y"))
	m.w0 = param("w0", normal(d*h, 1/math.Sqrt(float64(d))), d, h)
	m.b0 = param("b0", normal(h, 0.1), h)
	m.w1 = param("w1", normal(h, 1/math.Sqrt(float64(h))), h, 1)
	m.b1 = param("b1", []float64{0.1}, 1)
	act := G.Tanh
	if relu {
		act = G.Rectify
	}
	hid := G.Must(act(G.Must(G.BroadcastAdd(G.Must(G.Mul(m.x, m.w0)), m.b0, nil, []byte{0}))))
	pred := G.Must(G.BroadcastAdd(G.Must(G.Mul(hid, m.w1)), m.b1, nil, []byte{0}))
	m.loss = G.Must(G.Mean(G.Must(G.Square(G.Must(G.Sub(pred, m.y))))))
	return m
}

// An MLP built with Gorgonia's API imports into native ignis ops and trains
// on ignis's executor to the losses Gorgonia's TapeMachine gives (to
// 1e-12), without allocating, and with ReLU units at least five times as
// fast.
func TestGorgoniaMLPTrainsOnIgnis(t *testing.T) {
	for _, relu := range []bool{true, false} {
		name := map[bool]string{true: "relu", false: "tanh"}[relu]
		t.Run(name, func(t *testing.T) { trainGorgoniaMLP(t, relu) })
	}
}

func trainGorgoniaMLP(t *testing.T, relu bool) {
	const n, d, h, steps, lr = 256, 8, 32, 30, 0.05
	m := newGorgoniaMLP(n, d, h, relu)
	learnables := G.Nodes{m.w0, m.b0, m.w1, m.b1}

	// ignis: import before Gorgonia's training moves the weights
	g := NewGraph()
	loss := g.Import(m.loss)
	params := []*Node{g.Import(m.w0), g.Import(m.b0), g.Import(m.w1), g.Import(m.b1)}
	x, y := g.Import(m.x), g.Import(m.y)
	grads := g.Grad(loss, params...)
	if err := g.Err(); err != nil {
		t.Fatal(err)
	}
	for _, n := range g.Nodes() {
		if n.Kind() == KindForeign {
			t.Errorf("%v was not translated", n.fop)
		}
	}
	p, err := g.Compile(append([]*Node{loss}, grads...))
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Set(x, m.xs); err != nil {
		t.Fatal(err)
	}
	if err := p.Set(y, m.ys); err != nil {
		t.Fatal(err)
	}
	ignisStep := func() float64 {
		if err := p.Run(); err != nil {
			t.Fatal(err)
		}
		for i, w := range params {
			v, gr := p.Value(w), p.Value(grads[i])
			for j := range v {
				v[j] -= lr * gr[j]
			}
		}
		return p.Scalar(loss)
	}

	// Gorgonia: its own gradient, TapeMachine and VanillaSolver
	if _, err := G.Grad(m.loss, learnables...); err != nil {
		t.Fatal(err)
	}
	vm := G.NewTapeMachine(m.eg, G.BindDualValues(learnables...))
	defer vm.Close()
	solver := G.NewVanillaSolver(G.WithLearnRate(lr))
	xv := tensor.New(tensor.WithShape(n, d), tensor.WithBacking(m.xs))
	yv := tensor.New(tensor.WithShape(n, 1), tensor.WithBacking(m.ys))
	tapeStep := func() float64 {
		if err := G.Let(m.x, xv); err != nil {
			t.Fatal(err)
		}
		if err := G.Let(m.y, yv); err != nil {
			t.Fatal(err)
		}
		if err := vm.RunAll(); err != nil {
			t.Fatal(err)
		}
		l := m.loss.Value().Data().(float64)
		if err := solver.Step(G.NodesToValueGrads(learnables)); err != nil {
			t.Fatal(err)
		}
		vm.Reset()
		return l
	}

	for s := range steps {
		want, got := tapeStep(), ignisStep()
		if math.Abs(got-want) > 1e-12*math.Abs(want) {
			t.Fatalf("step %d: loss %v on ignis, %v on the TapeMachine", s, got, want)
		}
		if s == steps-1 {
			t.Logf("step %d: loss %.12g on both", s, got)
		}
	}
	if a := testing.AllocsPerRun(10, func() {
		if err := p.Run(); err != nil {
			t.Fatal(err)
		}
	}); a != 0 {
		t.Errorf("%v allocations per run", a)
	}
	// the fastest of interleaved rounds of five steps each, so that load
	// on the machine weighs on both sides alike
	timeIt := func(f func() float64) time.Duration {
		start := time.Now()
		for range 5 {
			f()
		}
		return time.Since(start) / 5
	}
	ti, tt := time.Duration(math.MaxInt64), time.Duration(math.MaxInt64)
	for range 12 {
		ti, tt = min(ti, timeIt(ignisStep)), min(tt, timeIt(tapeStep))
	}
	t.Logf("a training step: %v on ignis, %v on the TapeMachine (%.1f×)", ti, tt, float64(tt)/float64(ti))
	if relu && tt < 5*ti {
		t.Errorf("ignis is %.1f× faster than the TapeMachine, want at least 5×", float64(tt)/float64(ti))
	}
}
