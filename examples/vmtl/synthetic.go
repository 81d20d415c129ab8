package main

import (
	"math"
	"math/rand/v2"

	"github.com/ignis-ppl/ignis/vmtl"
)

// Synthetic tasks: 8 logistic-regression tasks in 10 dimensions whose true
// weights are one of two centres plus a little noise; tasks 0–3 belong to
// the first centre and 4–7 to the second.
const (
	synTasks   = 8
	synDim     = 10
	synTrain   = 20
	synTest    = 500
	synCluster = 4   // tasks per cluster
	synCentre  = 2.5 // standard deviation of the centres' coordinates
	synSpread  = 0.5 // standard deviation of a task's offset from its centre
)

func cluster(t int) int { return t / synCluster }

// synthetic draws the tasks: x ~ N(0, I), y ~ Bernoulli(sigmoid(x·w_t)).
func synthetic(seed uint64) problem {
	rng := rand.New(rand.NewPCG(seed, 101))
	centres := make([][]float64, 2)
	for k := range centres {
		centres[k] = make([]float64, synDim)
		for j := range centres[k] {
			centres[k][j] = synCentre * rng.NormFloat64()
		}
	}
	p := problem{name: "synthetic", xDim: synDim, classes: 2}
	draw := func(w []float64, n int) vmtl.Data {
		var d vmtl.Data
		for range n {
			dot := 0.0
			for j := range synDim {
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
		return d
	}
	for t := range synTasks {
		w := make([]float64, synDim)
		for j := range w {
			w[j] = centres[cluster(t)][j] + synSpread*rng.NormFloat64()
		}
		p.train = append(p.train, draw(w, synTrain))
		p.test = append(p.test, draw(w, synTest))
	}
	return p
}

// withinCluster is the mean over tasks of the expected weight α that a task
// gives to the other tasks of its own cluster (3/7 ≈ 0.43 for uniform
// weights).
func withinCluster(alpha [][]float64) float64 {
	s := 0.0
	for t, row := range alpha {
		for u, a := range row {
			if u != t && cluster(u) == cluster(t) {
				s += a
			}
		}
	}
	return s / float64(len(alpha))
}
