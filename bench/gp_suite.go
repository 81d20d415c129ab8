package main

import (
	"fmt"
	"math/rand/v2"
	"syscall"
	"testing"
	"time"

	"github.com/ignis-ppl/ignis/engine"
	"github.com/ignis-ppl/ignis/gp"
)

func init() {
	register(Suite{Name: "gp", About: "one GP training step (batched exact marginal likelihood + gradients); anchor: scripts/reference/gp_anchor.py", Cases: gpCases})
}

// gpSizes are the (B, N, D) problems; scripts/reference/gp_anchor.py times
// the same ones with GPyTorch.
var gpSizes = [][3]int{{4, 264, 3}, {64, 264, 3}, {16, 1024, 3}}

// gpStep times one training step of B independent GPs with an RBF-ARD
// kernel scaled by an output variance, a constant mean and a noise variance
// each, on N shared points in D dimensions: the marginal log-likelihood of
// every member and its gradient with respect to every hyperparameter
// (positive ones through softplus of a free parameter, as GPyTorch does).
func gpStep(bsz, n, d int) func(b *testing.B) {
	return func(b *testing.B) {
		r := rand.New(rand.NewPCG(1, 2))
		x, y := make([]float64, n*d), make([]float64, bsz*n)
		for i := range x {
			x[i] = 3 * r.Float64()
		}
		for i := range y {
			y[i] = r.NormFloat64()
		}
		ls := make([]float64, bsz*d)
		for i := range ls {
			ls[i] = 0.6 + 0.3*r.Float64()
		}
		g := engine.NewGraph()
		raw := []*engine.Node{
			g.Param("lengthscale", ls, bsz, d),
			g.Param("outputscale", fill(0.7, bsz), bsz),
			g.Param("noise", fill(-2, bsz), bsz),
			g.Param("mean", fill(0, bsz), bsz),
		}
		p := gp.Prior{
			Kernel: gp.RBF{Lengthscale: g.Softplus(raw[0]), Variance: g.Softplus(raw[1])},
			Mean:   gp.ConstantMean{C: raw[3]},
			Noise:  g.Softplus(raw[2]),
		}
		mll := gp.MarginalLogLikelihood(g, p, g.Constant(x, n, d), g.Constant(y, bsz, n))
		loss := g.Neg(g.Sum(mll.Value))
		grads := g.Grad(loss, raw...)
		prog, err := g.Compile(append([]*engine.Node{loss}, grads...))
		if err != nil {
			b.Fatal(err)
		}
		pol := gp.JitterPolicy{}
		if err := pol.Run(prog, mll.Jitter); err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		b.ResetTimer()
		cpu0 := cpuTime()
		for b.Loop() {
			if err := pol.Run(prog, mll.Jitter); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64((cpuTime()-cpu0).Nanoseconds())/float64(b.N), "cpu-ns/op")
	}
}

// cpuTime is the CPU time (user + system) the process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func fill(v float64, n int) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = v
	}
	return out
}

func gpCases() ([]Case, error) {
	var cases []Case
	for _, s := range gpSizes {
		cases = append(cases, Case{Name: fmt.Sprintf("B=%d,N=%d,D=%d", s[0], s[1], s[2]), Run: gpStep(s[0], s[1], s[2])})
	}
	return cases, nil
}
