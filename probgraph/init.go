package probgraph

import (
	"fmt"
	"math/rand/v2"
	"slices"

	"github.com/ignis-ppl/ignis/engine"
	"github.com/ignis-ppl/ignis/probgraph/dist"
)

// InitSite is what an init strategy sees of a latent site: its prior draws
// and, when the prior has one in closed form, its mean.
type InitSite struct {
	Name    string
	Shape   engine.Shape
	Support dist.Constraint
	// Draws holds len(Draws) draws from the prior, each of Shape; none when
	// the prior cannot be sampled (dist.Unsampleable: a flat prior, a
	// truncation).
	Draws [][]float64
	// Mean is the prior mean, or nil.
	Mean []float64
	// Rand is a random source for strategies that draw their own values
	// (InitToUniform), seeded from the seed the starting points are chosen
	// with; nil when there is none.
	Rand *rand.Rand
}

// InitStrategy chooses a latent site's initial (constrained) value, where
// an inference algorithm starts: a guide's location, an MCMC chain's first
// point. The value must lie in the site's support.
type InitStrategy func(s InitSite) (Tensor, error)

// defaultInitRadius is the half-width of Stan's initial interval on the
// unconstrained scale.
const defaultInitRadius = 2

// InitToMedian starts each site at the element-wise median of n prior
// draws, and a site whose prior cannot be sampled as InitToUniform(2) does.
func InitToMedian(n int) InitStrategy {
	return func(s InitSite) (Tensor, error) {
		if len(s.Draws) == 0 {
			return InitToUniform(defaultInitRadius)(s)
		}
		k := min(n, len(s.Draws))
		out := make([]float64, len(s.Draws[0]))
		col := make([]float64, k)
		for i := range out {
			for j := 0; j < k; j++ {
				col[j] = s.Draws[j][i]
			}
			slices.Sort(col)
			if k%2 == 1 {
				out[i] = col[k/2]
			} else {
				out[i] = 0.5 * (col[k/2-1] + col[k/2])
			}
		}
		if s.Support == dist.Simplex() && len(s.Shape) > 0 {
			// Element-wise medians of simplex draws need not sum to one;
			// project them back onto the simplex row by row.
			renormalize(out, s.Shape[len(s.Shape)-1])
		}
		return Tensor{Data: out, Shape: s.Shape}, nil
	}
}

// renormalize scales each consecutive row of length k to sum to one.
func renormalize(v []float64, k int) {
	for r := 0; r+k <= len(v); r += k {
		sum := 0.0
		for _, x := range v[r : r+k] {
			sum += x
		}
		for i := r; i < r+k; i++ {
			v[i] /= sum
		}
	}
}

// InitToMean starts each site at its prior mean, or at the median of prior
// draws when the mean has no closed form (InitToUniform(2) when the prior
// cannot be sampled).
func InitToMean() InitStrategy {
	return func(s InitSite) (Tensor, error) {
		if s.Mean != nil {
			return Tensor{Data: slices.Clone(s.Mean), Shape: s.Shape}, nil
		}
		return InitToMedian(15)(s)
	}
}

// InitToSample starts each site at one draw from its prior, and a site
// whose prior cannot be sampled as InitToUniform(2) does.
func InitToSample() InitStrategy {
	return func(s InitSite) (Tensor, error) {
		if len(s.Draws) == 0 {
			return InitToUniform(defaultInitRadius)(s)
		}
		return Tensor{Data: slices.Clone(s.Draws[0]), Shape: s.Shape}, nil
	}
}

// InitToValue starts the named sites at the given values and the others by
// fallback (InitToMedian(15) when nil).
func InitToValue(values map[string]Tensor, fallback InitStrategy) InitStrategy {
	if fallback == nil {
		fallback = InitToMedian(15)
	}
	return func(s InitSite) (Tensor, error) {
		if v, ok := values[s.Name]; ok {
			if engine.Shape(v.Shape).Size() != s.Shape.Size() || len(v.Data) != s.Shape.Size() {
				return Tensor{}, fmt.Errorf("init value for %q has shape %v, site has %v", s.Name, v.Shape, s.Shape)
			}
			return Tensor{Data: slices.Clone(v.Data), Shape: s.Shape}, nil
		}
		return fallback(s)
	}
}

// InitToFeasible starts each site at the image of zero in unconstrained
// space (1 for positive sites, ½ for unit-interval ones, the uniform point of
// a simplex).
func InitToFeasible() InitStrategy {
	return func(s InitSite) (Tensor, error) {
		return fromUnconstrained(s, func(unc []int) Tensor { return Zeros(unc...) })
	}
}

// fromUnconstrained maps an unconstrained value, made by free for the
// unconstrained shape of s's support, onto the support, in s's shape.
func fromUnconstrained(s InitSite, free func(unc []int) Tensor) (Tensor, error) {
	t, err := dist.BijectTo(s.Support)
	if err != nil {
		return Tensor{}, err
	}
	unc, err := t.InverseShape(s.Shape)
	if err != nil {
		return Tensor{}, err
	}
	v, err := Constrain(s.Support, free(unc))
	if err != nil {
		return Tensor{}, err
	}
	v.Shape = s.Shape
	return v, nil
}

// InitToUniform starts each site at a point drawn uniformly from
// (−radius, radius) in every coordinate of its unconstrained value, mapped
// onto its support (Stan's default, with radius 2; NumPyro's
// init_to_uniform). It needs no prior draws, so it starts sites whose prior
// cannot be sampled (a flat prior, a truncation), and the draw comes from
// InitSite.Rand: the same seed gives the same point.
func InitToUniform(radius float64) InitStrategy {
	return func(s InitSite) (Tensor, error) {
		if !(radius > 0) || radius > 1e300 {
			return Tensor{}, fmt.Errorf("%w: InitToUniform: radius %v must be positive and finite", ErrLatent, radius)
		}
		if s.Rand == nil {
			return Tensor{}, fmt.Errorf("%w: InitToUniform: no random source for %q", ErrLatent, s.Name)
		}
		return fromUnconstrained(s, func(unc []int) Tensor { return uniformPoint(s.Rand, radius, unc) })
	}
}

// uniformPoint draws a tensor of the given shape uniformly from
// (−radius, radius) in every element.
func uniformPoint(r *rand.Rand, radius float64, shape engine.Shape) Tensor {
	u := make([]float64, shape.Size())
	for i := range u {
		u[i] = radius * (2*r.Float64() - 1)
	}
	return Tensor{Data: u, Shape: shape.Clone()}
}
