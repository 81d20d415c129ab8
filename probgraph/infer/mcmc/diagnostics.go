package mcmc

import (
	"math"
	"slices"
	"sort"

	"gonum.org/v1/gonum/mathext"
)

// The diagnostics follow Vehtari, Gelman, Simpson, Carpenter and Bürkner
// (2021), "Rank-normalization, folding, and localization: an improved R̂ for
// assessing convergence of MCMC", with the same conventions as ArviZ:
// chains are split in halves (the middle draw of an odd-length chain is
// dropped), ranks are averaged over ties and mapped to normal scores with
// Blom's offset 3/8, autocorrelations are summed with Geyer's initial
// positive and monotone sequences, and quantiles are R's type 7.
//
// Each function takes one scalar quantity: chains[c] holds chain c's draws,
// all chains of equal length. They return NaN when there are fewer than 4
// draws per chain, chains of unequal length, or a NaN among the draws.

// RHat is the rank-normalized split R̂: the larger of the split R̂ of the
// normal scores of the draws (bulk) and of their distances from the median
// (tail). Values above 1.01 suggest the chains have not mixed. Unlike
// ArviZ, which needs two chains, a single chain is compared across its two
// halves.
func RHat(chains [][]float64) float64 {
	split, ok := splitChains(chains)
	if !ok {
		return math.NaN()
	}
	bulk := rhatPlain(zScale(split))
	med := median(slices.Concat(split...))
	folded := make([][]float64, len(split))
	for c, ch := range split {
		folded[c] = make([]float64, len(ch))
		for i, v := range ch {
			folded[c][i] = math.Abs(v - med)
		}
	}
	tail := rhatPlain(zScale(folded))
	return math.Max(bulk, tail)
}

// ESSBulk is the bulk effective sample size: the effective sample size of
// the normal scores of the split chains.
func ESSBulk(chains [][]float64) float64 {
	split, ok := splitChains(chains)
	if !ok {
		return math.NaN()
	}
	return ess(zScale(split))
}

// ESSTail is the tail effective sample size: the smaller of the effective
// sample sizes of the indicators of draws at or below the 5% and at or
// below the 95% quantile.
func ESSTail(chains [][]float64) float64 {
	split, ok := splitChains(chains)
	if !ok {
		return math.NaN()
	}
	all := slices.Concat(chains...)
	sorted := slices.Clone(all)
	slices.Sort(sorted)
	out := math.Inf(1)
	for _, p := range []float64{0.05, 0.95} {
		q := quantileSorted(sorted, p)
		ind := make([][]float64, len(split))
		for c, ch := range split {
			ind[c] = make([]float64, len(ch))
			for i, v := range ch {
				if v <= q {
					ind[c][i] = 1
				}
			}
		}
		out = math.Min(out, ess(ind))
	}
	return out
}

// splitChains checks the draws and cuts every chain into its first and last
// halves.
func splitChains(chains [][]float64) ([][]float64, bool) {
	if len(chains) == 0 {
		return nil, false
	}
	n := len(chains[0])
	if n < 4 {
		return nil, false
	}
	half := n / 2
	out := make([][]float64, 0, 2*len(chains))
	for _, ch := range chains {
		if len(ch) != n {
			return nil, false
		}
		for _, v := range ch {
			if v != v {
				return nil, false
			}
		}
		out = append(out, ch[:half])
	}
	for _, ch := range chains {
		out = append(out, ch[n-half:])
	}
	return out, true
}

// zScale replaces every draw by the normal score of its rank among all
// draws (ties share their average rank).
func zScale(chains [][]float64) [][]float64 {
	type item struct {
		v    float64
		c, i int
	}
	var items []item
	for c, ch := range chains {
		for i, v := range ch {
			items = append(items, item{v, c, i})
		}
	}
	sort.SliceStable(items, func(a, b int) bool { return items[a].v < items[b].v })
	out := make([][]float64, len(chains))
	for c, ch := range chains {
		out[c] = make([]float64, len(ch))
	}
	size := float64(len(items))
	for lo := 0; lo < len(items); {
		hi := lo + 1
		for hi < len(items) && items[hi].v == items[lo].v {
			hi++
		}
		rank := 0.5 * float64(lo+1+hi) // average of ranks lo+1 … hi
		z := mathext.NormalQuantile((rank - 0.375) / (size + 0.25))
		for _, it := range items[lo:hi] {
			out[it.c][it.i] = z
		}
		lo = hi
	}
	return out
}

