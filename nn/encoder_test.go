package nn_test

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/ignis-ppl/ignis/engine"
	"github.com/ignis-ppl/ignis/nn"
	"github.com/ignis-ppl/ignis/probgraph"
	"github.com/ignis-ppl/ignis/probgraph/dist"
	"github.com/ignis-ppl/ignis/probgraph/infer"
)

// amortized is the model z_i ~ N(0, 1), x_i | z_i ~ N(z_i, σ²) over n
// points and its amortized guide q(z_i | x_i) from a linear encoder, both
// over a data plate subsampled to batch points per step.
func amortized(x []float64, sigma float64, batch int) (model, guide probgraph.Model) {
	n := len(x)
	plate := func(m *probgraph.Ctx) (*probgraph.Plate, *engine.Node) {
		p := m.Plate("data", n, probgraph.Subsample(batch))
		return p, p.Subsample(m.Graph().Constant(x, n, 1))
	}
	model = func(m *probgraph.Ctx) {
		g := m.Graph()
		p, xb := plate(m)
		z := p.Sample("z", dist.ToEvent(dist.Normal(g.Fill(0, 1), g.Fill(1, 1)), 1))
		p.Observe("x", dist.ToEvent(dist.Normal(z, g.Scalar(sigma)), 1), xb)
	}
	enc := nn.NormalEncoder{Net: nn.Linear{Name: "enc", In: 1, Out: 2}, Latent: 1}
	guide = func(m *probgraph.Ctx) {
		p, xb := plate(m)
		p.Sample("z", enc.Dist(m, xb))
	}
	return model, guide
}

// An amortized guide trained by SVI on mini-batches finds the exact
// posterior of a conjugate model, q(z | x) = N(x/(1+σ²), σ²/(1+σ²)), which
// a linear encoder can express: the encoder's weights reach it, and the
// full-data loss reaches the analytic optimum −log p(x) up to the KL
// between the fitted and the exact posteriors, computed exactly.
func TestAmortizedGuideReachesExactPosterior(t *testing.T) {
	const n, batch, sigma = 200, 20, 0.5
	r := rand.New(rand.NewPCG(7, 8))
	x := make([]float64, n)
	for i := range x {
		x[i] = r.NormFloat64() + sigma*r.NormFloat64()
	}
	steps := 3000
	opt, err := engine.NewAdam(engine.AdamOptions{Schedule: engine.ExponentialLR{Initial: 0.05, Gamma: math.Pow(0.02, 1/float64(steps))}})
	if err != nil {
		t.Fatal(err)
	}
	model, guide := amortized(x, sigma, batch)
	svi, err := infer.NewSVI(model, guide, opt, infer.TraceELBO{NumParticles: 4}, infer.WithSeed(1))
	if err != nil {
		t.Fatal(err)
	}
	losses, err := svi.Run(context.Background(), steps, nil)
	if err != nil {
		t.Fatal(err)
	}
	W, b := svi.Param("enc.weight"), svi.Param("enc.bias")
	post := sigma * sigma / (1 + sigma*sigma)
	slope, sd := 1/(1+sigma*sigma), math.Sqrt(post)

	// −log p(x) with x_i ~ N(0, 1 + σ²), and Σ KL(q(z_i|x_i) ‖ p(z_i|x_i)).
	var opt0, kl float64
	for _, xi := range x {
		v := 1 + sigma*sigma
		opt0 += 0.5*math.Log(2*math.Pi*v) + xi*xi/(2*v)
		mq := W[0]*xi + b[0]
		sq := math.Log1p(math.Exp(W[1]*xi+b[1])) + 1e-4
		mp := slope * xi
		kl += math.Log(sd/sq) + (sq*sq+(mq-mp)*(mq-mp))/(2*post) - 0.5
	}
	t.Logf("encoder W %v b %v (exact: loc %v·x, scale %v); Σ KL %.3g; first loss %.1f, optimum %.1f", W, b, slope, sd, kl, losses[0], opt0)
	// The fitted q is within 0.002 nats per point of the posterior on
	// average, which pins the slope and the scale to within a few percent.
	if kl > 0.002*n {
		t.Errorf("Σ KL(q ‖ posterior) = %v, want below %v", kl, 0.002*n)
	}

	// The full-data ELBO at the fitted weights: −log p(x) + Σ KL in
	// expectation; averaged over draws, within 5 standard errors.
	full, fguide := amortized(x, sigma, n)
	fopt, err := engine.NewAdam(engine.AdamOptions{LR: 1e-3})
	if err != nil {
		t.Fatal(err)
	}
	eval, err := infer.NewSVI(full, fguide, fopt, infer.TraceELBO{NumParticles: 1}, infer.WithSeed(2))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range eval.ParamStore().Entries() {
		copy(eval.Program().Value(e.Unconstrained), svi.Program().Value(svi.ParamStore().Entry(e.Name).Unconstrained))
	}
	const draws = 200
	var s, s2 float64
	for range draws {
		l, err := eval.Evaluate()
		if err != nil {
			t.Fatal(err)
		}
		s, s2 = s+l, s2+l*l
	}
	mean := s / draws
	se := math.Sqrt((s2/draws - mean*mean) / draws)
	if want := opt0 + kl; math.Abs(mean-want) > 5*se+1e-9*math.Abs(want) {
		t.Errorf("full-data loss %v ± %v, want −log p(x) + Σ KL = %v", mean, se, want)
	}
	if losses[0] < opt0+10 {
		t.Errorf("first loss %v already near the optimum %v: the test shows nothing", losses[0], opt0)
	}
}
