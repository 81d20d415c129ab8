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

// SoftplusSigmoid sets sp[i] = ln(1 + eˣ) and sg[i] = 1/(1 + e⁻ˣ) for
// x = x[i], i < len(sp), in one pass that computes e^-|x| once: the score
// and log density of a Bernoulli outcome with logit x come from one
// exponential. Each output equals, bit for bit, what Softplus and Sigmoid
// give, special cases included.
//
// sg must be as long as sp and x at least as long. Either output may be x
// itself; otherwise the three must not overlap.
func SoftplusSigmoid(sp, sg, x []float64) {
	if len(sg) != len(sp) {
		panic(errPair)
	}
	x = fit(sp, x)
	if useAsm {
		softplusSigmoidAVX2(sp, sg, x)
		return
	}
	softplusSigmoidGo(sp, sg, x)
}

func sigmoidGo(dst, x []float64) {
	x = x[:len(dst)]
	for i, v := range x {
		dst[i] = sigmoid(v)
	}
}

// sigmoid is the scalar kernel of Sigmoid.
func sigmoid(x float64) float64 {
	if !(math.Abs(x) <= expFast) {
		if x > 0 {
			return 1
		}
		return expWide(x) // NaN, or subnormal and u/(1 + u) = u
	}
	uh, ul := negExp(x)
	dh, dl := onePlus(uh, ul)
	return sigmoidOf(x, uh, ul, dh, dl)
}

// onePlus returns 1 + uh + ul as dh + dl for 0 < uh ≤ 1: dh = 1 + uh
// rounded, and since uh ≤ 1 its error (1 - dh) + uh is exact.
func onePlus(uh, ul float64) (dh, dl float64) {
	dh = 1 + uh
	return dh, ((1 - dh) + uh) + ul
}

// sigmoidOf returns σ(x) from u = e^-|x| = uh + ul and 1 + u = dh + dl: it
// divides n = 1 (x ≥ 0) or n = u (x < 0) by 1 + u and corrects the
// quotient by the residual, so that the result is rounded about once.
func sigmoidOf(x, uh, ul, dh, dl float64) float64 {
	nh, nl := 1.0, 0.0
	if x < 0 {
		nh, nl = uh, ul
	}
	return divHiLo(nh, nl, dh, dl)
}

// negExp returns e^-|x| as uh + ul, to about 2⁻⁶⁰ relative, for
// |x| ≤ expFast. It reduces -|x| = k·ln2 + r - d as Exp does, but takes
// r = -|x| - k·Ln2 in one fused multiply-add with the 53-bit Ln2 = math.Ln2,
// which is exact: where k ≠ 0, |x| > 1/4, so that -|x| and k·Ln2 are
// multiples of 2⁻⁵⁴, and so is their difference, below 1/2 (up to |x| of
// 746). The rest, d = k·(ln2 - Ln2), below 2⁻⁴⁴, enters as e⁻ᵈ = 1 - d:
// e^-|x|/2ᵏ = (1 + r + q)(1 - d) = 1 + r + lo with q = r²·P(r) and
// lo = q - d·((1 + r) + q), where 1 + r is the sum taken exactly anyway.
// This saves the operations that the rounding error of a rounded r costs.
func negExp(x float64) (uh, ul float64) {
	a := -math.Abs(x)
	t := a*log2e + magic
	k := t - magic
	r := math.FMA(-k, math.Ln2, a)
	d := k * ln2Tail
	r2 := r * r
	r4 := r2 * r2
	p := (expP1 + r*expP2) + r2*(expP3+r*expP4) +
		r4*((expP5+r*expP6)+r2*(expP7+r*expP8)+r4*(expP9+r*expP10))
	q := float64(r2 * (p*r + expP0))
	hi := 1 + r
	lo := q - float64(d*(hi+q))
	lo += r - (hi - 1)
	s := hi + lo
	lo -= s - hi
	e := math.Float64bits(t) << 52 // k in the exponent field
	return math.Float64frombits(math.Float64bits(s) + e), lo * math.Float64frombits(math.Float64bits(1.0)+e)
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

// softplus is the scalar kernel of Softplus.
func softplus(x float64) float64 {
	if !(math.Abs(x) <= expFast) {
		if x > 0 {
			return x // +Inf, or x + u with u below x's precision
		}
		return expWide(x) // NaN, or subnormal and ln(1 + u) = u
	}
	uh, ul := negExp(x)
	dh, dl := onePlus(uh, ul)
	return softplusOf(x, uh, ul, dh, dl)
}

// softplusOf returns max(x, 0) + ln(1 + u) for u = e^-|x| = uh + ul and
// 1 + u = dh + dl, as k·ln2 + ln(1 + f) + c/(1 + f) with 1 + f in
// [√2/2, √2): below √2, k = 0, f = uh and c = ul; from √2 on, k = 1,
// f = dh/2 - 1 (exact) and c = dl/2. Either way c/(1 + f) = c'/dh with
// c' = ul or dl, a term of at most two ulps of the result, so that the
// rounded reciprocal of dh, which the sigmoid needs as well, serves.
// ln(1 + f) is f - hfsq + s·(hfsq + z·Q(z)) as in Log. Of the whole,
// k·ln2Hi joins m = max(x, 0) by an exact sum: both lie below 1, and
// k·ln2Hi, where it is not 0, has the larger exponent, so that the error
// of a = m + k·ln2Hi is m - (a - k·ln2Hi).
func softplusOf(x, uh, ul, dh, dl float64) float64 {
	k, f, c := 0.0, uh, ul
	if dh >= math.Sqrt2 {
		k, f, c = 1, 0.5*dh-1, dl
	}
	c = c*(1/dh) + k*ln2Lo
	hfsq := 0.5 * f * f
	s := f / (2 + f)
	inner := (hfsq - (logTail(f, s, hfsq) + c)) - f
	m, b := max(x, 0), k*ln2Hi
	a := m + b
	return a + ((m - (a - b)) - inner)
}

// softplusSigmoidGo runs the kernels of Softplus and Sigmoid on one u and
// 1 + u, so that its results are theirs bit for bit.
func softplusSigmoidGo(sp, sg, x []float64) {
	x, sg = x[:len(sp)], sg[:len(sp)]
	for i, v := range x {
		if !(math.Abs(v) <= expFast) {
			sp[i], sg[i] = softplus(v), sigmoid(v)
			continue
		}
		uh, ul := negExp(v)
		dh, dl := onePlus(uh, ul)
		sg[i] = sigmoidOf(v, uh, ul, dh, dl)
		sp[i] = softplusOf(v, uh, ul, dh, dl)
	}
}

func logSigmoidGo(dst, x []float64) {
	x = x[:len(dst)]
	for i, v := range x {
		dst[i] = -softplus(-v)
	}
}
