package vmath

import "math"

// Log sets dst[i] = ln x for x = x[i], i < len(dst), subnormal x included,
// with the special cases of math.Log: -Inf for ±0, NaN for x < 0 and NaN,
// +Inf for +Inf.
//
// x must be at least as long as dst. dst and x may be the same slice; they
// must not overlap otherwise.
func Log(dst, x []float64) {
	x = fit(dst, x)
	if useAsm {
		logAVX2(dst, x)
		return
	}
	logGo(dst, x)
}

// Log1p sets dst[i] = ln(1 + x) for x = x[i], i < len(dst), accurate also
// where x is near 0; the special cases are those of math.Log1p: -Inf for
// -1, NaN below -1, x itself for ±0.
//
// x must be at least as long as dst. dst and x may be the same slice; they
// must not overlap otherwise.
func Log1p(dst, x []float64) {
	x = fit(dst, x)
	if useAsm {
		log1pAVX2(dst, x)
		return
	}
	log1pGo(dst, x)
}

// Both logarithms write their argument as 2ᵏ·m with m in [√2/2, √2), so that
// f = m - 1 is exact and ln m = 2·atanh(s) for s = f/(2 + f), |s| ≤ 3 - 2√2.
// With hfsq = f²/2 and 2·atanh(s) = 2s + s·z·Q(z), z = s², one has
// ln m = f - hfsq + s·(hfsq + z·Q(z)): the leading term f is exact and the
// division only enters terms below f²/2.
const (
	sqrtHalfBits = 0x3fe6a09e667f3bcd // √2/2
	// logOff moves the bits of √2/2 onto those of 1, so that the exponent
	// field of bits(u) + logOff is k + 1023.
	logOff   = 0x3ff0000000000000 - sqrtHalfBits
	mantMask = 1<<52 - 1
	biasMag  = 0x1p52 + 1023 // bits(2⁵²) | e reads as 2⁵² + e, so subtracting this leaves e - 1023
)

// Q(z) = (2·atanh(s) - 2s)/(s·z) on 0 ≤ z ≤ (3 - 2√2)², minimax for relative
// error (2^-58.2 before rounding, 2^-54 after, dominated by Q(0) = 2/3),
// computed by the Remez exchange in testdata/remez.py. Its error reaches the
// logarithm scaled by z/3 < 0.01.
const (
	logQ0 = 0.6666666666666666
	logQ1 = 0.4000000000000088
	logQ2 = 0.28571428570801927
	logQ3 = 0.2222222239205768
	logQ4 = 0.18181795606732232
	logQ5 = 0.15386241368401482
	logQ6 = 0.13268731959026908
	logQ7 = 0.1308702607779584
)

// split returns k and f with u = 2ᵏ·(1 + f), 1 + f in [√2/2, √2), for a
// positive normal u.
func split(u float64) (k, f float64) {
	iy := math.Float64bits(u) + logOff
	k = float64(int64(iy>>52) - 1023)
	f = math.Float64frombits(iy&mantMask+sqrtHalfBits) - 1
	return k, f
}

// logTail returns ln(1 + f) - f + hfsq for f in [√2/2 - 1, √2 - 1],
// s = f/(2 + f) and hfsq = f²/2, Q by Estrin's scheme.
func logTail(f, s, hfsq float64) float64 {
	z := s * s
	z2 := z * z
	q := (logQ0 + z*logQ1) + z2*(logQ2+z*logQ3) + (z2*z2)*((logQ4+z*logQ5)+z2*(logQ6+z*logQ7))
	return s * (hfsq + z*q)
}

func logGo(dst, x []float64) {
	x = x[:len(dst)]
	for i, v := range x {
		dst[i] = log(v)
	}
}

// log is the scalar kernel of Log.
func log(x float64) float64 {
	var k0 float64
	if !(x >= 0x1p-1022 && x < math.Inf(1)) {
		switch {
		case x != x || x == math.Inf(1):
			return x
		case x < 0:
			return math.NaN()
		case x == 0:
			return math.Inf(-1)
		}
		x *= 0x1p52 // subnormal
		k0 = -52
	}
	k, f := split(x)
	k += k0
	hfsq := 0.5 * f * f
	return k*ln2Hi - ((hfsq - (logTail(f, f/(2+f), hfsq) + k*ln2Lo)) - f)
}

func log1pGo(dst, x []float64) {
	x = x[:len(dst)]
	for i, v := range x {
		dst[i] = log1p(v)
	}
}

// log1p is the scalar kernel of Log1p.
func log1p(x float64) float64 {
	if !(x > -1 && x < math.Inf(1)) {
		switch {
		case x != x || x == math.Inf(1):
			return x
		case x == -1:
			return math.Inf(-1)
		}
		return math.NaN()
	}
	if x == 0 {
		return x // keeps the sign of zero, which the sum below would lose
	}
	k, inner := log1pParts(x)
	return k*ln2Hi - inner
}

// log1pParts returns k and inner with ln(1 + x) = k·ln2Hi - inner, k·ln2Hi
// exact, for x > -1 finite. Where 1 + x rounds into [√2/2, √2) it takes
// f = x itself; elsewhere u = 1 + x rounds, and the error c = 1 + x - u
// (exact, by two-sum) enters as ln(1 + c/u) = c/u, below half an ulp of
// the result, so that its rounding does not matter.
func log1pParts(x float64) (k, inner float64) {
	u := 1 + x
	b := u - 1
	c := (1 - (u - b)) + (x - b)
	k, f := split(u)
	if k == 0 {
		f, c = x, 0
	}
	c /= u
	hfsq := 0.5 * f * f
	s := f / (2 + f)
	return k, (hfsq - (logTail(f, s, hfsq) + (k*ln2Lo + c))) - f
}
