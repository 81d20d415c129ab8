package dist

import (
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/mathext"

	"github.com/ignis-ppl/ignis/engine"
)

// Standard Gamma(α, 1) draws with implicit reparameterization gradients.
//
// Gamma, InverseGamma, Beta, Dirichlet and StudentT all sample through
// sampleStdGamma. The draws come from Marsaglia and Tsang's rejection sampler,
// which needs a variable number of random numbers per draw, while a program's
// noise inputs have a fixed size. So each element of a Uniform01 noise input
// is used only as a seed: its bits are mixed into the seed of a small
// generator that feeds the rejection loop for that one element. The same noise
// gives the same draws, so programs stay reproducible under WithSeed, and a
// replayed program redraws nothing.
//
// Rejection sampling is not a smooth function of α, so the gradient does not
// come from differentiating the sampler. It is the implicit
// reparameterization gradient (Figurnov, Mohamed and Mnih, 2018): holding the
// CDF value u = F(z; α) fixed, dz/dα = −(∂F/∂α)(z; α) / f(z; α), the only
// transport of the Gamma family in one dimension that depends on z alone. It
// is not the derivative of the Marsaglia–Tsang path for fixed proposal noise
// (that path is a different transport and, without a correction for the
// acceptance step, gives biased gradients); both produce the same
// distribution of draws, and the implicit gradient is the unbiased one.

// gammaTiny is the smallest normal float64. Draws are clamped to it (as Pyro
// does) so that log z and ratios of draws stay finite when α is so small
// that the draw underflows.
const gammaTiny = 0x1p-1022

// stdGammaOp draws standard Gamma(α, 1) variates. Inputs: α and Uniform01
// noise used as per-element seeds, both of the output's shape. It is
// differentiable in α only.
type stdGammaOp struct{}

func (stdGammaOp) String() string { return "std_gamma" }

func (stdGammaOp) Shape(in []engine.Shape) (engine.Shape, error) {
	if len(in) != 2 || !in[0].Equal(in[1]) {
		return nil, fmt.Errorf("%w: std_gamma needs concentration and seed noise of one shape, got %v", engine.ErrShape, in)
	}
	return in[0].Clone(), nil
}

func (stdGammaOp) Kernel(engine.KernelSpec) (engine.Kernel, error) {
	// One generator per kernel, reseeded for every element: Run allocates
	// nothing.
	src := rand.NewPCG(0, 0)
	r := rand.New(src)
	return engine.KernelFunc(func(out []float64, in [][]float64) error {
		alpha, seed := in[0], in[1][:len(in[0])]
		for i, a := range alpha {
			src.Seed(gammaSeed(seed[i]))
			out[i] = stdGammaDraw(r, a)
		}
		return nil
	}), nil
}

func (stdGammaOp) Grad(g *engine.Graph, in []*engine.Node, out, gout *engine.Node) []*engine.Node {
	return []*engine.Node{g.Mul(gout, g.Apply(stdGammaGradOp{}, in[0], out)), nil}
}

// stdGammaGradOp computes the implicit reparameterization gradient dz/dα of
// standard Gamma draws z element-wise. Inputs: α and z, of one shape. Its
// own gradient is not defined (second derivatives through Gamma draws are
// taken as zero).
type stdGammaGradOp struct{}

func (stdGammaGradOp) String() string { return "std_gamma_grad" }

func (stdGammaGradOp) Shape(in []engine.Shape) (engine.Shape, error) {
	if len(in) != 2 || !in[0].Equal(in[1]) {
		return nil, fmt.Errorf("%w: std_gamma_grad needs concentration and draws of one shape, got %v", engine.ErrShape, in)
	}
	return in[0].Clone(), nil
}

func (stdGammaGradOp) Kernel(engine.KernelSpec) (engine.Kernel, error) {
	return engine.KernelFunc(func(out []float64, in [][]float64) error {
		alpha, z := in[0], in[1][:len(in[0])]
		for i, a := range alpha {
			out[i] = stdGammaDzDa(a, z[i])
		}
		return nil
	}), nil
}

