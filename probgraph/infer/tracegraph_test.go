package infer

import (
	"bytes"
	"errors"
	"math"
	"testing"

	"github.com/ignis-ppl/ignis/engine"
	"github.com/ignis-ppl/ignis/probgraph"
	"github.com/ignis-ppl/ignis/probgraph/dist"
)

// A model with one binary latent per plate element and a global continuous
// latent that every element's observation reads:
//
//	w ~ N(0, 1),  z_t ~ Bernoulli(p0),  y_t ~ N(w + μ[z_t], 1),  t = 1..T,
//
// with the guide q(w) = N(m, s²) and q(z_t) = Bernoulli(σ(l_t)). The ELBO is
// a sum of per-task terms in closed form (E_q(w) log N(y; w + μ, 1) =
// −½ log 2π − ½((y − m − μ)² + s²)), so its exact gradient in l_t is known.
var (
	rbY   = []float64{2.1, -0.4, 1.7, 0.3, -1.2, 2.6}
	rbMu  = [2]float64{-1, 2}
	rbL   = []float64{0.3, -0.8, 1.1, 0.0, -1.5, 0.6}
	rbP0  = 0.4
	rbM   = 0.25
	rbS   = 0.6
	rbDim = len(rbY)
)

func rbModel(m *probgraph.Ctx) {
	g := m.Graph()
	w := m.Sample("w", dist.Normal(g.Scalar(0), g.Scalar(1)))
	tasks := m.Plate("tasks", rbDim)
	z := tasks.Sample("z", dist.Bernoulli(g.Fill(rbP0, rbDim)))
	loc := g.Add(g.Add(w, g.Scalar(rbMu[0])), g.Scale(z, rbMu[1]-rbMu[0]))
	tasks.Observe("y", dist.Normal(loc, g.Scalar(1)), g.Constant(rbY, rbDim))
}

func rbGuide(m *probgraph.Ctx) {
	loc := m.Param("m", probgraph.Scalar(rbM))
	scale := m.Param("s", probgraph.Scalar(rbS), probgraph.Constrained(dist.Positive()))
	m.Sample("w", dist.Normal(loc, scale))
	l := m.Param("l", probgraph.Vector(rbL...))
	m.Plate("tasks", rbDim).Sample("z", dist.BernoulliLogits(l))
}

// rbExactGrad is d(−ELBO)/d l_t by enumerating z_t ∈ {0, 1}.
func rbExactGrad() []float64 {
	out := make([]float64, rbDim)
	for t, y := range rbY {
		pi := 1 / (1 + math.Exp(-rbL[t]))
		ell := func(mu float64) float64 {
			d := y - rbM - mu
			return -0.5*math.Log(2*math.Pi) - 0.5*(d*d+rbS*rbS)
		}
		one := math.Log(rbP0) + ell(rbMu[1]) - math.Log(pi)
		zero := math.Log(1-rbP0) + ell(rbMu[0]) - math.Log(1-pi)
		out[t] = -pi * (1 - pi) * (one - zero)
	}
	return out
}

// gradStats runs an objective reps times and returns the loss of the first
// run and the mean and variance of every element of the gradient in the
// named parameter.
func gradStats(t *testing.T, elbo ELBO, name string, reps int, seed uint64) (first float64, mean, variance []float64) {
	t.Helper()
	g := engine.NewGraph()
	ps := probgraph.NewParamStore(g)
	obj, err := elbo.Build(g, rbModel, rbGuide, ps)
	if err != nil {
		t.Fatal(err)
	}
	e := ps.Entry(name)
	if e == nil {
		t.Fatalf("no parameter %q", name)
	}
	gr := g.Grad(obj.Surrogate, e.Unconstrained)[0]
	prog, err := g.Compile([]*engine.Node{obj.Loss, gr}, engine.WithSeed(seed))
	if err != nil {
		t.Fatal(err)
	}
	n := len(prog.Value(gr))
	sum, sq := make([]float64, n), make([]float64, n)
	for r := 0; r < reps; r++ {
		if err := prog.Run(); err != nil {
			t.Fatal(err)
		}
		if r == 0 {
			first = prog.Scalar(obj.Loss)
		}
		for i, v := range prog.Value(gr) {
			sum[i] += v
			sq[i] += v * v
		}
	}
	mean, variance = make([]float64, n), make([]float64, n)
	for i := range sum {
		mean[i] = sum[i] / float64(reps)
		variance[i] = (sq[i]/float64(reps) - mean[i]*mean[i]) * float64(reps) / float64(reps-1)
	}
	return first, mean, variance
}

