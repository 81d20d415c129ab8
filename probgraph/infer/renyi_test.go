package infer

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/ignis-ppl/ignis/engine"
	"github.com/ignis-ppl/ignis/probgraph"
	"github.com/ignis-ppl/ignis/probgraph/dist"
)

// conjEvidence is log p(x) for the conjugate model: x ~ N(0, 1 + σ²).
func conjEvidence() float64 {
	v := 1 + conjSigma*conjSigma
	return -0.5*math.Log(2*math.Pi*v) - conjX*conjX/(2*v)
}

// conjPosterior is the exact posterior's mean and standard deviation.
func conjPosterior() (mean, sd float64) {
	prec := 1 + 1/(conjSigma*conjSigma)
	return conjX / (conjSigma * conjSigma) / prec, 1 / math.Sqrt(prec)
}

func TestRenyiELBORejectsBadOptions(t *testing.T) {
	nonReparamGuide := func(m *probgraph.Ctx) {
		g := m.Graph()
		m.Sample("z", noPathwise{dist.Normal(g.Scalar(0), g.Scalar(1))})
	}
	cases := []struct {
		name  string
		elbo  RenyiELBO
		guide probgraph.Model
		want  string // in the message
	}{
		{"alpha 1", RenyiELBO{Alpha: 1}, conjGuide, "TraceELBO"},
		{"negative alpha", RenyiELBO{Alpha: -0.5}, conjGuide, "-0.5"},
		{"NaN alpha", RenyiELBO{Alpha: math.NaN()}, conjGuide, "NaN"},
		{"infinite alpha", RenyiELBO{Alpha: math.Inf(1)}, conjGuide, "Inf"},
		{"negative particles", RenyiELBO{NumParticles: -1}, conjGuide, "-1 particles"},
		{"guide site not reparameterized", RenyiELBO{NumParticles: 4}, nonReparamGuide, `"z"`},
	}
	for _, c := range cases {
		g := engine.NewGraph()
		_, err := c.elbo.Build(g, conjModel, c.guide, probgraph.NewParamStore(g))
		if !errors.Is(err, ErrOptions) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want ErrOptions mentioning %s", c.name, err, c.want)
		}
	}
}

// With one particle, logsumexp of a single weight is the weight: the Rényi
// loss is the Trace ELBO's, draw for draw, whatever α.
func TestRenyiELBOWithOneParticleIsTheTraceELBO(t *testing.T) {
	want, _, _ := conjLossAt(conjM, conjS)
	te, _ := estimate(t, TraceELBO{}, conjModel, conjGuide, 2000)
	for _, alpha := range []float64{0, 0.5, 2} {
		got, _ := estimate(t, RenyiELBO{Alpha: alpha, NumParticles: 1}, conjModel, conjGuide, 2000)
		within(t, fmt.Sprintf("alpha %v: loss", alpha), got, want, 4)
		if math.Abs(got[0]-te[0]) > 1e-12 {
			t.Errorf("alpha %v: mean loss %v, Trace ELBO's %v from the same draws", alpha, got[0], te[0])
		}
	}
}

// The importance-weighted bound E[log (1/P) Σ_p exp w_p] grows with P towards
// log p(x) (Burda et al. 2016, theorem 1); for large P the gap shrinks like
// 1/P.
func TestIWAEBoundIncreasesTowardsTheEvidence(t *testing.T) {
	evidence := conjEvidence()
	prev := [2]float64{math.Inf(-1), 0}
	for _, p := range []int{1, 4, 16, 64} {
		loss, _ := estimate(t, RenyiELBO{Alpha: 0, NumParticles: p}, conjModel, conjGuide, 10000)
		bound := [2]float64{-loss[0], loss[1]}
		t.Logf("P = %2d: bound %.5f ± %.2g (SE), log p(x) %.5f", p, bound[0], bound[1], evidence)
		if bound[0] > evidence+4*bound[1] {
			t.Errorf("P = %d: bound %.5f ± %.2g is above log p(x) = %.5f", p, bound[0], bound[1], evidence)
		}
		if se := math.Hypot(bound[1], prev[1]); !(bound[0]-prev[0] > 4*se) {
			t.Errorf("P = %d: bound %.5f is not clearly above the previous %.5f (SE of the difference %.2g)", p, bound[0], prev[0], se)
		}
		prev = bound
	}
	if gap := evidence - prev[0]; gap > 0.01 {
		t.Errorf("with 64 particles the bound is %.4f below log p(x), want < 0.01", gap)
	}
}

