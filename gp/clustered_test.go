package gp

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/ignis-ppl/ignis/engine"
	"github.com/ignis-ppl/ignis/probgraph"
	"github.com/ignis-ppl/ignis/probgraph/dist"
	"github.com/ignis-ppl/ignis/probgraph/infer"
)

// clusteredProblem is a small clustered multitask GP: n points, tasks
// following ±sin(2πx), k = 2 functions with m inducing points.
type clusteredProblem struct {
	n, m, k int
	cluster []int
	x, y    []float64
}

func newClusteredProblem(seed uint64) clusteredProblem {
	p := clusteredProblem{n: 30, m: 8, k: 2, cluster: []int{0, 1, 1, 0}}
	r := rand.New(rand.NewPCG(seed, 7))
	for i := range p.n {
		x := float64(i) / float64(p.n-1)
		p.x = append(p.x, x)
		for _, c := range p.cluster {
			s := 1.0
			if c == 1 {
				s = -1
			}
			p.y = append(p.y, s*math.Sin(2*math.Pi*x)+0.1*r.NormFloat64())
		}
	}
	return p
}

func (p clusteredProblem) lik(a Assignments) Clustered {
	return Clustered{Name: "y", Tasks: len(p.cluster), Functions: p.k, Assignments: a, InitSeed: 3}
}

// elbo is the objective each way of handling the assignments is fitted
// with.
func assignmentsELBO(a Assignments, particles int) infer.ELBO {
	switch a {
	case Summed:
		return infer.TraceMeanFieldELBO{}
	case Enumerated:
		return infer.TraceGuideEnumELBO{NumParticles: particles}
	}
	return infer.TraceELBO{NumParticles: particles}
}

var assignmentNames = map[Assignments]string{Sampled: "sampled", Summed: "summed", Enumerated: "enumerated", Relaxed: "relaxed"}

func (p clusteredProblem) vgp(g *engine.Graph, ls, v *engine.Node) VariationalGP {
	z := make([]float64, p.m)
	for i := range z {
		z[i] = float64(i) / float64(p.m-1)
	}
	var kern Kernel
	if ls != nil {
		kern = RBF{Lengthscale: ls, Variance: v}
	}
	return VariationalGP{Name: "u", Kernel: kern, Points: g.Constant(z, p.m, 1), Functions: p.k}
}

func (p clusteredProblem) modelGuide(a Assignments) (model, guide probgraph.Model) {
	return p.modelGuideWith(p.lik(a))
}

func (p clusteredProblem) modelGuideWith(lik Clustered) (model, guide probgraph.Model) {
	t := len(p.cluster)
	model = func(m *probgraph.Ctx) {
		g := m.Graph()
		ls := m.Param("lengthscale", probgraph.Full(0.3, p.k, 1), probgraph.Constrained(dist.Positive()))
		v := m.Param("variance", probgraph.Full(1, p.k), probgraph.Constrained(dist.Positive()))
		f := p.vgp(g, ls, v).Model(m, g.Constant(p.x, p.n, 1))
		lik.Model(m, m.Plate("data", p.n, probgraph.Dim(lik.DataDim())), f, g.Constant(p.y, p.n, t))
	}
	guide = func(m *probgraph.Ctx) {
		p.vgp(m.Graph(), nil, nil).Guide(m)
		lik.Guide(m)
	}
	return model, guide
}

// setClusteredParams moves the variational parameters away from the prior
// (so that every term of the ELBO is non-trivial) and makes q(z) uncertain.
func setClusteredParams(t *testing.T, o *objective, p clusteredProblem) {
	t.Helper()
	r := rand.New(rand.NewPCG(11, 12))
	loc := make([]float64, p.k*p.m)
	for i := range loc {
		loc[i] = 0.7 * r.NormFloat64()
	}
	tril := make([]float64, p.k*p.m*p.m)
	for b := range p.k {
		for i := range p.m {
			for j := 0; j <= i; j++ {
				v := 0.1 * r.NormFloat64()
				if i == j {
					v = 0.3 + 0.4*r.Float64()
				}
				tril[(b*p.m+i)*p.m+j] = v
			}
		}
	}
	o.setParam(t, "u_loc", loc)
	o.setParam(t, "u_scale_tril", tril)
	o.setParam(t, "y_logits", []float64{0.5, -0.3, 0, 0.2, -1, 1, 0.8, 0.1})
	o.setParam(t, "y_noise", []float64{0.3})
	o.setParam(t, "lengthscale", []float64{0.25, 0.4})
	o.setParam(t, "variance", []float64{0.9, 1.2})
}

