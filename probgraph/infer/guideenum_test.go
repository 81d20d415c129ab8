package infer

import (
	"errors"
	"math"
	"testing"

	"github.com/ignis-ppl/ignis/engine"
	"github.com/ignis-ppl/ignis/probgraph"
	"github.com/ignis-ppl/ignis/probgraph/dist"
)

// guideEnumMixture is a per-task mixture: z_t ~ OneHotCategorical(prior),
// y_t ~ N(Σ_k μ_k z_tk, 1) in a plate of three tasks, with the guide's
// q(z_t) = OneHotCategorical(logits_t) marked for enumeration.
var (
	geY      = []float64{-1.2, 0.3, 2.1}
	geMu     = []float64{-1, 0.5, 2}
	gePrior  = []float64{0.2, 0.5, 0.3}
	geLogits = []float64{1, 0.2, -0.5, -0.3, 0.4, 0.1, -1, 0, 1.5}
)

func geModel(m *probgraph.Ctx) {
	g := m.Graph()
	tasks := m.Plate("tasks", 3)
	z := tasks.Sample("z", dist.OneHotCategorical(g.Constant(gePrior, 3)))
	loc := g.Sum(g.Mul(z, g.Constant(geMu, 3)), -1)
	tasks.Observe("y", dist.Normal(loc, g.Scalar(1)), g.Constant(geY, 3))
}

func geGuide(m *probgraph.Ctx) {
	tasks := m.Plate("tasks", 3)
	logits := m.Param("logits", probgraph.Tensor{Data: geLogits, Shape: []int{3, 3}})
	tasks.Sample("z", dist.OneHotCategoricalLogits(logits), probgraph.EnumerateParallel())
}

// TestTraceGuideEnumELBOIsExact checks the guide-side enumeration against
// the ELBO written out by hand, Σ_t Σ_k q_tk (log π_k + log N(y_t; μ_k, 1)
// − log q_tk), and its gradient in the logits against central finite
// differences of that formula: both to round-off, with one particle and
// with several (every particle then gives the same exact value).
func TestTraceGuideEnumELBOIsExact(t *testing.T) {
	exact := func(logits []float64) float64 {
		s := 0.0
		for task := range 3 {
			row := logits[3*task : 3*task+3]
			lse := math.Log(math.Exp(row[0]) + math.Exp(row[1]) + math.Exp(row[2]))
			for k := range 3 {
				lq := row[k] - lse
				d := geY[task] - geMu[k]
				s += math.Exp(lq) * (math.Log(gePrior[k]) - 0.5*d*d - 0.5*math.Log(2*math.Pi) - lq)
			}
		}
		return s
	}
	want := exact(geLogits)
	for _, particles := range []int{1, 4} {
		g := engine.NewGraph()
		ps := probgraph.NewParamStore(g)
		obj, err := TraceGuideEnumELBO{NumParticles: particles}.Build(g, geModel, geGuide, ps)
		if err != nil {
			t.Fatal(err)
		}
		p := ps.Entry("logits").Unconstrained
		grad := g.Grad(obj.Surrogate, p)[0]
		prog, err := g.Compile([]*engine.Node{obj.Loss, grad})
		if err != nil {
			t.Fatal(err)
		}
		if err := prog.Run(); err != nil {
			t.Fatal(err)
		}
		if got := -prog.Scalar(obj.Loss); math.Abs(got-want) > 1e-12 {
			t.Errorf("%d particles: ELBO %.15g, want %.15g", particles, got, want)
		}
		for i := range geLogits {
			const h = 1e-6
			up, down := append([]float64(nil), geLogits...), append([]float64(nil), geLogits...)
			up[i] += h
			down[i] -= h
			fd := -(exact(up) - exact(down)) / (2 * h)
			if got := prog.Value(grad)[i]; math.Abs(got-fd) > 1e-7 {
				t.Errorf("%d particles: d loss/d logit %d = %.10g, finite difference %.10g", particles, i, got, fd)
			}
		}
	}
}

// TestTraceGuideEnumELBORejectsTermsOutsideThePlate checks that a term
// depending on every task's enumerated assignment at once (the tasks in the
// observation's event, not in the plate) is refused.
func TestTraceGuideEnumELBORejectsTermsOutsideThePlate(t *testing.T) {
	model := func(m *probgraph.Ctx) {
		g := m.Graph()
		z := m.Plate("tasks", 3).Sample("z", dist.OneHotCategorical(g.Constant(gePrior, 3)))
		y := g.Constant(geY, 3)
		loc := g.Add(g.Sum(g.Mul(z, g.Constant(geMu, 3)), -1), g.ZerosLike(y)) // [3], or [K, 3] enumerated
		m.Observe("y", dist.ToEvent(dist.Normal(loc, g.Scalar(1)), 1), y)
	}
	g := engine.NewGraph()
	_, err := TraceGuideEnumELBO{}.Build(g, model, geGuide, probgraph.NewParamStore(g))
	if !errors.Is(err, probgraph.ErrEnum) {
		t.Fatalf("got %v, want an error wrapping ErrEnum", err)
	}
	t.Log(err)
}

// TestTraceGuideEnumELBORejectsUnsupportedStructures checks the other
// structures the objective refuses: a model that enumerates a site itself,
// and a sampled guide site whose distribution depends on an enumerated one.
func TestTraceGuideEnumELBORejectsUnsupportedStructures(t *testing.T) {
	modelEnum := func(m *probgraph.Ctx) {
		g := m.Graph()
		tasks := m.Plate("tasks", 3)
		z := tasks.Sample("z", dist.OneHotCategorical(g.Constant(gePrior, 3)))
		loc := g.Sum(g.Mul(z, g.Constant(geMu, 3)), -1)
		tasks.Sample("c", dist.Bernoulli(g.Scalar(0.3)), probgraph.EnumerateParallel())
		tasks.Observe("y", dist.Normal(loc, g.Scalar(1)), g.Constant(geY, 3))
	}
	dependent := func(m *probgraph.Ctx) {
		g := m.Graph()
		geGuide(m)
		tasks := m.Plate("tasks", 3)
		tasks.Sample("z2", dist.OneHotCategorical(g.Constant(gePrior, 3)))
	}
	dependentGuide := func(m *probgraph.Ctx) {
		g := m.Graph()
		tasks := m.Plate("tasks", 3)
		logits := m.Param("logits", probgraph.Tensor{Data: geLogits, Shape: []int{3, 3}})
		z := tasks.Sample("z", dist.OneHotCategoricalLogits(logits), probgraph.EnumerateParallel())
		tasks.Sample("z2", dist.OneHotCategoricalLogits(g.Add(logits, z)))
	}
	cases := map[string][2]probgraph.Model{
		"model enumerates":             {modelEnum, geGuide},
		"guide site depends on z":      {dependent, dependentGuide},
		"negative number of particles": {geModel, geGuide},
	}
	for name, c := range cases {
		g := engine.NewGraph()
		elbo := TraceGuideEnumELBO{}
		if name == "negative number of particles" {
			elbo.NumParticles = -1
		}
		_, err := elbo.Build(g, c[0], c[1], probgraph.NewParamStore(g))
		if err == nil {
			t.Errorf("%s: no error", name)
			continue
		}
		if name != "negative number of particles" && !errors.Is(err, probgraph.ErrEnum) {
			t.Errorf("%s: %v does not wrap ErrEnum", name, err)
		}
		t.Logf("%s: %v", name, err)
	}
}
