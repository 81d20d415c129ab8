package dist

import (
	"fmt"
	"math"

	"github.com/ignis-ppl/ignis/engine"
)

// BinomialDist is the number of successes in TotalCount independent trials
// with success probability Probs, batched over the broadcast shape of its
// parameters.
type BinomialDist struct {
	base
	// TotalCount is the number of trials, a whole number.
	TotalCount *engine.Node
	// Probs is the success probability and Logits its log-odds; both are
	// set whichever the distribution was built from.
	Probs, Logits *engine.Node
	fromLogits    bool
	// count is the total count when it is a constant with a single value
	// (countOK), which is what enumeration needs.
	count   float64
	countOK bool
	// maxCount is the largest total count when it is a constant (maxOK).
	maxCount float64
	maxOK    bool
}

// Binomial returns the binomial distribution of totalCount trials with
// success probability probs. totalCount must be a non-negative whole number
// and probs must lie in [0, 1] (checked now for constants and at every run
// otherwise).
func Binomial(totalCount, probs *engine.Node) *BinomialDist {
	return newBinomial(totalCount, probs, false)
}

// BinomialLogits returns the binomial distribution of totalCount trials with
// success probability σ(logits).
func BinomialLogits(totalCount, logits *engine.Node) *BinomialDist {
	return newBinomial(totalCount, logits, true)
}

func newBinomial(n, p *engine.Node, fromLogits bool) *BinomialDist {
	name := paramName(fromLogits)
	d := &BinomialDist{fromLogits: fromLogits}
	g, batch, ok := d.setParams("Binomial", []string{"total_count", name}, []*engine.Node{n, p}, nil)
	if !ok {
		return d
	}
	if v, ok := n.ConstValue(); ok {
		d.count, d.countOK = v[0], true
		d.maxCount, d.maxOK = v[0], true
		for _, c := range v {
			d.countOK = d.countOK && c == v[0]
			d.maxCount = math.Max(d.maxCount, c)
		}
	}
	d.TotalCount = g.BroadcastTo(d.checkParam("Binomial", "total_count", n, ruleCount), batch...)
	d.Probs, d.Logits = binaryParam(&d.base, "Binomial", p, batch, fromLogits)
	return d
}

// Family returns "Binomial".
func (d *BinomialDist) Family() string { return "Binomial" }

// Support is the whole numbers 0, …, TotalCount.
func (d *BinomialDist) Support() Constraint {
	if d.countOK {
		return IntegerInterval(0, d.count)
	}
	return countConstraint{n: d.TotalCount}
}

// Reparameterized is false.
func (d *BinomialDist) Reparameterized() bool { return false }

// logPQ returns log p and log(1 − p), from logits when built from them.
func (d *BinomialDist) logPQ() (*engine.Node, *engine.Node) {
	g := d.g
	if d.fromLogits {
		return g.LogSigmoid(d.Logits), g.LogSigmoid(g.Neg(d.Logits))
	}
	return g.Log(d.Probs), g.Log1p(g.Neg(d.Probs))
}

// LogProb returns log C(n, x) + x log p + (n − x) log(1 − p), with
// 0·log 0 = 0, and −Inf for values that are not whole numbers in [0, n].
// The binomial coefficient is computed with lgamma, so the absolute error
// grows like n·ε for large n.
func (d *BinomialDist) LogProb(x *engine.Node) *engine.Node {
	if !d.checkValue("Binomial", x) {
		return d.invalid()
	}
	g := d.g
	n := d.TotalCount
	in := countConstraint{n: n}.Check(x)
	k := g.Where(in, x, g.Scalar(0))
	nk := g.Sub(n, k)
	lc := g.Sub(g.Lgamma(g.AddScalar(n, 1)), g.Add(g.Lgamma(g.AddScalar(k, 1)), g.Lgamma(g.AddScalar(nk, 1))))
	lp, lq := d.logPQ()
	lp = g.Add(lc, g.Add(timesLog(g, k, lp), timesLog(g, nk, lq)))
	return broadcastBatch(g, maskSupport(g, in, lp), d.batch)
}

// Sample draws counts with one uniform noise value per draw. While
// n·min(p, 1−p) < 10 the draw is the inverse CDF of the noise (O(n·p)
// steps); above, it is Hörmann's BTRS transformed rejection, O(1) expected
// uniforms taken from a stream seeded by the noise value. Both are exact.
func (d *BinomialDist) Sample(sampleShape ...int) *engine.Node {
	g := d.g
	if !g.Ok("Binomial.Sample", d.TotalCount, d.Probs) {
		return d.invalid()
	}
	u := g.Noise(engine.Uniform01, d.sampleShape(sampleShape)...)
	return g.Apply(binomialSampleOp{}, d.TotalCount, d.Probs, u)
}

// Mean is n·p.
func (d *BinomialDist) Mean() *engine.Node { return d.g.Mul(d.TotalCount, d.Probs) }

// Variance is n·p·(1 − p).
func (d *BinomialDist) Variance() *engine.Node {
	g := d.g
	q := g.AddScalar(g.Neg(d.Probs), 1)
	if d.fromLogits {
		q = g.Sigmoid(g.Neg(d.Logits))
	}
	return g.Mul(d.Mean(), q)
}

