package autoguide

import (
	"math"
	"math/rand/v2"

	"github.com/ignis-ppl/ignis/probgraph"
	"github.com/ignis-ppl/ignis/probgraph/dist"
)

// MultivariateNormal is a joint Gaussian guide with full covariance over all
// latent sites in unconstrained space (Pyro's AutoMultivariateNormal).
// Parameters: "auto.loc" (D) and "auto.scale_tril" (D×D lower-triangular).
type MultivariateNormal struct{ continuous }

// NewMultivariateNormal builds the guide for model.
func NewMultivariateNormal(model probgraph.Model, opts ...Option) (*MultivariateNormal, error) {
	c, err := newContinuous(model, opts)
	if err != nil {
		return nil, err
	}
	return &MultivariateNormal{c}, nil
}

// Model is the guide.
func (a *MultivariateNormal) Model(m *probgraph.Ctx) {
	loc := m.Param("auto.loc", a.initLoc())
	tril := probgraph.Zeros(a.dim, a.dim)
	for i := 0; i < a.dim; i++ {
		tril.Data[i*a.dim+i] = a.cfg.initScale
	}
	l := m.Param("auto.scale_tril", tril, probgraph.Constrained(dist.LowerCholesky()))
	a.emit(m, m.Sample(latentName, dist.MultivariateNormal(loc, l), probgraph.Auxiliary()))
}

// Quantiles are the images of each coordinate's marginal Gaussian quantiles.
func (a *MultivariateNormal) Quantiles(params map[string]probgraph.Tensor, levels ...float64) (map[string][]probgraph.Tensor, error) {
	l, err := param(params, "auto.scale_tril")
	if err != nil {
		return nil, err
	}
	sd := make([]float64, a.dim)
	for i := 0; i < a.dim && len(l.Data) == a.dim*a.dim; i++ {
		s := 0.0
		for j := 0; j <= i; j++ {
			s += l.Data[i*a.dim+j] * l.Data[i*a.dim+j]
		}
		sd[i] = math.Sqrt(s)
	}
	_, q, err := a.summaries(params, "auto.loc", sd, levels, true)
	return q, err
}

// LowRankMultivariateNormal is a joint Gaussian guide whose covariance is a
// low-rank term plus a diagonal, W Wᵀ + diag(d), with W = F·diag(s) and
// d = s² (Pyro's AutoLowRankMultivariateNormal). Parameters: "auto.loc" (D),
// "auto.scale" (D, positive) and "auto.cov_factor" (D×rank).
type LowRankMultivariateNormal struct {
	continuous
	rank int
}

// NewLowRankMultivariateNormal builds the guide for model; WithRank sets the
// rank (default ⌈√D⌉).
func NewLowRankMultivariateNormal(model probgraph.Model, opts ...Option) (*LowRankMultivariateNormal, error) {
	c, err := newContinuous(model, opts)
	if err != nil {
		return nil, err
	}
	r := c.cfg.rank
	if r == 0 {
		r = defaultRank(c.dim)
	}
	return &LowRankMultivariateNormal{continuous: c, rank: r}, nil
}

// Model is the guide.
func (a *LowRankMultivariateNormal) Model(m *probgraph.Ctx) {
	g := m.Graph()
	loc := m.Param("auto.loc", a.initLoc())
	scale := m.Param("auto.scale", probgraph.Full(a.cfg.initScale, a.dim), positiveScale())
	// A fixed-seed draw: the initial factor is part of the guide's
	// definition, so every run starts from the same point.
	r := rand.New(rand.NewPCG(uint64(a.dim), uint64(a.rank)))
	f := probgraph.Zeros(a.dim, a.rank)
	for i := range f.Data {
		f.Data[i] = r.NormFloat64() / math.Sqrt(float64(a.rank))
	}
	factor := m.Param("auto.cov_factor", f)
	w := g.Mul(factor, g.Unsqueeze(scale, -1))
	a.emit(m, m.Sample(latentName, dist.LowRankMultivariateNormal(loc, w, g.Square(scale)), probgraph.Auxiliary()))
}

// Quantiles are the images of each coordinate's marginal Gaussian quantiles.
func (a *LowRankMultivariateNormal) Quantiles(params map[string]probgraph.Tensor, levels ...float64) (map[string][]probgraph.Tensor, error) {
	s, err := param(params, "auto.scale")
	if err != nil {
		return nil, err
	}
	f, err := param(params, "auto.cov_factor")
	if err != nil {
		return nil, err
	}
	sd := make([]float64, a.dim)
	for i := 0; i < a.dim && len(s.Data) == a.dim && len(f.Data) == a.dim*a.rank; i++ {
		v := s.Data[i] * s.Data[i]
		for k := 0; k < a.rank; k++ {
			w := f.Data[i*a.rank+k] * s.Data[i]
			v += w * w
		}
		sd[i] = math.Sqrt(v)
	}
	_, q, err := a.summaries(params, "auto.loc", sd, levels, true)
	return q, err
}
