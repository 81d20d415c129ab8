package nn_test

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/ignis-ppl/ignis/engine"
	"github.com/ignis-ppl/ignis/nn"
	"github.com/ignis-ppl/ignis/probgraph"
	"github.com/ignis-ppl/ignis/probgraph/dist"
	"github.com/ignis-ppl/ignis/probgraph/infer"
)

// A Conv2D layer's filters and bias, as parameters of a model fitted by SVI
// (maximum likelihood: the guide is empty), converge to the filters that
// made noise-free data: the loss is a convex quadratic in them with its
// minimum there.
func TestConv2DLayerRecoversFiltersUnderSVI(t *testing.T) {
	const n, size = 6, 6
	conv := nn.Conv2D{Name: "conv", In: 2, Out: 2, Size: [2]int{3, 3}, Config: engine.Conv2DConfig{Stride: [2]int{1, 1}, Padding: [2]int{1, 1}}}
	r := rand.New(rand.NewPCG(5, 6))
	x := make([]float64, n*2*size*size)
	for i := range x {
		x[i] = r.NormFloat64()
	}
	kTrue := make([]float64, 2*2*3*3)
	for i := range kTrue {
		kTrue[i] = r.NormFloat64() / 2
	}
	bTrue := []float64{0.5, -0.3}

	// The data: the engine's convolution with the true filters.
	g := engine.NewGraph()
	yn := g.Add(g.Conv2D(g.Constant(x, n, 2, size, size), g.Constant(kTrue, 2, 2, 3, 3), conv.Config), g.Constant(bTrue, 2, 1, 1))
	prog, err := g.Compile([]*engine.Node{yn})
	if err != nil {
		t.Fatal(err)
	}
	if err := prog.Run(); err != nil {
		t.Fatal(err)
	}
	y := append([]float64(nil), prog.Value(yn)...)

	model := func(m *probgraph.Ctx) {
		g := m.Graph()
		f := conv.Apply(m, g.Constant(x, n, 2, size, size))
		m.Plate("images", n).Observe("y", dist.ToEvent(dist.Normal(f, g.Scalar(0.1)), 3), g.Constant(y, n, 2, size, size))
	}
	steps := 1500
	opt, err := engine.NewAdam(engine.AdamOptions{Schedule: engine.ExponentialLR{Initial: 0.05, Gamma: math.Pow(0.01, 1/float64(steps))}})
	if err != nil {
		t.Fatal(err)
	}
	svi, err := infer.NewSVI(model, func(*probgraph.Ctx) {}, opt, infer.TraceELBO{}, infer.WithSeed(1))
	if err != nil {
		t.Fatal(err)
	}
	losses, err := svi.Run(context.Background(), steps, nil)
	if err != nil {
		t.Fatal(err)
	}
	k, b := svi.Param("conv.weight"), svi.Param("conv.bias")
	worst := 0.0
	for i := range kTrue {
		worst = math.Max(worst, math.Abs(k[i]-kTrue[i]))
	}
	for i := range bTrue {
		worst = math.Max(worst, math.Abs(b[i]-bTrue[i]))
	}
	t.Logf("loss %.4g → %.4g; largest filter or bias error %.2g", losses[0], losses[steps-1], worst)
	if worst > 1e-6 {
		t.Errorf("filters and bias off by up to %v, want below 1e-6", worst)
	}
}
