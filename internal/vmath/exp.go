package vmath

import "math"

// Exp sets dst[i] = eˣ for x = x[i], i < len(dst), with the special cases
// of math.Exp: +Inf for x above about 709.78, 0 below about -745.13,
// subnormal results in between, and NaN for NaN.
//
// x must be at least as long as dst. dst and x may be the same slice; they
// must not overlap otherwise.
func Exp(dst, x []float64) {
	x = fit(dst, x)
	if useAsm {
		expAVX2(dst, x)
		return
	}
	expGo(dst, x)
}

// Expm1 sets dst[i] = eˣ - 1 for x = x[i], i < len(dst), accurate also where
// x is near 0; the special cases are those of math.Expm1 (-1 for -Inf,
// x itself for ±0).
//
// x must be at least as long as dst. dst and x may be the same slice; they
// must not overlap otherwise.
func Expm1(dst, x []float64) {
	x = fit(dst, x)
	if useAsm {
		expm1AVX2(dst, x)
		return
	}
	expm1Go(dst, x)
}

// Both exponentials reduce x = k·ln2 + r with k = round(x/ln2), |r| ≤ ln2/2,
// and rebuild eˣ = 2ᵏ·(1 + r + r²·P(r)). k·ln2Hi is exact for |k| < 2¹¹
// (ln2Hi keeps 41 significant bits), so x - k·ln2Hi is exact and only the
// tiny k·ln2Lo term rounds.
const (
	log2e = 1.4426950408889634     // 1/ln2
	magic = 0x1.8p52               // adding it rounds to an integer held in the low mantissa bits
	ln2Hi = 0x1.62e42fefa4p-1      // ln2 to 41 bits
	ln2Lo = -0x1.8432a1b0e2634p-43 // ln2 - ln2Hi

	// ln2Tail is ln2 - math.Ln2, for reductions that take k·math.Ln2 in
	// a fused multiply-add.
	ln2Tail = 0x1.abc9e3b39803fp-56

	// expFast bounds the inputs whose result is a normal number that
	// 2ᵏ can scale by an add to the exponent bits (-1021 ≤ k ≤ 1022).
	expFast = 708.0
	// expClampHi and expClampLo lie beyond the overflow and underflow
	// thresholds, so clamping there keeps k in range and still rounds to
	// +Inf and 0.
	expClampHi = 710.0
	expClampLo = -746.0

	// Expm1 returns x itself below expm1Tiny in magnitude, and clamps x
	// at expm1Low, where the result is -1 to double precision.
	expm1Tiny = 0x1p-54
	expm1Low  = -45.0
)

// P(r) = (eʳ - 1 - r)/r² on |r| ≤ ln2/2, minimax for relative error
// (2^-58.4 before rounding the coefficients, 2^-57.2 after), computed by
// the Remez exchange in testdata/remez.py. Fitting P rather than eʳ keeps
// r + r²·P(r) accurate relative to r, which Expm1 and Tanh rely on.
const (
	expP0  = 0.5
	expP1  = 0.1666666666666667
	expP2  = 0.041666666666666616
	expP3  = 0.008333333333326167
	expP4  = 0.0013888888888917957
	expP5  = 0.0001984126987472082
	expP6  = 2.4801587245744916e-05
	expP7  = 2.7557255514216117e-06
	expP8  = 2.755734961731706e-07
	expP9  = 2.5105173629918346e-08
	expP10 = 2.088937458600561e-09
)

// expReduce reduces x (|x| ≤ 746): it returns t = magic + k, whose low
// mantissa bits hold k, k itself, r and its rounding error rho, with
// x - k·ln2 = r + rho, and P'(r) = (P(r) - P(0))/r by Estrin's scheme,
// whose short dependency chains let neighbouring elements overlap.
func expReduce(x float64) (t, k, r, rho, p float64) {
	t = x*log2e + magic
	k = t - magic
	rhi := x - k*ln2Hi
	kl := float64(k * ln2Lo)
	r = rhi - kl
	rho = (rhi - r) - kl
	r2 := r * r
	r4 := r2 * r2
	p = (expP1 + r*expP2) + r2*(expP3+r*expP4) +
		r4*((expP5+r*expP6)+r2*(expP7+r*expP8)+r4*(expP9+r*expP10))
	return t, k, r, rho, p
}

