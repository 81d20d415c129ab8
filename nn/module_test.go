package nn

import (
	"errors"
	"math"
	"testing"

	"github.com/ignis-ppl/ignis/engine"
	"github.com/ignis-ppl/ignis/probgraph"
)

// traced runs model under a fresh parameter store, then compiles and runs
// the nodes outs returns.
func traced(t *testing.T, model probgraph.Model, outs func(*probgraph.ParamStore) []*engine.Node) (*probgraph.ParamStore, *probgraph.Trace, *engine.Program) {
	t.Helper()
	g := engine.NewGraph()
	ps := probgraph.NewParamStore(g)
	tr, err := probgraph.TraceModel(g, ps.Handle()(model))
	if err != nil {
		t.Fatal(err)
	}
	var nodes []*engine.Node
	for _, e := range ps.Entries() {
		nodes = append(nodes, e.Value)
	}
	return ps, tr, run(t, g, append(nodes, outs(ps)...)...)
}

// A Linear layer's weights are parameters in the store, named after the
// layer and initialised the same way on every run, and it computes x·W + b
// for batched and single inputs.
func TestLinearWeightsAreStoreParameters(t *testing.T) {
	l := Linear{Name: "l", In: 3, Out: 2, BiasInit: Constant(0.25)}
	xs := [][]float64{{1, 2, 3}, {-1, 0, 0.5}}
	var y, yv *engine.Node
	ps, _, prog := traced(t, func(m *probgraph.Ctx) {
		y = l.Apply(m, m.Graph().Constant(append(append([]float64(nil), xs[0]...), xs[1]...), 2, 3))
	}, func(*probgraph.ParamStore) []*engine.Node { return []*engine.Node{y} })
	psv, _, progv := traced(t, func(m *probgraph.Ctx) {
		yv = l.Apply(m, m.Graph().Constant(xs[0], 3))
	}, func(*probgraph.ParamStore) []*engine.Node { return []*engine.Node{yv} })
	if len(ps.Entries()) != 2 || ps.Entry("l.weight") == nil || ps.Entry("l.bias") == nil {
		t.Fatalf("store has %d entries, want l.weight and l.bias", len(ps.Entries()))
	}
	W, b := prog.Value(ps.Entry("l.weight").Value), prog.Value(ps.Entry("l.bias").Value)
	Wv := progv.Value(psv.Entry("l.weight").Value)
	lim := math.Sqrt(6.0 / 5)
	for i, w := range W {
		if math.Abs(w) > lim || w == 0 {
			t.Errorf("initial weight %v outside ±%v or zero", w, lim)
		}
		if Wv[i] != w {
			t.Errorf("weight %d initialised to %v in one run and %v in another", i, w, Wv[i])
		}
	}
	for i, row := range xs {
		for j := range 2 {
			want := b[j]
			for k := range 3 {
				want += row[k] * W[k*2+j]
			}
			if b[j] != 0.25 {
				t.Errorf("bias %v, want its initial 0.25", b[j])
			}
			if got := prog.Value(y)[i*2+j]; math.Abs(got-want) > 1e-14 {
				t.Errorf("y[%d,%d] = %v, want %v", i, j, got, want)
			}
			if i == 0 && math.Abs(progv.Value(yv)[j]-want) > 1e-14 {
				t.Errorf("vector input: y[%d] = %v, want %v", j, progv.Value(yv)[j], want)
			}
		}
	}
}

