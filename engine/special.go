package engine

import "math"

// Digamma returns ψ(x) = d/dx log Γ(x).
func Digamma(x float64) float64 {
	switch {
	case math.IsNaN(x) || math.IsInf(x, -1):
		return math.NaN()
	case math.IsInf(x, 1):
		return x
	case x <= 0 && x == math.Floor(x):
		return math.NaN() // poles at the non-positive integers
	case x < 0:
		// reflection: ψ(1−x) − ψ(x) = π cot(πx)
		return Digamma(1-x) - math.Pi/math.Tan(math.Pi*x)
	}
	r := 0.0
	for x < 6 {
		r -= 1 / x
		x++
	}
	// asymptotic series in 1/x² with Bernoulli numbers B₂ₖ/(2k)
	f := 1 / (x * x)
	s := f * (1.0/12 - f*(1.0/120-f*(1.0/252-f*(1.0/240-f*(1.0/132-f*(691.0/32760-f/12))))))
	return r + math.Log(x) - 0.5/x - s
}

// Polygamma returns ψ⁽ⁿ⁾(x), the n-th derivative of the digamma function,
// for n ≥ 0.
func Polygamma(n int, x float64) float64 {
	if n == 0 {
		return Digamma(x)
	}
	if n < 0 || math.IsNaN(x) {
		return math.NaN()
	}
	if x <= 0 && x == math.Floor(x) {
		return math.NaN()
	}
	if x < 0 {
		// shift up with ψ⁽ⁿ⁾(x) = ψ⁽ⁿ⁾(x+1) + (−1)ⁿ⁺¹ n!/xⁿ⁺¹
		return polygammaShift(n, x)
	}
	return polygammaShift(n, x)
}

func polygammaShift(n int, x float64) float64 {
	nf := float64(n)
	fact := math.Gamma(nf + 1)
	sign := 1.0
	if n%2 == 0 {
		sign = -1
	}
	r := 0.0
	limit := 15 + nf
	for x < limit {
		r += sign * fact / math.Pow(x, nf+1)
		x++
	}
	// asymptotic: (−1)ⁿ⁺¹ [ (n−1)!/xⁿ + n!/(2xⁿ⁺¹) + Σₖ B₂ₖ (2k+n−1)!/((2k)! x^(2k+n)) ]
	b2k := []float64{1.0 / 6, -1.0 / 30, 1.0 / 42, -1.0 / 30, 5.0 / 66, -691.0 / 2730, 7.0 / 6, -3617.0 / 510}
	s := math.Gamma(nf)/math.Pow(x, nf) + fact/(2*math.Pow(x, nf+1))
	for k, b := range b2k {
		kk := float64(2 * (k + 1))
		s += b * math.Exp(lgammaf(kk+nf)-lgammaf(kk+1)) / math.Pow(x, kk+nf)
	}
	return r + sign*s
}

func lgammaf(x float64) float64 {
	v, _ := math.Lgamma(x)
	return v
}
