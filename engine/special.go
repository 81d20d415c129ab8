package engine

import "math"

// Special functions in float64. The scalar forms are exported so that code
// outside a graph (normalizing constants, tests, samplers) uses the same
// numbers the graph kernels produce.
//
// Conventions at poles follow SciPy (scipy.special):
//
//	Digamma(+0) = −Inf, Digamma(−0) = +Inf, Digamma(−k) = NaN for k = 1, 2, …,
//	Digamma(−Inf) = NaN, Digamma(+Inf) = +Inf;
//	Polygamma(n, x) = (−1)ⁿ⁺¹·Inf at x = 0, −1, −2, … and at −Inf (the
//	limit from the right at 0, taken everywhere), and (−1)ⁿ⁺¹·0 at +Inf.
//
// Accuracy (checked against SciPy and mpmath in TestSpecialReference): a few
// ulps for x > 0; for x < 0 the reflection formula loses what the function's
// condition number |x f′(x)/f(x)| says it must, which matters only near the
// roots of ψ⁽ⁿ⁾ on the negative axis.

// rootSeries sums ψ(x) = Σₖ cₖ δᵏ, δ = x − x₀, around a root x₀ of ψ, where the
// general method would lose relative accuracy: near x₀ its terms cancel to a
// result of size |δ|. x₀ is held as the unevaluated sum hi + lo, and x − hi is
// exact for x this close to hi (Sterbenz), so δ keeps its relative accuracy.
type rootSeries struct {
	hi, lo, radius float64
	c              [24]float64 // cₖ₊₁ = ψ⁽ᵏ⁺¹⁾(x₀)/(k+1)!
}

func newRootSeries(hi, lo, radius float64) *rootSeries {
	r := &rootSeries{hi: hi, lo: lo, radius: radius}
	f := 1.0
	for k := range r.c {
		f *= float64(k + 1)
		r.c[k] = polygamma(k+1, hi) / f
	}
	return r
}

// eval returns ψ(x) and true when x is within the series' radius.
func (r *rootSeries) eval(x float64) (float64, bool) {
	d := x - r.hi
	if math.Abs(d) >= r.radius {
		return 0, false
	}
	d -= r.lo
	s := 0.0
	for k := len(r.c) - 1; k >= 0; k-- {
		s = s*d + r.c[k]
	}
	return s * d, true
}

// The roots of ψ nearest the origin, as SciPy treats them. The series
// converge like (δ/ρ)ᵏ where ρ is the distance to the nearest pole (1.46 and
// 0.50); 24 terms reach round-off within the radii below. ψ has a root in
// every interval (−k−1, −k); beyond the first, relative accuracy near them is
// what the reflection formula gives (see Digamma).
var (
	digammaPosRoot = newRootSeries(1.4616321449683622, 9.549995429965697e-17, 0.25)
	digammaNegRoot = newRootSeries(-0.5040830082644554, -8.15428206243813e-18, 0.1)
)

// bernoulli2k[k-1] is the Bernoulli number B₂ₖ.
var bernoulli2k = [...]float64{1.0 / 6, -1.0 / 30, 1.0 / 42, -1.0 / 30, 5.0 / 66,
	-691.0 / 2730, 7.0 / 6, -3617.0 / 510, 43867.0 / 798, -174611.0 / 330}

// Digamma returns ψ(x) = d/dx log Γ(x).
func Digamma(x float64) float64 {
	switch {
	case math.IsNaN(x):
		return x
	case math.IsInf(x, 1):
		return x
	case x == 0:
		// ψ(x) ≈ −1/x near 0: the sign of the zero picks the side.
		return math.Copysign(math.Inf(1), -x)
	case x < 0:
		if x == math.Floor(x) {
			return math.NaN() // −1, −2, … and −Inf: the two one-sided limits differ
		}
		if v, ok := digammaNegRoot.eval(x); ok {
			return v
		}
		// reflection: ψ(x) = ψ(1−x) − π cot(πx)
		return digammaPos(1-x) - math.Pi*cotPi(x)
	}
	return digammaPos(x)
}

func digammaPos(x float64) float64 {
	if v, ok := digammaPosRoot.eval(x); ok {
		return v
	}
	// ψ(x) = ψ(x+k) − Σ 1/(x+i): shift up to where the asymptotic series is exact.
	r := 0.0
	for x < 10 {
		r -= 1 / x
		x++
	}
	return r + digammaAsymptotic(x)
}

