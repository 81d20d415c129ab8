package gp_test

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/ignis-ppl/ignis/engine"
	"github.com/ignis-ppl/ignis/gp"
	"github.com/ignis-ppl/ignis/probgraph"
	"github.com/ignis-ppl/ignis/probgraph/autoguide"
	"github.com/ignis-ppl/ignis/probgraph/dist"
	"github.com/ignis-ppl/ignis/probgraph/infer"
)

var issueRates = []float64{0.0075, 0.075, 0.075} // Gamma(2, rate) per lengthscale

// issueData draws points on the issue's input scale (first input over
// [0, 1000), the others over [0, 100)) and standard-normal-ish targets.
func issueData(b, n int) (x, y []float64) {
	r := rand.New(rand.NewPCG(11, 12))
	x = make([]float64, n*3)
	for i := range n {
		x[3*i], x[3*i+1], x[3*i+2] = 1000*r.Float64(), 100*r.Float64(), 100*r.Float64()
	}
	y = make([]float64, b*n)
	for i := range y {
		y[i] = 5*math.Sin(x[3*(i%n)]/200+float64(i/n)) + r.NormFloat64()
	}
	return x, y
}

// issueModel is the model of the issue: b independent RBF GPs on shared
// points, a Gamma prior per lengthscale (batch shape [b, 3]), a
// Uniform(10, 150) prior on each variance and a learnable noise.
func issueModel(x, y []float64, b, n int) probgraph.Model {
	return func(m *probgraph.Ctx) {
		g := m.Graph()
		rate := g.BroadcastTo(g.Constant(issueRates, 3), b, 3)
		ls := m.Sample("lengthscale", dist.Gamma(g.Fill(2, b, 3), rate))
		v := m.Sample("variance", dist.Uniform(g.Fill(10, b), g.Fill(150, b)))
		noise := m.Param("noise", probgraph.Full(1, b), probgraph.Constrained(dist.Positive()))
		gp.Observe(m, "y", gp.Prior{Kernel: gp.RBF{Lengthscale: ls, Variance: v}, Noise: noise},
			g.Constant(x, n, 3), g.Constant(y, b, n))
	}
}

// TestIssuePriorsMAP fits the issue's model by MAP (SVI with a Delta guide)
// and checks that the loss SVI reports is exactly −(Σ mll + Σ log Gamma +
// Σ log Uniform) at the fitted values, computed independently from the
// closed-form densities (round-off, 1e-10 relative), and that fitting raised
// the log joint.
func TestIssuePriorsMAP(t *testing.T) {
	const b, n = 4, 40
	x, y := issueData(b, n)
	model := issueModel(x, y, b, n)
	init := map[string]probgraph.Tensor{
		"lengthscale": {Data: tile([]float64{300, 30, 30}, b), Shape: []int{b, 3}},
		"variance":    probgraph.Full(20, b),
	}
	guide, err := autoguide.NewDelta(model, autoguide.WithInit(autoguide.InitToValue(init, autoguide.InitToMedian(15))))
	if err != nil {
		t.Fatal(err)
	}
	opt, _ := engine.NewAdam(engine.AdamOptions{LR: 0.02})
	svi, err := infer.NewSVI(model, guide.Model, opt, infer.TraceELBO{})
	if err != nil {
		t.Fatal(err)
	}
	first, err := svi.Evaluate()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svi.Run(context.Background(), 200, nil); err != nil {
		t.Fatal(err)
	}
	loss, err := svi.Evaluate()
	if err != nil {
		t.Fatal(err)
	}
	if !(loss < first) {
		t.Errorf("loss %v after 200 steps, %v before", loss, first)
	}
	med, err := guide.Median(svi.Params())
	if err != nil {
		t.Fatal(err)
	}
	ls, v, noise := med["lengthscale"].Data, med["variance"].Data, svi.Param("noise")
	want := 0.0
	for k := range b {
		for d := range 3 {
			l, r := ls[k*3+d], issueRates[d]
			want += 2*math.Log(r) + math.Log(l) - r*l // Gamma(2, r): log r² + log l − r l − log Γ(2)
		}
		if v[k] <= 10 || v[k] >= 150 {
			t.Errorf("variance %v outside the prior's support", v[k])
		}
		want -= math.Log(140)
	}
	// The marginal likelihood at the fitted values, built afresh.
	g := engine.NewGraph()
	p := gp.Prior{Kernel: gp.RBF{Lengthscale: g.Constant(ls, b, 3), Variance: g.Constant(v, b)}, Noise: g.Constant(noise, b)}
	mll := gp.MarginalLogLikelihood(g, p, g.Constant(x, n, 3), g.Constant(y, b, n))
	prog, err := g.Compile([]*engine.Node{mll.Value})
	if err != nil {
		t.Fatal(err)
	}
	if err := prog.Run(); err != nil {
		t.Fatal(err)
	}
	for _, l := range prog.Value(mll.Value) {
		want += l
	}
	if math.Abs(loss+want) > 1e-10*math.Abs(want) {
		t.Errorf("MAP loss %.12g, want −(log joint) = %.12g", loss, -want)
	}
}