func TestTraceGraphELBOLossIsTraceELBOLoss(t *testing.T) {
	// The same model, guide and seed give the same draws, so the two
	// objectives' losses must agree to round-off; only the surrogates
	// differ.
	for _, p := range []int{1, 7} {
		a, _, _ := gradStats(t, TraceELBO{NumParticles: p}, "l", 1, 11)
		b, _, _ := gradStats(t, TraceGraphELBO{NumParticles: p}, "l", 1, 11)
		c, _, _ := gradStats(t, TraceGraphELBO{NumParticles: p, LeaveOneOut: true}, "l", 1, 11)
		if math.Abs(a-b) > 1e-12*math.Abs(a) || a != c && math.Abs(a-c) > 1e-12*math.Abs(a) {
			t.Errorf("%d particles: TraceELBO loss %.15g, TraceGraphELBO %.15g, with leave-one-out %.15g", p, a, b, c)
		}
	}
}

func TestTraceGraphELBOGradientIsUnbiasedWithLessVariance(t *testing.T) {
	// Single draws: the mean of reps gradients in the Bernoulli logits must
	// be within 4 standard errors of the exact gradient (by enumeration),
	// and its variance below TraceELBO's, whose score terms multiply every
	// l_t by the whole ELBO (the other tasks' terms and w's included).
	const reps = 100000
	want := rbExactGrad()
	_, mg, vg := gradStats(t, TraceGraphELBO{}, "l", reps, 3)
	_, mt, vt := gradStats(t, TraceELBO{}, "l", reps, 3)
	for i := range want {
		se := math.Sqrt(vg[i] / reps)
		if math.Abs(mg[i]-want[i]) > 4*se {
			t.Errorf("TraceGraphELBO d/dl[%d] = %.5f ± %.2g (SE), exact %.5f", i, mg[i], se, want[i])
		}
		if set := math.Sqrt(vt[i] / reps); math.Abs(mt[i]-want[i]) > 4*set {
			t.Errorf("TraceELBO d/dl[%d] = %.5f ± %.2g (SE), exact %.5f", i, mt[i], set, want[i])
		}
		if vg[i] >= vt[i] {
			t.Errorf("d/dl[%d]: TraceGraphELBO variance %.4g not below TraceELBO's %.4g", i, vg[i], vt[i])
		}
		t.Logf("d/dl[%d]: exact %.5f, graph %.5f ± %.2g, variance graph/trace = %.4g/%.4g = %.3f",
			i, want[i], mg[i], se, vg[i], vt[i], vg[i]/vt[i])
	}
}

func TestTraceGraphELBOLeaveOneOutIsUnbiased(t *testing.T) {
	// With 8 particles and the leave-one-out baseline the gradient must
	// still average to the exact one, with less variance than without the
	// baseline.
	const reps = 4000
	want := rbExactGrad()
	_, mb, vb := gradStats(t, TraceGraphELBO{NumParticles: 8, LeaveOneOut: true}, "l", reps, 9)
	_, _, vn := gradStats(t, TraceGraphELBO{NumParticles: 8}, "l", reps, 9)
	for i := range want {
		se := math.Sqrt(vb[i] / reps)
		if math.Abs(mb[i]-want[i]) > 4*se {
			t.Errorf("d/dl[%d] = %.5f ± %.2g (SE), exact %.5f", i, mb[i], se, want[i])
		}
		if vb[i] >= vn[i] {
			t.Errorf("d/dl[%d]: variance with the baseline %.4g not below %.4g without", i, vb[i], vn[i])
		}
		t.Logf("d/dl[%d]: exact %.5f, leave-one-out %.5f ± %.2g, variance with/without baseline %.3f", i, want[i], mb[i], se, vb[i]/vn[i])
	}
}

func TestTraceGraphELBOContinuousGradientsAreTraceELBOs(t *testing.T) {
	// The reparameterized site w gets its gradient by the pathwise
	// derivative in both objectives; with the same draws it is the same
	// number in both.
	for _, name := range []string{"m", "s"} {
		_, a, _ := gradStats(t, TraceELBO{NumParticles: 5}, name, 1, 4)
		_, b, _ := gradStats(t, TraceGraphELBO{NumParticles: 5}, name, 1, 4)
		if math.Abs(a[0]-b[0]) > 1e-12*(1+math.Abs(a[0])) {
			t.Errorf("d/d%s: TraceELBO %.15g, TraceGraphELBO %.15g", name, a[0], b[0])
		}
	}
}