// TestClusteredAssignmentPathsAgree checks that the three ways of handling
// the cluster assignments estimate the same ELBO at fixed parameters. Summed
// (the sums over q(z) and the expectations over q(f) in closed form, the KL
// of v analytic) is exact and deterministic; Sampled (TraceELBO, 64
// vectorized particles drawing z, f and v) and Enumerated (TraceGuideEnumELBO
// summing z out in the guide, 64 particles drawing f and v), each averaged
// over 400 independent runs, must agree with it within 4 Monte Carlo
// standard errors.
func TestClusteredAssignmentPathsAgree(t *testing.T) {
	p := newClusteredProblem(1)
	em, eg := p.modelGuide(Summed)
	exact := compileObjective(t, assignmentsELBO(Summed, 0), em, eg)
	setClusteredParams(t, exact, p)
	if err := exact.prog.Run(); err != nil {
		t.Fatal(err)
	}
	want := -exact.prog.Scalar(exact.loss)
	// The summed path is deterministic: a second run repeats it exactly.
	if err := exact.prog.Run(); err != nil {
		t.Fatal(err)
	}
	if v := -exact.prog.Scalar(exact.loss); v != want {
		t.Errorf("summed ELBO changed between runs: %v then %v", want, v)
	}
	for _, a := range []Assignments{Sampled, Enumerated} {
		sm, sg := p.modelGuide(a)
		o := compileObjective(t, assignmentsELBO(a, 64), sm, sg)
		setClusteredParams(t, o, p)
		const runs = 400
		var sum, sumSq float64
		for range runs {
			if err := o.prog.Run(); err != nil {
				t.Fatal(err)
			}
			v := -o.prog.Scalar(o.loss)
			sum += v
			sumSq += v * v
		}
		mean := sum / runs
		se := math.Sqrt((sumSq/runs - mean*mean) / (runs - 1))
		t.Logf("summed ELBO %.4f, %s %.4f ± %.4f (standard error)", want, assignmentNames[a], mean, se)
		if !(se > 0) {
			t.Fatalf("%s: standard error %v: nothing was drawn", assignmentNames[a], se)
		}
		if d := math.Abs(mean - want); d > 4*se {
			t.Errorf("summed %.4f and %s %.4f differ by %.2f standard errors", want, assignmentNames[a], mean, d/se)
		}
	}
}

// TestClusteredLearnedPriorGradient checks learnable prior logits α: the
// ELBO's only term in α is Σₜ E_q[log softmax(αₜ)·zₜ], whose gradient is
// q(zₜ) − softmax(αₜ). The summed and enumerated paths take that
// expectation exactly and must give it to round-off; the sampled path (64
// particles) must give it on average over 300 runs, within 4 standard
// errors in every element.
func TestClusteredLearnedPriorGradient(t *testing.T) {
	p := newClusteredProblem(1)
	logits := []float64{0.5, -0.3, 0, 0.2, -1, 1, 0.8, 0.1}
	want := make([]float64, len(logits))
	for task := range 4 {
		a, b := logits[2*task], logits[2*task+1]
		qa := 1 / (1 + math.Exp(b-a))
		want[2*task], want[2*task+1] = -(qa - 0.5), -((1 - qa) - 0.5) // of the loss, at α = 0
	}
	for _, a := range []Assignments{Summed, Enumerated, Sampled} {
		lik := p.lik(a)
		lik.LearnPrior = true
		model, guide := p.modelGuideWith(lik)
		o := compileObjective(t, assignmentsELBO(a, 64), model, guide)
		setClusteredParams(t, o, p)
		idx := -1
		for i, e := range o.ps.Entries() {
			if e.Name == "y_prior_logits" {
				idx = i
			}
		}
		if idx < 0 {
			t.Fatal("no parameter y_prior_logits")
		}
		runs := 300
		if a != Sampled {
			runs = 1
		}
		sum, sumSq := make([]float64, len(want)), make([]float64, len(want))
		for range runs {
			if err := o.prog.Run(); err != nil {
				t.Fatal(err)
			}
			for i, v := range o.prog.Value(o.grads[idx]) {
				sum[i] += v
				sumSq[i] += v * v
			}
		}
		for i := range want {
			mean := sum[i] / float64(runs)
			if a != Sampled {
				if math.Abs(mean-want[i]) > 1e-12 {
					t.Errorf("%s: gradient %d is %.15g, want %.15g", assignmentNames[a], i, mean, want[i])
				}
				continue
			}
			se := math.Sqrt((sumSq[i]/float64(runs) - mean*mean) / float64(runs-1))
			if math.Abs(mean-want[i]) > 4*se {
				t.Errorf("sampled: gradient %d is %.4f ± %.4f, want %.4f", i, mean, se, want[i])
			}
		}
	}
}

