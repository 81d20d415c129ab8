package nn

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/ignis-ppl/ignis/engine"
)

func run(t *testing.T, g *engine.Graph, outs ...*engine.Node) *engine.Program {
	t.Helper()
	prog, err := g.Compile(outs)
	if err != nil {
		t.Fatal(err)
	}
	if err := prog.Run(); err != nil {
		t.Fatal(err)
	}
	return prog
}

// A dense layer computes x·W + b for batched and single inputs, and its
// Glorot-uniform initial weights lie within ±√(6/(in+out)).
func TestDenseComputesAffineMap(t *testing.T) {
	g := engine.NewGraph()
	d := NewDense(g, "d", 3, 2, rand.New(rand.NewPCG(1, 1)))
	x := g.Constant([]float64{1, 2, 3, -1, 0, 0.5}, 2, 3)
	v := g.Constant([]float64{1, 2, 3}, 3)
	y, yv := d.Apply(x), d.Apply(v)
	prog := run(t, g, y, yv)
	prog.Value(d.B)[0], prog.Value(d.B)[1] = 0.25, -0.5
	if err := prog.Replay(); err != nil {
		t.Fatal(err)
	}
	W, b := prog.Value(d.W), prog.Value(d.B)
	lim := math.Sqrt(6.0 / 5)
	for _, w := range W {
		if math.Abs(w) > lim {
			t.Errorf("initial weight %v outside ±%v", w, lim)
		}
	}
	xs := [][]float64{{1, 2, 3}, {-1, 0, 0.5}}
	for i, row := range xs {
		for j := range 2 {
			want := b[j]
			for k := range 3 {
				want += row[k] * W[k*2+j]
			}
			if got := prog.Value(y)[i*2+j]; math.Abs(got-want) > 1e-14 {
				t.Errorf("y[%d,%d] = %v, want %v", i, j, got, want)
			}
			if i == 0 && math.Abs(prog.Value(yv)[j]-want) > 1e-14 {
				t.Errorf("vector input: y[%d] = %v, want %v", j, prog.Value(yv)[j], want)
			}
		}
	}
}

// A dense stack applies its activation between layers only; ELU and ReLU match
// their definitions.
func TestDenseStackAndActivations(t *testing.T) {
	g := engine.NewGraph()
	m := NewDenseStack(g, "m", []int{2, 3, 1}, ReLU, rand.New(rand.NewPCG(2, 2)))
	x := g.Constant([]float64{0.5, -1.5}, 1, 2)
	y := m.Apply(x)
	xs := g.Constant([]float64{-2, -0.5, 0, 1.5}, 4)
	elu, relu := ELU(g, xs), ReLU(g, xs)
	prog := run(t, g, y, elu, relu)
	W0, b0, W1, b1 := prog.Value(m.Layers[0].W), prog.Value(m.Layers[0].B), prog.Value(m.Layers[1].W), prog.Value(m.Layers[1].B)
	want := b1[0]
	for j := range 3 {
		h := b0[j] + 0.5*W0[j] - 1.5*W0[3+j]
		want += math.Max(h, 0) * W1[j]
	}
	if got := prog.Value(y)[0]; math.Abs(got-want) > 1e-14 {
		t.Errorf("stack = %v, want %v", got, want)
	}
	for i, v := range []float64{-2, -0.5, 0, 1.5} {
		we := v
		if v <= 0 {
			we = math.Expm1(v)
		}
		if got := prog.Value(elu)[i]; math.Abs(got-we) > 1e-15 {
			t.Errorf("elu(%v) = %v, want %v", v, got, we)
		}
		if got := prog.Value(relu)[i]; got != math.Max(v, 0) {
			t.Errorf("relu(%v) = %v", v, got)
		}
	}
}

// The encoder's distribution has batch [B] and event [D], a positive scale,
// and a mean equal to the first D outputs of its network; the mean-field
// Gaussian starts at mean 0 and the requested scale.
func TestGaussianPieces(t *testing.T) {
	g := engine.NewGraph()
	e := NewGaussianEncoder(g, "e", []int{4, 5, 3}, Tanh, rand.New(rand.NewPCG(3, 3)))
	x := g.Constant([]float64{1, 0, -1, 2, 0.5, 0.5, 0.5, 0.5}, 2, 4)
	q := e.Dist(x)
	if !q.BatchShape().Equal(engine.Shape{2}) || !q.EventShape().Equal(engine.Shape{3}) {
		t.Fatalf("encoder shapes: batch %v event %v", q.BatchShape(), q.EventShape())
	}
	h := e.Net.Apply(x)
	z := q.Sample(7)
	mf := NewMeanField(g, "w", []int{2, 3}, 0.3)
	qw := mf.Dist()
	if len(qw.BatchShape()) != 0 || !qw.EventShape().Equal(engine.Shape{2, 3}) {
		t.Fatalf("mean-field shapes: batch %v event %v", qw.BatchShape(), qw.EventShape())
	}
	w := qw.Sample(20000)
	prog := run(t, g, h, z, w)
	if len(prog.Value(z)) != 7*2*3 {
		t.Errorf("sample has %d values", len(prog.Value(z)))
	}
	// Sample standard deviation of 20000 draws of N(0, 0.3²): relative
	// standard error 1/√(2·20000) ≈ 0.5%; allow 4 of them (2%).
	ws := prog.Value(w)
	for k := range 6 {
		var s, s2 float64
		for i := k; i < len(ws); i += 6 {
			s += ws[i]
			s2 += ws[i] * ws[i]
		}
		n := float64(len(ws) / 6)
		mean := s / n
		sd := math.Sqrt(s2/n - mean*mean)
		if math.Abs(mean) > 4*0.3/math.Sqrt(n) || math.Abs(sd/0.3-1) > 0.02 {
			t.Errorf("coordinate %d: mean %v, sd %v; want 0 and 0.3", k, mean, sd)
		}
	}
	if err := g.Err(); err != nil {
		t.Fatal(err)
	}
}

func TestBadArguments(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	for name, build := range map[string]func(g *engine.Graph){
		"dense zero size":  func(g *engine.Graph) { NewDense(g, "d", 0, 2, rng) },
		"dense nil rng":    func(g *engine.Graph) { NewDense(g, "d", 2, 2, nil) },
		"stack one size":   func(g *engine.Graph) { NewDenseStack(g, "m", []int{3}, ReLU, rng) },
		"stack nil act":    func(g *engine.Graph) { NewDenseStack(g, "m", []int{3, 2}, nil, rng) },
		"encoder no sizes": func(g *engine.Graph) { NewGaussianEncoder(g, "e", []int{3}, ReLU, rng) },
		"mean field scale": func(g *engine.Graph) { NewMeanField(g, "w", []int{2}, 0) },
		"dense wrong input": func(g *engine.Graph) {
			NewDense(g, "d", 3, 2, rng).Apply(g.Fill(0, 2, 4))
		},
	} {
		g := engine.NewGraph()
		build(g)
		if err := g.Err(); err == nil {
			t.Errorf("%s: no error", name)
		} else if !errors.Is(err, ErrArgument) && !errors.Is(err, engine.ErrShape) {
			t.Errorf("%s: error %v wraps neither nn.ErrArgument nor engine.ErrShape", name, err)
		}
	}
	if n := NewDense(nil, "d", 2, 2, rng).Apply(nil); n.Valid() {
		t.Error("dense on a nil graph gave a valid node")
	}
	if d := StandardNormal(nil, 2); d.Graph() == nil {
		t.Error("StandardNormal(nil) has no graph to carry its error")
	}
}