func (stdGammaGradOp) Grad(g *engine.Graph, in []*engine.Node, out, gout *engine.Node) []*engine.Node {
	return []*engine.Node{nil, nil}
}

// sampleStdGamma draws standard Gamma(α, 1) variates of the given shape; α
// must broadcast to it. Each call adds its own noise input.
func sampleStdGamma(g *engine.Graph, alpha *engine.Node, shape []int) *engine.Node {
	a := g.BroadcastTo(alpha, shape...)
	return g.Apply(stdGammaOp{}, a, g.Noise(engine.Uniform01, shape...))
}

// gammaSeed turns one uniform noise value into the two words of a PCG seed.
// splitmix64's finalizer is a bijection, so distinct noise values give
// distinct streams.
func gammaSeed(u float64) (uint64, uint64) {
	s := splitmix64(math.Float64bits(u))
	return s, splitmix64(s ^ 0x6a09e667f3bcc908)
}

func splitmix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// stdGammaDraw returns one Gamma(a, 1) variate (Marsaglia and Tsang, 2000,
// with the boost Gamma(a) = Gamma(a+1)·U^(1/a) for a < 1), clamped below to
// gammaTiny. It returns NaN for a that is not positive.
func stdGammaDraw(r *rand.Rand, a float64) float64 {
	switch {
	case !(a > 0):
		return math.NaN()
	case math.IsInf(a, 1):
		return a
	}
	logBoost := 0.0
	if a < 1 {
		logBoost = math.Log(openUniform(r)) / a
		a++
	}
	d := a - 1.0/3
	c := 1 / math.Sqrt(9*d)
	for {
		x := r.NormFloat64()
		v := 1 + c*x
		if v <= 0 {
			continue
		}
		v = v * v * v
		u := openUniform(r)
		x2 := x * x
		if u < 1-0.0331*x2*x2 || math.Log(u) < 0.5*x2+d*(1-v+math.Log(v)) {
			z := d * v
			if logBoost != 0 {
				z *= math.Exp(logBoost)
			}
			return math.Max(z, gammaTiny)
		}
	}
}

// openUniform draws from (0, 1).
func openUniform(r *rand.Rand) float64 {
	for {
		if u := r.Float64(); u > 0 {
			return u
		}
	}
}

// stdGammaDzDa returns dz/dα = −(∂P/∂α)(a, z) / f(z; a) for the standard
// Gamma distribution, P the regularized lower incomplete gamma function and f
// the density.
//
// Below z* = exp(ψ(a+1)) (which lies in (a, a+1)) it uses the power series of
// P, above it the continued fraction of Q = 1 − P, each differentiated term by
// term in a. In both regions every term has the same sign, so nothing
// cancels. Both need O(√a) terms near the mode, so for a > dzdaLargeA and z
// within four standard deviations of the mode it differentiates gonum's P or
// Q numerically (dzdaNearMode), and for a > dzdaHugeA it uses the asymptotic
// expansion in 1/a. Against 60-digit values (stdgamma_test.go) the relative
// error is below 5e-13 for a ≤ 1e3 and near the mode, and below 1e-11 in the
// far tails up to a = 1e9, where the sums run over ~10⁵ terms.
func stdGammaDzDa(a, z float64) float64 {
	switch {
	case math.IsNaN(a) || math.IsNaN(z) || !(a > 0) || math.IsInf(a, 1):
		return math.NaN()
	case z <= 0:
		return 0 // the limit of −z (ln z − ψ(a+1)) / a
	case math.IsInf(z, 1):
		return z
	case a > dzdaHugeA:
		// z = a + √a ε + (ε² − 1)/3 + O(1/√a) for the normal quantile ε of
		// the draw, so dz/dα = 1 + ε/(2√a) + O(a^(−3/2)); written in z, with
		// an error below 1e-14 for |ε| < 10 at a = 1e10.
		e := (z - a) / math.Sqrt(a)
		return 1 + (z-a)/(2*a) - (e*e-1)/(6*a)
	case a > dzdaLargeA && math.Abs(z-a) < 4*math.Sqrt(a):
		return dzdaNearMode(a, z)
	case math.Log(z) < engine.Digamma(a+1):
		return dzdaSeries(a, z)
	}
	return dzdaFraction(a, z)
}