// Entropy is −Σ p(k) log p(k) over k = 0, …, n. It needs a constant
// TotalCount (it sums over the support, O(max n) per batch member);
// otherwise the graph records an error wrapping ErrNotSupported.
func (d *BinomialDist) Entropy() *engine.Node {
	g := d.g
	if !g.Ok("Binomial.Entropy", d.TotalCount) {
		return d.invalid()
	}
	if !d.maxOK {
		return g.Fail(fmt.Errorf("%w: Binomial.Entropy needs a constant total_count", ErrNotSupported))
	}
	m := int(d.maxCount) + 1
	k := indexConst(g, m, supportShape(m, d.batch, nil, false)...)
	lp := d.LogProb(k) // −Inf beyond each member's n
	return g.Neg(g.Sum(timesLog(g, g.Exp(lp), lp), 0))
}

// EnumerateSupport returns 0, …, n along a new leading axis: shape
// [n+1] + batch when expand is true, [n+1] + ones otherwise. It needs
// TotalCount to be a constant with a single value; otherwise the graph
// records an error wrapping ErrNotSupported.
func (d *BinomialDist) EnumerateSupport(expand bool) *engine.Node {
	g := d.g
	if !g.Ok("Binomial.EnumerateSupport", d.TotalCount) {
		return d.invalid()
	}
	if !d.countOK {
		return g.Fail(fmt.Errorf("%w: Binomial.EnumerateSupport needs a constant total_count with a single value", ErrNotSupported))
	}
	m := int(d.count) + 1
	v := indexConst(g, m, supportShape(m, d.batch, nil, false)...)
	return g.BroadcastTo(v, supportShape(m, d.batch, nil, expand)...)
}

// countConstraint is the whole numbers in [0, n] for a node n that may vary
// across the batch; Check broadcasts the value with n.
type countConstraint struct{ n *engine.Node }

func (c countConstraint) String() string { return "integer_interval(0, total_count)" }
func (c countConstraint) EventDim() int  { return 0 }
func (c countConstraint) Discrete() bool { return true }

func (c countConstraint) Check(x *engine.Node) *engine.Node {
	g := x.Graph()
	if g == nil || !g.Ok("constraint "+c.String(), x, c.n) {
		return x
	}
	return g.Mul(NonNegativeInteger().Check(x), g.LessEqual(x, c.n))
}

// binomialSampleOp draws Binomial(n, p) counts from uniform noise. Inputs:
// n and p of the batch shape, then the noise of shape sample + batch.
type binomialSampleOp struct{}

func (binomialSampleOp) String() string { return "binomial_sample" }

func (binomialSampleOp) Shape(in []engine.Shape) (engine.Shape, error) { return samplerShape(in) }

func (binomialSampleOp) Kernel(engine.KernelSpec) (engine.Kernel, error) {
	s := new(noiseStream)
	return engine.KernelFunc(func(out []float64, in [][]float64) error {
		n, p, u := in[0], in[1], in[2]
		b := len(n)
		for i := range out {
			out[i] = binomialDraw(n[i%b], p[i%b], u[i], s)
		}
		return nil
	}), nil
}

func (binomialSampleOp) Grad(g *engine.Graph, in []*engine.Node, out, gout *engine.Node) []*engine.Node {
	return []*engine.Node{nil, nil, nil}
}

// binomialDraw returns one Binomial(n, p) draw for the uniform u. For
// p > ½ it draws n − Binomial(n, 1−p) at 1 − u, which keeps the inverse-CDF
// draw increasing in u.
func binomialDraw(n, p, u float64, s *noiseStream) float64 {
	switch {
	case math.IsNaN(n) || math.IsNaN(p) || math.IsInf(n, 0):
		return math.NaN()
	case n == 0 || p <= 0:
		return 0
	case p >= 1:
		return n
	case p > 0.5:
		return n - binomialDraw(n, 1-p, 1-u, s)
	case n*p < 10:
		return binomialInverse(n, p, u)
	}
	s.seed(u, 0x62696e6f6d69616c) // "binomial"
	return binomialBTRS(n, p, s)
}

// binomialInverse returns the smallest k with P(X ≤ k) ≥ u for p ≤ ½ and
// n·p < 10, where q^n does not underflow.
func binomialInverse(n, p, u float64) float64 {
	r := p / (1 - p)
	pmf := math.Exp(n * math.Log1p(-p))
	cdf := pmf
	k := 0.0
	for cdf < u && k < n {
		pmf *= (n - k) / (k + 1) * r
		k++
		next := cdf + pmf
		if next == cdf && k > n*p {
			break // rounding: the remaining mass no longer moves the sum
		}
		cdf = next
	}
	return k
}

// binomialBTRS is the transformed rejection sampler BTRS of W. Hörmann, "The
// generation of binomial random variates", J. Statist. Comput. Simul. 46
// (1993), for p ≤ ½ and n·p ≥ 10; the acceptance rate is above 0.9.
func binomialBTRS(n, p float64, s *noiseStream) float64 {
	q := 1 - p
	spq := math.Sqrt(n * p * q)
	b := 1.15 + 2.53*spq
	a := -0.0873 + 0.0248*b + 0.01*p
	c := n*p + 0.5
	alpha := (2.83 + 5.1/b) * spq
	vr := 0.92 - 4.2/b
	m := math.Floor((n + 1) * p)
	lpq := math.Log(p / q)
	h := logGammaFn(m+1) + logGammaFn(n-m+1)
	for {
		u := s.uniform() - 0.5
		v := s.uniform()
		us := 0.5 - math.Abs(u)
		k := math.Floor((2*a/us+b)*u + c)
		if k < 0 || k > n {
			continue
		}
		if us >= 0.07 && v <= vr {
			return k
		}
		v = math.Log(v * alpha / (a/(us*us) + b))
		if v <= h-logGammaFn(k+1)-logGammaFn(n-k+1)+(k-m)*lpq {
			return k
		}
	}
}