// digammaAsymptotic is ψ(x) ≈ log x − 1/(2x) − Σₖ B₂ₖ/(2k x²ᵏ) for x ≥ 10,
// where eight terms leave a remainder below 1e-17 relative.
func digammaAsymptotic(x float64) float64 {
	f := 1 / (x * x)
	s := f * (1.0/12 - f*(1.0/120-f*(1.0/252-f*(1.0/240-f*(1.0/132-f*(691.0/32760-f*(1.0/12-f*3617.0/8160)))))))
	return math.Log(x) - 0.5/x - s
}

// cotPi returns cot(πx) for non-integer x. Reducing x to r ∈ [−½, ½] is
// exact and keeps π·x from rounding away the fractional part; for |r| > ¼ the
// identity cot(πr) = ±tan(π(½ − |r|)) (again exact in its argument) makes
// the result exactly 0 at half-integers, where 1/tan(π/2) would be 6e−17.
func cotPi(x float64) float64 {
	r := x - math.Round(x)
	if math.Abs(r) <= 0.25 {
		return 1 / math.Tan(math.Pi*r)
	}
	return math.Copysign(math.Tan(math.Pi*(0.5-math.Abs(r))), r)
}

// Polygamma returns ψ⁽ⁿ⁾(x), the n-th derivative of the digamma function,
// for n ≥ 0 (NaN for n < 0). Orders above 170, where n! overflows, are not
// supported and give ±Inf or NaN.
func Polygamma(n int, x float64) float64 {
	if n == 0 {
		return Digamma(x)
	}
	return polygamma(n, x)
}

// polygamma is Polygamma for n ≥ 1; it does not call Digamma, whose root
// series are initialized from it.
func polygamma(n int, x float64) float64 {
	if n < 1 || math.IsNaN(x) {
		return math.NaN()
	}
	sign := 1.0 // (−1)ⁿ⁺¹
	if n%2 == 0 {
		sign = -1
	}
	switch {
	case math.IsInf(x, 1):
		return sign * 0
	case x <= 0 && x == math.Floor(x):
		return sign * math.Inf(1)
	case x < 0:
		return polygammaNeg(n, x)
	}
	return sign * factorial(n) * hurwitzZeta(n+1, x)
}

// maxReflect is the highest order for which polygammaNeg uses the reflection
// formula; its polynomial coefficients live on the stack.
const maxReflect = 40

// polygammaNeg computes ψ⁽ⁿ⁾(x) for negative non-integer x. Differentiating
// the reflection formula ψ(1−x) − ψ(x) = π cot(πx) n times gives
//
//	ψ⁽ⁿ⁾(x) = (−1)ⁿ ψ⁽ⁿ⁾(1−x) − πⁿ⁺¹ Pₙ(cot πx),
//
// where dⁿ/dtⁿ cot t = Pₙ(cot t), P₀(c) = c and Pₖ₊₁ = −(1+c²) Pₖ′. Every Pₙ has
// terms of one parity whose coefficients share a sign, so evaluating it does
// not cancel.
func polygammaNeg(n int, x float64) float64 {
	if n > maxReflect {
		// ψ⁽ⁿ⁾(x) = ψ⁽ⁿ⁾(x+1) − (−1)ⁿ n!/xⁿ⁺¹, until x+k > 0
		fact, r := factorial(n), 0.0
		sgn := 1.0
		if n%2 == 0 {
			sgn = -1
		}
		for x < 0 {
			r += sgn * fact * ipow(1/x, n+1)
			x++
		}
		return r + polygamma(n, x)
	}
	var p [maxReflect + 2]float64 // coefficients of Pₖ by power of c
	p[1] = 1
	for k := 0; k < n; k++ {
		// Pₖ₊₁ = −(1+c²)Pₖ′: the term a·cʲ of Pₖ gives −j·a·(cʲ⁻¹ + cʲ⁺¹).
		var q [maxReflect + 2]float64
		for j := 1; j <= k+1; j++ {
			a := -float64(j) * p[j]
			q[j-1] += a
			q[j+1] += a
		}
		p = q
	}
	c := cotPi(x)
	v := 0.0
	for j := n + 1; j >= 0; j-- {
		v = v*c + p[j]
	}
	refl := polygamma(n, 1-x)
	if n%2 == 1 {
		refl = -refl
	}
	return refl - ipow(math.Pi, n+1)*v
}

