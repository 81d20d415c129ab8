package gp

import (
	"math"
	"testing"

	"github.com/ignis-ppl/ignis/probgraph/infer"
)

// TestClusteredTaskPlatesSameLoss checks that observing y in the data and
// tasks plates (TaskPlates) is the same ELBO as the default layout, with
// the tasks in the event: with the same seed both draw the same z, f and v,
// so TraceELBO's losses agree to round-off.
func TestClusteredTaskPlatesSameLoss(t *testing.T) {
	p := newClusteredProblem(1)
	var loss [2]float64
	for i, tp := range []bool{false, true} {
		lik := p.lik(Sampled)
		lik.TaskPlates = tp
		model, guide := p.modelGuideWith(lik)
		o := compileObjective(t, infer.TraceELBO{NumParticles: 8}, model, guide)
		setClusteredParams(t, o, p)
		if err := o.prog.Run(); err != nil {
			t.Fatal(err)
		}
		loss[i] = o.prog.Scalar(o.loss)
	}
	if math.Abs(loss[0]-loss[1]) > 1e-10*math.Abs(loss[0]) {
		t.Errorf("loss %.15g with the tasks in the event, %.15g in the tasks plate", loss[0], loss[1])
	}
}

// TestClusteredTraceGraphLogitsGradient checks the variational logits'
// gradient under TraceGraphELBO (TaskPlates, 64 particles, leave-one-out
// baseline) against the Enumerated path (TraceGuideEnumELBO, exact in z):
// their means over 300 runs each must agree within 4 standard errors of the
// difference in every element, and TraceGraphELBO's variance must be below
// TraceELBO's (the ratio is logged).
func TestClusteredTraceGraphLogitsGradient(t *testing.T) {
	p := newClusteredProblem(1)
	const runs = 300
	stats := func(a Assignments, taskPlates bool, elbo infer.ELBO) (mean, variance []float64) {
		lik := p.lik(a)
		lik.TaskPlates = taskPlates
		model, guide := p.modelGuideWith(lik)
		o := compileObjective(t, elbo, model, guide)
		setClusteredParams(t, o, p)
		idx := -1
		for i, e := range o.ps.Entries() {
			if e.Name == lik.LogitsName() {
				idx = i
			}
		}
		if idx < 0 {
			t.Fatal("no logits parameter")
		}
		n := len(o.prog.Value(o.grads[idx]))
		sum, sq := make([]float64, n), make([]float64, n)
		for range runs {
			if err := o.prog.Run(); err != nil {
				t.Fatal(err)
			}
			for i, v := range o.prog.Value(o.grads[idx]) {
				sum[i] += v
				sq[i] += v * v
			}
		}
		mean, variance = make([]float64, n), make([]float64, n)
		for i := range sum {
			mean[i] = sum[i] / runs
			variance[i] = (sq[i]/runs - mean[i]*mean[i]) * runs / (runs - 1)
		}
		return mean, variance
	}
	me, ve := stats(Enumerated, false, infer.TraceGuideEnumELBO{NumParticles: 64})
	mg, vg := stats(Sampled, true, infer.TraceGraphELBO{NumParticles: 64, LeaveOneOut: true})
	_, vt := stats(Sampled, false, infer.TraceELBO{NumParticles: 64})
	for i := range me {
		se := math.Sqrt((ve[i] + vg[i]) / runs)
		if math.Abs(mg[i]-me[i]) > 4*se {
			t.Errorf("d/dlogits[%d]: TraceGraphELBO %.4f, enumerated %.4f, difference %.1f standard errors", i, mg[i], me[i], math.Abs(mg[i]-me[i])/se)
		}
		if vg[i] >= vt[i] {
			t.Errorf("d/dlogits[%d]: TraceGraphELBO variance %.4g not below TraceELBO's %.4g", i, vg[i], vt[i])
		}
		t.Logf("d/dlogits[%d]: enumerated %.4f, graph %.4f ± %.2g; variance graph/trace %.4g/%.4g = %.4f", i, me[i], mg[i], math.Sqrt(vg[i]/runs), vg[i], vt[i], vg[i]/vt[i])
	}
}
