package autoguide

import (
	"fmt"

	"gonum.org/v1/gonum/stat/distuv"

	"github.com/ignis-ppl/ignis/probgraph"
	"github.com/ignis-ppl/ignis/probgraph/dist"
)

// Guide is an automatic guide: a guide model built from the model's latent
// sites, and summaries of the fitted posterior in the model's (constrained)
// space.
type Guide interface {
	// Model is the guide, to pass to infer.NewSVI.
	Model(m *probgraph.Ctx)
	// Median returns each latent site's posterior median, given the fitted
	// parameters (infer.SVI.Params).
	Median(params map[string]probgraph.Tensor) (map[string]probgraph.Tensor, error)
	// Quantiles returns each latent site's marginal posterior quantiles at
	// the given levels in (0, 1), one tensor per level.
	Quantiles(params map[string]probgraph.Tensor, levels ...float64) (map[string][]probgraph.Tensor, error)
}

// Option configures a guide.
type Option func(*config)

type config struct {
	init      InitStrategy
	initScale float64
	rank      int
}

// WithInit sets the init strategy for the guide's locations (default
// InitToMedian(15)).
func WithInit(s InitStrategy) Option { return func(c *config) { c.init = s } }

// WithInitScale sets the initial scale of Gaussian guides (default 0.1).
func WithInitScale(s float64) Option { return func(c *config) { c.initScale = s } }

// WithRank sets the rank of AutoLowRankMultivariateNormal (default ⌈√D⌉).
func WithRank(r int) Option { return func(c *config) { c.rank = r } }

func newConfig(opts []Option) (config, error) {
	c := config{initScale: 0.1}
	for _, o := range opts {
		o(&c)
	}
	if !(c.initScale > 0) {
		return c, fmt.Errorf("%w: init scale %v must be positive", ErrAutoguide, c.initScale)
	}
	if c.rank < 0 {
		return c, fmt.Errorf("%w: rank %d", ErrAutoguide, c.rank)
	}
	return c, nil
}

// param returns a parameter's value from a fitted-parameters map.
func param(params map[string]probgraph.Tensor, name string) (probgraph.Tensor, error) {
	v, ok := params[name]
	if !ok {
		return probgraph.Tensor{}, fmt.Errorf("%w: parameter %q missing from the fitted parameters", ErrAutoguide, name)
	}
	return v, nil
}

// normalQuantile is Φ⁻¹(q).
func normalQuantile(q float64) (float64, error) {
	if !(q > 0 && q < 1) {
		return 0, fmt.Errorf("%w: quantile level %v outside (0, 1)", ErrAutoguide, q)
	}
	return distuv.UnitNormal.Quantile(q), nil
}

// constrain maps a site's unconstrained value into its support.
func (s *site) constrain(u []float64) (probgraph.Tensor, error) {
	v, err := probgraph.Constrain(s.support, probgraph.Tensor{Data: u, Shape: s.uncShape})
	if err != nil {
		return v, err
	}
	v.Shape = s.shape
	return v, nil
}

// gaussianSummaries turns per-site unconstrained means and marginal standard
// deviations into medians and quantiles (the transforms are monotone per
// coordinate for element-wise supports; for the others this is the image of
// the unconstrained marginal quantiles, as Pyro reports it).
func gaussianMedian(sites []*site, loc func(*site) []float64) (map[string]probgraph.Tensor, error) {
	out := map[string]probgraph.Tensor{}
	for _, s := range sites {
		v, err := s.constrain(loc(s))
		if err != nil {
			return nil, err
		}
		out[s.name] = v
	}
	return out, nil
}

func gaussianQuantiles(sites []*site, loc, sd func(*site) []float64, levels []float64) (map[string][]probgraph.Tensor, error) {
	out := map[string][]probgraph.Tensor{}
	for _, s := range sites {
		l, d := loc(s), sd(s)
		for _, q := range levels {
			z, err := normalQuantile(q)
			if err != nil {
				return nil, err
			}
			u := make([]float64, len(l))
			for i := range u {
				u[i] = l[i] + z*d[i]
			}
			v, err := s.constrain(u)
			if err != nil {
				return nil, err
			}
			out[s.name] = append(out[s.name], v)
		}
	}
	return out, nil
}

// positiveScale is the constraint of every scale parameter.
func positiveScale() probgraph.ParamOption { return probgraph.Constrained(dist.Positive()) }