func TestTraceGraphELBOBadInput(t *testing.T) {
	g := engine.NewGraph()
	_, err := TraceGraphELBO{NumParticles: -1}.Build(g, rbModel, rbGuide, probgraph.NewParamStore(g))
	if !errors.Is(err, ErrOptions) {
		t.Errorf("−1 particles: got %v, want ErrOptions", err)
	}
	g = engine.NewGraph()
	missing := func(m *probgraph.Ctx) { m.Param("m", probgraph.Scalar(0)) }
	_, err = TraceGraphELBO{}.Build(g, rbModel, missing, probgraph.NewParamStore(g))
	if !errors.Is(err, ErrModelGuide) {
		t.Errorf("guide without the latents: got %v, want ErrModelGuide", err)
	}
}

func TestScoreFunctionELBOsAreUnbiasedWithASubsampledPlate(t *testing.T) {
	// With the tasks plate subsampled (3 of 6 tasks per run, their terms
	// scaled by 2), the score term pairs the unscaled log q(z_t) with the
	// scaled cost, so the gradient in l averages to the full data's exact
	// gradient over random subsamples (a task outside the subsample gets
	// zero, one inside twice its term, each with probability ½). Scaling
	// log q(z_t) as well would double the score part of the gradient.
	for _, c := range []struct {
		name string
		elbo ELBO
	}{{"TraceGraphELBO", TraceGraphELBO{}}, {"TraceELBO", TraceELBO{}}} {
		t.Run(c.name, func(t *testing.T) { checkSubsampledPlateIsUnbiased(t, c.elbo) })
	}
}

func checkSubsampledPlateIsUnbiased(t *testing.T, elbo ELBO) {
	const reps, batch = 40000, 3
	sub := probgraph.Subsample(batch)
	model := func(m *probgraph.Ctx) {
		g := m.Graph()
		w := m.Sample("w", dist.Normal(g.Scalar(0), g.Scalar(1)))
		tasks := m.Plate("tasks", rbDim, sub)
		z := tasks.Sample("z", dist.Bernoulli(g.Fill(rbP0, batch)))
		loc := g.Add(g.Add(w, g.Scalar(rbMu[0])), g.Scale(z, rbMu[1]-rbMu[0]))
		tasks.Observe("y", dist.Normal(loc, g.Scalar(1)), tasks.Subsample(g.Constant(rbY, rbDim)))
	}
	guide := func(m *probgraph.Ctx) {
		loc := m.Param("m", probgraph.Scalar(rbM))
		scale := m.Param("s", probgraph.Scalar(rbS), probgraph.Constrained(dist.Positive()))
		m.Sample("w", dist.Normal(loc, scale))
		l := m.Param("l", probgraph.Vector(rbL...))
		tasks := m.Plate("tasks", rbDim, sub)
		tasks.Sample("z", dist.BernoulliLogits(tasks.Subsample(l)))
	}
	g := engine.NewGraph()
	ps := probgraph.NewParamStore(g)
	obj, err := elbo.Build(g, model, guide, ps)
	if err != nil {
		t.Fatal(err)
	}
	gr := g.Grad(obj.Surrogate, ps.Entry("l").Unconstrained)[0]
	prog, err := g.Compile([]*engine.Node{obj.Loss, gr}, engine.WithSeed(21))
	if err != nil {
		t.Fatal(err)
	}
	// The guide's and the model's plates each have a subsample input;
	// both get the same positions.
	var inputs [][]float64
	for _, tr := range []*probgraph.Trace{obj.GuideTrace, obj.ModelTrace} {
		for _, p := range tr.Plates() {
			if p.Indices() != nil {
				inputs = append(inputs, prog.Value(p.Indices()))
			}
		}
	}
	t.Logf("%d subsample inputs", len(inputs))
	// Every 3-subset of 6 tasks in turn (20 of them), so each task is in
	// exactly half of the runs.
	var subsets [][]int
	for a := 0; a < rbDim; a++ {
		for b := a + 1; b < rbDim; b++ {
			for c := b + 1; c < rbDim; c++ {
				subsets = append(subsets, []int{a, b, c})
			}
		}
	}
	sum, sq := make([]float64, rbDim), make([]float64, rbDim)
	for r := 0; r < reps; r++ {
		for _, idx := range inputs {
			for i, v := range subsets[r%len(subsets)] {
				idx[i] = float64(v)
			}
		}
		if err := prog.Run(); err != nil {
			t.Fatal(err)
		}
		for i, v := range prog.Value(gr) {
			sum[i] += v
			sq[i] += v * v
		}
	}
	want := rbExactGrad()
	for i := range want {
		m := sum[i] / reps
		se := math.Sqrt((sq[i]/reps - m*m) / (reps - 1))
		if math.Abs(m-want[i]) > 4*se {
			t.Errorf("d/dl[%d] = %.5f ± %.2g (SE), exact %.5f", i, m, se, want[i])
		} else {
			t.Logf("d/dl[%d] = %.5f ± %.2g (SE), exact %.5f", i, m, se, want[i])
		}
	}
}

