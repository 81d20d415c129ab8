package dist

import (
	"math"
	"testing"

	"github.com/ignis-ppl/ignis/engine"
)

// drawSamples runs one program that draws n samples from the distribution
// built by build, returning the flat draws (n × per) and per, the number of
// elements of one draw (batch × event).
func drawSamples(t *testing.T, n int, seed uint64, build func(g *engine.Graph) Distribution) ([]float64, int) {
	t.Helper()
	g := engine.NewGraph()
	d := build(g)
	x := d.Sample(n)
	if err := g.Err(); err != nil {
		t.Fatal(err)
	}
	prog, err := g.Compile([]*engine.Node{x}, engine.WithSeed(seed))
	if err != nil {
		t.Fatal(err)
	}
	if err := prog.Run(); err != nil {
		t.Fatal(err)
	}
	v := prog.Value(x)
	return v, len(v) / n
}

// checkMoments draws 10⁵ samples and checks each element's sample mean and
// variance against the exact values within 5 standard errors; the variance's
// standard error uses the sample fourth central moment.
func checkMoments(t *testing.T, build func(g *engine.Graph) Distribution, mean, variance []float64) {
	t.Helper()
	const n = 100000
	v, per := drawSamples(t, n, 12345, build)
	if len(mean) != per || len(variance) != per {
		t.Fatalf("expected moments for %d elements, got %d and %d", per, len(mean), len(variance))
	}
	for j := 0; j < per; j++ {
		m := 0.0
		for i := 0; i < n; i++ {
			m += v[i*per+j]
		}
		m /= n
		m2, m4 := 0.0, 0.0
		for i := 0; i < n; i++ {
			d := v[i*per+j] - m
			m2 += d * d
			m4 += d * d * d * d
		}
		vr := m2 / (n - 1)
		m4 /= n
		seMean := math.Sqrt(variance[j] / n)
		seVar := math.Sqrt(math.Max(m4-vr*vr, 0) / n)
		if math.Abs(m-mean[j]) > 5*seMean {
			t.Errorf("element %d: sample mean %.6g, want %.6g ± %.3g (5 SE)", j, m, mean[j], 5*seMean)
		}
		if math.Abs(vr-variance[j]) > 5*seVar {
			t.Errorf("element %d: sample variance %.6g, want %.6g ± %.3g (5 SE)", j, vr, variance[j], 5*seVar)
		}
	}
}

// checkReparamGrad estimates ∇θ E[f(x)] for x ~ d(θ) from pathwise gradients
// and compares it with the analytic gradient within 5 standard errors. The
// standard error comes from the spread of reps independent replicate
// estimates of n draws each.
func checkReparamGrad(t *testing.T, build func(g *engine.Graph) (theta *engine.Node, d Distribution),
	f func(g *engine.Graph, x *engine.Node) *engine.Node, analytic []float64) {
	t.Helper()
	const n, reps = 4000, 40
	g := engine.NewGraph()
	theta, d := build(g)
	x := d.Sample(n)
	loss := g.Mean(f(g, x))
	grad := g.Grad(loss, theta)[0]
	if err := g.Err(); err != nil {
		t.Fatal(err)
	}
	prog, err := g.Compile([]*engine.Node{grad}, engine.WithSeed(99))
	if err != nil {
		t.Fatal(err)
	}
	k := len(analytic)
	sum, sum2 := make([]float64, k), make([]float64, k)
	for r := 0; r < reps; r++ {
		if err := prog.Run(); err != nil {
			t.Fatal(err)
		}
		for i, v := range prog.Value(grad) {
			sum[i] += v
			sum2[i] += v * v
		}
	}
	for i := range analytic {
		m := sum[i] / reps
		se := math.Sqrt(math.Max(sum2[i]/reps-m*m, 0) / (reps - 1))
		if math.Abs(m-analytic[i]) > 5*se+1e-12 {
			t.Errorf("gradient[%d] = %.6g, analytic %.6g (5 SE = %.3g)", i, m, analytic[i], 5*se)
		} else {
			t.Logf("gradient[%d] = %.6g, analytic %.6g, SE %.2g", i, m, analytic[i], se)
		}
	}
}

// checkKLMonteCarlo checks, for every batch member, that the closed-form
// KL(p‖q) lies within 5 standard errors of the Monte Carlo estimate of
// E_p[log p − log q] from the given number of draws (seeded).
func checkKLMonteCarlo(t *testing.T, p, q Distribution, draws int, seed uint64) {
	t.Helper()
	g := p.Graph()
	kl := KL(p, q)
	est, se := KLMonteCarlo(p, q, draws)
	if err := g.Err(); err != nil {
		t.Fatal(err)
	}
	prog, err := g.Compile([]*engine.Node{kl, est, se}, engine.WithSeed(seed))
	if err != nil {
		t.Fatal(err)
	}
	if err := prog.Run(); err != nil {
		t.Fatal(err)
	}
	for i, k := range prog.Value(kl) {
		e, s := prog.Value(est)[i], prog.Value(se)[i]
		if !(math.Abs(k-e) <= 5*s) {
			t.Errorf("member %d: KL %.6g, Monte Carlo %.6g ± %.3g (5 SE)", i, k, e, 5*s)
		}
		t.Logf("member %d: KL %.6g, Monte Carlo %.6g, SE %.2g", i, k, e, s)
	}
}
