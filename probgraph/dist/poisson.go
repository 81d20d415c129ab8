package dist

import (
	"fmt"
	"math"

	"github.com/ignis-ppl/ignis/engine"
	"github.com/ignis-ppl/ignis/internal/vmath"
)

// PoissonDist is the Poisson distribution on {0, 1, 2, …} with mean Rate,
// batched over the shape of its parameter.
type PoissonDist struct {
	base
	// Rate is the mean number of events.
	Rate *engine.Node
	raw  *engine.Node // the rate as given, before its run-time check
}

// Poisson returns the Poisson distribution with the given rate, which must
// be positive (checked now for constants and at every run otherwise).
func Poisson(rate *engine.Node) *PoissonDist {
	d := &PoissonDist{}
	_, _, ok := d.setParams("Poisson", []string{"rate"}, []*engine.Node{rate}, nil)
	if !ok {
		return d
	}
	d.Rate = d.checkParam("Poisson", "rate", rate, rulePositive)
	d.raw = rate
	return d
}

// Family returns "Poisson".
func (d *PoissonDist) Family() string { return "Poisson" }

// Support is the non-negative whole numbers.
func (d *PoissonDist) Support() Constraint { return NonNegativeInteger() }

// Reparameterized is false.
func (d *PoissonDist) Reparameterized() bool { return false }

// LogProb returns x log(rate) − rate − log x!, and −Inf for values that are
// not non-negative whole numbers.
func (d *PoissonDist) LogProb(x *engine.Node) *engine.Node {
	if !d.checkValue("Poisson", x) {
		return d.invalid()
	}
	g := d.g
	s, ok := engine.BroadcastShapes(x.Shape(), d.Rate.Shape())
	if !ok {
		return g.Fail(fmt.Errorf("%w: Poisson.LogProb: value shape %v does not broadcast with rate shape %v", ErrShape, x.Shape(), d.Rate.Shape()))
	}
	x = g.BroadcastTo(x, s...)
	in := d.Support().Check(x)
	k := g.Where(in, x, g.Scalar(0))
	// log x! on the support and +Inf off it, so that the density is −Inf
	// there with no test per element.
	c := g.Where(in, g.Lgamma(g.AddScalar(k, 1)), g.Scalar(math.Inf(1)))
	if eta := d.raw.Exponent(); eta != nil {
		// A log link, rate = e^η: the density k·η − e^η − log x! and its
		// score k − e^η in one pass over η, with one exponential.
		lp := g.Apply(poissonLogLinkOp{}, x, g.BroadcastTo(eta, s...), c, k, in)
		return broadcastBatch(g, lp, d.batch)
	}
	// The log of the unchecked rate, so that a log link exp(η) gives η
	// back exactly (Graph.Log); the checked rate still guards the result.
	logRate := g.BroadcastTo(g.Log(d.raw), s...)
	rate := g.BroadcastTo(d.Rate, s...)
	lp := g.Apply(poissonLogProbOp{}, x, logRate, rate, c, k, g.Neg(in))
	return broadcastBatch(g, lp, d.batch)
}

// poissonLogProbOp is the Poisson log density as one element-wise op:
// inputs x, log rate, rate, c (log x! on the support, +Inf off it), k (x on
// the support, 0 off it) and −1 on the support (0 off it), all of one
// shape; output k·log rate − rate − c, which is −Inf off the support. The
// last three inputs depend on x alone, so for data they are constants
// computed once. Its gradients are k in the log rate and −1 in the rate (0
// off the support): one multiplication each. The rate is checked positive
// and finite, so the log rate is finite and k·log rate needs no care at
// k = 0.
type poissonLogProbOp struct{}

func (poissonLogProbOp) String() string { return "poisson_log_prob" }

// Elementwise is true: element i depends on element i of each input.
func (poissonLogProbOp) Elementwise() bool { return true }

func (poissonLogProbOp) Shape(in []engine.Shape) (engine.Shape, error) {
	for _, s := range in[1:] {
		if !s.Equal(in[0]) {
			return nil, fmt.Errorf("%w: poisson_log_prob needs inputs of one shape, got %v", engine.ErrShape, in)
		}
	}
	return in[0].Clone(), nil
}

func (poissonLogProbOp) Kernel(engine.KernelSpec) (engine.Kernel, error) {
	return engine.KernelFunc(func(lp []float64, in [][]float64) error {
		vmath.Mul(lp, in[4], in[1])
		vmath.Sub(lp, lp, in[2])
		vmath.Sub(lp, lp, in[3])
		return nil
	}), nil
}

