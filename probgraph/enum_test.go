package probgraph

import (
	"errors"
	"testing"

	"github.com/ignis-ppl/ignis/engine"
	"github.com/ignis-ppl/ignis/probgraph/dist"
)

// twoEnumerated has a global Bernoulli and a Categorical in a plate of 5,
// both marked for enumeration, and an unmarked one.
func twoEnumerated(m *Ctx) {
	g := m.Graph()
	m.Sample("z", dist.Bernoulli(g.Scalar(0.3)), EnumerateParallel())
	p := m.Plate("data", 5)
	p.Sample("y", dist.Categorical(g.Constant([]float64{0.2, 0.3, 0.5}, 3)), EnumerateParallel())
	p.Sample("u", dist.Categorical(g.Constant([]float64{0.5, 0.5}, 2)))
}

// TestEnumLaysSupportLeftOfPlates checks Pyro's layout: with first
// available dim −2 (one plate dim), the first enumerated site takes dim −2
// (value [2, 1]), the next −3 (value [3, 1, 1]); unmarked sites are sampled.
func TestEnumLaysSupportLeftOfPlates(t *testing.T) {
	tr, err := TraceModel(engine.NewGraph(), Enum(-2)(twoEnumerated))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name  string
		shape engine.Shape
		dim   int
		lp    engine.Shape
	}{
		{"z", engine.Shape{2, 1}, -2, engine.Shape{2, 1}},
		{"y", engine.Shape{3, 1, 1}, -3, engine.Shape{3, 1, 5}},
		{"u", engine.Shape{5}, 0, engine.Shape{5}},
	} {
		s := tr.Site(c.name)
		if !s.Value.Shape().Equal(c.shape) || s.Infer.EnumDim != c.dim || !s.LogProb().Shape().Equal(c.lp) {
			t.Errorf("%s: value %v, dim %d, log-prob %v; want %v, %d, %v",
				c.name, s.Value.Shape(), s.Infer.EnumDim, s.LogProb().Shape(), c.shape, c.dim, c.lp)
		}
	}
	if n := tr.MaxPlateNesting(); n != 1 {
		t.Errorf("MaxPlateNesting of the unenumerated model: %d, want 1", n)
	}
}

func TestEnumRejectsBadDims(t *testing.T) {
	if _, err := TraceModel(engine.NewGraph(), Enum(0)(twoEnumerated)); !errors.Is(err, ErrEnum) {
		t.Errorf("dim 0: %v", err)
	}
	// A site in a plate at dim −1 cannot be enumerated at dim −1.
	inPlate := func(m *Ctx) {
		g := m.Graph()
		m.Plate("data", 5).Sample("y", dist.Categorical(g.Constant([]float64{0.2, 0.8}, 2)), EnumerateParallel())
	}
	if _, err := TraceModel(engine.NewGraph(), Enum(-1)(inPlate)); !errors.Is(err, ErrEnum) {
		t.Errorf("dim −1 with a plate at −1: %v", err)
	}
}
