package models

import (
	"math"
	"testing"

	"github.com/ignis-ppl/ignis/engine"
)

// The forward algorithm as a Scan gives the likelihood a plain Go forward
// pass gives, and its gradient in the means agrees with finite
// differences.
func TestHMMForwardMatchesDirect(t *testing.T) {
	trans := []float64{0.9, 0.1, 0.2, 0.8}
	x, _ := SimulateHMM(3, 200, trans, []float64{-1, 1.5}, 0.7)
	logA := []float64{math.Log(0.9), math.Log(0.1), math.Log(0.2), math.Log(0.8)}
	logInit := []float64{math.Log(0.5), math.Log(0.5)}
	for _, T := range []int{1, 2, 200} {
		g := engine.NewGraph()
		mu := g.Param("mu", []float64{-0.8, 1.2}, 2)
		ll := HMMForward(g, x[:T], g.Constant(logA, 2, 2), g.Constant(logInit, 2), mu, g.Scalar(0.7))
		grad := g.Grad(ll, mu)[0]
		p, err := g.Compile([]*engine.Node{ll, grad})
		if err != nil {
			t.Fatal(err)
		}
		if err := p.Run(); err != nil {
			t.Fatal(err)
		}
		want := HMMForwardDirect(x[:T], logA, logInit, []float64{-0.8, 1.2}, 0.7)
		if got := p.Scalar(ll); math.Abs(got-want) > 1e-10*math.Abs(want) {
			t.Fatalf("T=%d: scan %v, direct %v", T, got, want)
		}
		for j := range 2 {
			m := []float64{-0.8, 1.2}
			m[j] += 1e-6
			up := HMMForwardDirect(x[:T], logA, logInit, m, 0.7)
			m[j] -= 2e-6
			down := HMMForwardDirect(x[:T], logA, logInit, m, 0.7)
			fd := (up - down) / 2e-6
			if g := p.Value(grad)[j]; math.Abs(g-fd) > 1e-5*(1+math.Abs(fd)) {
				t.Errorf("T=%d: d/dμ_%d = %v, finite difference %v", T, j, g, fd)
			}
		}
	}
}