// TestTypeIIMaximumLikelihood fits hyperparameters as parameters (no priors,
// an empty guide: the loss is −Σ mll) and checks that the loss fell and
// settled: over the last 100 steps it moves by less than 1e-6 relative.
func TestTypeIIMaximumLikelihood(t *testing.T) {
	const b, n = 2, 30
	x, y := issueData(b, n)
	model := func(m *probgraph.Ctx) {
		g := m.Graph()
		pos := probgraph.Constrained(dist.Positive())
		ls := m.Param("lengthscale", probgraph.Tensor{Data: tile([]float64{300, 30, 30}, b), Shape: []int{b, 3}}, pos)
		v := m.Param("variance", probgraph.Full(20, b), pos)
		noise := m.Param("noise", probgraph.Full(1, b), pos)
		gp.Observe(m, "y", gp.Prior{Kernel: gp.RBF{Lengthscale: ls, Variance: v}, Noise: noise},
			g.Constant(x, n, 3), g.Constant(y, b, n))
	}
	opt, _ := engine.NewAdam(engine.AdamOptions{LR: 0.05})
	svi, err := infer.NewSVI(model, func(*probgraph.Ctx) {}, opt, infer.TraceELBO{})
	if err != nil {
		t.Fatal(err)
	}
	start, err := svi.Evaluate()
	if err != nil {
		t.Fatal(err)
	}
	losses, err := svi.Run(context.Background(), 1500, nil)
	if err != nil {
		t.Fatal(err)
	}
	end := losses[len(losses)-1]
	// Converged: the last 100 losses vary by less than 1e-6 of the loss.
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, l := range losses[len(losses)-100:] {
		lo, hi = min(lo, l), max(hi, l)
	}
	if !(end < start) || hi-lo > 1e-6*math.Abs(end) {
		t.Errorf("loss %v → %v, last 100 steps span %v", start, end, hi-lo)
	}
}

// TestSVIAutoDiagonalNormal fits a Gaussian posterior over the issue's
// hyperparameters by SVI and checks the ELBO improves: the priors and the
// batched marginal likelihood work under an automatic Gaussian guide. It
// uses one particle per step: vectorized particles give the lengthscales
// [P, b, 3] and the variances [P, 1, b], whose batch shapes [P, b] and
// [P, 1, b] would broadcast to P·P·b GPs, which the kernel refuses.
func TestSVIAutoDiagonalNormal(t *testing.T) {
	const b, n = 4, 30
	x, y := issueData(b, n)
	model := issueModel(x, y, b, n)
	guide, err := autoguide.NewDiagonalNormal(model, autoguide.WithInit(autoguide.InitToMean()))
	if err != nil {
		t.Fatal(err)
	}
	opt, _ := engine.NewAdam(engine.AdamOptions{LR: 0.02})
	svi, err := infer.NewSVI(model, guide.Model, opt, infer.TraceELBO{}, infer.WithSeed(1))
	if err != nil {
		t.Fatal(err)
	}
	losses, err := svi.Run(context.Background(), 250, nil)
	if err != nil {
		t.Fatal(err)
	}
	mean := func(v []float64) float64 {
		s := 0.0
		for _, x := range v {
			s += x
		}
		return s / float64(len(v))
	}
	if a, z := mean(losses[:50]), mean(losses[len(losses)-50:]); !(z < a) {
		t.Errorf("mean loss of the first 50 steps %v, of the last 50 %v", a, z)
	}
}

func tile(v []float64, n int) []float64 {
	var out []float64
	for range n {
		out = append(out, v...)
	}
	return out
}