// fitConjugate runs SVI on the conjugate model, with a learning rate decaying
// from 0.05 by the factor decay over the run, and returns it and the mean of
// its last 500 losses.
func fitConjugate(t *testing.T, guide probgraph.Model, elbo ELBO, steps int, decay float64) (*SVI, float64) {
	t.Helper()
	opt, err := engine.NewAdam(engine.AdamOptions{Schedule: engine.ExponentialLR{Initial: 0.05, Gamma: math.Pow(decay, 1/float64(steps))}})
	if err != nil {
		t.Fatal(err)
	}
	svi, err := NewSVI(conjModel, guide, opt, elbo, WithSeed(3))
	if err != nil {
		t.Fatal(err)
	}
	losses, err := svi.Run(t.Context(), steps, nil)
	if err != nil {
		t.Fatal(err)
	}
	tail := 0.0
	for _, l := range losses[steps-500:] {
		tail += l / 500
	}
	return svi, tail
}

// The importance-weighted bound is maximal at the exact posterior, but it is
// flat around it and the guide's gradient has a low signal-to-noise ratio
// (Rainforth et al. 2018), so SVI gets less close than with the Trace ELBO:
// over ten seeds and 3000 steps, 20 particles ended 0.006 (RMS) from the
// posterior mean with the Trace ELBO and 0.06 with this bound. So the test
// runs longer and asks for KL(q ‖ posterior) below 0.01 nats (about
// |Δm| < 0.08 or |Δs|/s < 0.07); over ten seeds the worst fit had 0.003.
func TestSVIWithIWAEFitsTheConjugatePosterior(t *testing.T) {
	svi, _ := fitConjugate(t, conjGuide, RenyiELBO{Alpha: 0, NumParticles: 20}, 10000, 0.001)
	wantM, wantS := conjPosterior()
	m, s := svi.Param("m")[0], svi.Param("s")[0]
	kl := math.Log(wantS/s) + (s*s+(m-wantM)*(m-wantM))/(2*wantS*wantS) - 0.5
	if kl > 0.01 {
		t.Errorf("q = N(%.4f, %.4f²), posterior N(%.4f, %.4f²): KL %.4f", m, s, wantM, wantS, kl)
	} else {
		t.Logf("q = N(%.4f, %.4f²), posterior N(%.4f, %.4f²): KL %.4f", m, s, wantM, wantS, kl)
	}
}

// When the guide cannot match the posterior (its scale is fixed at 1, the
// posterior's is 0.57), the Trace ELBO's best loss is −log p(x) plus the
// KL to the posterior, and the importance-weighted bound closes most of that
// gap.
func TestIWAEFinalLossIsBelowTheTraceELBOs(t *testing.T) {
	guide := func(m *probgraph.Ctx) {
		loc := m.Param("m", probgraph.Scalar(conjM))
		m.Sample("z", dist.Normal(loc, m.Graph().Scalar(1)))
	}
	_, te := fitConjugate(t, guide, TraceELBO{NumParticles: 20}, 3000, 0.01)
	_, iw := fitConjugate(t, guide, RenyiELBO{Alpha: 0, NumParticles: 20}, 3000, 0.01)
	mean, sd := conjPosterior()
	// KL(N(μ, 1) ‖ N(μ, sd²)) is the Trace ELBO's gap at its optimum.
	gapTE := math.Log(sd) + 1/(2*sd*sd) - 0.5
	t.Logf("final losses: Trace ELBO %.4f, IWAE %.4f; −log p(x) = %.4f, Trace ELBO's best %.4f (posterior mean %.3f)",
		te, iw, -conjEvidence(), -conjEvidence()+gapTE, mean)
	if !(iw < te-gapTE/2) {
		t.Errorf("IWAE final loss %.4f is not clearly below the Trace ELBO's %.4f", iw, te)
	}
	if iw < -conjEvidence()-0.02 {
		t.Errorf("IWAE final loss %.4f is below −log p(x) = %.4f", iw, -conjEvidence())
	}
}