// Weights with leading batch dimensions, as a Bayesian layer gets under
// Predictive (W [S, 1, In, Out] beside a data plate), act on every input
// with the sample's own weights: y[s, n] = x[n]·W[s] + b[s].
func TestLinearBatchedWeightsFollowPlates(t *testing.T) {
	const S, N, In, Out = 3, 4, 2, 5
	l := Linear{Name: "l", In: In, Out: Out}
	Wd, bd, xd := make([]float64, S*In*Out), make([]float64, S*Out), make([]float64, N*In)
	for i := range Wd {
		Wd[i] = math.Sin(float64(i))
	}
	for i := range bd {
		bd[i] = math.Cos(float64(i))
	}
	for i := range xd {
		xd[i] = float64(i) - 3.5
	}
	var y *engine.Node
	_, _, prog := traced(t, func(m *probgraph.Ctx) {
		g := m.Graph()
		subs := map[string]*engine.Node{"l.weight": g.Constant(Wd, S, 1, In, Out), "l.bias": g.Constant(bd, S, 1, Out)}
		probgraph.Substitute(subs)(func(m *probgraph.Ctx) {
			y = Bayesian(l, NormalPrior(1)).Apply(m, m.Graph().Constant(xd, N, In))
		})(m)
	}, func(*probgraph.ParamStore) []*engine.Node { return []*engine.Node{y} })
	if !y.Shape().Equal(engine.Shape{S, N, Out}) {
		t.Fatalf("shape %v, want [%d %d %d]", y.Shape(), S, N, Out)
	}
	for s := range S {
		for n := range N {
			for o := range Out {
				want := bd[s*Out+o]
				for i := range In {
					want += xd[n*In+i] * Wd[(s*In+i)*Out+o]
				}
				if got := prog.Value(y)[(s*N+n)*Out+o]; math.Abs(got-want) > 1e-14 {
					t.Errorf("y[%d,%d,%d] = %v, want %v", s, n, o, got, want)
				}
			}
		}
	}
}