// rhatPlain is Gelman and Rubin's potential scale reduction of equal-length
// chains.
func rhatPlain(chains [][]float64) float64 {
	m := len(chains)
	n := float64(len(chains[0]))
	means := make([]float64, m)
	within := 0.0
	for c, ch := range chains {
		means[c], _ = meanVar(ch)
		_, v := meanVar(ch)
		within += v / float64(m)
	}
	_, vm := meanVar(means)
	between := n * vm
	return math.Sqrt((between/within + n - 1) / n)
}

// meanVar returns the mean and the unbiased variance (NaN for one value).
func meanVar(x []float64) (float64, float64) {
	n := float64(len(x))
	m := 0.0
	for _, v := range x {
		m += v
	}
	m /= n
	s := 0.0
	for _, v := range x {
		s += (v - m) * (v - m)
	}
	return m, s / (n - 1)
}

// ess is the effective sample size of equal-length chains (Geyer's initial
// monotone sequence estimator on the combined autocorrelation). Lags are
// computed only as far as the sequence needs them.
func ess(chains [][]float64) float64 {
	m := len(chains)
	n := len(chains[0])
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, ch := range chains {
		for _, v := range ch {
			lo, hi = math.Min(lo, v), math.Max(hi, v)
		}
	}
	if hi-lo < 1e-15 {
		return float64(m * n)
	}
	centred := make([][]float64, m)
	means := make([]float64, m)
	for c, ch := range chains {
		means[c], _ = meanVar(ch)
		centred[c] = make([]float64, n)
		for i, v := range ch {
			centred[c][i] = v - means[c]
		}
	}
	// meanAcov is the autocovariance at lag t averaged over chains (biased,
	// divided by n).
	meanAcov := func(t int) float64 {
		s := 0.0
		for _, x := range centred {
			a := 0.0
			for i := 0; i+t < n; i++ {
				a += x[i] * x[i+t]
			}
			s += a / float64(n)
		}
		return s / float64(m)
	}
	fn := float64(n)
	meanVarW := meanAcov(0) * fn / (fn - 1)
	varPlus := meanVarW * (fn - 1) / fn
	if m > 1 {
		_, vm := meanVar(means)
		varPlus += vm
	}
	rho := make([]float64, n)
	rhoEven, rhoOdd := 1.0, 1-(meanVarW-meanAcov(1))/varPlus
	rho[0], rho[1] = rhoEven, rhoOdd
	t := 1
	for t < n-3 && rhoEven+rhoOdd > 0 {
		rhoEven = 1 - (meanVarW-meanAcov(t+1))/varPlus
		rhoOdd = 1 - (meanVarW-meanAcov(t+2))/varPlus
		if rhoEven+rhoOdd >= 0 {
			rho[t+1], rho[t+2] = rhoEven, rhoOdd
		}
		t += 2
	}
	maxT := t - 2
	if rhoEven > 0 {
		rho[maxT+1] = rhoEven
	}
	for t = 1; t <= maxT-2; t += 2 {
		if rho[t+1]+rho[t+2] > rho[t-1]+rho[t] {
			rho[t+1] = (rho[t-1] + rho[t]) / 2
			rho[t+2] = rho[t+1]
		}
	}
	total := float64(m * n)
	tau := -1.0
	for _, r := range rho[:maxT+1] {
		tau += 2 * r
	}
	if maxT+1 < n {
		tau += rho[maxT+1]
	}
	tau = math.Max(tau, 1/math.Log10(total))
	return total / tau
}

// quantileSorted is R's type-7 quantile of sorted values (linear
// interpolation between order statistics, as NumPy's default).
func quantileSorted(sorted []float64, p float64) float64 {
	h := p * float64(len(sorted)-1)
	lo := math.Floor(h)
	i := int(lo)
	if i+1 >= len(sorted) {
		return sorted[len(sorted)-1]
	}
	return sorted[i] + (h-lo)*(sorted[i+1]-sorted[i])
}

func median(x []float64) float64 {
	s := slices.Clone(x)
	slices.Sort(s)
	return quantileSorted(s, 0.5)
}
