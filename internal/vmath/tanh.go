package vmath

import "math"

// Tanh sets dst[i] = tanh x for x = x[i], i < len(dst), with the special
// cases of math.Tanh: ±0 for ±0, ±1 for ±Inf, NaN for NaN.
//
// x must be at least as long as dst. dst and x may be the same slice; they
// must not overlap otherwise.
func Tanh(dst, x []float64) {
	x = fit(dst, x)
	if useAsm {
		tanhAVX2(dst, x)
		return
	}
	tanhGo(dst, x)
}

// tanhClamp bounds |x|: tanh x rounds to ±1 from |x| = 19.06 on.
const tanhClamp = 20.0

func tanhGo(dst, x []float64) {
	x = x[:len(dst)]
	for i, v := range x {
		dst[i] = tanh(v)
	}
}

// tanh is the scalar kernel of Tanh: with n = (e²ᵃ - 1)/2 held as nh + nl,
// a = |x|, tanh a = n/(n + 1), the division corrected as in sigmoid. Past
// a = 19.06 the result rounds to 1, so a is clamped at 20.
func tanh(x float64) float64 {
	nh, nl := expm1Half(2 * min(math.Abs(x), tanhClamp))
	dh := nh + 1
	bb := dh - nh
	dl := ((nh - (dh - bb)) + (1 - bb)) + nl
	return math.Copysign(divHiLo(nh, nl, dh, dl), x)
}
