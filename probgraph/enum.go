package probgraph

import (
	"errors"
	"fmt"

	"github.com/ignis-ppl/ignis/engine"
	"github.com/ignis-ppl/ignis/probgraph/dist"
)

// ErrEnum reports a site or model structure that enumeration cannot handle.
var ErrEnum = errors.New("probgraph: cannot enumerate")

// Enum lays out the support of every latent sample site marked for parallel
// enumeration (EnumerateParallel) along a dimension of its own, left of all
// plates: the first such site takes firstAvailableDim (a negative dimension,
// −(max plate nesting + 1) by Pyro's rule), the next one the dimension left
// of it, and so on. The site's value is then the support itself, shaped
// [K, 1, …, 1], so every log-probability computed from it broadcasts over the
// enumerated values. Sites that already have a value (replayed, conditioned)
// are left alone. The chosen dimension is recorded in the site's
// Infer.EnumDim.
func Enum(firstAvailableDim int) Middleware {
	return func(model Model) Model {
		return func(m *Ctx) {
			if firstAvailableDim >= 0 {
				m.g.Fail(fmt.Errorf("%w: first available dim %d must be negative", ErrEnum, firstAvailableDim))
				return
			}
			With(&enumHandler{next: firstAvailableDim})(model)(m)
		}
	}
}

type enumHandler struct {
	NopHandler
	next int
}

func (h *enumHandler) Process(s *Site) {
	if !s.IsLatent() || s.Value != nil || s.Infer.Enumerate == NoEnumeration {
		return
	}
	g := s.Dist.Graph()
	if s.Infer.Enumerate != Parallel {
		g.Fail(fmt.Errorf("%w: site %q: only parallel enumeration is supported", ErrEnum, s.Name))
		return
	}
	dim := h.next
	if r := len(s.Dist.BatchShape()); r >= -dim {
		g.Fail(fmt.Errorf("%w: site %q has batch shape %v, which reaches enumeration dim %d; raise max plate nesting to at least %d",
			ErrEnum, s.Name, s.Dist.BatchShape(), dim, r))
		return
	}
	v, err := EnumValues(s.Dist, -dim)
	if err != nil {
		g.Fail(fmt.Errorf("%w: site %q: %w", ErrEnum, s.Name, err))
		return
	}
	s.Value = v
	s.Infer.EnumDim = dim
	h.next--
}

// EnumValues returns the support of a finite distribution laid out for a
// batch of the given rank: shape [K, 1, …, 1] (rank dimensions) followed by
// the event shape, so [K, 1, …, 1, K] for a one-hot categorical. Expanded
// distributions enumerate their base's support.
func EnumValues(d dist.Distribution, rank int) (*engine.Node, error) {
	base := d
	for {
		e, ok := base.(*dist.ExpandedDist)
		if !ok {
			break
		}
		base = e.Base
	}
	en, ok := base.(dist.Enumerator)
	if !ok {
		return nil, fmt.Errorf("%s has no finite support to enumerate", d.Family())
	}
	sup := en.EnumerateSupport(false)
	if !sup.Valid() {
		return nil, fmt.Errorf("%s: enumerating the support failed", d.Family())
	}
	shape := make([]int, rank)
	for i := range shape {
		shape[i] = 1
	}
	shape[0] = sup.Shape()[0]
	return d.Graph().Reshape(sup, append(shape, d.EventShape()...)...), nil
}

// MaxPlateNesting returns how many batch dimensions the plates of a trace
// reach: the largest −Dim over its plates and the largest batch rank of its
// sample sites, whichever is larger.
func (t *Trace) MaxPlateNesting() int {
	n := t.MaxBatchRank()
	for _, s := range t.sites {
		for _, p := range s.Plates {
			n = max(n, -p.Dim)
		}
	}
	return n
}