// expParts returns t and k as expReduce, and r and lo with
// e^(x - k·ln2) - 1 = r + lo to about 2⁻⁶⁰ relative; lo is about r²/2. The
// rounding error rho of r enters lo as rho·eʳ, which holds the error of Exp
// near half an ulp.
func expParts(x float64) (t, k, r, lo float64) {
	t, k, r, rho, p := expReduce(x)
	return t, k, r, (rho*r + rho) + float64(r*r)*(p*r+expP0)
}

// expPartsSq is expParts with r²/2 summed exactly (r split into halves of
// 26 and 27 bits, whose products are exact), so that lo is good to its
// last rounding: Expm1 subtracts 1 from 2ᵏ·(1 + r + lo), which at k = 1
// magnifies the error of lo up to three times.
func expPartsSq(x float64) (t, k, r, lo float64) {
	t, k, r, rho, p := expReduce(x)
	rh := math.Float64frombits(math.Float64bits(r) &^ (1<<27 - 1))
	rl := r - rh
	sq := float64(rh*rl) + 0.5*rl*rl
	return t, k, r, 0.5*rh*rh + ((sq + float64(r*r*r)*p) + (rho*r + rho))
}

// expHiLo returns eˣ/2ᵏ as hi + lo, hi in [√2/2, √2]; 1 + r is summed
// exactly so that only the last addition rounds.
func expHiLo(x float64) (t, k, hi, lo float64) {
	t, k, r, l := expParts(x)
	hi = 1 + r
	l += (1 - hi) + r
	s := hi + l
	return t, k, s, l - (s - hi)
}

// pow2 returns 2ᵏ for an integer -1022 ≤ k ≤ 1023.
func pow2(k float64) float64 {
	return math.Float64frombits(uint64(int64(k)+1023) << 52)
}

func expGo(dst, x []float64) {
	x = x[:len(dst)]
	for i, v := range x {
		dst[i] = exp(v)
	}
}

// exp is the scalar kernel of Exp.
func exp(x float64) float64 {
	if !(math.Abs(x) <= expFast) {
		return expWide(x)
	}
	t, _, y, _ := expHiLo(x)
	return math.Float64frombits(math.Float64bits(y) + math.Float64bits(t)<<52)
}

// expWide handles NaN and the x beyond expFast, whose results overflow,
// underflow or are subnormal: 2ᵏ is applied as two normal factors so that
// only the last product rounds.
func expWide(x float64) float64 {
	if x != x {
		return x
	}
	_, k, y, _ := expHiLo(min(max(x, expClampLo), expClampHi))
	k1 := math.Trunc(k / 2)
	return y * pow2(k1) * pow2(k-k1)
}

func expm1Go(dst, x []float64) {
	x = x[:len(dst)]
	for i, v := range x {
		dst[i] = expm1(v)
	}
}

// expm1 is the scalar kernel of Expm1.
func expm1(x float64) float64 {
	if !(math.Abs(x) >= expm1Tiny) {
		return x // ±0, tiny and subnormal x, NaN
	}
	hi, _ := expm1Half(min(max(x, expm1Low), expClampHi))
	return 2 * hi
}

// expm1Half returns (eˣ - 1)/2 as hi + lo for x in [-45, 710]. With
// h = 2ᵏ⁻¹ it sums (h - 1/2) + h·r + h·lo: h - 1/2 is split exactly into
// th + tl, th + h·r is summed exactly, so that one rounding remains in hi;
// halving keeps 2ᵏ finite up to k = 1024. Below k = -53, tl is not exact,
// which costs at most an ulp of results within 2⁻⁵³ of -1.
func expm1Half(x float64) (hi, lo float64) {
	_, k, r, l := expPartsSq(x)
	h := pow2(k - 1)
	th := h - 0.5
	tl := (h - th) - 0.5
	hr := h * r
	b := th + hr
	s := (hr - (b - th)) + (tl + h*l)
	hi = b + s
	return hi, s - (hi - b)
}
