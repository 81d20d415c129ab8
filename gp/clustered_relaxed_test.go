package gp

import (
	"errors"
	"math"
	"testing"

	"github.com/ignis-ppl/ignis/engine"
	"github.com/ignis-ppl/ignis/probgraph/infer"
)

// relaxedELBO averages the relaxed ELBO over runs runs of o at temperature
// tau and returns the mean and its standard error.
func relaxedELBO(t *testing.T, o *objective, lik Clustered, tau float64, runs int) (mean, se float64) {
	t.Helper()
	if err := lik.SetTemperature(o.prog, tau); err != nil {
		t.Fatal(err)
	}
	var sum, sumSq float64
	for range runs {
		if err := o.prog.Run(); err != nil {
			t.Fatal(err)
		}
		v := -o.prog.Scalar(o.loss)
		sum += v
		sumSq += v * v
	}
	mean = sum / float64(runs)
	return mean, math.Sqrt((sumSq/float64(runs) - mean*mean) / float64(runs-1))
}

// summedELBO is the exact ELBO of the small problem at the parameters of
// setClusteredParams, with the variational logits replaced by logits when
// given.
func summedELBO(t *testing.T, p clusteredProblem, logits []float64) float64 {
	t.Helper()
	em, eg := p.modelGuide(Summed)
	o := compileObjective(t, assignmentsELBO(Summed, 0), em, eg)
	setClusteredParams(t, o, p)
	if logits != nil {
		o.setParam(t, "y_logits", logits)
	}
	if err := o.prog.Run(); err != nil {
		t.Fatal(err)
	}
	return -o.prog.Scalar(o.loss)
}

// TestClusteredRelaxedApproachesSummedAsTemperatureFalls checks the relaxed
// ELBO against the exact one as the temperature falls. With uniform q(z)
// (the prior's logits) the two Concrete distributions coincide, the KL term
// is 0 on both sides, and the relaxed expected log-likelihood must approach
// the discrete one: its gap to the summed ELBO shrinks with the temperature
// and at 0.02 is within 4 Monte Carlo standard errors plus a bias of order
// the temperature (relaxed draws sit within O(τ) of a vertex except with
// probability O(τ)). With q(z) away from the prior the relaxed KL, which
// does not depend on the temperature, is at least the categorical one, so
// at a low temperature the relaxed ELBO lies below the exact one.
func TestClusteredRelaxedApproachesSummedAsTemperatureFalls(t *testing.T) {
	p := newClusteredProblem(1)
	uniform := make([]float64, len(p.cluster)*p.k)
	want := summedELBO(t, p, uniform)
	lik := p.lik(Relaxed)
	model, guide := p.modelGuideWith(lik)
	o := compileObjective(t, infer.TraceELBO{NumParticles: 64}, model, guide)
	setClusteredParams(t, o, p)
	o.setParam(t, "y_logits", uniform)
	const runs = 200
	prev := math.Inf(1)
	for _, tau := range []float64{1, 0.3, 0.1, 0.02} {
		mean, se := relaxedELBO(t, o, lik, tau, runs)
		gap := want - mean
		t.Logf("uniform q(z): summed ELBO %.4f, relaxed at τ = %g: %.4f ± %.4f (gap %.4f)", want, tau, mean, se, gap)
		if math.Abs(gap) > prev+4*se {
			t.Errorf("τ = %g: gap %.4f grew from %.4f in size", tau, gap, prev)
		}
		prev = math.Abs(gap)
		if tau == 0.02 && math.Abs(gap) > 4*se+tau*math.Abs(want) {
			t.Errorf("τ = %g: relaxed %.4f ± %.4f is %.4f from the summed %.4f", tau, mean, se, gap, want)
		}
	}

	exact := summedELBO(t, p, nil)
	o2 := compileObjective(t, infer.TraceELBO{NumParticles: 64}, model, guide)
	setClusteredParams(t, o2, p)
	mean, se := relaxedELBO(t, o2, lik, 0.02, runs)
	t.Logf("q(z) away from the prior: summed ELBO %.4f, relaxed at τ = 0.02: %.4f ± %.4f", exact, mean, se)
	if mean > exact+4*se {
		t.Errorf("relaxed ELBO %.4f ± %.4f above the exact %.4f", mean, se, exact)
	}
}

