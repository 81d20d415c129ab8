package vmtl

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/ignis-ppl/ignis/engine"
	"github.com/ignis-ppl/ignis/nn"
	"github.com/ignis-ppl/ignis/probgraph/dist"
)

// problem is a small multitask logistic-regression problem: task t's
// weights are centres[cluster[t]] plus noise.
type problem struct {
	T, N, D int
	data    []Data
	truth   [][]float64
}

func newProblem(seed uint64, T, N, D int, centres [][]float64, cluster []int, noise float64) problem {
	rng := rand.New(rand.NewPCG(seed, 7))
	p := problem{T: T, N: N, D: D}
	for t := range T {
		w := make([]float64, D)
		for j := range w {
			w[j] = centres[cluster[t]][j] + noise*rng.NormFloat64()
		}
		p.truth = append(p.truth, w)
		var d Data
		for range N {
			dot := 0.0
			for j := range D {
				x := rng.NormFloat64()
				d.X = append(d.X, x)
				dot += x * w[j]
			}
			y := 0.0
			if rng.Float64() < 1/(1+math.Exp(-dot)) {
				y = 1
			}
			d.Y = append(d.Y, y)
		}
		p.data = append(p.data, d)
	}
	return p
}

// logistic is p(y | z, w) = Bernoulli(sigmoid(z·w)) with z [L, 1, B, D] and
// w [1, M, D].
func logistic(g *engine.Graph) func(t int, z, w *engine.Node) dist.Distribution {
	return func(t int, z, w *engine.Node) dist.Distribution {
		return dist.BernoulliLogits(g.Sum(g.Mul(z, g.Unsqueeze(w, 2)), -1))
	}
}

