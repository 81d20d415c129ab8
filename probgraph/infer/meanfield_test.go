package infer

import (
	"fmt"
	"math"
	"testing"

	"github.com/ignis-ppl/ignis/engine"
	"github.com/ignis-ppl/ignis/probgraph"
	"github.com/ignis-ppl/ignis/probgraph/dist"
)

// conjGuideAt is conjGuide starting at q(z) = N(m0, s0²).
func conjGuideAt(m0, s0 float64) probgraph.Model {
	return func(m *probgraph.Ctx) {
		loc := m.Param("m", probgraph.Scalar(m0))
		scale := m.Param("s", probgraph.Scalar(s0), probgraph.Constrained(dist.Positive()))
		m.Sample("z", dist.Normal(loc, scale))
	}
}

// conjLossAt is the conjugate model's negative ELBO at q = N(m, s²), and its
// gradient in m and in u = log s.
func conjLossAt(m, s float64) (loss, dm, du float64) {
	x, sg := conjX, conjSigma
	h := 0.5 * math.Log(2*math.Pi)
	elbo := -h - 0.5*(m*m+s*s) - h - math.Log(sg) - ((x-m)*(x-m)+s*s)/(2*sg*sg) + h + 0.5 + math.Log(s)
	return -elbo, -(-m + (x-m)/(sg*sg)), -s * (-s - s/(sg*sg) + 1/s)
}

// within checks an estimate (mean, SE) against an exact value at k standard
// errors.
func within(t *testing.T, what string, got [2]float64, want, k float64) {
	t.Helper()
	if math.Abs(got[0]-want) > k*got[1] {
		t.Errorf("%s: %.6f ± %.2g (SE), exact %.6f", what, got[0], got[1], want)
	} else {
		t.Logf("%s: %.6f ± %.2g (SE), exact %.6f", what, got[0], got[1], want)
	}
}

func TestMeanFieldELBOLossAndGradientAreUnbiased(t *testing.T) {
	loss, grads := estimate(t, TraceMeanFieldELBO{NumParticles: 200}, conjModel, conjGuide, 200)
	want, dm, du := conjLossAt(conjM, conjS)
	within(t, "loss", loss, want, 4)
	within(t, "d loss/d m", grads["m"], dm, 4)
	within(t, "d loss/d log s", grads["s"], du, 4)
}

// With z = m + sε, the Trace ELBO's draw is c + aε + bε² and the mean-field
// one c' + a'ε + b'ε², with a' = (x−m)s/σ², b' = −s²/(2σ²) from the
// likelihood, and a = a' − ms, b = b' + (1−s²)/2 once the sampled prior and
// entropy terms are added; the variances are a² + 2b² and a'² + 2b'². The
// prior term helps when it cancels part of the likelihood's noise (m on the
// side of x, s < 1: near the posterior) and hurts otherwise.
func TestMeanFieldELBOHasSmallerVarianceAwayFromThePosterior(t *testing.T) {
	variances := func(m, s float64) (te, mf float64) {
		x, sg := conjX, conjSigma
		a1, b1 := (x-m)*s/(sg*sg), -s*s/(2*sg*sg)
		a, b := a1-m*s, b1+(1-s*s)/2
		return a*a + 2*b*b, a1*a1 + 2*b1*b1
	}
	cases := []struct {
		name          string
		m, s          float64
		meanFieldLess bool
	}{
		{"wide guide on the far side of the prior", -0.4, 1.5, true},
		{"the conjugate test's guide, near the posterior", conjM, conjS, false},
	}
	const reps = 4000
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			guide := conjGuideAt(c.m, c.s)
			te, _ := estimate(t, TraceELBO{}, conjModel, guide, reps)
			mf, _ := estimate(t, TraceMeanFieldELBO{}, conjModel, guide, reps)
			want, _, _ := conjLossAt(c.m, c.s)
			within(t, "Trace ELBO loss", te, want, 4)
			within(t, "mean-field loss", mf, want, 4)
			sdTE, sdMF := te[1]*math.Sqrt(reps), mf[1]*math.Sqrt(reps)
			vTE, vMF := variances(c.m, c.s)
			t.Logf("standard deviation per run: Trace ELBO %.3f (exact %.3f), mean-field %.3f (exact %.3f)",
				sdTE, math.Sqrt(vTE), sdMF, math.Sqrt(vMF))
			if (vMF < vTE) != c.meanFieldLess {
				t.Fatalf("test case is wrong: exact variances %v (Trace) and %v (mean-field)", vTE, vMF)
			}
			if (sdMF < sdTE) != c.meanFieldLess {
				t.Errorf("mean-field sd %.3f, Trace ELBO sd %.3f: want mean-field smaller = %v", sdMF, sdTE, c.meanFieldLess)
			}
		})
	}
}