// TestClusteredRelaxedGradientsFinite checks that the loss and every
// gradient stay finite from a high temperature to a low one, and that the
// variational logits get a pathwise gradient (nonzero in every run).
func TestClusteredRelaxedGradientsFinite(t *testing.T) {
	p := newClusteredProblem(1)
	lik := p.lik(Relaxed)
	model, guide := p.modelGuideWith(lik)
	o := compileObjective(t, infer.TraceELBO{NumParticles: 16}, model, guide)
	setClusteredParams(t, o, p)
	logits := -1
	for i, e := range o.ps.Entries() {
		if e.Name == lik.LogitsName() {
			logits = i
		}
	}
	if logits < 0 {
		t.Fatalf("no parameter %s", lik.LogitsName())
	}
	for _, tau := range []float64{1, 0.3, 0.1, 0.05} {
		if err := lik.SetTemperature(o.prog, tau); err != nil {
			t.Fatal(err)
		}
		for run := range 20 {
			if err := o.prog.Run(); err != nil {
				t.Fatal(err)
			}
			if l := o.prog.Scalar(o.loss); math.IsNaN(l) || math.IsInf(l, 0) {
				t.Fatalf("τ = %g, run %d: loss %v", tau, run, l)
			}
			if n := o.gradNorm(); math.IsNaN(n) || math.IsInf(n, 0) {
				t.Fatalf("τ = %g, run %d: gradient with largest element %v", tau, run, n)
			}
			nonzero := false
			for _, v := range o.prog.Value(o.grads[logits]) {
				nonzero = nonzero || v != 0
			}
			if !nonzero {
				t.Errorf("τ = %g, run %d: the logits' gradient is zero", tau, run)
			}
		}
	}
}

// TestClusteredRelaxedSetTemperatureErrors checks the user mistakes: a run
// whose temperature was never set, a temperature that is not positive, and
// a program without relaxed assignments.
func TestClusteredRelaxedSetTemperatureErrors(t *testing.T) {
	p := newClusteredProblem(1)
	model, guide := p.modelGuide(Relaxed)
	o := compileObjective(t, infer.TraceELBO{NumParticles: 2}, model, guide)
	if err := o.prog.Run(); err == nil {
		t.Error("a run with the temperature never set (0) succeeded")
	} else {
		t.Logf("temperature never set: %v", err)
	}
	for _, tau := range []float64{0, -1, math.NaN(), math.Inf(1)} {
		if err := p.lik(Relaxed).SetTemperature(o.prog, tau); !errors.Is(err, ErrOptions) {
			t.Errorf("temperature %v: error %v, want ErrOptions", tau, err)
		}
	}
	sm, sg := p.modelGuide(Sampled)
	s := compileObjective(t, infer.TraceELBO{NumParticles: 2}, sm, sg)
	if err := p.lik(Relaxed).SetTemperature(s.prog, 0.5); !errors.Is(err, ErrOptions) {
		t.Errorf("a program without relaxed assignments: error %v, want ErrOptions", err)
	}
}

// TestClusteredRelaxedFitRecoversClusters fits the small problem by SVI
// (Adam 0.03, 600 steps, 16 particles) with the temperature annealed
// geometrically from 1 to 0.1, and checks the criterion of
// TestClusteredFitRecoversClusters.
func TestClusteredRelaxedFitRecoversClusters(t *testing.T) {
	p := newClusteredProblem(2)
	lik := p.lik(Relaxed)
	model, guide := p.modelGuideWith(lik)
	opt, err := engine.NewAdam(engine.AdamOptions{LR: 0.03})
	if err != nil {
		t.Fatal(err)
	}
	svi, err := infer.NewSVI(model, guide, opt, infer.TraceELBO{NumParticles: 16}, infer.WithSeed(4))
	if err != nil {
		t.Fatal(err)
	}
	const steps = 600
	for i := range steps {
		if err := lik.SetTemperature(svi.Program(), math.Pow(0.1, float64(i)/(steps-1))); err != nil {
			t.Fatal(err)
		}
		if _, err := svi.Step(); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
	}
	probs, err := lik.Probs(svi.Param(lik.LogitsName()))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("relaxed: q(z) %.3f", probs)
	best := make([]int, len(probs))
	for task, q := range probs {
		if q[1] > q[0] {
			best[task] = 1
		}
		if math.Max(q[0], q[1]) <= 0.9 {
			t.Errorf("task %d has q(z) %.3f, not above 0.9", task, q)
		}
	}
	if best[0] != best[3] || best[1] != best[2] || best[0] == best[1] {
		t.Errorf("most probable clusters %v, want tasks {0, 3} and {1, 2} apart", best)
	}
}