// Bayesian turns every weight of a composition into a sample site (an MLP
// inside a Sequential included); KernelsOnly leaves the biases parameters.
func TestBayesianMakesWeightsSampleSites(t *testing.T) {
	net := Sequential{MLP{Name: "a", Sizes: []int{2, 3, 2}, Act: ReLU}, Tanh, Linear{Name: "b", In: 2, Out: 1}}
	for _, c := range []struct {
		prior   Prior
		samples []string
		params  []string
	}{
		{NormalPrior(1), []string{"a.0.weight", "a.0.bias", "a.1.weight", "a.1.bias", "b.weight", "b.bias"}, nil},
		{KernelsOnly(NormalPrior(1)), []string{"a.0.weight", "a.1.weight", "b.weight"}, []string{"a.0.bias", "a.1.bias", "b.bias"}},
		{nil, nil, []string{"a.0.weight", "a.0.bias", "a.1.weight", "a.1.bias", "b.weight", "b.bias"}},
	} {
		_, tr, _ := traced(t, func(m *probgraph.Ctx) {
			Bayesian(net, c.prior).Apply(m, m.Graph().Fill(1, 5, 2))
		}, func(*probgraph.ParamStore) []*engine.Node { return nil })
		var samples, params []string
		for _, s := range tr.Sites() {
			switch s.Kind {
			case probgraph.SampleSite:
				samples = append(samples, s.Name)
			case probgraph.ParamSite:
				params = append(params, s.Name)
			}
		}
		if !equal(samples, c.samples) || !equal(params, c.params) {
			t.Errorf("sample sites %v and params %v, want %v and %v", samples, params, c.samples, c.params)
		}
	}
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// A Conv2D layer adds its bias per output channel to the engine's
// convolution of the input with its filters.
func TestConv2DLayerAddsBiasPerChannel(t *testing.T) {
	c := Conv2D{Name: "c", In: 2, Out: 3, Size: [2]int{2, 2}, BiasInit: Normal(1),
		Config: engine.Conv2DConfig{Stride: [2]int{2, 1}, Padding: [2]int{1, 0}}}
	xd := make([]float64, 2*2*5*4)
	for i := range xd {
		xd[i] = math.Sin(0.7 * float64(i))
	}
	var x, y, ref *engine.Node
	ps, _, prog := traced(t, func(m *probgraph.Ctx) {
		x = m.Graph().Constant(xd, 2, 2, 5, 4)
		y = c.Apply(m, x)
	}, func(ps *probgraph.ParamStore) []*engine.Node {
		ref = x.Graph().Conv2D(x, ps.Entry("c.weight").Value, c.Config)
		return []*engine.Node{y, ref}
	})
	b := prog.Value(ps.Entry("c.bias").Value)
	s := y.Shape()
	if !s.Equal(engine.Shape{2, 3, 3, 3}) {
		t.Fatalf("shape %v, want [2 3 3 3]", s)
	}
	for i, got := range prog.Value(y) {
		f := (i / (s[2] * s[3])) % s[1]
		if want := prog.Value(ref)[i] + b[f]; math.Abs(got-want) > 1e-14 {
			t.Fatalf("y[%d] = %v, want %v", i, got, want)
		}
	}
}

// Misused modules are errors wrapping nn.ErrArgument or engine.ErrShape,
// reported through the model's graph.
func TestModulesRejectBadArguments(t *testing.T) {
	cases := map[string]func(m *probgraph.Ctx){
		"linear zero size": func(m *probgraph.Ctx) { Linear{Name: "l", In: 0, Out: 2}.Apply(m, m.Graph().Fill(0, 2)) },
		"linear no name":   func(m *probgraph.Ctx) { Linear{In: 2, Out: 2}.Apply(m, m.Graph().Fill(0, 2)) },
		"linear input":     func(m *probgraph.Ctx) { Linear{Name: "l", In: 3, Out: 2}.Apply(m, m.Graph().Fill(0, 4, 2)) },
		"mlp one size":     func(m *probgraph.Ctx) { MLP{Name: "n", Sizes: []int{3}, Act: ReLU}.Apply(m, m.Graph().Fill(0, 3)) },
		"mlp no act":       func(m *probgraph.Ctx) { MLP{Name: "n", Sizes: []int{3, 1}}.Apply(m, m.Graph().Fill(0, 3)) },
		"empty sequential": func(m *probgraph.Ctx) { Sequential{}.Apply(m, m.Graph().Fill(0, 3)) },
		"nil in sequential": func(m *probgraph.Ctx) {
			Sequential{ReLU, nil}.Apply(m, m.Graph().Fill(0, 3))
		},
		"conv channels": func(m *probgraph.Ctx) {
			Conv2D{Name: "c", In: 2, Out: 1, Size: [2]int{1, 1}}.Apply(m, m.Graph().Fill(0, 1, 3, 4, 4))
		},
		"conv kernel size": func(m *probgraph.Ctx) {
			Conv2D{Name: "c", In: 1, Out: 1}.Apply(m, m.Graph().Fill(0, 1, 1, 4, 4))
		},
		"bayesian foreign module": func(m *probgraph.Ctx) {
			Bayesian(foreign{}, NormalPrior(1)).Apply(m, m.Graph().Fill(0, 3))
		},
		"non-finite init": func(m *probgraph.Ctx) {
			Linear{Name: "l", In: 2, Out: 2, Init: Constant(math.NaN())}.Apply(m, m.Graph().Fill(0, 2))
		},
		"encoder output size": func(m *probgraph.Ctx) {
			NormalEncoder{Net: Linear{Name: "e", In: 2, Out: 3}, Latent: 2}.Dist(m, m.Graph().Fill(0, 4, 2))
		},
		"encoder no net": func(m *probgraph.Ctx) { NormalEncoder{Latent: 2}.Dist(m, m.Graph().Fill(0, 4, 2)) },
	}
	for name, model := range cases {
		t.Run(name, func(t *testing.T) {
			g := engine.NewGraph()
			_, err := probgraph.TraceModel(g, probgraph.NewParamStore(g).Handle()(model))
			if err == nil {
				t.Fatal("no error")
			}
			if !errors.Is(err, ErrArgument) && !errors.Is(err, engine.ErrShape) {
				t.Errorf("error %v wraps neither nn.ErrArgument nor engine.ErrShape", err)
			}
		})
	}
}

// foreign is a module of a type Bayesian does not know.
type foreign struct{}

func (foreign) Apply(m *probgraph.Ctx, x *engine.Node) *engine.Node { return x }