// Without data the mean-field loss is KL(q ‖ p) itself, with no noise at
// all, when every site's KL is analytic: on scalar sites, vector sites
// (Independent), plated sites, and under particles, whose expansions wrap
// the distributions.
func TestMeanFieldELBOWithoutDataIsTheExactKL(t *testing.T) {
	// KL(N(μ, s²) ‖ N(0, 1)) per element.
	klStd := func(mu, s float64) float64 { return 0.5*(s*s+mu*mu-1) - math.Log(s) }
	vec := func(m *probgraph.Ctx, name string) (loc, scale *engine.Node) {
		return m.Param(name+"_m", probgraph.Vector(0.5, -1, 2)),
			m.Param(name+"_s", probgraph.Vector(0.5, 1.5, 1), probgraph.Constrained(dist.Positive()))
	}
	vecKL := klStd(0.5, 0.5) + klStd(-1, 1.5) + klStd(2, 1)
	cases := []struct {
		name         string
		model, guide probgraph.Model
		want         float64
	}{
		{"scalar",
			func(m *probgraph.Ctx) { m.Sample("z", dist.Normal(m.Graph().Scalar(0), m.Graph().Scalar(1))) },
			conjGuideAt(0.3, 0.6), klStd(0.3, 0.6)},
		{"vector event",
			func(m *probgraph.Ctx) {
				g := m.Graph()
				m.Sample("z", dist.ToEvent(dist.Normal(g.Fill(0, 3), g.Scalar(1)), 1))
			},
			func(m *probgraph.Ctx) {
				loc, scale := vec(m, "q")
				m.Sample("z", dist.ToEvent(dist.Normal(loc, scale), 1))
			}, vecKL},
		{"plate",
			func(m *probgraph.Ctx) {
				g := m.Graph()
				m.Plate("p", 3).Sample("z", dist.Normal(g.Scalar(0), g.Scalar(1)))
			},
			func(m *probgraph.Ctx) {
				loc, scale := vec(m, "q")
				m.Plate("p", 3).Sample("z", dist.Normal(loc, scale))
			}, vecKL},
	}
	for _, c := range cases {
		for _, particles := range []int{1, 5} {
			g := engine.NewGraph()
			ps := probgraph.NewParamStore(g)
			obj, err := TraceMeanFieldELBO{NumParticles: particles}.Build(g, c.model, c.guide, ps)
			if err != nil {
				t.Fatalf("%s, %d particles: %v", c.name, particles, err)
			}
			prog, err := g.Compile([]*engine.Node{obj.Loss})
			if err != nil {
				t.Fatal(err)
			}
			for range 3 {
				if err := prog.Run(); err != nil {
					t.Fatal(err)
				}
				if got := prog.Scalar(obj.Loss); math.Abs(got-c.want) > 1e-12 {
					t.Errorf("%s, %d particles: loss %.15g, want KL %.15g", c.name, particles, got, c.want)
				}
			}
		}
	}
}

// noPathwise hides a distribution's reparameterization: its draws carry no
// gradient, so an ELBO must use score-function terms for it, and its type has
// no closed-form KL.
type noPathwise struct{ dist.Distribution }

func (d noPathwise) Reparameterized() bool { return false }

func (d noPathwise) Sample(sampleShape ...int) *engine.Node {
	return d.Graph().StopGradient(d.Distribution.Sample(sampleShape...))
}

// Where the KL cannot stand in for the sampled terms, the mean-field ELBO is
// the Trace ELBO, draw for draw.
func TestMeanFieldELBOFallsBackToSampledTerms(t *testing.T) {
	cases := []struct {
		name  string
		model probgraph.Model
	}{
		{"no closed form", func(m *probgraph.Ctx) {
			g := m.Graph()
			z := m.Sample("z", noPathwise{dist.Normal(g.Scalar(0), g.Scalar(1))})
			m.Observe("x", dist.Normal(z, g.Scalar(conjSigma)), g.Scalar(conjX))
		}},
		{"model scaled, guide not", probgraph.Scale(2)(conjModel)},
	}
	for _, c := range cases {
		for _, particles := range []int{1, 4} {
			losses := func(elbo ELBO) []float64 {
				g := engine.NewGraph()
				obj, err := elbo.Build(g, c.model, conjGuide, probgraph.NewParamStore(g))
				if err != nil {
					t.Fatal(err)
				}
				prog, err := g.Compile([]*engine.Node{obj.Loss}, engine.WithSeed(9))
				if err != nil {
					t.Fatal(err)
				}
				var out []float64
				for range 5 {
					if err := prog.Run(); err != nil {
						t.Fatal(err)
					}
					out = append(out, prog.Scalar(obj.Loss))
				}
				return out
			}
			te := losses(TraceELBO{NumParticles: particles})
			mf := losses(TraceMeanFieldELBO{NumParticles: particles})
			for i := range te {
				if math.Abs(te[i]-mf[i]) > 1e-12*math.Abs(te[i]) {
					t.Errorf("%s, %d particles, run %d: mean-field loss %v, Trace ELBO loss %v", c.name, particles, i, mf[i], te[i])
				}
			}
		}
	}
}

// A guide site without pathwise gradients gets score-function terms: the
// gradient stays unbiased (it is only noisier) in both ELBOs.
func TestScoreFunctionGradientIsUnbiased(t *testing.T) {
	guide := func(m *probgraph.Ctx) {
		loc := m.Param("m", probgraph.Scalar(conjM))
		scale := m.Param("s", probgraph.Scalar(conjS), probgraph.Constrained(dist.Positive()))
		m.Sample("z", noPathwise{dist.Normal(loc, scale)})
	}
	want, dm, du := conjLossAt(conjM, conjS)
	for _, elbo := range []ELBO{TraceELBO{NumParticles: 500}, TraceMeanFieldELBO{NumParticles: 500}} {
		loss, grads := estimate(t, elbo, conjModel, guide, 200)
		name := fmt.Sprintf("%T", elbo)
		within(t, name+": loss", loss, want, 4)
		within(t, name+": d loss/d m", grads["m"], dm, 4)
		within(t, name+": d loss/d log s", grads["s"], du, 4)
	}
}