// latentModel builds a learner whose tasks have latents z = a Gaussian
// encoding of x (dimension 3) and classifiers w over z.
func latentModel(t *testing.T, p problem, cfg Config) (*Learner, *engine.Graph) {
	t.Helper()
	g := engine.NewGraph()
	rng := rand.New(rand.NewPCG(3, 4))
	encs := make([]*nn.GaussianEncoder, p.T)
	qws := make([]*nn.MeanField, p.T)
	for s := range p.T {
		encs[s] = nn.NewGaussianEncoder(g, "enc", []int{p.D, 5, 3}, nn.Tanh, rng)
		qws[s] = nn.NewMeanField(g, "w", []int{3}, 0.5)
	}
	cfg.Tasks = p.T
	cfg.N = make([]int, p.T)
	for i := range cfg.N {
		cfg.N[i] = p.N
	}
	cfg.XShape = engine.Shape{p.D}
	cfg.QW = func(s int) dist.Distribution { return qws[s].Dist() }
	cfg.QZ = func(s int, x *engine.Node) dist.Distribution { return encs[s].Dist(x) }
	cfg.Likelihood = logistic(g)
	l, err := New(g, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return l, g
}

// Gradients of the objective with respect to both sets of connection
// logits, with the Gumbel noise and every other draw held fixed (Replay),
// match central finite differences; the diagonal gets exactly zero.
func TestConnectionLogitGradientsMatchFiniteDifferences(t *testing.T) {
	p := newProblem(1, 4, 6, 2, [][]float64{{1, -1}, {-1, 1}}, []int{0, 0, 1, 1}, 0.3)
	l, _ := latentModel(t, p, Config{ZParticles: 2, WParticles: 2, KLSamples: 3, Seed: 5})
	for s, d := range p.data {
		if err := l.SetBatch(s, d.X, d.Y); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.prog.Set(l.tauInv, []float64{1 / 0.7}); err != nil {
		t.Fatal(err)
	}
	// Move every parameter off its initial value so that the weights differ
	// and the tasks' posteriors do too (identical posteriors make the
	// objective flat in the logits).
	lw, lz := l.ConnectionLogits()
	rng := rand.New(rand.NewPCG(9, 9))
	for _, v := range l.pbuf {
		for i := range v {
			v[i] += 0.5 * rng.NormFloat64()
		}
	}
	if err := l.prog.Run(); err != nil {
		t.Fatal(err)
	}
	T := p.T
	for _, n := range []*engine.Node{lw, lz} {
		idx := -1
		for i, par := range l.params {
			if par == n {
				idx = i
			}
		}
		if idx < 0 {
			t.Fatalf("%v is not a parameter of the objective", n)
		}
		grad := append([]float64(nil), l.gbuf[idx]...)
		largest := 0.0
		for _, v := range grad {
			largest = math.Max(largest, math.Abs(v))
		}
		if largest < 1e-3 {
			t.Fatalf("%s: gradient %v is too small for the check to mean anything", n.Name(), grad)
		}
		t.Logf("%s: largest |gradient| %.4g", n.Name(), largest)
		v := l.prog.Value(n)
		const h = 1e-5
		for i := range v {
			if i/T == i%T {
				if grad[i] != 0 {
					t.Errorf("%s: diagonal entry %d has gradient %v, want 0", n.Name(), i, grad[i])
				}
				continue
			}
			old := v[i]
			v[i] = old + h
			if err := l.prog.Replay(); err != nil {
				t.Fatal(err)
			}
			up := l.prog.Scalar(l.loss)
			v[i] = old - h
			if err := l.prog.Replay(); err != nil {
				t.Fatal(err)
			}
			down := l.prog.Scalar(l.loss)
			v[i] = old
			fd := (up - down) / (2 * h)
			// Central differences: truncation O(h²·f''') and round-off
			// O(ε·|loss|/h) ≈ 1e-10 here.
			if tol := 1e-6 + 1e-5*math.Abs(fd); math.Abs(fd-grad[i]) > tol {
				t.Errorf("%s[%d,%d]: gradient %.9g, finite difference %.9g", n.Name(), i/T, i%T, grad[i], fd)
			}
		}
		if err := l.prog.Replay(); err != nil {
			t.Fatal(err)
		}
	}
}

// The mixing matrices are row-stochastic with a zero diagonal, before and
// after steps, for drawn and for expected weights.
func TestMixingMatricesRowStochastic(t *testing.T) {
	p := newProblem(2, 3, 8, 2, [][]float64{{1, 1}}, []int{0, 0, 0}, 0.5)
	l, _ := latentModel(t, p, Config{Temperature: ExponentialTemperature{Initial: 1, Rate: 0.01, Min: 0.3}})
	check := func(when string, m [][]float64) {
		t.Helper()
		if len(m) != p.T {
			t.Fatalf("%s: %d rows", when, len(m))
		}
		for i, r := range m {
			sum := 0.0
			for j, v := range r {
				if v < 0 || (i == j && v != 0) {
					t.Errorf("%s: entry [%d,%d] = %v", when, i, j, v)
				}
				sum += v
			}
			if math.Abs(sum-1) > 1e-12 {
				t.Errorf("%s: row %d sums to %v", when, i, sum)
			}
		}
	}
	check("alpha before", l.Alpha())
	check("beta before", l.Beta())
	if err := l.Fit(context.Background(), p.data, 5, nil); err != nil {
		t.Fatal(err)
	}
	check("alpha", l.Alpha())
	check("beta", l.Beta())
	check("alpha probs", l.AlphaProbs())
	check("beta probs", l.BetaProbs())
}

// Three tasks, two of them identical: after training, each of the twin
// tasks puts most of its expected weight α on the other twin. (The third
// task has opposite weights.)
func TestAlphaFindsTheSimilarTask(t *testing.T) {
	p := newProblem(3, 3, 30, 2, [][]float64{{2, -2}, {-2, 2}}, []int{0, 0, 1}, 0)
	g := engine.NewGraph()
	qws := make([]*nn.MeanField, p.T)
	for s := range p.T {
		qws[s] = nn.NewMeanField(g, "w", []int{2}, 0.3)
	}
	opt, err := engine.NewAdam(engine.AdamOptions{LR: 0.05})
	if err != nil {
		t.Fatal(err)
	}
	l, err := New(g, Config{Tasks: p.T, N: []int{30, 30, 30}, XShape: engine.Shape{2},
		QW:         func(s int) dist.Distribution { return qws[s].Dist() },
		Likelihood: logistic(g), WParticles: 4, KLSamples: 8, Optimizer: opt, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Fit(context.Background(), p.data, 600, nil); err != nil {
		t.Fatal(err)
	}
	a := l.AlphaProbs()
	t.Logf("expected α after training: %.3f", a)
	if a[0][1] < 0.8 || a[1][0] < 0.8 {
		t.Errorf("expected weights of the twin tasks on each other: %.3f and %.3f, want ≥ 0.8 (α = %.3f)", a[0][1], a[1][0], a)
	}
}

// Prediction: probabilities sum to one over the support, labels are the most
// probable support point, and with a nearly deterministic q(w) the
// probabilities are those of the logistic model at q's mean.
func TestPredictAveragesLikelihood(t *testing.T) {
	g := engine.NewGraph()
	locs := [][]float64{{1, -2}, {0.5, 0.5}}
	qw := func(s int) dist.Distribution {
		return dist.ToEvent(dist.Normal(g.Constant(locs[s], 2), g.Fill(1e-9, 2)), 1)
	}
	l, err := New(g, Config{Tasks: 2, N: []int{1, 1}, XShape: engine.Shape{2}, QW: qw, Likelihood: logistic(g)})
	if err != nil {
		t.Fatal(err)
	}
	x := []float64{0.3, 0.1, -1, 2, 0, 0}
	for s := range 2 {
		pred, err := l.Predict(s, x)
		if err != nil {
			t.Fatal(err)
		}
		if len(pred.Support) != 2 || pred.Support[0] != 0 || pred.Support[1] != 1 {
			t.Fatalf("support %v, want [0 1]", pred.Support)
		}
		for i := range 3 {
			dot := x[2*i]*locs[s][0] + x[2*i+1]*locs[s][1]
			want := 1 / (1 + math.Exp(-dot))
			pr := pred.Probs[i]
			if math.Abs(pr[0]+pr[1]-1) > 1e-12 || math.Abs(pr[1]-want) > 1e-8 {
				t.Errorf("task %d row %d: probs %v, want [%v %v]", s, i, pr, 1-want, want)
			}
			if wantLabel := float64(map[bool]int{true: 1}[pr[1] > pr[0]]); pred.Labels[i] != wantLabel {
				t.Errorf("task %d row %d: label %v with probs %v", s, i, pred.Labels[i], pr)
			}
		}
	}
}

// With a fixed prior the objective's classifier term is the closed-form KL
// to that prior, and a single task is allowed (the pooled baseline).
func TestFixedPriorUsesClosedForm(t *testing.T) {
	g := engine.NewGraph()
	q := nn.NewMeanField(g, "w", []int{2}, 0.5)
	l, err := New(g, Config{Tasks: 1, N: []int{1}, XShape: engine.Shape{2},
		QW: func(int) dist.Distribution { return q.Dist() }, Likelihood: logistic(g),
		Prior: &Prior{W: func(int) dist.Distribution { return nn.StandardNormal(g, 2) }}})
	if err != nil {
		t.Fatal(err)
	}
	if err := l.SetBatch(0, []float64{1, 1}, []float64{1}); err != nil {
		t.Fatal(err)
	}
	terms, err := l.Step()
	if err != nil {
		t.Fatal(err)
	}
	// KL(N(0, 0.5²) ‖ N(0, 1)) per coordinate: log 2 + 0.125 − 0.5.
	want := 2 * (math.Log(2) + 0.125 - 0.5)
	if math.Abs(terms.KLW-want) > 1e-12 {
		t.Errorf("KLW = %v, want %v", terms.KLW, want)
	}
	if l.Alpha() != nil || l.Beta() != nil {
		t.Error("fixed prior: mixing matrices should be nil")
	}
}

func TestTemperatureSchedules(t *testing.T) {
	for _, tc := range []struct {
		s    Temperature
		step int
		want float64
	}{
		{ConstantTemperature(0.5), 100, 0.5},
		{ExponentialTemperature{Initial: 2, Rate: 0.1, Min: 0.5}, 3, 2 * math.Exp(-0.3)},
		{ExponentialTemperature{Initial: 2, Rate: 0.1, Min: 0.5}, 1000, 0.5},
		{InvSqrtTemperature{Initial: 3}, 8, 1},
		{TemperatureFunc(func(s int) float64 { return float64(s) + 1 }), 4, 5},
	} {
		if got := tc.s.At(tc.step); math.Abs(got-tc.want) > 1e-15 {
			t.Errorf("%#v at %d: %v, want %v", tc.s, tc.step, got, tc.want)
		}
	}
}

func TestNewRejectsBadInput(t *testing.T) {
	good := func(g *engine.Graph) Config {
		q := make([]*nn.MeanField, 3)
		for i := range q {
			q[i] = nn.NewMeanField(g, "w", []int{2}, 0.5)
		}
		return Config{Tasks: 3, N: []int{4, 4, 4}, XShape: engine.Shape{2},
			QW: func(s int) dist.Distribution { return q[s].Dist() }, Likelihood: logistic(g)}
	}
	for _, tc := range []struct {
		name string
		edit func(g *engine.Graph, c *Config)
		want error
	}{
		{"one task", func(g *engine.Graph, c *Config) { c.Tasks, c.N = 1, c.N[:1] }, ErrConfig},
		{"sizes", func(g *engine.Graph, c *Config) { c.N = c.N[:2] }, ErrConfig},
		{"zero size", func(g *engine.Graph, c *Config) { c.N[1] = 0 }, ErrConfig},
		{"batch too big", func(g *engine.Graph, c *Config) { c.Batch = []int{4, 5, 4} }, ErrConfig},
		{"batch count", func(g *engine.Graph, c *Config) { c.Batch = []int{4} }, ErrConfig},
		{"nil QW", func(g *engine.Graph, c *Config) { c.QW = nil }, ErrConfig},
		{"nil likelihood", func(g *engine.Graph, c *Config) { c.Likelihood = nil }, ErrConfig},
		{"one KL sample", func(g *engine.Graph, c *Config) { c.KLSamples = 1 }, ErrConfig},
		{"negative particles", func(g *engine.Graph, c *Config) { c.WParticles = -1 }, ErrConfig},
		{"bad temperature", func(g *engine.Graph, c *Config) { c.Temperature = ConstantTemperature(0) }, ErrConfig},
		{"bad decay", func(g *engine.Graph, c *Config) {
			c.Temperature = ExponentialTemperature{Initial: 1, Rate: -1, Min: 0.1}
		}, ErrConfig},
		{"bad shape", func(g *engine.Graph, c *Config) { c.XShape = engine.Shape{0} }, ErrConfig},
		{"prior without Z", func(g *engine.Graph, c *Config) {
			c.Prior = &Prior{W: func(int) dist.Distribution { return nn.StandardNormal(g, 2) }}
			c.QZ = func(int, *engine.Node) dist.Distribution { return nil }
		}, ErrConfig},
		{"QW nil dist", func(g *engine.Graph, c *Config) { c.QW = func(int) dist.Distribution { return nil } }, ErrModel},
		{"QW batched", func(g *engine.Graph, c *Config) {
			c.QW = func(int) dist.Distribution { return dist.Normal(g.Fill(0, 2), g.Fill(1, 2)) }
		}, ErrModel},
		{"QW other graph", func(g *engine.Graph, c *Config) {
			c.QW = func(int) dist.Distribution { return nn.StandardNormal(engine.NewGraph(), 2) }
		}, ErrModel},
		{"likelihood shape", func(g *engine.Graph, c *Config) {
			c.Likelihood = func(int, *engine.Node, *engine.Node) dist.Distribution {
				return dist.BernoulliLogits(g.Fill(0, 3, 4))
			}
		}, ErrModel},
		{"QZ wrong batch", func(g *engine.Graph, c *Config) {
			c.QZ = func(int, *engine.Node) dist.Distribution { return nn.StandardNormal(g, 2) }
		}, ErrModel},
	} {
		g := engine.NewGraph()
		c := good(g)
		tc.edit(g, &c)
		if _, err := New(g, c); !errors.Is(err, tc.want) {
			t.Errorf("%s: error %v, want %v", tc.name, err, tc.want)
		}
	}
	if _, err := New(nil, Config{}); !errors.Is(err, ErrConfig) {
		t.Errorf("nil graph: %v", err)
	}
	g := engine.NewGraph()
	g.Fail(errors.New("earlier"))
	if _, err := New(g, good(engine.NewGraph())); err == nil {
		t.Error("graph with an error accepted")
	}
}

func TestDataRejected(t *testing.T) {
	p := newProblem(4, 3, 4, 2, [][]float64{{1, 1}}, []int{0, 0, 0}, 0.1)
	l, _ := latentModel(t, p, Config{})
	for _, tc := range []struct {
		name string
		err  error
	}{
		{"task out of range", l.SetBatch(3, p.data[0].X, p.data[0].Y)},
		{"short x", l.SetBatch(0, p.data[0].X[1:], p.data[0].Y)},
		{"NaN", l.SetBatch(0, append([]float64{math.NaN()}, p.data[0].X[1:]...), p.data[0].Y)},
		{"fit data count", l.Fit(context.Background(), p.data[:2], 1, nil)},
		{"fit negative steps", l.Fit(context.Background(), p.data, -1, nil)},
	} {
		if tc.err == nil {
			t.Errorf("%s: accepted", tc.name)
		}
	}
	if _, err := l.Predict(-1, p.data[0].X); err == nil {
		t.Error("predict: negative task accepted")
	}
	if _, err := l.Predict(0, p.data[0].X[:3]); err == nil {
		t.Error("predict: partial row accepted")
	}
	bad := ConstantTemperature(1)
	l.cfg.Temperature = TemperatureFunc(func(int) float64 { return math.NaN() })
	if _, err := l.Step(); !errors.Is(err, ErrConfig) {
		t.Errorf("NaN temperature: %v", err)
	}
	l.cfg.Temperature = bad
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := l.Fit(ctx, p.data, 3, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled fit: %v", err)
	}
}

// A label outside the likelihood's support (2 under a Bernoulli) makes the
// loss infinite: Fit stops at that step with ErrDiverged naming it and the
// infinite term, and the parameters, step count and history stay as they
// were before the step.
func TestFitStopsOnNonFiniteLoss(t *testing.T) {
	p := newProblem(1, 2, 20, 2, [][]float64{{1, -1}}, []int{0, 0}, 0.1)
	l, _ := latentModel(t, p, Config{})
	if err := l.Fit(context.Background(), p.data, 3, nil); err != nil {
		t.Fatal(err)
	}
	var before [][]float64
	for _, n := range l.params {
		v, err := l.Value(n)
		if err != nil {
			t.Fatal(err)
		}
		before = append(before, v)
	}
	p.data[1].Y[3] = 2
	calls := 0
	err := l.Fit(context.Background(), p.data, 5, func(int, Terms) { calls++ })
	if !errors.Is(err, ErrDiverged) {
		t.Fatalf("fit with a label of 2: %v, want ErrDiverged", err)
	}
	if msg := err.Error(); !strings.Contains(msg, "step 3: loss +Inf (NLL +Inf") {
		t.Errorf("error %q does not name step 3 and the infinite NLL", msg)
	}
	if calls != 0 || l.Steps() != 3 || len(l.History()) != 3 {
		t.Errorf("%d progress calls, %d steps, %d losses after the failed step; want 0, 3, 3", calls, l.Steps(), len(l.History()))
	}
	for i, n := range l.params {
		v, _ := l.Value(n)
		if !slices.Equal(v, before[i]) {
			t.Errorf("parameter %v changed by the failed step", n)
		}
	}
}

// A batch of B of a task's N rows enters the likelihood term scaled by N/B,
// so that each step estimates the objective of the whole training set; Fit
// with Batch < N draws batches of distinct rows.
func TestBatchScaling(t *testing.T) {
	g := engine.NewGraph()
	loc := []float64{0.7, -1.2}
	qw := func(int) dist.Distribution {
		return dist.ToEvent(dist.Normal(g.Constant(loc, 2), g.Fill(1e-12, 2)), 1)
	}
	prior := &Prior{W: func(int) dist.Distribution { return nn.StandardNormal(g, 2) }}
	l, err := New(g, Config{Tasks: 1, N: []int{6}, Batch: []int{2}, XShape: engine.Shape{2},
		QW: qw, Likelihood: logistic(g), Prior: prior, WParticles: 3})
	if err != nil {
		t.Fatal(err)
	}
	x, y := []float64{1, 2, -0.5, 0.3}, []float64{1, 0}
	if err := l.SetBatch(0, x, y); err != nil {
		t.Fatal(err)
	}
	terms, err := l.Step()
	if err != nil {
		t.Fatal(err)
	}
	want := 0.0
	for i := range 2 {
		p := 1 / (1 + math.Exp(-(x[2*i]*loc[0] + x[2*i+1]*loc[1])))
		want -= y[i]*math.Log(p) + (1-y[i])*math.Log(1-p)
	}
	want *= 6.0 / 2
	// q(w) has scale 1e-12: the draws move the log-likelihood by ~1e-12.
	if math.Abs(terms.NLL-want) > 1e-9 {
		t.Errorf("NLL = %.12f, want (N/B)·Σ = %.12f", terms.NLL, want)
	}

	// Fit: every batch holds distinct rows of the task.
	data := []Data{{X: []float64{0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5}, Y: []float64{0, 1, 0, 1, 0, 1}}}
	seen := map[float64]int{}
	err = l.Fit(context.Background(), data, 30, func(int, Terms) {
		b := l.prog.Value(l.x[0])
		if b[0] == b[2] {
			t.Errorf("batch repeats row %v", b[0])
		}
		seen[b[0]]++
		seen[b[2]]++
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(seen) != 6 {
		t.Errorf("30 batches of 2 visited rows %v, want all 6", seen)
	}
}

// With two tasks each prior has one component, the other task's posterior,
// and both KL terms are closed forms: KLW = (KL(q0‖q1) + KL(q1‖q0))/2 and
// KLZ likewise, per row, scaled by N/B.
func TestTwoTasksClosedForm(t *testing.T) {
	g := engine.NewGraph()
	mu := []float64{0.5, -1}
	sd := []float64{0.8, 1.5}
	qw := func(s int) dist.Distribution {
		return dist.ToEvent(dist.Normal(g.Fill(mu[s], 3), g.Fill(sd[s], 3)), 1)
	}
	// q_s(z | x) = N(x·c_s, 1) per row, a one-dimensional event.
	c := []float64{1, 2}
	qz := func(s int, x *engine.Node) dist.Distribution {
		return dist.ToEvent(dist.Normal(g.Scale(x, c[s]), g.Scalar(1)), 1)
	}
	lik := func(_ int, z, w *engine.Node) dist.Distribution {
		return dist.BernoulliLogits(g.Sum(g.Mul(z, g.Slice(g.Unsqueeze(w, 2), -1, 0, 1)), -1))
	}
	l, err := New(g, Config{Tasks: 2, N: []int{4, 4}, Batch: []int{2, 2}, XShape: engine.Shape{1},
		QW: qw, QZ: qz, Likelihood: lik})
	if err != nil {
		t.Fatal(err)
	}
	x := [][]float64{{1, -2}, {0.5, 3}}
	for s := range 2 {
		if err := l.SetBatch(s, x[s], []float64{0, 1}); err != nil {
			t.Fatal(err)
		}
	}
	terms, err := l.Step()
	if err != nil {
		t.Fatal(err)
	}
	kl := func(m1, s1, m2, s2 float64) float64 {
		return math.Log(s2/s1) + (s1*s1+(m1-m2)*(m1-m2))/(2*s2*s2) - 0.5
	}
	wantW := 3 * (kl(mu[0], sd[0], mu[1], sd[1]) + kl(mu[1], sd[1], mu[0], sd[0])) / 2
	if math.Abs(terms.KLW-wantW) > 1e-12 {
		t.Errorf("KLW = %v, want %v", terms.KLW, wantW)
	}
	wantZ := 0.0
	for s := range 2 {
		for _, v := range x[s] {
			wantZ += 2 * kl(c[s]*v, 1, c[1-s]*v, 1) / 2 // N/B = 2, averaged over 2 tasks
		}
	}
	if math.Abs(terms.KLZ-wantZ) > 1e-12 {
		t.Errorf("KLZ = %v, want %v", terms.KLZ, wantZ)
	}
	if a := l.Alpha(); a[0][1] != 1 || a[1][0] != 1 {
		t.Errorf("two tasks: α = %v, want [[0 1] [1 0]]", a)
	}
}
