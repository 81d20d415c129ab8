package engine

import "math"

// Stable forms of functions on the log scale that distribution log-densities
// are built from. Each is accurate to a few ulps wherever the function itself
// is well-conditioned (see TestSpecialReference for the bounds).

// Xlogy returns x·log y, and 0 where x == 0 (even where y is 0 or +Inf), as
// scipy.special.xlogy does; a NaN y gives NaN.
func Xlogy(x, y float64) float64 {
	if x == 0 && !math.IsNaN(y) {
		return 0
	}
	return x * math.Log(y)
}

// LogAddExp returns log(eᵃ + eᵇ) without overflow or underflow.
func LogAddExp(a, b float64) float64 {
	if a == b {
		return a + math.Ln2 // also right for a = b = ±Inf, where a − b is NaN
	}
	return math.Max(a, b) + math.Log1p(math.Exp(-math.Abs(a-b)))
}

// Log1mExp returns log(1 − eˣ) for x ≤ 0 (−Inf at 0, NaN for x > 0). It uses
// log(−expm1(x)) for x > −ln 2, where 1 − eˣ is close to 0, and
// log1p(−eˣ) otherwise, where it is close to 1.
func Log1mExp(x float64) float64 {
	if x > -math.Ln2 {
		return math.Log(-math.Expm1(x))
	}
	return math.Log1p(-math.Exp(x))
}

// Ndtr returns Φ(x), the standard normal distribution function, to a few
// ulps for every x.
//
// Φ(x) = erfc(z)/2 with z = −x/√2. For x ≪ 0 the relative error of erfc(z)
// is 2z² times that of z, so rounding z to float64 alone would cost x²·ε
// (3e−13 at x = −37). z is therefore formed as hi + lo, with the exact
// product error from an FMA, and lo enters through the first-order term
// erfc(hi + lo) ≈ erfc(hi) − lo·(2/√π)·exp(−hi²).
func Ndtr(x float64) float64 {
	if !(x < 0) || math.IsInf(x, -1) {
		return 0.5 * math.Erfc(-x*invSqrt2Hi)
	}
	p := x * invSqrt2Hi
	lo := -(math.FMA(x, invSqrt2Hi, -p) + x*invSqrt2Lo) // z = −p + lo
	z := -p
	return 0.5 * (math.Erfc(z) - lo*twoOverSqrtPi*math.Exp(-z*z))
}

// 1/√2 = invSqrt2Hi + invSqrt2Lo to about 2⁻¹⁰⁶, and 2/√π.
const (
	invSqrt2Hi    = 0.7071067811865476
	invSqrt2Lo    = -4.833646656726457e-17
	twoOverSqrtPi = 1.1283791670955126
)

// LogNdtr returns log Φ(x), accurate for all x: log1p(−Φ(−x)) for x > 0
// (where Φ(x) is near 1), log Φ(x) down to −20, and below that the asymptotic
// series
//
//	log Φ(x) = −x²/2 − log(−x) − ½ log 2π + log Σₖ (−1)ᵏ (2k−1)!!/x²ᵏ.
func LogNdtr(x float64) float64 {
	switch {
	case x > 0:
		return math.Log1p(-Ndtr(-x))
	case x > -20:
		return math.Log(Ndtr(x))
	}
	return -0.5*x*x - math.Log(-x) - 0.5*math.Log(2*math.Pi) + math.Log1p(millsSeries(x))
}

// millsSeries returns Σₖ₌₁ (−1)ᵏ (2k−1)!!/x²ᵏ, the asymptotic series of
// Φ(x)·(−x)/φ(x) − 1 for x ≤ −20. Its terms shrink by (2k+1)/x² ≤ 1/18 at
// first and reach 1e−17 of the sum within 14 terms; the series diverges only
// after k ≈ x²/2 ≥ 200.
func millsSeries(x float64) float64 {
	f := 1 / (x * x)
	t, s := 1.0, 0.0
	for k := 1; k <= 20; k++ {
		t *= -float64(2*k-1) * f
		s += t
		if math.Abs(t) < 1e-17*(1+s) {
			break
		}
	}
	return s
}

// ndtrRatio returns φ(x)/Φ(x), the derivative of log Φ(x) (the inverse Mills
// ratio of −x). Below −20 it uses the same series as LogNdtr, so it stays
// accurate where φ and Φ both underflow.
func ndtrRatio(x float64) float64 {
	if x > -20 {
		return math.Exp(-0.5*x*x) / math.Sqrt(2*math.Pi) / Ndtr(x)
	}
	return -x / (1 + millsSeries(x))
}