func TestSVIGivesGuideAndModelPlatesTheSameSubsample(t *testing.T) {
	// A plate of the same name in the guide and the model has an index
	// input in each trace; the local latent z_t of the guide must be scored
	// against the observation of the same task, so every step must put the
	// same positions in both.
	sub := probgraph.Subsample(2)
	model := func(m *probgraph.Ctx) {
		g := m.Graph()
		p := m.Plate("data", 5, sub)
		z := p.Sample("z", dist.Normal(g.Scalar(0), g.Scalar(1)))
		p.Observe("y", dist.Normal(z, g.Scalar(1)), p.Subsample(g.Constant([]float64{1, 2, 3, 4, 5}, 5)))
	}
	guide := func(m *probgraph.Ctx) {
		loc := m.Param("loc", probgraph.Zeros(5))
		p := m.Plate("data", 5, sub)
		p.Sample("z", dist.Normal(p.Subsample(loc), m.Graph().Scalar(1)))
	}
	opt, err := engine.NewSGD(engine.SGDOptions{LR: 0.01})
	if err != nil {
		t.Fatal(err)
	}
	svi, err := NewSVI(model, guide, opt, TraceGraphELBO{}, WithSeed(2))
	if err != nil {
		t.Fatal(err)
	}
	gp, mp := svi.obj.GuideTrace.Plates()[0].Indices(), svi.obj.ModelTrace.Plates()[0].Indices()
	if gp == nil || mp == nil || gp == mp {
		t.Fatalf("want two subsample inputs, got %v and %v", gp, mp)
	}
	for step := range 20 {
		if _, err := svi.Step(); err != nil {
			t.Fatal(err)
		}
		a, b := svi.prog.Value(gp), svi.prog.Value(mp)
		if a[0] != b[0] || a[1] != b[1] {
			t.Fatalf("step %d: guide subsample %v, model subsample %v", step, a, b)
		}
	}
}

// rbGuideBaseline is rbGuide with a decaying-average baseline on z.
func rbGuideBaseline(beta float64) probgraph.Model {
	return func(m *probgraph.Ctx) {
		loc := m.Param("m", probgraph.Scalar(rbM))
		scale := m.Param("s", probgraph.Scalar(rbS), probgraph.Constrained(dist.Positive()))
		m.Sample("w", dist.Normal(loc, scale))
		l := m.Param("l", probgraph.Vector(rbL...))
		m.Plate("tasks", rbDim).Sample("z", dist.BernoulliLogits(l),
			probgraph.WithInfer(probgraph.InferConfig{Baseline: true, BaselineBeta: beta}))
	}
}

// rbTaskELBO is E_q[log p(z_t) − log q(z_t) + log p(y_t | w, z_t)], the
// expected downstream cost of z_t.
func rbTaskELBO() []float64 {
	out := make([]float64, rbDim)
	for t, y := range rbY {
		pi := 1 / (1 + math.Exp(-rbL[t]))
		ell := func(mu float64) float64 {
			d := y - rbM - mu
			return -0.5*math.Log(2*math.Pi) - 0.5*(d*d+rbS*rbS)
		}
		out[t] = pi*(math.Log(rbP0)-math.Log(pi)+ell(rbMu[1])) + (1-pi)*(math.Log(1-rbP0)-math.Log(1-pi)+ell(rbMu[0]))
	}
	return out
}

