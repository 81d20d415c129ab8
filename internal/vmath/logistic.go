package vmath

import "math"

// Sigmoid sets dst[i] = 1/(1 + e⁻ˣ) for x = x[i], i < len(dst): 1 for +Inf,
// 0 for -Inf, subnormal results below about -708.4, NaN for NaN.
//
// x must be at least as long as dst. dst and x may be the same slice; they
// must not overlap otherwise.
func Sigmoid(dst, x []float64) {
	x = fit(dst, x)
	if useAsm {
		sigmoidAVX2(dst, x)
		return
	}
	sigmoidGo(dst, x)
}

// Softplus sets dst[i] = ln(1 + eˣ) for x = x[i], i < len(dst): x itself
// for large x, eˣ (subnormal, then 0) for very negative x, +Inf for +Inf,
// 0 for -Inf, NaN for NaN.
//
// x must be at least as long as dst. dst and x may be the same slice; they
// must not overlap otherwise.
func Softplus(dst, x []float64) {
	x = fit(dst, x)
	if useAsm {
		softplusAVX2(dst, x)
		return
	}
	softplusGo(dst, x)
}

// LogSigmoid sets dst[i] = ln(1/(1 + e⁻ˣ)) = -Softplus(-x) for x = x[i],
// i < len(dst): the log-probability of a Bernoulli outcome with logit x.
// It is -0 for +Inf, -Inf for -Inf, NaN for NaN.
//
// x must be at least as long as dst. dst and x may be the same slice; they
// must not overlap otherwise.
func LogSigmoid(dst, x []float64) {
	x = fit(dst, x)
	if useAsm {
		logSigmoidAVX2(dst, x)
		return
	}
	logSigmoidGo(dst, x)
}

func sigmoidGo(dst, x []float64) {
	x = x[:len(dst)]
	for i, v := range x {
		dst[i] = sigmoid(v)
	}
}

// sigmoid is the scalar kernel of Sigmoid. With u = e^-|x| held as
// uh + ul (about 2⁻⁶⁰ relative), it divides n = 1 (x ≥ 0) or n = u (x < 0)
// by d = 1 + u, also held exactly, and corrects the quotient by the
// residual, so that the result is rounded about once.
func sigmoid(x float64) float64 {
	if !(math.Abs(x) <= expFast) {
		if x > 0 {
			return 1
		}
		return expWide(x) // NaN, or subnormal and u/(1 + u) = u
	}
	uh, ul := negExp(x)
	dh := 1 + uh
	dl := ((1 - dh) + uh) + ul
	nh, nl := 1.0, 0.0
	if x < 0 {
		nh, nl = uh, ul
	}
	return divHiLo(nh, nl, dh, dl)
}

// negExp returns e^-|x| as uh + ul, to about 2⁻⁶⁰ relative, for
// |x| ≤ expFast.
func negExp(x float64) (uh, ul float64) {
	t, _, hi, lo := expHiLo(-math.Abs(x))
	e := math.Float64bits(t) << 52 // k in the exponent field
	return math.Float64frombits(math.Float64bits(hi) + e), lo * math.Float64frombits(math.Float64bits(1.0)+e)
}

// divHiLo returns (nh + nl)/(dh + dl), rounded about once: the residual of
// a first quotient, taken exactly with a fused multiply-add, corrects it.
func divHiLo(nh, nl, dh, dl float64) float64 {
	rd := 1 / dh
	y := nh * rd
	rho := math.FMA(-y, dh, nh) + (nl - y*dl)
	return y + rho*rd
}

func softplusGo(dst, x []float64) {
	x = x[:len(dst)]
	for i, v := range x {
		dst[i] = softplus(v)
	}
}

// softplus is the scalar kernel of Softplus: max(x, 0) + ln(1 + e^-|x|),
// the logarithm taken of u = e^-|x| held as uh + ul. Of the logarithm's
// k·ln2Hi - inner, the first term joins max(x, 0) by an exact two-sum, so
// that adding x costs one rounding rather than two.
func softplus(x float64) float64 {
	if !(math.Abs(x) <= expFast) {
		if x > 0 {
			return x // +Inf, or x + u with u below x's precision
		}
		return expWide(x) // NaN, or subnormal and ln(1 + u) = u
	}
	uh, ul := negExp(x)
	k, inner := log1pParts(uh, ul)
	m, b := max(x, 0), k*ln2Hi
	a := m + b
	bb := a - m
	return a + (((m - (a - bb)) + (b - bb)) - inner)
}

func logSigmoidGo(dst, x []float64) {
	x = x[:len(dst)]
	for i, v := range x {
		dst[i] = -softplus(-v)
	}
}
