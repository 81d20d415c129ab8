package autoguide

import (
	"fmt"
	"math"

	"github.com/ignis-ppl/ignis/engine"
	"github.com/ignis-ppl/ignis/probgraph"
	"github.com/ignis-ppl/ignis/probgraph/dist"
)

// latentName is the auxiliary guide site holding the joint unconstrained
// latent vector of the continuous guides.
const latentName = "_auto_latent"

// continuous is what the joint-Gaussian guides share: every latent site
// flattened into one unconstrained vector of length dim, sampled jointly by
// an auxiliary site, and each model site a Delta at its slice pushed into
// its support, carrying the Jacobian so that log q is right.
type continuous struct {
	sites []*site
	dim   int
	offs  []int
	cfg   config
}

func newContinuous(model probgraph.Model, opts []Option) (continuous, error) {
	cfg, sites, err := setup(model, opts)
	if err != nil {
		return continuous{}, err
	}
	c := continuous{sites: sites, cfg: cfg}
	for _, s := range sites {
		c.offs = append(c.offs, c.dim)
		c.dim += s.uncShape.Size()
	}
	return c, nil
}

// initLoc concatenates the sites' unconstrained initial values.
func (c continuous) initLoc() probgraph.Tensor {
	v := make([]float64, 0, c.dim)
	for _, s := range c.sites {
		v = append(v, s.init.Data...)
	}
	return probgraph.Tensor{Data: v, Shape: []int{c.dim}}
}

// emit splits a joint draw into the model's sites.
func (c continuous) emit(m *probgraph.Ctx, latent *engine.Node) {
	g := m.Graph()
	shape := latent.Shape()
	if len(shape) == 0 {
		return // an earlier error
	}
	for i, s := range c.sites {
		// The joint draw has leading dimensions [particles, 1, …, 1] when
		// vectorized; the site's own batch dimensions take the place of the
		// trailing ones, so the value lines up with the model's site.
		lead := shape[:len(shape)-1]
		lead = lead[:max(0, len(lead)-(len(s.shape)-s.eventDim))]
		n := s.uncShape.Size()
		u := g.Reshape(g.Slice(latent, -1, c.offs[i], c.offs[i]+n), append(lead.Clone(), s.uncShape...)...)
		x := s.transform.Forward(u)
		ladj := s.transform.LogAbsDetJacobian(u, x)
		if !ladj.Valid() {
			return
		}
		// The Delta keeps the model site's batch and event dimensions (so the
		// particle and plate dimensions line up); its log density is the
		// Jacobian term summed over the event dimensions only.
		batchRank := len(s.shape) - s.eventDim
		if extra := len(ladj.Shape()) - len(lead) - batchRank; extra > 0 {
			axes := make([]int, extra)
			for k := range axes {
				axes[k] = len(lead) + batchRank + k
			}
			ladj = g.Sum(ladj, axes...)
		}
		m.Sample(s.name, dist.DeltaEventWithDensity(x, g.Neg(ladj), s.eventDim))
	}
}

// split cuts a flat vector into per-site slices.
func (c continuous) split(v []float64) map[*site][]float64 {
	out := map[*site][]float64{}
	for i, s := range c.sites {
		out[s] = v[c.offs[i] : c.offs[i]+s.uncShape.Size()]
	}
	return out
}

// Median is the image of the location, "auto.loc", for each site: the
// median of every joint Gaussian guide.
func (c continuous) Median(params map[string]probgraph.Tensor) (map[string]probgraph.Tensor, error) {
	med, _, err := c.summaries(params, "auto.loc", nil, nil, false)
	return med, err
}

func (c continuous) summaries(params map[string]probgraph.Tensor, locName string, sd []float64, levels []float64, quantiles bool) (map[string]probgraph.Tensor, map[string][]probgraph.Tensor, error) {
	l, err := param(params, locName)
	if err != nil {
		return nil, nil, err
	}
	if len(l.Data) != c.dim || (sd != nil && len(sd) != c.dim) {
		return nil, nil, fmt.Errorf("%w: %s has %d values, guide has %d coordinates", ErrAutoguide, locName, len(l.Data), c.dim)
	}
	locs := c.split(l.Data)
	loc := func(s *site) []float64 { return locs[s] }
	if !quantiles {
		med, err := gaussianMedian(c.sites, loc)
		return med, nil, err
	}
	sds := c.split(sd)
	q, err := gaussianQuantiles(c.sites, loc, func(s *site) []float64 { return sds[s] }, levels)
	return nil, q, err
}

// DiagonalNormal is a joint Gaussian guide with diagonal covariance over all
// latent sites in unconstrained space (Pyro's AutoDiagonalNormal).
// Parameters: "auto.loc" and "auto.scale", each of length D.
type DiagonalNormal struct{ continuous }

// NewDiagonalNormal builds the guide for model.
func NewDiagonalNormal(model probgraph.Model, opts ...Option) (*DiagonalNormal, error) {
	c, err := newContinuous(model, opts)
	if err != nil {
		return nil, err
	}
	return &DiagonalNormal{c}, nil
}

// Model is the guide.
func (a *DiagonalNormal) Model(m *probgraph.Ctx) {
	loc := m.Param("auto.loc", a.initLoc())
	scale := m.Param("auto.scale", probgraph.Full(a.cfg.initScale, a.dim), positiveScale())
	a.emit(m, m.Sample(latentName, dist.ToEvent(dist.Normal(loc, scale), 1), probgraph.Auxiliary()))
}

// Quantiles are the images of each coordinate's Gaussian quantiles.
func (a *DiagonalNormal) Quantiles(params map[string]probgraph.Tensor, levels ...float64) (map[string][]probgraph.Tensor, error) {
	sd, err := param(params, "auto.scale")
	if err != nil {
		return nil, err
	}
	_, q, err := a.summaries(params, "auto.loc", sd.Data, levels, true)
	return q, err
}

// defaultRank is ⌈√D⌉.
func defaultRank(d int) int { return int(math.Ceil(math.Sqrt(float64(d)))) }