func TestTraceGraphELBOSiteBaselineKeepsGradientUnbiased(t *testing.T) {
	// Any baseline value that does not depend on the draw leaves the
	// gradient's mean alone; the expected cost itself (each task's ELBO
	// term) must also lower its variance.
	const reps = 100000
	g := engine.NewGraph()
	ps := probgraph.NewParamStore(g)
	obj, err := TraceGraphELBO{}.Build(g, rbModel, rbGuideBaseline(0.9), ps)
	if err != nil {
		t.Fatal(err)
	}
	if len(obj.SiteBaselines) != 1 || obj.SiteBaselines[0].Name != "z" || obj.SiteBaselines[0].Input.Shape().Size() != rbDim {
		t.Fatalf("site baselines %+v, want one of %d values for z", obj.SiteBaselines, rbDim)
	}
	gr := g.Grad(obj.Surrogate, ps.Entry("l").Unconstrained)[0]
	prog, err := g.Compile([]*engine.Node{obj.Loss, gr}, engine.WithSeed(17))
	if err != nil {
		t.Fatal(err)
	}
	want := rbExactGrad()
	_, _, none := gradStats(t, TraceGraphELBO{}, "l", reps, 17)
	for _, c := range []struct {
		name string
		b    []float64
	}{{"constant 7", []float64{7, 7, 7, 7, 7, 7}}, {"expected cost", rbTaskELBO()}} {
		copy(prog.Value(obj.SiteBaselines[0].Input), c.b)
		sum, sq := make([]float64, rbDim), make([]float64, rbDim)
		for range reps {
			if err := prog.Run(); err != nil {
				t.Fatal(err)
			}
			for i, v := range prog.Value(gr) {
				sum[i] += v
				sq[i] += v * v
			}
		}
		for i := range want {
			m := sum[i] / reps
			v := (sq[i]/reps - m*m) * reps / (reps - 1)
			se := math.Sqrt(v / reps)
			if math.Abs(m-want[i]) > 4*se {
				t.Errorf("baseline %s: d/dl[%d] = %.5f ± %.2g (SE), exact %.5f", c.name, i, m, se, want[i])
			}
			if c.name == "expected cost" && v >= none[i] {
				t.Errorf("baseline %s: d/dl[%d] variance %.4g not below %.4g without a baseline", c.name, i, v, none[i])
			}
			t.Logf("baseline %s: d/dl[%d] = %.5f ± %.2g, exact %.5f, variance with/without baseline %.3f", c.name, i, m, se, want[i], v/none[i])
		}
	}
}

func TestSVITracksSiteBaselines(t *testing.T) {
	// With a learning rate too small to move q, the decaying average of z's
	// downstream cost converges to each task's expected cost; a stationary
	// average with decay β of independent costs of standard deviation σ
	// has standard deviation σ·√((1 − β)/(1 + β)). A checkpoint carries the
	// averages over to a new SVI.
	const beta, steps = 0.99, 3000
	opt, err := engine.NewSGD(engine.SGDOptions{LR: 1e-12})
	if err != nil {
		t.Fatal(err)
	}
	svi, err := NewSVI(rbModel, rbGuideBaseline(beta), opt, TraceGraphELBO{}, WithSeed(8))
	if err != nil {
		t.Fatal(err)
	}
	b := svi.obj.SiteBaselines[0]
	sum, sq := make([]float64, rbDim), make([]float64, rbDim)
	for range steps {
		if _, err := svi.Step(); err != nil {
			t.Fatal(err)
		}
		for i, v := range svi.prog.Value(b.Cost) {
			sum[i] += v
			sq[i] += v * v
		}
	}
	want := rbTaskELBO()
	for i, w := range want {
		m := sum[i] / steps
		sd := math.Sqrt(sq[i]/steps - m*m)
		tol := 4 * sd * math.Sqrt((1-beta)/(1+beta))
		if got := svi.siteBase[0][i]; math.Abs(got-w) > tol {
			t.Errorf("task %d: baseline %.4f, expected cost %.4f (tolerance %.3f)", i, got, w, tol)
		}
	}
	var buf bytes.Buffer
	if err := svi.Save(&buf); err != nil {
		t.Fatal(err)
	}
	other, err := NewSVI(rbModel, rbGuideBaseline(beta), opt, TraceGraphELBO{}, WithSeed(8))
	if err != nil {
		t.Fatal(err)
	}
	if err := other.Load(&buf); err != nil {
		t.Fatal(err)
	}
	for i := range want {
		if other.siteBase[0][i] != svi.siteBase[0][i] {
			t.Errorf("task %d: loaded baseline %v, saved %v", i, other.siteBase[0][i], svi.siteBase[0][i])
		}
	}
}
