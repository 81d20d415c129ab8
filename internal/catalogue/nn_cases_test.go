package catalogue_test

import (
	"context"
	"math"

	"github.com/ignis-ppl/ignis/engine"
	"github.com/ignis-ppl/ignis/nn"
	"github.com/ignis-ppl/ignis/probgraph"
	"github.com/ignis-ppl/ignis/probgraph/dist"
	"github.com/ignis-ppl/ignis/probgraph/infer"
)

// nnSVI builds SVI for a regression of four points on a network net (the
// model) with a guide that only declares guideNet's parameters.
func nnSVI(net, guideNet nn.Module, in int) error {
	x := make([]float64, 4*in)
	model := func(m *probgraph.Ctx) {
		g := m.Graph()
		f := net.Apply(m, g.Constant(x, 4, in))
		m.Plate("data", 4).Observe("y", dist.Normal(g.Reshape(f, 4), g.Scalar(1)), g.Fill(0, 4))
	}
	guide := func(m *probgraph.Ctx) {
		if guideNet != nil {
			guideNet.Apply(m, m.Graph().Fill(0, 1))
		}
	}
	opt, err := engine.NewAdam(engine.AdamOptions{LR: 0.01})
	if err != nil {
		return wrong("adam: %v", err)
	}
	_, err = infer.NewSVI(model, guide, opt, infer.TraceELBO{})
	return err
}

// nnCases are the catalogue's misuses of nn.
func nnCases() []badInput {
	svi := func(name string, want error, net, guideNet nn.Module, in int, mention ...string) badInput {
		return badInput{name: name, want: want, mention: mention, run: func(context.Context) error {
			return nnSVI(net, guideNet, in)
		}}
	}
	return []badInput{
		svi("linear input of the wrong width", engine.ErrShape, nn.Linear{Name: "l", In: 3, Out: 1}, nil, 2, "linear", `"l"`, "[4 2]"),
		svi("linear of zero size", nn.ErrArgument, nn.Linear{Name: "l", In: 2, Out: 0}, nil, 2, "linear", "2→0"),
		svi("mlp with one size", nn.ErrArgument, nn.MLP{Name: "f", Sizes: []int{2}, Act: nn.Tanh}, nil, 2, "mlp", `"f"`),
		svi("mlp without an activation", nn.ErrArgument, nn.MLP{Name: "f", Sizes: []int{2, 1}}, nil, 2, "mlp", "activation"),
		svi("non-finite initialiser", nn.ErrArgument, nn.Linear{Name: "l", In: 2, Out: 1, Init: nn.Constant(math.Inf(1))}, nil, 2,
			"l.weight", "not finite"),
		svi("bayesian module of an unknown type", nn.ErrArgument, nn.Bayesian(opaque{}, nn.NormalPrior(1)), nil, 2, "WithPrior"),
		svi("model and guide modules share a name with other sizes", probgraph.ErrSite,
			nn.Linear{Name: "l", In: 2, Out: 1}, nn.Linear{Name: "l", In: 1, Out: 3}, 2, "l.weight", "shape"),
		svi("conv2d channels differ from the input's", engine.ErrShape,
			nn.Sequential{nn.ModuleFunc(func(m *probgraph.Ctx, x *engine.Node) *engine.Node { return m.Graph().Reshape(x, 4, 1, 1, 2) }),
				nn.Conv2D{Name: "c", In: 2, Out: 1, Size: [2]int{1, 1}}, nn.Flatten}, nil, 2, "conv2d", `"c"`, "[4 1 1 2]"),
		svi("empty sequential", nn.ErrArgument, nn.Sequential{}, nil, 2, "empty sequential"),
		{name: "conv2d stride negative", want: engine.ErrArgument, mention: []string{"conv2d", "stride"}, run: func(context.Context) error {
			g := engine.NewGraph()
			g.Conv2D(g.Fill(0, 1, 1, 3, 3), g.Fill(0, 1, 1, 2, 2), engine.Conv2DConfig{Stride: [2]int{-1, 1}})
			return g.Err()
		}},
		{name: "bayesian conv2d drawn in parallel", want: engine.ErrShape, mention: []string{"conv2d", "batched"}, run: func(context.Context) error {
			conv := nn.Bayesian(nn.Conv2D{Name: "c", In: 1, Out: 1, Size: [2]int{2, 2}}, nn.NormalPrior(1))
			model := func(m *probgraph.Ctx) {
				g := m.Graph()
				y := g.Reshape(conv.Apply(m, g.Fill(0, 2, 1, 3, 3)), 2, 4)
				m.Plate("pixels", 4).Plate("images", 2).Sample("y", dist.Normal(y, g.Scalar(1)))
			}
			_, err := infer.NewPredictive(model, infer.PredictiveOptions{NumSamples: 3})
			return err
		}},
		{name: "encoder output of the wrong width", want: engine.ErrShape, mention: []string{"normal encoder", "[4 3]"}, run: func(context.Context) error {
			g := engine.NewGraph()
			_, err := probgraph.TraceModel(g, probgraph.NewParamStore(g).Handle()(func(m *probgraph.Ctx) {
				q := nn.NormalEncoder{Net: nn.Linear{Name: "e", In: 2, Out: 3}, Latent: 2}.Dist(m, m.Graph().Fill(0, 4, 2))
				m.Plate("data", 4).Sample("z", q)
			}))
			return err
		}},
	}
}

// opaque is a module type nn.Bayesian does not know.
type opaque struct{}

func (opaque) Apply(_ *probgraph.Ctx, x *engine.Node) *engine.Node { return x }
