package infer

import (
	"errors"
	"math"
	"testing"

	"github.com/ignis-ppl/ignis/engine"
	"github.com/ignis-ppl/ignis/probgraph"
	"github.com/ignis-ppl/ignis/probgraph/dist"
)

// A continuous μ ~ N(0, 1) drawn from the guide q = N(0.8, 0.5), a global
// enumerated c ~ Bernoulli(logits μ) that sets the noise scale 1 + c (so
// the enumerated site's own factor differs from particle to particle), and
// in a plate of four an enumerated z_i ~ Bernoulli(0.3) with
// x_i ~ N(μ z_i, 1 + c).
var (
	partX              = []float64{-0.3, 2.1, 0.4, 2.6}
	partQLoc, partQSig = 0.8, 0.5
)

func partModel(m *probgraph.Ctx) {
	g := m.Graph()
	mu := m.Sample("mu", dist.Normal(g.Scalar(0), g.Scalar(1)))
	c := m.Sample("c", dist.BernoulliLogits(mu), probgraph.EnumerateParallel())
	p := m.Plate("data", len(partX))
	z := p.Sample("z", dist.Bernoulli(g.Scalar(0.3)), probgraph.EnumerateParallel())
	p.Observe("x", dist.Normal(g.Mul(mu, z), g.AddScalar(c, 1)), g.Constant(partX, len(partX)))
}

func partGuide(m *probgraph.Ctx) {
	g := m.Graph()
	m.Sample("mu", dist.Normal(g.Scalar(partQLoc), g.Scalar(partQSig)))
}

// partLoss is the single-particle loss −[log p(μ, x) − log q(μ)] at a draw
// μ, with c and z summed out by hand.
func partLoss(mu float64) float64 {
	return -(partLogJoint(mu) - normalLogPDF(mu, partQLoc, partQSig))
}

// partLogJoint is log p(μ, x) with c and z summed out.
func partLogJoint(mu float64) float64 {
	lik := 0.0
	p1 := 1 / (1 + math.Exp(-mu))
	for c, pc := range []float64{1 - p1, p1} {
		l := pc
		for _, x := range partX {
			sig := 1 + float64(c)
			l *= 0.7*math.Exp(normalLogPDF(x, 0, sig)) + 0.3*math.Exp(normalLogPDF(x, mu, sig))
		}
		lik += l
	}
	return normalLogPDF(mu, 0, 1) + math.Log(lik)
}

// particleRun builds TraceEnumELBO with n particles, runs it once and returns
// the loss and the guide's draws of μ.
func particleRun(t *testing.T, n int, seed uint64) (float64, []float64) {
	t.Helper()
	g := engine.NewGraph()
	obj, err := TraceEnumELBO{NumParticles: n}.Build(g, partModel, partGuide, probgraph.NewParamStore(g))
	if err != nil {
		t.Fatal(err)
	}
	mu := obj.GuideTrace.Site("mu").Value
	prog, err := g.Compile([]*engine.Node{obj.Loss, obj.Surrogate, mu}, engine.WithSeed(seed))
	if err != nil {
		t.Fatal(err)
	}
	if err := prog.Run(); err != nil {
		t.Fatal(err)
	}
	draws := append([]float64(nil), prog.Value(mu)...)
	if len(draws) != n {
		t.Fatalf("%d draws of μ (shape %v), want %d", len(draws), mu.Shape(), n)
	}
	return prog.Scalar(obj.Loss), draws
}