func (poissonLogProbOp) Grad(g *engine.Graph, in []*engine.Node, out, gout *engine.Node) []*engine.Node {
	return []*engine.Node{nil, g.Mul(gout, in[4]), g.Mul(gout, in[5]), nil, nil, nil}
}

// Sample draws counts with one uniform noise value per draw. Below rate 10
// the draw is the inverse CDF of the noise (O(rate) steps); from 10 on it is
// Hörmann's PTRS transformed rejection, O(1) expected uniforms taken from a
// stream seeded by the noise value. Both are exact.
func (d *PoissonDist) Sample(sampleShape ...int) *engine.Node {
	g := d.g
	if !g.Ok("Poisson.Sample", d.Rate) {
		return d.invalid()
	}
	u := g.Noise(engine.Uniform01, d.sampleShape(sampleShape)...)
	return g.Apply(poissonSampleOp{}, d.Rate, u)
}

// Mean is the rate.
func (d *PoissonDist) Mean() *engine.Node { return d.Rate }

// Variance is the rate.
func (d *PoissonDist) Variance() *engine.Node { return d.Rate }

// klPoisson is KL(Poisson ‖ Poisson).
//
// λp log(λp/λq) − (λp − λq).
func klPoisson(p, q *PoissonDist) *engine.Node {
	g := p.g
	if !g.Ok("KL(Poisson ‖ Poisson)", p.Rate, q.Rate) {
		return g.Fail(fmt.Errorf("%w: KL(Poisson ‖ Poisson) of invalid distributions", ErrParameter))
	}
	return g.Sub(g.Mul(p.Rate, g.Sub(g.Log(p.Rate), g.Log(q.Rate))), g.Sub(p.Rate, q.Rate))
}

// poissonSampleOp draws Poisson counts from uniform noise. Inputs: the rate
// of the batch shape, then the noise of shape sample + batch.
type poissonSampleOp struct{}

func (poissonSampleOp) String() string { return "poisson_sample" }

func (poissonSampleOp) Shape(in []engine.Shape) (engine.Shape, error) { return samplerShape(in) }

func (poissonSampleOp) Kernel(engine.KernelSpec) (engine.Kernel, error) {
	s := new(noiseStream)
	return engine.KernelFunc(func(out []float64, in [][]float64) error {
		rate, u := in[0], in[1]
		b := len(rate)
		for i := range out {
			out[i] = poissonDraw(rate[i%b], u[i], s)
		}
		return nil
	}), nil
}

func (poissonSampleOp) Grad(g *engine.Graph, in []*engine.Node, out, gout *engine.Node) []*engine.Node {
	return []*engine.Node{nil, nil}
}

// poissonRejectionRate is the rate from which poissonDraw switches from
// inversion to PTRS (which needs rate ≥ 10).
const poissonRejectionRate = 10

func poissonDraw(rate, u float64, s *noiseStream) float64 {
	switch {
	case math.IsNaN(rate) || rate < 0:
		return math.NaN()
	case math.IsInf(rate, 1):
		return rate
	case rate == 0:
		return 0
	case rate < poissonRejectionRate:
		return poissonInverse(rate, u)
	}
	s.seed(u, 0x706f6973736f6e) // "poisson"
	return poissonPTRS(rate, s)
}

// poissonInverse returns the smallest k with P(X ≤ k) ≥ u.
func poissonInverse(rate, u float64) float64 {
	pmf := math.Exp(-rate)
	cdf := pmf
	k := 0.0
	for cdf < u {
		k++
		pmf *= rate / k
		next := cdf + pmf
		if next == cdf && k > rate {
			break // rounding: the remaining mass no longer moves the sum
		}
		cdf = next
	}
	return k
}

// poissonPTRS is the transformed rejection sampler PTRS of W. Hörmann, "The
// transformed rejection method for generating Poisson random variables",
// Insurance: Mathematics and Economics 12 (1993), for rate ≥ 10.
func poissonPTRS(rate float64, s *noiseStream) float64 {
	logRate := math.Log(rate)
	b := 0.931 + 2.53*math.Sqrt(rate)
	a := -0.059 + 0.02483*b
	logInvAlpha := math.Log(1.1239 + 1.1328/(b-3.4))
	vr := 0.9277 - 3.6224/(b-2)
	for {
		u := s.uniform() - 0.5
		v := s.uniform()
		us := 0.5 - math.Abs(u)
		k := math.Floor((2*a/us+b)*u + rate + 0.43)
		if us >= 0.07 && v <= vr {
			return k
		}
		if k < 0 || (us < 0.013 && v > us) {
			continue
		}
		if math.Log(v)+logInvAlpha-math.Log(a/(us*us)+b) <= -rate+k*logRate-logGammaFn(k+1) {
			return k
		}
	}
}