// Above dzdaLargeA, draws within four standard deviations of the mode use
// dzdaNearMode (about 1µs, against ~9√a terms of the series); above
// dzdaHugeA all draws use the asymptotic expansion. The series and the
// continued fraction then only serve draws beyond 4σ (a probability of 6e-5),
// which cost at most about 10⁶ terms at a = dzdaHugeA.
const (
	dzdaLargeA = 1e3
	dzdaHugeA  = 1e10
)

// dzdaEps is the relative size of the first term the sums leave out;
// dzdaMaxTerms only guards against a loop that cannot end.
const (
	dzdaEps      = 0x1p-55
	dzdaMaxTerms = 1e7
)

// dzdaSeries uses P(a, z) = z^a e^(−z) / Γ(a+1) · S, S = Σ tₙ with t₀ = 1,
// tₙ = tₙ₋₁ z/(a+n). Then P/f = zS/a and ∂ log P/∂a = ln z − ψ(a+1) + S'/S
// with S' = −Σ tₙ Hₙ, Hₙ = Σₖ₌₁..ₙ 1/(a+k), so
// dz/dα = −(z/a)·(S·(ln z − ψ(a+1)) + S'). For ln z < ψ(a+1) both terms are
// negative.
func dzdaSeries(a, z float64) float64 {
	s, ds := 1.0, 0.0
	t, h := 1.0, 0.0
	for n := 1.0; n < dzdaMaxTerms; n++ {
		t *= z / (a + n)
		h += 1 / (a + n)
		s += t
		ds -= t * h
		// The remaining terms shrink at least geometrically with ratio r.
		if r := z / (a + n + 1); t*h <= dzdaEps*(1-r)*(-ds) {
			break
		}
	}
	return -(z / a) * (s*(math.Log(z)-engine.Digamma(a+1)) + ds)
}

// dzdaFraction uses Q(a, z) = z^a e^(−z) / Γ(a) · K with Legendre's continued
// fraction K = 1/(b₁ + a₂/(b₂ + a₃/(b₃ + …))), bₙ = z + 2n − 1 − a,
// aₙ = −(n−1)(n−1−a). Then Q/f = zK and ∂ log Q/∂a = ln z − ψ(a) + K'/K, so
// dz/dα = z·(K·(ln z − ψ(a)) + K'). K' = ∫ ln(1+s)(1+s)^(a−1) e^(−zs) ds > 0
// and ln z − ψ(a) > 0 for z ≥ a. K and K' come from the forward recurrence of
// the convergents and its derivative in a, rescaled every step.
func dzdaFraction(a, z float64) float64 {
	// Convergents Aₙ/Bₙ and their a-derivatives, for n−1 and n.
	a0, b0, da0, db0 := 0.0, 1.0, 0.0, 0.0
	a1, b1, da1, db1 := 1.0, z+1-a, 0.0, -1.0
	k, dk := a1/b1, (da1-a1/b1*db1)/b1
	for n := 2.0; n < dzdaMaxTerms; n++ {
		an, bn := -(n-1)*(n-1-a), z+2*n-1-a
		dan := n - 1 // d aₙ/da; d bₙ/da = −1
		a2 := bn*a1 + an*a0
		b2 := bn*b1 + an*b0
		da2 := -a1 + bn*da1 + dan*a0 + an*da0
		db2 := -b1 + bn*db1 + dan*b0 + an*db0
		s := 1 / b2
		a0, b0, da0, db0 = a1*s, b1*s, da1*s, db1*s
		a1, b1, da1, db1 = a2*s, 1, da2*s, db2*s
		kn, dkn := a1, da1-a1*db1
		// Convergents settle to within an ulp, not necessarily exactly.
		done := math.Abs(kn-k) <= 0x1p-52*kn && math.Abs(dkn-dk) <= 0x1p-52*dkn
		k, dk = kn, dkn
		if done {
			break
		}
	}
	return z * (k*(math.Log(z)-engine.Digamma(a)) + dk)
}