// TestTraceEnumParticlesAverageSingleParticleLosses: with 5 vectorized
// particles the loss is the mean of the hand-computed single-particle
// losses at the same five draws of μ (c and z summed out per particle).
// Both sides are sums of a few dozen float64 terms of size ≈ 10: they
// agree to ~1e-14, checked at 1e-10.
func TestTraceEnumParticlesAverageSingleParticleLosses(t *testing.T) {
	got, draws := particleRun(t, 5, 11)
	want := 0.0
	for _, mu := range draws {
		want += partLoss(mu)
	}
	want /= float64(len(draws))
	t.Logf("draws %v: loss %.15g, mean of single-particle losses %.15g", draws, got, want)
	if d := math.Abs(got - want); d > 1e-10 {
		t.Fatalf("loss %.15g, mean of single-particle losses %.15g, |diff| %.3g", got, want, d)
	}
	// Distinct draws: the particles are not one draw repeated.
	if draws[0] == draws[1] {
		t.Fatalf("particles share the draw %v", draws[0])
	}
}

// TestTraceEnumParticlesUnbiased: the mean over 4000 particles of the
// loss is within 4 standard errors of its expectation under q, computed by
// quadrature over μ (the standard error from the spread of the
// single-particle losses at the same draws).
func TestTraceEnumParticlesUnbiased(t *testing.T) {
	const n = 4000
	got, draws := particleRun(t, n, 3)
	var s, s2 float64
	for _, mu := range draws {
		l := partLoss(mu)
		s += l
		s2 += l * l
	}
	mean := s / n
	se := math.Sqrt((s2/n - mean*mean) / n)
	// E_q[loss] by the trapezoid rule over ±10 guide scales.
	const steps = 20000
	lo, hi := partQLoc-10*partQSig, partQLoc+10*partQSig
	h := (hi - lo) / steps
	want := 0.0
	for i := 0; i <= steps; i++ {
		mu := lo + float64(i)*h
		w := math.Exp(normalLogPDF(mu, partQLoc, partQSig)) * h
		if i == 0 || i == steps {
			w /= 2
		}
		want += w * partLoss(mu)
	}
	t.Logf("loss %.6f over %d particles, E_q[loss] %.6f, SE %.4f, |diff|/SE %.2f", got, n, want, se, math.Abs(got-want)/se)
	if math.Abs(got-want) > 4*se {
		t.Fatalf("loss %.6f, expectation %.6f: more than 4 SE (%.4f) apart", got, want, se)
	}
}

// A model whose latent sites are all enumerated has nothing to draw: every
// particle is the same, and the loss with particles equals the one without.
// A negative particle count is an option error.
func TestTraceEnumParticlesOptions(t *testing.T) {
	one := enumLoss(t, TraceEnumELBO{}, smallModel, emptyGuide)
	four := enumLoss(t, TraceEnumELBO{NumParticles: 4}, smallModel, emptyGuide)
	if d := math.Abs(one - four); d > enumTol {
		t.Errorf("no latent guide sites: loss %.15g with 4 particles, %.15g with one", four, one)
	}
	g := engine.NewGraph()
	if _, err := (TraceEnumELBO{NumParticles: -2}).Build(g, smallModel, emptyGuide, probgraph.NewParamStore(g)); !errors.Is(err, ErrOptions) {
		t.Errorf("−2 particles: error %v, want ErrOptions", err)
	}
}

// TestTraceEnumParticlesGradient: with the guide's location a parameter,
// μ_p = loc + 0.5 ε_p is reparameterized and log q(μ_p) does not depend on
// loc at fixed ε_p, so d loss/d loc = −mean_p d log p(μ_p, x)/dμ; the
// derivative is taken by central differences (step 1e-5: truncation
// ~1e-10, round-off ~1e-11 relative), checked at 1e-6.
func TestTraceEnumParticlesGradient(t *testing.T) {
	const n = 6
	guide := func(m *probgraph.Ctx) {
		g := m.Graph()
		loc := m.Param("qloc", probgraph.Scalar(partQLoc))
		m.Sample("mu", dist.Normal(loc, g.Scalar(partQSig)))
	}
	g := engine.NewGraph()
	ps := probgraph.NewParamStore(g)
	obj, err := TraceEnumELBO{NumParticles: n}.Build(g, partModel, guide, ps)
	if err != nil {
		t.Fatal(err)
	}
	grads := g.Grad(obj.Surrogate, ps.Unconstrained()...)
	mu := obj.GuideTrace.Site("mu").Value
	prog, err := g.Compile(append([]*engine.Node{obj.Loss, mu}, grads...), engine.WithSeed(5))
	if err != nil {
		t.Fatal(err)
	}
	if err := prog.Run(); err != nil {
		t.Fatal(err)
	}
	want := 0.0
	const h = 1e-5
	for _, m := range prog.Value(mu) {
		want -= (partLogJoint(m+h) - partLogJoint(m-h)) / (2 * h) / n
	}
	got := prog.Scalar(grads[0])
	t.Logf("d loss/d loc %.12g, by hand %.12g", got, want)
	if math.Abs(got-want) > 1e-6*math.Max(1, math.Abs(want)) {
		t.Fatalf("d loss/d loc %.12g, want %.12g", got, want)
	}
}

