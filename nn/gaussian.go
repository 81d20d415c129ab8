package nn

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/ignis-ppl/ignis/engine"
	"github.com/ignis-ppl/ignis/probgraph/dist"
)

// minScale keeps Gaussian scales away from zero.
const minScale = 1e-4

// GaussianEncoder is an amortized Gaussian q(z | x) = N(μ(x), diag σ(x)²)
// with its parameters directly on a graph (see Dense; models and guides use
// NormalEncoder):
// a dense stack maps x to 2·D numbers, the first D the mean and the last D the
// scale through softplus.
type GaussianEncoder struct {
	Net *DenseStack
	D   int // latent dimension
}

// NewGaussianEncoder adds an encoder whose dense stack has the given sizes with the
// last one the latent dimension D (the network's output layer has 2·D
// units).
func NewGaussianEncoder(g *engine.Graph, name string, sizes []int, act Activation, rng *rand.Rand) *GaussianEncoder {
	if len(sizes) < 2 {
		if g != nil {
			g.Fail(fmt.Errorf("%w: encoder %q: needs input and latent sizes, got %v", ErrArgument, name, sizes))
		}
		return &GaussianEncoder{Net: &DenseStack{g: g}}
	}
	d := sizes[len(sizes)-1]
	s := append(append([]int(nil), sizes[:len(sizes)-1]...), 2*d)
	return &GaussianEncoder{Net: NewDenseStack(g, name, s, act, rng), D: d}
}

// Dist returns q(z | x) for x [B, In]: batch [B], event [D].
func (e *GaussianEncoder) Dist(x *engine.Node) dist.Distribution {
	g := e.Net.g
	if g == nil {
		return dist.Normal(nil, nil)
	}
	h := e.Net.Apply(x)
	if !g.Ok("encoder", h) {
		return dist.ToEvent(dist.Normal(h, h), 1)
	}
	last := len(h.Shape()) - 1
	loc := g.Slice(h, last, 0, e.D)
	scale := g.AddScalar(g.Softplus(g.Slice(h, last, e.D, 2*e.D)), minScale)
	return dist.ToEvent(dist.Normal(loc, scale), 1)
}

// MeanField is a learnable fully factorized Gaussian N(Loc, diag Scale²)
// over a tensor of the given shape; Scale = softplus(Rho) + 1e-4.
type MeanField struct {
	Loc, Rho *engine.Node
	Shape    engine.Shape
}

// NewMeanField adds the parameters of a mean-field Gaussian with mean 0 and
// scale initScale (named name+".loc" and name+".rho").
func NewMeanField(g *engine.Graph, name string, shape []int, initScale float64) *MeanField {
	m := &MeanField{Shape: engine.Shape(shape).Clone()}
	if g == nil {
		return m
	}
	if !(initScale > minScale) || math.IsInf(initScale, 1) {
		m.Loc = g.Fail(fmt.Errorf("%w: mean field %q: initial scale must be finite and above %v, got %v", ErrArgument, name, minScale, initScale))
		m.Rho = m.Loc
		return m
	}
	size := m.Shape.Size()
	rho := make([]float64, size)
	r := math.Log(math.Expm1(initScale - minScale)) // softplus⁻¹
	for i := range rho {
		rho[i] = r
	}
	m.Loc = g.Param(name+".loc", nil, shape...)
	m.Rho = g.Param(name+".rho", rho, shape...)
	return m
}

// Dist returns N(Loc, diag Scale²) with every dimension an event dimension
// (empty batch shape).
func (m *MeanField) Dist() dist.Distribution {
	if m.Loc == nil {
		return dist.Normal(nil, nil)
	}
	g := m.Loc.Graph()
	scale := g.AddScalar(g.Softplus(m.Rho), minScale)
	return dist.ToEvent(dist.Normal(m.Loc, scale), len(m.Shape))
}

// StandardNormal returns N(0, I) over a tensor of the given shape on g, with
// an empty batch shape: the usual fixed prior of a classifier.
func StandardNormal(g *engine.Graph, shape ...int) dist.Distribution {
	if g == nil {
		return dist.Normal(nil, nil)
	}
	return dist.ToEvent(dist.Normal(g.Fill(0, shape...), g.Fill(1, shape...)), len(shape))
}