// TestClusteredFitRecoversClusters fits the small problem end to end by SVI
// (Adam 0.03, 600 steps) on all three assignment paths (16 particles where
// anything is drawn) and checks the seed's criterion: tasks 0 and 3 share
// their most probable cluster, tasks 1 and 2 share the other, each with
// probability above 0.9.
func TestClusteredFitRecoversClusters(t *testing.T) {
	p := newClusteredProblem(2)
	for _, a := range []Assignments{Sampled, Summed, Enumerated} {
		name := assignmentNames[a]
		model, guide := p.modelGuide(a)
		opt, err := engine.NewAdam(engine.AdamOptions{LR: 0.03})
		if err != nil {
			t.Fatal(err)
		}
		svi, err := infer.NewSVI(model, guide, opt, assignmentsELBO(a, 16), infer.WithSeed(4))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svi.Run(context.Background(), 600, nil); err != nil {
			t.Fatal(err)
		}
		probs, err := p.lik(a).Probs(svi.Param("y_logits"))
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: q(z) %.3f", name, probs)
		best := make([]int, len(probs))
		for task, q := range probs {
			if q[1] > q[0] {
				best[task] = 1
			}
			if math.Max(q[0], q[1]) <= 0.9 {
				t.Errorf("%s: task %d has q(z) %.3f, not above 0.9", name, task, q)
			}
		}
		if best[0] != best[3] || best[1] != best[2] || best[0] == best[1] {
			t.Errorf("%s: most probable clusters %v, want tasks {0, 3} and {1, 2} apart", name, best)
		}
	}
}

// TestClusteredPredictIsTheMixture checks Clustered.Predict against the
// mixture moments written out by hand for two functions, three points and
// two tasks.
func TestClusteredPredictIsTheMixture(t *testing.T) {
	mu := []float64{1, 2, 3, -1, 0, 1}            // [k=2, N=3]
	vr := []float64{0.1, 0.2, 0.3, 0.4, 0.5, 0.6} // [2, 3]
	probs := []float64{0.25, 0.75, 1, 0}          // [T=2, k=2]
	const noise = 0.05
	g := engine.NewGraph()
	f := &Latent{Mean: g.Constant(mu, 2, 3), Var: g.Constant(vr, 2, 3), g: g}
	mean, variance := Clustered{}.Predict(g, f, g.Constant(probs, 2, 2), g.Scalar(noise))
	prog, err := g.Compile([]*engine.Node{mean, variance})
	if err != nil {
		t.Fatal(err)
	}
	if err := prog.Run(); err != nil {
		t.Fatal(err)
	}
	for n := range 3 {
		for task := range 2 {
			m, s := 0.0, 0.0
			for k := range 2 {
				p := probs[task*2+k]
				m += p * mu[k*3+n]
				s += p * (vr[k*3+n] + mu[k*3+n]*mu[k*3+n])
			}
			v := s - m*m + noise
			gm, gv := prog.Value(mean)[n*2+task], prog.Value(variance)[n*2+task]
			if math.Abs(gm-m) > 1e-15 || math.Abs(gv-v) > 1e-14 {
				t.Errorf("point %d, task %d: mean %v variance %v, want %v and %v", n, task, gm, gv, m, v)
			}
		}
	}
}
