package mcmc_test

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/ignis-ppl/ignis/engine"
	"github.com/ignis-ppl/ignis/probgraph"
	"github.com/ignis-ppl/ignis/probgraph/dist"
	"github.com/ignis-ppl/ignis/probgraph/infer/mcmc"
)

// stanProgram is the Stan program TestStanProgramTranscribed transcribes
// line by line: an ordered pair, a parameter bounded by it, two flat priors
// (one on the half-line), a likelihood truncated below at L, and two
// scalars stacked into a vector.
const stanProgram = `
data {
  int<lower=1> N;  vector<lower=L>[N] y;  real L;
  int<lower=1> M;  vector[M] z;
  int<lower=1> K;  vector[K] w;
}
parameters {
  ordered[2] mu;
  real<lower=mu[1], upper=mu[2]> theta;
  real m;
  real<lower=0> s;
}
model {
  mu ~ normal(0, 2);
  for (n in 1:N) y[n] ~ normal(theta, 1) T[L, ];
  z ~ normal(m, 1);
  w ~ normal(0, s);
}
generated quantities {
  vector[2] gaps = [theta - mu[1], mu[2] - theta]';
}`

// stanData draws the program's data with a fixed seed: y from a normal
// truncated below at L (by rejection), z and w from normals.
func stanData() (y, z, w []float64, lo float64) {
	r := rand.New(rand.NewPCG(11, 12))
	lo = 0.5
	for len(y) < 30 {
		if v := 1 + r.NormFloat64(); v > lo {
			y = append(y, v)
		}
	}
	for range 20 {
		z = append(z, -1+r.NormFloat64())
	}
	for range 15 {
		w = append(w, 1.5*r.NormFloat64())
	}
	return y, z, w, lo
}

// stanModel is stanProgram in ignis, one statement per line of the Stan
// program.
func stanModel(y, z, w []float64, lo float64) probgraph.Model {
	return func(m *probgraph.Ctx) {
		g := m.Graph()
		at := func(v *engine.Node, i int) *engine.Node { return g.Reshape(g.Slice(v, 0, i, i+1)) } // Stan's v[i+1]
		// ordered[2] mu;
		mu := m.Sample("mu", dist.ImproperUniform(g, dist.OrderedVector(), nil, engine.Shape{2}))
		// real<lower=mu[1], upper=mu[2]> theta;
		theta := m.Sample("theta", dist.ImproperUniform(g, dist.IntervalOf(at(mu, 0), at(mu, 1)), nil, nil))
		// real m;
		mm := m.Sample("m", dist.Flat(g))
		// real<lower=0> s;
		s := m.Sample("s", dist.FlatPositive(g))
		// mu ~ normal(0, 2);
		m.Factor("mu_prior", dist.Normal(g.Scalar(0), g.Scalar(2)).LogProb(mu))
		// y[n] ~ normal(theta, 1) T[L, ];
		m.Plate("y", len(y)).Observe("y", dist.TruncatedNormal(theta, g.Scalar(1), g.Scalar(lo), nil), g.Constant(y, len(y)))
		// z ~ normal(m, 1);
		m.Plate("z", len(z)).Observe("z", dist.Normal(mm, g.Scalar(1)), g.Constant(z, len(z)))
		// w ~ normal(0, s);
		m.Plate("w", len(w)).Observe("w", dist.Normal(g.Scalar(0), s), g.Constant(w, len(w)))
		// generated quantities { vector[2] gaps = [theta - mu[1], mu[2] - theta]'; }
		m.Deterministic("gaps", g.Stack(0, g.Sub(theta, at(mu, 0)), g.Sub(at(mu, 1), theta)))
	}
}

