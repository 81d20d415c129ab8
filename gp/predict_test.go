package gp

import (
	"math"
	"testing"

	"github.com/ignis-ppl/ignis/engine"
)

// TestPredictCovarianceAndSamples checks that the full predictive covariance
// has the variances on its diagonal (round-off, 1e-12) and that the sample
// mean and variance of 4000 joint draws match the predictive mean and
// variance within 4.5 Monte Carlo standard errors (σ/√n for the mean,
// σ²·√(2/(n−1)) for the variance), at every point of every member.
func TestPredictCovarianceAndSamples(t *testing.T) {
	const b, n, d, m, s = 2, 20, 2, 5, 4000
	xv, yv := testData(7, b, n, d)
	tv, _ := testData(8, 1, m, d)
	g := engine.NewGraph()
	p, _ := hyperGraph(g, b, d)
	post := Predict(g, p, g.Constant(xv, n, d), g.Constant(yv, b, n), g.Constant(tv, m, d))
	cov := post.Cov()
	draws := post.Samples(s, 1e-10)
	prog, err := g.Compile([]*engine.Node{post.Mean, post.Var, cov, draws}, engine.WithSeed(3))
	if err != nil {
		t.Fatal(err)
	}
	if err := (JitterPolicy{}).Run(prog, post.Jitter); err != nil {
		t.Fatal(err)
	}
	if !draws.Shape().Equal(engine.Shape{s, b, m}) || !cov.Shape().Equal(engine.Shape{b, m, m}) {
		t.Fatalf("shapes %v and %v", draws.Shape(), cov.Shape())
	}
	mean, vr, cv, dr := prog.Value(post.Mean), prog.Value(post.Var), prog.Value(cov), prog.Value(draws)
	for k := range b {
		for i := range m {
			v := vr[k*m+i]
			if math.Abs(cv[k*m*m+i*m+i]-v) > 1e-12*(1+v) {
				t.Errorf("member %d point %d: cov diagonal %v, var %v", k, i, cv[k*m*m+i*m+i], v)
			}
			sum, sq := 0.0, 0.0
			for j := range s {
				x := dr[j*b*m+k*m+i]
				sum += x
				sq += x * x
			}
			mu := sum / s
			sv := (sq - s*mu*mu) / (s - 1)
			if math.Abs(mu-mean[k*m+i]) > 4.5*math.Sqrt(v/s) {
				t.Errorf("member %d point %d: sample mean %v, predictive %v (sd %v)", k, i, mu, mean[k*m+i], math.Sqrt(v))
			}
			if math.Abs(sv-v) > 4.5*v*math.Sqrt(2.0/(s-1)) {
				t.Errorf("member %d point %d: sample variance %v, predictive %v", k, i, sv, v)
			}
		}
	}
}
