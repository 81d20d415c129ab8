package dist

import (
	"errors"
	"testing"

	"github.com/ignis-ppl/ignis/engine"
)

func init() {
	refFamilies["MixtureSameFamily"] = func(g *engine.Graph, p map[string]*engine.Node) Distribution {
		var mix *CategoricalDist
		if l, ok := p["mixture_logits"]; ok {
			mix = CategoricalLogits(l)
		} else {
			mix = Categorical(p["mixture_probs"])
		}
		var comp Distribution = Normal(p["loc"], p["scale"])
		if v, _ := p["event_dims"].ConstValue(); len(v) == 1 && v[0] > 0 {
			comp = ToEvent(comp, int(v[0]))
		}
		return MixtureSameFamily(mix, comp)
	}
}

// checkMixtureMoments compares the draws' moments with the mixture's own
// Mean and Variance.
func checkMixtureMoments(t *testing.T, build func(g *engine.Graph) *MixtureSameFamilyDist) {
	t.Helper()
	g := engine.NewGraph()
	d := build(g)
	v := evalNodes(t, g, d.Mean(), d.Variance())
	checkMoments(t, func(g *engine.Graph) Distribution { return build(g) }, v[0], v[1])
}

func TestMixtureSameFamilySampleMoments(t *testing.T) {
	t.Run("broadcast mixing", func(t *testing.T) {
		checkMixtureMoments(t, func(g *engine.Graph) *MixtureSameFamilyDist {
			mix := Categorical(g.Constant([]float64{0.2, 0.5, 0.3}, 3))
			comp := Normal(g.Constant([]float64{-2, 0, 3, 1, 1.5, -4}, 2, 3), g.Constant([]float64{0.5, 1, 2}, 3))
			return MixtureSameFamily(mix, comp)
		})
	})
	t.Run("broadcast component", func(t *testing.T) {
		checkMixtureMoments(t, func(g *engine.Graph) *MixtureSameFamilyDist {
			mix := CategoricalLogits(g.Constant([]float64{0, 1, -1, 2}, 2, 2))
			return MixtureSameFamily(mix, Normal(g.Constant([]float64{-3, 3}, 2), g.Scalar(1)))
		})
	})
	t.Run("event", func(t *testing.T) {
		checkMixtureMoments(t, func(g *engine.Graph) *MixtureSameFamilyDist {
			mix := Categorical(g.Constant([]float64{0.7, 0.3}, 2))
			comp := ToEvent(Normal(g.Constant([]float64{-1, 2, 4, 0}, 2, 2), g.Constant([]float64{1, 0.5, 0.3, 2}, 2, 2)), 1)
			return MixtureSameFamily(mix, comp)
		})
	})
}

// The log-prob's gradient in the mixing logits and the component locations
// matches central differences.
func TestMixtureSameFamilyLogProbGradient(t *testing.T) {
	checkLogProbGradFD(t, []float64{0.2, -0.5, 1, -1, 0.5, 2}, []int{2, 3}, func(g *engine.Graph, th *engine.Node) *engine.Node {
		mix := CategoricalLogits(g.Slice(th, 0, 0, 1))
		comp := Normal(g.Slice(th, 0, 1, 2), g.Constant([]float64{0.7, 1.2, 2}, 3))
		return MixtureSameFamily(mix, comp).LogProb(g.Constant([]float64{-1, 0.3, 2.5, 4}, 4, 1))
	})
}

func TestMixtureSameFamilyValueShape(t *testing.T) {
	g := engine.NewGraph()
	mix := Categorical(g.Constant([]float64{0.5, 0.5}, 2))
	d := MixtureSameFamily(mix, ToEvent(Normal(g.Fill(0, 2, 3), g.Fill(1, 2, 3)), 1))
	if err := g.Err(); err != nil {
		t.Fatal(err)
	}
	if !d.BatchShape().Equal(engine.Shape{}) || !d.EventShape().Equal(engine.Shape{3}) {
		t.Errorf("batch %v event %v", d.BatchShape(), d.EventShape())
	}
	d.LogProb(g.Fill(0, 4, 2))
	if err := g.Err(); !errors.Is(err, ErrShape) {
		t.Errorf("value of the wrong event shape: %v, want ErrShape", err)
	}
}