// hurwitzZeta returns ζ(s, x) = Σₖ (x+k)⁻ˢ for integer s ≥ 2 and x > 0. It
// sums the first terms directly until x+k ≥ s+10, then adds the
// Euler–Maclaurin tail
//
//	ζ(s, y) ≈ y¹⁻ˢ/(s−1) + y⁻ˢ/2 + Σⱼ B₂ⱼ/(2j)! · s(s+1)…(s+2j−2) · y⁻ˢ⁻²ʲ⁺¹,
//
// whose terms shrink like ((s+2j)/(2πy))² each step; ten of them reach
// round-off at that y. All terms are positive but the tail's corrections, so
// nothing cancels.
func hurwitzZeta(s int, x float64) float64 {
	sf := float64(s)
	lim := max(sf+10, 12)
	sum := 0.0
	for x < lim {
		sum += ipow(1/x, s)
		x++
	}
	base := ipow(1/x, s) // y⁻ˢ
	inv2 := 1 / (x * x)
	a := sf / (2 * x) // s/(2! y): the j = 1 factor (s)₁/(2)! · y⁻¹
	tail := 0.0
	for j, b := range bernoulli2k {
		tail += b * a
		jj := float64(2 * (j + 1))
		a *= (sf + jj - 1) * (sf + jj) / ((jj + 1) * (jj + 2)) * inv2
	}
	// y¹⁻ˢ/(s−1) on its own: y⁻ˢ·y underflows where y¹⁻ˢ does not.
	return sum + ipow(1/x, s-1)/(sf-1) + base*(0.5+tail)
}

// ipow returns xⁿ for n ≥ 0 by repeated squaring.
func ipow(x float64, n int) float64 {
	r := 1.0
	for n > 0 {
		if n&1 == 1 {
			r *= x
		}
		x *= x
		n >>= 1
	}
	return r
}

// factorial returns n! (exact for n ≤ 22, +Inf beyond 170).
func factorial(n int) float64 {
	f := 1.0
	for i := 2; i <= n; i++ {
		f *= float64(i)
	}
	return f
}

// Lbeta returns log B(a, b) = log Γ(a) + log Γ(b) − log Γ(a+b).
//
// For a, b > 0 it is accurate to a few ulps even when one or both arguments
// are large, where the three log-gamma terms are huge and cancel: there the
// Stirling series is differenced analytically. For other arguments it returns
// log|B(a, b)| from the three log-gamma terms (+Inf at the poles of Γ(a) or
// Γ(b), NaN where Γ(a+b) has one too).
func Lbeta(a, b float64) float64 {
	if math.IsNaN(a) || math.IsNaN(b) {
		return math.NaN()
	}
	if a > b {
		a, b = b, a
	}
	if a <= 0 {
		return lgamma(a) + lgamma(b) - lgamma(a+b)
	}
	c := a + b
	switch {
	case math.IsInf(b, 1):
		return math.Inf(-1)
	case b < 10:
		return lgamma(a) + lgamma(b) - lgamma(c)
	case a < 10:
		// log Γ(b) − log Γ(c) from Stirling's series at b and c:
		//   −(b−½)·log1p(a/b) − a·log c + a + corr(b) − corr(c)
		return lgamma(a) - (b-0.5)*math.Log1p(a/b) - a*math.Log(c) + a +
			(lgammaCorr(b) - lgammaCorr(c))
	}
	// both large: the Stirling series of all three terms, with
	// (a−½)log a + (b−½)log b − (c−½)log c = (a−½)log(a/c) − (b−½)log1p(a/b) − ½log c
	return 0.5*math.Log(2*math.Pi) - 0.5*math.Log(c) + (a-0.5)*math.Log(a/c) -
		(b-0.5)*math.Log1p(a/b) + (lgammaCorr(a) + lgammaCorr(b) - lgammaCorr(c))
}

// lgammaCorr returns log Γ(x) − [(x−½)log x − x + ½log 2π] for x ≥ 10, the
// tail of Stirling's series Σ B₂ₖ/(2k(2k−1)x²ᵏ⁻¹); eight terms leave less
// than 1e−18.
func lgammaCorr(x float64) float64 {
	f := 1 / (x * x)
	return (1.0/12 - f*(1.0/360-f*(1.0/1260-f*(1.0/1680-f*(1.0/1188-f*(691.0/360360-f*(1.0/156-f*3617.0/122400))))))) / x
}

func lgamma(x float64) float64 {
	v, _ := math.Lgamma(x)
	return v
}