// poissonLogLinkOp is the Poisson log density under a log link, rate = e^η:
// inputs x, η, c (log x! on the support, +Inf off it), k (x on the support,
// 0 off it) and the support mask, all of one shape; output k·η − e^η − c.
// It needs no check of the rate: e^η is positive, and where it overflows
// the density is −Inf, which is the right answer. Its gradient in η is the
// score k − e^η (0 off the support), which a fused loop computes in the same
// pass.
type poissonLogLinkOp struct{}

func (poissonLogLinkOp) String() string { return "poisson_log_link_log_prob" }

// Elementwise is true: element i depends on element i of each input.
func (poissonLogLinkOp) Elementwise() bool { return true }

func (poissonLogLinkOp) Shape(in []engine.Shape) (engine.Shape, error) {
	return poissonLogProbOp{}.Shape(in)
}

func (poissonLogLinkOp) Kernel(spec engine.KernelSpec) (engine.Kernel, error) {
	e := make([]float64, spec.Out.Size())
	return engine.KernelFunc(func(lp []float64, in [][]float64) error {
		e := e[:len(lp)]
		vmath.Exp(e, in[1])
		poissonLogLinkDensity(lp, e, in)
		return nil
	}), nil
}

// poissonLogLinkDensity writes k·η − e − c from e = e^η.
func poissonLogLinkDensity(lp, e []float64, in [][]float64) {
	vmath.Mul(lp, in[3], in[1])
	vmath.Sub(lp, lp, e)
	vmath.Sub(lp, lp, in[2])
}

// poissonLogLinkScore turns e = e^η into the score k − mask·e.
func poissonLogLinkScore(score []float64, in [][]float64) {
	vmath.Mul(score, in[4], score)
	vmath.Sub(score, in[3], score)
}

// Pair computes the score beside the density from the same exponential.
func (poissonLogLinkOp) Pair(partner engine.Op, _ engine.KernelSpec) (engine.PairKernel, bool, error) {
	if _, ok := partner.(poissonLogLinkScoreOp); !ok {
		return nil, false, nil
	}
	return poissonLogLinkPair{}, true, nil
}

type poissonLogLinkPair struct{}

func (poissonLogLinkPair) RunPair(lp, score []float64, in [][]float64) error {
	vmath.Exp(score, in[1])
	poissonLogLinkDensity(lp, score, in)
	poissonLogLinkScore(score, in)
	return nil
}

func (poissonLogLinkOp) Grad(g *engine.Graph, in []*engine.Node, out, gout *engine.Node) []*engine.Node {
	return []*engine.Node{nil, g.Mul(gout, g.Apply(poissonLogLinkScoreOp{}, in...)), nil, nil, nil}
}

// poissonLogLinkScoreOp is ∂/∂η of the log-link density: k − e^η on the
// support and 0 off it. Inputs as the density's.
type poissonLogLinkScoreOp struct{}

func (poissonLogLinkScoreOp) String() string { return "poisson_log_link_score" }

// Elementwise is true, as for the density.
func (poissonLogLinkScoreOp) Elementwise() bool { return true }

func (poissonLogLinkScoreOp) Shape(in []engine.Shape) (engine.Shape, error) {
	return poissonLogProbOp{}.Shape(in)
}

func (poissonLogLinkScoreOp) Kernel(engine.KernelSpec) (engine.Kernel, error) {
	return engine.KernelFunc(func(score []float64, in [][]float64) error {
		vmath.Exp(score, in[1])
		poissonLogLinkScore(score, in)
		return nil
	}), nil
}

// Grad is −mask·e^η, from differentiable graph ops.
func (poissonLogLinkScoreOp) Grad(g *engine.Graph, in []*engine.Node, out, gout *engine.Node) []*engine.Node {
	return []*engine.Node{nil, g.Neg(g.Mul(gout, g.Mul(in[4], g.Exp(in[1])))), nil, nil, nil}
}
