package models

import (
	"math"

	"github.com/ignis-ppl/ignis/engine"
	"github.com/ignis-ppl/ignis/probgraph"
	"github.com/ignis-ppl/ignis/probgraph/dist"
)

// GMM1D is the seed's one-dimensional Gaussian mixture with K components:
// weights ~ Dirichlet(0.5), scale ~ LogNormal(0, 0.5) shared by all
// components, locs_k ~ N(0, 4²) in plate "components", and in plate "data"
// assignment_i ~ Categorical(weights) (marked for enumeration) and
// obs_i ~ N(locs[assignment_i], scale). With data nil the observations are
// drawn (n of them) instead of observed.
func GMM1D(k int, data []float64, n int) probgraph.Model {
	if data != nil {
		n = len(data)
	}
	return func(m *probgraph.Ctx) {
		g := m.Graph()
		weights := m.Sample("weights", dist.Dirichlet(g.Fill(0.5, k)))
		scale := m.Sample("scale", dist.LogNormal(g.Scalar(0), g.Scalar(0.5)))
		locs := m.Plate("components", k).Sample("locs", dist.Normal(g.Scalar(0), g.Scalar(4)))
		p := m.Plate("data", n)
		a := p.Sample("assignment", dist.Categorical(weights), probgraph.EnumerateParallel())
		obs := dist.Normal(g.Take(locs, 0, a), scale)
		observe(p, "obs", obs, data, n)
	}
}

// observe observes data at the site, or draws it when data is nil.
func observe(p *probgraph.Plate, name string, d dist.Distribution, data []float64, n int) {
	if data == nil {
		p.Sample(name, d)
		return
	}
	g := d.Graph()
	shape := []int{n}
	if len(d.EventShape()) == 1 {
		shape = append(shape, d.EventShape()[0])
	}
	p.Observe(name, d, g.Constant(data, shape...))
}

// GMM2DScale says how the seed's two-dimensional mixtures share their scale.
type GMM2DScale int

// The seed's three scale structures (and the alternate layout of the second).
const (
	// GlobalScale: one scale for every component and dimension; plates
	// "dims" (dim −1) inside "components" (dim −2), locs of shape [K, D].
	GlobalScale GMM2DScale = iota
	// ComponentScale: a scale per component; "dims" at −1, "components" at
	// −2, scale [K, 1], locs [K, D].
	ComponentScale
	// ComponentScaleAlt: a scale per component with the plates swapped:
	// "dims" at −2, "components" at −1, scale [K], locs [D, K].
	ComponentScaleAlt
	// DimScale: a scale per dimension; "dims" at −2, "components" at −1,
	// scale [D, 1], locs [D, K].
	DimScale
)

func (s GMM2DScale) String() string {
	return [...]string{"global scale", "component scale", "component scale (alternate layout)", "dimension scale"}[s]
}

// GMM2D is the seed's two-dimensional mixture of K components in D = 2
// dimensions with the given scale structure; obs_i ~ N(locs[assignment_i],
// scale) with the D coordinates as one event. data is n×D row-major, or nil
// to draw n observations.
func GMM2D(kind GMM2DScale, k int, data []float64, n int) probgraph.Model {
	const d = 2
	if data != nil {
		n = len(data) / d
	}
	return func(m *probgraph.Ctx) {
		g := m.Graph()
		conc := 1.0
		if kind == GlobalScale {
			conc = 0.5
		}
		weights := m.Sample("weights", dist.Dirichlet(g.Fill(conc, k)))
		var scale, locs *engine.Node
		switch kind {
		case GlobalScale:
			scale = m.Sample("scale", dist.LogNormal(g.Scalar(0), g.Scalar(0.5)))
			locs = m.Plate("dims", d).Plate("components", k).Sample("locs", dist.Normal(g.Scalar(0), g.Scalar(4)))
		case ComponentScale:
			dims := m.Plate("dims", d, probgraph.Dim(-1))
			scale = m.Plate("components", k, probgraph.Dim(-2)).Sample("scale", dist.LogNormal(g.Scalar(0), g.Scalar(0.5)))
			locs = dims.Plate("components", k, probgraph.Dim(-2)).Sample("locs", dist.Normal(g.Scalar(0), g.Scalar(4)))
		case ComponentScaleAlt:
			comps := m.Plate("components", k, probgraph.Dim(-1))
			scale = comps.Sample("scale", dist.LogNormal(g.Scalar(0), g.Scalar(0.5)))
			locs = comps.Plate("dims", d, probgraph.Dim(-2)).Sample("locs", dist.Normal(g.Scalar(0), g.Scalar(4)))
		case DimScale:
			scale = m.Plate("dims", d, probgraph.Dim(-2)).Sample("scale", dist.LogNormal(g.Scalar(0), g.Scalar(0.5)))
			locs = m.Plate("components", k, probgraph.Dim(-1)).Plate("dims", d, probgraph.Dim(-2)).Sample("locs", dist.Normal(g.Scalar(0), g.Scalar(4)))
		}
		p := m.Plate("data", n)
		a := p.Sample("assignment", dist.Categorical(weights), probgraph.EnumerateParallel())
		var loc, sc *engine.Node
		switch kind {
		case GlobalScale:
			loc, sc = g.Take(locs, 0, a), scale
		case ComponentScale:
			loc, sc = g.Take(locs, 0, a), g.Take(scale, 0, a)
		case ComponentScaleAlt:
			loc, sc = g.Take(g.MT(locs), 0, a), g.Unsqueeze(g.Take(scale, 0, a), -1)
		case DimScale:
			loc, sc = g.Take(g.MT(locs), 0, a), g.MT(scale)
		}
		observe(p, "obs", dist.ToEvent(dist.Normal(loc, sc), 1), data, n)
	}
}

// GMMBenchData is the benchmark's 1-D mixture data, written in closed form
// so that scripts/reference/gmm_anchor.py builds the same points:
// x_i = (−2 if i is even, else 3) + 0.8 sin(1.7 i).
func GMMBenchData(n int) []float64 {
	x := make([]float64, n)
	for i := range x {
		c := 3.0
		if i%2 == 0 {
			c = -2
		}
		x[i] = c + 0.8*math.Sin(1.7*float64(i))
	}
	return x
}
