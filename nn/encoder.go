package nn

import (
	"fmt"

	"github.com/ignis-ppl/ignis/engine"
	"github.com/ignis-ppl/ignis/probgraph"
	"github.com/ignis-ppl/ignis/probgraph/dist"
)

// NormalEncoder is the heart of an amortized guide: a network maps each
// data point x_i to the location and scale of a Normal over that point's
// local latent z_i, q(z_i | x_i) = N(μ(x_i), diag σ(x_i)²), so the guide's
// parameters are the network's weights, shared by every data point,
// instead of a location and scale per point. Net maps x [B, …] to
// [B, 2·Latent]: the first Latent outputs are μ, the last Latent give
// σ = softplus(·) + 1e-4.
type NormalEncoder struct {
	Net    Module
	Latent int
}

// Dist returns q(z | x) for x [B, …]: batch [B], event [Latent].
func (e NormalEncoder) Dist(m *probgraph.Ctx, x *engine.Node) dist.Distribution {
	g := m.Graph()
	if e.Net == nil || e.Latent < 1 {
		g.Fail(fmt.Errorf("%w: normal encoder needs a network and a positive latent size, got %d", ErrArgument, e.Latent))
		return dist.Normal(g.Fail(g.Err()), nil)
	}
	h := e.Net.Apply(m, x)
	if !g.Ok("normal encoder", h) {
		return dist.Normal(h, h)
	}
	s := h.Shape()
	if len(s) < 1 || s[len(s)-1] != 2*e.Latent {
		g.Fail(fmt.Errorf("%w: normal encoder: network output %v, want [..., %d]", engine.ErrShape, s, 2*e.Latent))
		return dist.Normal(g.Fail(g.Err()), nil)
	}
	last := len(s) - 1
	loc := g.Slice(h, last, 0, e.Latent)
	scale := g.AddScalar(g.Softplus(g.Slice(h, last, e.Latent, 2*e.Latent)), minScale)
	return dist.ToEvent(dist.Normal(loc, scale), 1)
}