// TestTraceEnumParticlesScoreFunction: a guide site that cannot be
// reparameterized (w ~ Bernoulli(logits u)) gets a score term per particle.
// With elbo_p = log p(w_p, x) − log q(w_p) (z summed out) and
// d log q(w_p)/du = w_p − σ(u), the surrogate's gradient at fixed draws is
// d(−surrogate)/du = mean_p (w_p − σ(u)) (1 − elbo_p); both sides are
// float64 sums of a few terms, checked at 1e-10.
func TestTraceEnumParticlesScoreFunction(t *testing.T) {
	const n, u0 = 8, 0.3
	x := []float64{0.2, 1.9, 1.1}
	model := func(m *probgraph.Ctx) {
		g := m.Graph()
		w := m.Sample("w", dist.Bernoulli(g.Scalar(0.4)))
		p := m.Plate("data", len(x))
		z := p.Sample("z", dist.Bernoulli(g.Scalar(0.3)), probgraph.EnumerateParallel())
		p.Observe("x", dist.Normal(g.Add(w, z), g.Scalar(1)), g.Constant(x, len(x)))
	}
	guide := func(m *probgraph.Ctx) {
		m.Sample("w", dist.BernoulliLogits(m.Param("u", probgraph.Scalar(u0))))
	}
	g := engine.NewGraph()
	ps := probgraph.NewParamStore(g)
	obj, err := TraceEnumELBO{NumParticles: n}.Build(g, model, guide, ps)
	if err != nil {
		t.Fatal(err)
	}
	grads := g.Grad(obj.Surrogate, ps.Unconstrained()...)
	w := obj.GuideTrace.Site("w").Value
	prog, err := g.Compile(append([]*engine.Node{obj.Loss, w}, grads...), engine.WithSeed(9))
	if err != nil {
		t.Fatal(err)
	}
	if err := prog.Run(); err != nil {
		t.Fatal(err)
	}
	q1 := 1 / (1 + math.Exp(-u0))
	var wantLoss, wantGrad float64
	draws := prog.Value(w)
	for _, wp := range draws {
		elbo := math.Log(0.6)
		lq := math.Log(1 - q1)
		if wp == 1 {
			elbo, lq = math.Log(0.4), math.Log(q1)
		}
		for _, xi := range x {
			elbo += math.Log(0.7*math.Exp(normalLogPDF(xi, wp, 1)) + 0.3*math.Exp(normalLogPDF(xi, wp+1, 1)))
		}
		elbo -= lq
		wantLoss -= elbo / n
		wantGrad += (wp - q1) * (1 - elbo) / n
	}
	got, gotGrad := prog.Scalar(obj.Loss), prog.Scalar(grads[0])
	t.Logf("draws %v: loss %.12g (by hand %.12g), d(−surrogate)/du %.12g (by hand %.12g)", draws, got, wantLoss, gotGrad, wantGrad)
	if math.Abs(got-wantLoss) > 1e-10 || math.Abs(gotGrad-wantGrad) > 1e-10 {
		t.Fatalf("loss %.15g, want %.15g; gradient %.15g, want %.15g", got, wantLoss, gotGrad, wantGrad)
	}
}
