package probgraph

import (
	"fmt"

	"github.com/ignis-ppl/ignis/engine"
	"github.com/ignis-ppl/ignis/probgraph/dist"
)

// SubstituteUnconstrained sets the value of each latent sample site named
// in u to u[name], an unconstrained value, pushed through the map onto the
// support the site's distribution has as the model runs (dist.BijectTo),
// and records in logDetJ[name] the map's log|det J| summed to a scalar: the
// term a sampler working in unconstrained space adds to the log joint.
// Building the map at the site is what lets a bound computed from other
// sites (dist.IntervalOf, a truncation at a latent bound) use their values
// in this run, with its Jacobian (NumPyro's substitute with
// _unconstrain_reparam). The unconstrained value's shape is the one
// LatentSite.UnconstrainedShape gives.
func SubstituteUnconstrained(u, logDetJ map[string]*engine.Node) Middleware {
	return With(&unconstrainedHandler{u: u, logDetJ: logDetJ})
}

type unconstrainedHandler struct {
	NopHandler
	u, logDetJ map[string]*engine.Node
}

func (h *unconstrainedHandler) Process(s *Site) {
	us, ok := h.u[s.Name]
	if !ok || !s.IsLatent() {
		return
	}
	g := s.Dist.Graph()
	t, err := dist.BijectTo(s.Dist.Support())
	if err != nil {
		g.Fail(fmt.Errorf("%w: site %q: %w", ErrLatent, s.Name, err))
		return
	}
	x := t.Forward(us)
	shape := append(s.Dist.BatchShape(), s.Dist.EventShape()...)
	if x.Valid() && !x.Shape().Equal(shape) && x.Shape().Size() == engine.Shape(shape).Size() {
		x = g.Reshape(x, shape...)
	}
	s.Value = x
	dist.MarkSupport(x, s.Dist.Support()) // the image of a bijection onto the support
	h.logDetJ[s.Name] = g.Sum(t.LogAbsDetJacobian(us, x))
}