// stanReference is the exact posterior of stanProgram's parameters: means,
// and standard deviations where needed.
//
// Integrating mu out, theta's marginal is proportional to the truncated
// likelihood times P(mu₁ < theta < mu₂) = Φ(θ/2)(1 − Φ(θ/2)), and given
// theta, mu₁ and mu₂ are N(0, 2²) truncated above and below at theta: one
// integral over theta, by the composite Simpson rule on a grid fine
// enough for 1e-9 relative error. m is N(mean z, 1/M). s² is
// inverse-gamma: E s = √(S/2)·Γ((K−2)/2)/Γ((K−1)/2) and
// E s² = (S/2)·Γ((K−3)/2)/Γ((K−1)/2) with S = Σ w².
func stanReference(y, z, w []float64, lo float64) map[string][2]float64 {
	phi := func(x float64) float64 { return math.Exp(-x*x/2) / math.Sqrt(2*math.Pi) }
	cdf := func(x float64) float64 { return 0.5 * math.Erfc(-x/math.Sqrt2) }
	logPost := func(th float64) float64 {
		lp := math.Log(cdf(th/2)) + math.Log(cdf(-th/2))
		for _, v := range y {
			lp += -(v-th)*(v-th)/2 - math.Log(cdf(th-lo))
		}
		return lp
	}
	const a, b, n = -8.0, 8.0, 20000
	h := (b - a) / n
	peak := math.Inf(-1)
	for i := 0; i <= n; i++ {
		peak = math.Max(peak, logPost(a+float64(i)*h))
	}
	var z0, z1, z2, m1, m2 float64
	for i := 0; i <= n; i++ {
		th := a + float64(i)*h
		wt := 2.0
		if i == 0 || i == n {
			wt = 1
		} else if i%2 == 1 {
			wt = 4
		}
		p := wt * math.Exp(logPost(th)-peak)
		z0 += p
		z1 += p * th
		z2 += p * th * th
		m1 += p * (-2 * phi(th/2) / cdf(th/2))
		m2 += p * (2 * phi(th/2) / cdf(-th/2))
	}
	thMean := z1 / z0
	ref := map[string][2]float64{
		"theta": {thMean, math.Sqrt(z2/z0 - thMean*thMean)},
		"mu[0]": {m1 / z0, math.NaN()},
		"mu[1]": {m2 / z0, math.NaN()},
	}
	zbar := 0.0
	for _, v := range z {
		zbar += v
	}
	ref["m"] = [2]float64{zbar / float64(len(z)), 1 / math.Sqrt(float64(len(z)))}
	ss := 0.0
	for _, v := range w {
		ss += v * v
	}
	k := float64(len(w))
	lg := func(x float64) float64 { v, _ := math.Lgamma(x); return v }
	es := math.Sqrt(ss/2) * math.Exp(lg((k-2)/2)-lg((k-1)/2))
	es2 := ss / 2 * math.Exp(lg((k-3)/2)-lg((k-1)/2))
	ref["s"] = [2]float64{es, math.Sqrt(es2 - es*es)}
	return ref
}

// TestStanProgramTranscribed samples stanProgram, transcribed line by line
// (flat priors, ordered[2], a bound computed from other parameters with its
// Jacobian, a truncated likelihood), with NUTS from the default
// initialisation (no site can be drawn from its prior), and checks every
// posterior mean against the exact one within 5 Monte Carlo standard
// errors (posterior SD/√ESS), and the SDs of theta, m and s within 15%.
func TestStanProgramTranscribed(t *testing.T) {
	y, z, w, lo := stanData()
	ref := stanReference(y, z, w, lo)
	chains, warmup, draws := 2, 300, 500
	if testing.Short() {
		warmup, draws = 200, 300
	}
	samples, err := mcmc.Run(context.Background(), stanModel(y, z, w, lo),
		mcmc.WithChains(chains), mcmc.WithWarmup(warmup), mcmc.WithSamples(draws), mcmc.WithSeed(3),
		mcmc.WithTargetAccept(0.9))
	if err != nil {
		t.Fatal(err)
	}
	if d := samples.Divergences(); d > 0 {
		t.Errorf("%d divergent transitions", d)
	}
	sum := samples.Summary()
	rows := map[string]mcmc.Row{}
	for _, r := range sum.Rows {
		rows[r.Label()] = r
	}
	for name, want := range ref {
		r, ok := rows[name]
		if !ok {
			t.Fatalf("no summary row %q (rows %v)", name, sum.Rows)
		}
		se := r.SD / math.Sqrt(r.ESSBulk)
		t.Logf("%-6s mean %.4f (exact %.4f, MC s.e. %.4f), sd %.4f (exact %.4f), ESS %.0f, R-hat %.3f",
			name, r.Mean, want[0], se, r.SD, want[1], r.ESSBulk, r.RHat)
		if math.Abs(r.Mean-want[0]) > 5*se {
			t.Errorf("%s: posterior mean %v, exact %v (5 s.e. = %v)", name, r.Mean, want[0], 5*se)
		}
		if !math.IsNaN(want[1]) && math.Abs(r.SD-want[1]) > 0.15*want[1] {
			t.Errorf("%s: posterior sd %v, exact %v", name, r.SD, want[1])
		}
	}
	// The bound holds in every draw: mu₁ < theta < mu₂, and the stacked
	// gaps are theta − mu₁ and mu₂ − theta.
	mu, _ := samples.Get("mu")
	th, _ := samples.Get("theta")
	gaps, err := samples.Get("gaps")
	if err != nil || len(gaps) != 2*len(th) {
		t.Fatalf("gaps: %d values for %d draws (%v)", len(gaps), len(th), err)
	}
	for i := range th {
		if !(mu[2*i] < th[i] && th[i] < mu[2*i+1]) {
			t.Fatalf("draw %d: theta %v outside (%v, %v)", i, th[i], mu[2*i], mu[2*i+1])
		}
		if gaps[2*i] != th[i]-mu[2*i] || gaps[2*i+1] != mu[2*i+1]-th[i] {
			t.Fatalf("draw %d: gaps %v, want [%v %v]", i, gaps[2*i:2*i+2], th[i]-mu[2*i], mu[2*i+1]-th[i])
		}
	}
}