// dzdaNearMode differentiates the logarithm of the smaller tail, L = log P
// or log Q, numerically, for a > dzdaLargeA and |z − a| < 4√a, where
// gonum evaluates P and Q with Temme's uniform expansion (accurate to about
// 1e-15 relative and smooth in a). With D(h) the central difference,
// (4D(h/2) − D(h))/3 has error O(h⁴); L varies on the scale √a, so the step
// h ≈ √a/256 gives a truncation error near 1e-13. h is a power of two, so
// a ± h and a ± h/2 are exact. The ratio of the tail to the density is formed
// in logs with Stirling's series, which keeps it accurate for large a.
func dzdaNearMode(a, z float64) float64 {
	upper := z > a
	tail := func(a float64) float64 {
		if upper {
			return math.Log(mathext.GammaIncRegComp(a, z))
		}
		return math.Log(mathext.GammaIncReg(a, z))
	}
	_, e := math.Frexp(math.Sqrt(a) / 256)
	h := math.Ldexp(1, e)
	d1 := (tail(a+h) - tail(a-h)) / (2 * h)
	d2 := (tail(a+h/2) - tail(a-h/2)) / h
	dl := (4*d2 - d1) / 3
	// log f = (a−1) ln z − z − lgamma(a)
	//       = a·(log(1+t) − t) + ½ ln(a/2π) − stirlerr(a) − ln z, with t = (z−a)/a.
	t := (z - a) / a
	logF := a*log1pmx(t) + 0.5*math.Log(a/(2*math.Pi)) - stirlerr(a) - math.Log(z)
	ratio := math.Exp(tail(a) - logF) // tail / f
	if upper {
		return ratio * dl
	}
	return -ratio * dl
}

// log1pmx returns log(1+t) − t without cancellation for small |t|.
func log1pmx(t float64) float64 {
	if math.Abs(t) >= 0.1 {
		return math.Log1p(t) - t
	}
	// −t²/2 + t³/3 − …
	sum, p := 0.0, t
	for k := 2.0; k < 60; k++ {
		p *= -t
		term := p / k
		sum += term
		if math.Abs(term) <= 1e-17*math.Abs(sum) {
			break
		}
	}
	return sum
}

// stirlerr returns lgamma(a) − ((a−½) ln a − a + ½ ln 2π) for a ≥ 10.
func stirlerr(a float64) float64 {
	a2 := 1 / (a * a)
	return (1.0/12 - a2*(1.0/360-a2*(1.0/1260-a2*(1.0/1680)))) / a
}

// xlogyNode returns a·log(x) with 0·log 0 = 0, the convention the Gamma-based
// log densities need at the edge of their support (a Gamma with
// concentration 1 at x = 0, a Beta with concentration 1 at 0 or 1). Unlike
// Pyro, 0·log x stays NaN for x < 0, and the gradient in a is log x (Pyro's
// is 0 where a = 0). When either operand is a constant without zeros the
// guard is left out.
func xlogyNode(g *engine.Graph, a, x *engine.Node) *engine.Node {
	return a0LogNode(g, a, x, false)
}

// xlog1pyNode returns a·log(1+x) with 0·log 0 = 0 (at x = −1).
func xlog1pyNode(g *engine.Graph, a, x *engine.Node) *engine.Node {
	return a0LogNode(g, a, x, true)
}

func a0LogNode(g *engine.Graph, a, x *engine.Node, plus1 bool) *engine.Node {
	edge := 0.0 // the x where the logarithm is −∞
	if plus1 {
		edge = -1
	}
	log := func(x *engine.Node) *engine.Node {
		if plus1 {
			return g.Log1p(x)
		}
		return g.Log(x)
	}
	if constWithout(a, 0) || constWithout(x, edge) {
		return g.Mul(a, log(x))
	}
	both := g.Mul(g.Equal(a, g.Scalar(0)), g.Equal(x, g.Scalar(edge)))
	return g.Mul(a, log(g.Where(both, g.Scalar(edge+1), x)))
}

// constWithout reports whether n is a constant none of whose elements is v.
func constWithout(n *engine.Node, v float64) bool {
	vals, ok := n.ConstValue()
	if !ok {
		return false
	}
	for _, x := range vals {
		if x == v {
			return false
		}
	}
	return true
}
