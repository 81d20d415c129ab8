package nn

import (
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"

	"github.com/ignis-ppl/ignis/engine"
	"github.com/ignis-ppl/ignis/probgraph"
	"github.com/ignis-ppl/ignis/probgraph/dist"
)

// Role tells a weight tensor's part in its module.
type Role int

// Roles.
const (
	// Kernel is a layer's weight matrix or filter bank.
	Kernel Role = iota
	// Bias is a layer's additive offset.
	Bias
)

func (r Role) String() string {
	if r == Bias {
		return "bias"
	}
	return "weight"
}

// Weight describes one weight tensor of a module to initialisers and
// priors.
type Weight struct {
	// Name is the site name: the module's name, a dot and "weight" or
	// "bias".
	Name  string
	Role  Role
	Shape engine.Shape
	// FanIn and FanOut are the numbers of inputs and outputs each weight
	// connects (for a convolution: channels × kernel area), which the
	// standard initialisations scale by.
	FanIn, FanOut int
}

// Init fills out (of w.Shape.Size() values) with a weight's initial value,
// drawing from rng. The rng is seeded from the weight's name, so a module
// starts from the same values in every run and every program.
type Init func(w Weight, rng *rand.Rand, out []float64)

// Standard initialisations (Glorot and Bengio 2010; He et al. 2015;
// LeCun et al. 1998).
var (
	// Zeros sets every value to 0.
	Zeros Init = func(_ Weight, _ *rand.Rand, out []float64) { clear(out) }
	// GlorotUniform draws from U(−l, l), l = √(6/(fan in + fan out)).
	GlorotUniform Init = func(w Weight, rng *rand.Rand, out []float64) {
		uniform(rng, out, math.Sqrt(6/float64(w.FanIn+w.FanOut)))
	}
	// GlorotNormal draws from N(0, 2/(fan in + fan out)).
	GlorotNormal Init = func(w Weight, rng *rand.Rand, out []float64) {
		normal(rng, out, math.Sqrt(2/float64(w.FanIn+w.FanOut)))
	}
	// HeUniform draws from U(−l, l), l = √(6/fan in): for ReLU networks.
	HeUniform Init = func(w Weight, rng *rand.Rand, out []float64) {
		uniform(rng, out, math.Sqrt(6/float64(w.FanIn)))
	}
	// HeNormal draws from N(0, 2/fan in): for ReLU networks.
	HeNormal Init = func(w Weight, rng *rand.Rand, out []float64) {
		normal(rng, out, math.Sqrt(2/float64(w.FanIn)))
	}
	// LeCunNormal draws from N(0, 1/fan in): for tanh and SELU networks.
	LeCunNormal Init = func(w Weight, rng *rand.Rand, out []float64) {
		normal(rng, out, math.Sqrt(1/float64(w.FanIn)))
	}
)

// Constant sets every value to v.
func Constant(v float64) Init {
	return func(_ Weight, _ *rand.Rand, out []float64) {
		for i := range out {
			out[i] = v
		}
	}
}

// Normal draws from N(0, sd²).
func Normal(sd float64) Init {
	return func(_ Weight, rng *rand.Rand, out []float64) { normal(rng, out, sd) }
}

func uniform(rng *rand.Rand, out []float64, lim float64) {
	for i := range out {
		out[i] = lim * (2*rng.Float64() - 1)
	}
}

func normal(rng *rand.Rand, out []float64, sd float64) {
	for i := range out {
		out[i] = sd * rng.NormFloat64()
	}
}

// Prior returns the prior of a weight of a Bayesian module, built on g, with
// the weight's shape as its event shape, or nil to keep that weight a
// parameter (a prior on the kernels only, say).
type Prior func(g *engine.Graph, w Weight) dist.Distribution

// NormalPrior puts an independent N(0, sd²) on every element of every
// weight.
func NormalPrior(sd float64) Prior {
	return func(g *engine.Graph, w Weight) dist.Distribution {
		return dist.ToEvent(dist.Normal(g.Fill(0, w.Shape...), g.Fill(sd, w.Shape...)), len(w.Shape))
	}
}

// KernelsOnly restricts a prior to the kernels: biases stay parameters.
func KernelsOnly(p Prior) Prior {
	return func(g *engine.Graph, w Weight) dist.Distribution {
		if w.Role != Kernel {
			return nil
		}
		return p(g, w)
	}
}

// Bayesian returns mod with its weights (and those of the modules inside
// it) declared as sample sites drawn from prior instead of parameters, as
// Pyro's PyroModule with PyroSample priors does. The sites are latent
// variables like any other: automatic guides fit them, NUTS samples them.
// Modules without weights (activations, ModuleFunc) come back unchanged;
// a module of another type must implement WithPrior to take part.
func Bayesian(mod Module, prior Prior) Module {
	switch b := mod.(type) {
	case interface{ WithPrior(Prior) Module }:
		return b.WithPrior(prior)
	case Activation, ModuleFunc:
		return mod
	}
	return ModuleFunc(func(m *probgraph.Ctx, _ *engine.Node) *engine.Node {
		return m.Graph().Fail(fmt.Errorf("%w: Bayesian: %T has no WithPrior method", ErrArgument, mod))
	})
}

// declare adds one weight to the model run: a sample site when prior gives
// it a distribution, else a parameter initialised by init (or def when init
// is nil).
func declare(m *probgraph.Ctx, w Weight, init, def Init, prior Prior) *engine.Node {
	g := m.Graph()
	if prior != nil {
		if d := prior(g, w); d != nil {
			return m.Sample(w.Name, d)
		}
	}
	if init == nil {
		init = def
	}
	h := fnv.New64a()
	h.Write([]byte(w.Name))
	rng := rand.New(rand.NewPCG(h.Sum64(), 0x9e3779b97f4a7c15))
	v := make([]float64, w.Shape.Size())
	init(w, rng, v)
	for _, x := range v {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return g.Fail(fmt.Errorf("%w: %s: initial value %v is not finite", ErrArgument, w.Name, x))
		}
	}
	return m.Param(w.Name, probgraph.Tensor{Data: v, Shape: w.Shape})
}
