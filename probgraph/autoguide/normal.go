package autoguide

import (
	"github.com/ignis-ppl/ignis/probgraph"
	"github.com/ignis-ppl/ignis/probgraph/dist"
)

// Normal is a mean-field guide: each latent site gets its own Gaussian in
// unconstrained space, pushed into the site's support (Pyro's AutoNormal).
// Parameters are named "auto.loc.SITE" and "auto.scale.SITE".
type Normal struct {
	sites     []*site
	initScale float64
}

// NewNormal builds the guide for model.
func NewNormal(model probgraph.Model, opts ...Option) (*Normal, error) {
	cfg, sites, err := setup(model, opts)
	if err != nil {
		return nil, err
	}
	return &Normal{sites: sites, initScale: cfg.initScale}, nil
}

// Model is the guide.
func (a *Normal) Model(m *probgraph.Ctx) {
	for _, s := range a.sites {
		loc := m.Param("auto.loc."+s.name, s.init)
		scale := m.Param("auto.scale."+s.name, probgraph.Full(a.initScale, s.uncShape...), positiveScale())
		eventDim := len(s.uncShape) - (len(s.shape) - s.eventDim)
		base := dist.ToEvent(dist.Normal(loc, scale), eventDim)
		m.Sample(s.name, dist.Transformed(base, s.transform))
	}
}

// Median is the image of each site's Gaussian location.
func (a *Normal) Median(params map[string]probgraph.Tensor) (map[string]probgraph.Tensor, error) {
	locs := map[*site][]float64{}
	for _, s := range a.sites {
		l, err := param(params, "auto.loc."+s.name)
		if err != nil {
			return nil, err
		}
		locs[s] = l.Data
	}
	return gaussianMedian(a.sites, func(s *site) []float64 { return locs[s] })
}

// Quantiles are the images of each coordinate's Gaussian quantiles.
func (a *Normal) Quantiles(params map[string]probgraph.Tensor, levels ...float64) (map[string][]probgraph.Tensor, error) {
	locs, sds := map[*site][]float64{}, map[*site][]float64{}
	for _, s := range a.sites {
		l, err := param(params, "auto.loc."+s.name)
		if err != nil {
			return nil, err
		}
		sd, err := param(params, "auto.scale."+s.name)
		if err != nil {
			return nil, err
		}
		locs[s], sds[s] = l.Data, sd.Data
	}
	return gaussianQuantiles(a.sites, func(s *site) []float64 { return locs[s] }, func(s *site) []float64 { return sds[s] }, levels)
}

// Delta is a point-estimate guide: each latent site is a learnable value in
// its support (Pyro's AutoDelta; SVI with it is MAP estimation). Parameters
// are named "auto.value.SITE".
type Delta struct{ sites []*site }

// NewDelta builds the guide for model.
func NewDelta(model probgraph.Model, opts ...Option) (*Delta, error) {
	_, sites, err := setup(model, opts)
	if err != nil {
		return nil, err
	}
	return &Delta{sites: sites}, nil
}

// Model is the guide.
func (a *Delta) Model(m *probgraph.Ctx) {
	for _, s := range a.sites {
		init, err := s.constrain(s.init.Data)
		if err != nil {
			m.Graph().Fail(err)
			return
		}
		v := m.Param("auto.value."+s.name, init, probgraph.Constrained(s.support))
		m.Sample(s.name, dist.DeltaEvent(v, s.eventDim))
	}
}

// Median is the point estimate.
func (a *Delta) Median(params map[string]probgraph.Tensor) (map[string]probgraph.Tensor, error) {
	out := map[string]probgraph.Tensor{}
	for _, s := range a.sites {
		v, err := param(params, "auto.value."+s.name)
		if err != nil {
			return nil, err
		}
		out[s.name] = v
	}
	return out, nil
}

// Quantiles are all the point estimate.
func (a *Delta) Quantiles(params map[string]probgraph.Tensor, levels ...float64) (map[string][]probgraph.Tensor, error) {
	med, err := a.Median(params)
	if err != nil {
		return nil, err
	}
	out := map[string][]probgraph.Tensor{}
	for name, v := range med {
		for _, q := range levels {
			if _, err := normalQuantile(q); err != nil {
				return nil, err
			}
			out[name] = append(out[name], v)
		}
	}
	return out, nil
}
