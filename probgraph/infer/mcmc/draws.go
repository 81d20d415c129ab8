package mcmc

import (
	"fmt"
	"maps"
	"math"
	"slices"

	"github.com/ignis-ppl/ignis/engine"
	"github.com/ignis-ppl/ignis/probgraph"
)

// FromDraws wraps draws that did not come from Run, such as those of
// infer.Predictive (prior or posterior predictive, or a guide's), as
// Samples, so that they are summarized and written out the same way:
// Summary, Mean, SD, Quantile, WriteCmdStanCSV. Each argument is one
// chain: a map from site name to a tensor whose leading dimension indexes
// the draws, as Predictive.Sample returns. Every chain must hold the same
// sites with the same number of draws and the same shapes. The sites are
// listed in the order of their names; the chains carry no sampler
// statistics.
func FromDraws(chains ...map[string]probgraph.Tensor) (*Samples, error) {
	if len(chains) == 0 || len(chains[0]) == 0 {
		return nil, fmt.Errorf("%w: no chains, or no sites", ErrDraws)
	}
	names := slices.Sorted(maps.Keys(chains[0]))
	s := &Samples{Chains: make([]ChainStats, len(chains)), draws: map[string][][]float64{}, NumSamples: -1}
	for _, name := range names {
		t := chains[0][name]
		if len(t.Shape) == 0 || t.Shape[0] < 1 {
			return nil, fmt.Errorf("%w: site %q: shape %v has no leading draw dimension", ErrDraws, name, t.Shape)
		}
		if s.NumSamples < 0 {
			s.NumSamples = t.Shape[0]
		}
		s.Sites = append(s.Sites, SiteInfo{Name: name, Shape: engine.Shape(t.Shape[1:]).Clone()})
		s.draws[name] = make([][]float64, len(chains))
	}
	for c, chain := range chains {
		if len(chain) != len(names) {
			return nil, fmt.Errorf("%w: chain %d has %d sites, chain 0 has %d", ErrDraws, c, len(chain), len(names))
		}
		for _, site := range s.Sites {
			t, ok := chain[site.Name]
			want := append(engine.Shape{s.NumSamples}, site.Shape...)
			switch {
			case !ok:
				return nil, fmt.Errorf("%w: chain %d lacks site %q", ErrDraws, c, site.Name)
			case !want.Equal(t.Shape):
				return nil, fmt.Errorf("%w: chain %d, site %q: shape %v, want %v", ErrDraws, c, site.Name, engine.Shape(t.Shape), want)
			case len(t.Data) != want.Size():
				return nil, fmt.Errorf("%w: chain %d, site %q: %d values for shape %v", ErrDraws, c, site.Name, len(t.Data), want)
			}
			s.draws[site.Name][c] = slices.Clone(t.Data)
		}
	}
	return s, nil
}

// element returns the draws of element e of a site, grouped by chain.
func (s *Samples) element(draws [][]float64, size, e int) [][]float64 {
	chains := make([][]float64, len(draws))
	for c, d := range draws {
		chains[c] = make([]float64, s.NumSamples)
		for k := range s.NumSamples {
			chains[c][k] = d[k*size+e]
		}
	}
	return chains
}

// perElement applies f to the pooled draws (chain after chain) of every
// element of a site, in the site's row-major order.
func (s *Samples) perElement(site string, f func(pooled []float64)) error {
	draws, err := s.Chain(site)
	if err != nil {
		return err
	}
	size := 1
	for _, si := range s.Sites {
		if si.Name == site {
			size = si.Shape.Size()
		}
	}
	for e := range size {
		f(slices.Concat(s.element(draws, size, e)...))
	}
	return nil
}

// Mean returns the mean of every element of a site over the draws of all
// chains, in the site's row-major order: the Mean column of Summary.
func (s *Samples) Mean(site string) ([]float64, error) {
	var out []float64
	err := s.perElement(site, func(x []float64) {
		m, _ := meanVar(x)
		out = append(out, m)
	})
	return out, err
}

// SD returns the standard deviation (n − 1 denominator) of every element
// of a site over the draws of all chains, in the site's row-major order:
// the SD column of Summary.
func (s *Samples) SD(site string) ([]float64, error) {
	var out []float64
	err := s.perElement(site, func(x []float64) {
		_, v := meanVar(x)
		out = append(out, math.Sqrt(v))
	})
	return out, err
}

// Quantile returns, for each level p, the p-quantile of every element of a
// site over the draws of all chains (R's type 7, linear interpolation
// between order statistics, as NumPy's default and Summary's Median, Q5
// and Q95): out[i] holds level p[i] for the elements in the site's
// row-major order. Levels must lie in [0, 1].
func (s *Samples) Quantile(site string, p ...float64) ([][]float64, error) {
	for _, q := range p {
		if !(q >= 0 && q <= 1) {
			return nil, fmt.Errorf("%w: %v", ErrQuantile, q)
		}
	}
	out := make([][]float64, len(p))
	err := s.perElement(site, func(x []float64) {
		slices.Sort(x)
		for i, q := range p {
			out[i] = append(out[i], quantileSorted(x, q))
		}
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
