package infer

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/ignis-ppl/ignis/probgraph"
	"github.com/ignis-ppl/ignis/probgraph/dist"
)

// smallJoint is log p(z, y, x) of smallModel for one joint assignment.
func smallJoint(z int, y []int) float64 {
	lp := math.Log(smallPZ)
	if z == 0 {
		lp = math.Log(1 - smallPZ)
	}
	for i, x := range smallX {
		lp += math.Log(smallP[z][y[i]]) + normalLogPDF(x, smallMu[y[i]]+0.5*float64(z), 1)
	}
	return lp
}

// TestInferDiscreteMAPMatchesBruteForce compares the MAP assignment of the
// small model (a global z and three local y_i that depend on it) with the
// best of all 2·3³ joint assignments.
func TestInferDiscreteMAPMatchesBruteForce(t *testing.T) {
	best, bz, by := math.Inf(-1), 0, []int{0, 0, 0}
	for z := 0; z < 2; z++ {
		for c := 0; c < 27; c++ {
			y := []int{c % 3, c / 3 % 3, c / 9}
			if lp := smallJoint(z, y); lp > best {
				best, bz, by = lp, z, y
			}
		}
	}
	got, err := InferDiscrete(smallModel, nil, DiscreteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got["z"].Data[0] != float64(bz) {
		t.Errorf("z = %v, want %d", got["z"].Data, bz)
	}
	for i := range by {
		if got["y"].Data[i] != float64(by[i]) {
			t.Errorf("y = %v, want %v", got["y"].Data, by)
			break
		}
	}
	if s := got["y"].Shape; len(s) != 1 || s[0] != 3 {
		t.Errorf("y has shape %v, want [3]", s)
	}
}

// TestInferDiscreteViterbi checks the chained case: the MAP path of the
// four-step HMM against the best of all 3⁴ paths.
func TestInferDiscreteViterbi(t *testing.T) {
	bestPath := hmmBestPath()
	got, err := InferDiscrete(hmmModel, nil, DiscreteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for i, h := range bestPath {
		if v := got[name("h", i)].Data[0]; v != float64(h) {
			t.Errorf("h%d = %v, want %d (path %v)", i, v, h, bestPath)
		}
	}
}

// TestInferDiscreteSamplesThePosterior draws the small model's assignments
// many times and compares the frequency of z = 1 and of y_0 = k with their
// exact posterior probabilities; the bound is 4 binomial standard errors.
func TestInferDiscreteSamplesThePosterior(t *testing.T) {
	const draws = 400
	// Exact posteriors by brute force.
	var pz1, norm float64
	py0 := make([]float64, 3)
	for z := 0; z < 2; z++ {
		for c := 0; c < 27; c++ {
			y := []int{c % 3, c / 3 % 3, c / 9}
			p := math.Exp(smallJoint(z, y))
			norm += p
			if z == 1 {
				pz1 += p
			}
			py0[y[0]] += p
		}
	}
	pz1 /= norm
	countZ, countY := 0.0, make([]float64, 3)
	for i := 0; i < draws; i++ {
		got, err := InferDiscrete(smallModel, nil, DiscreteOptions{Sample: true, Seed: uint64(i)})
		if err != nil {
			t.Fatal(err)
		}
		countZ += got["z"].Data[0]
		countY[int(got["y"].Data[0])]++
	}
	check := func(what string, freq, p float64) {
		se := math.Sqrt(p * (1 - p) / draws)
		if math.Abs(freq-p) > 4*se {
			t.Errorf("%s: frequency %.4f, posterior %.4f (4 se = %.4f)", what, freq, p, 4*se)
		}
	}
	check("z = 1", countZ/draws, pz1)
	for k := range py0 {
		check("y0 = "+string(rune('0'+k)), countY[k]/draws, py0[k]/norm)
	}
}

func TestInferDiscreteBadInput(t *testing.T) {
	if _, err := InferDiscrete(nil, nil, DiscreteOptions{}); !errors.Is(err, ErrOptions) {
		t.Errorf("nil model: %v", err)
	}
	if _, err := InferDiscrete(smallModel, map[string]probgraph.Tensor{"nope": probgraph.Scalar(1)}, DiscreteOptions{}); !errors.Is(err, ErrOptions) {
		t.Errorf("unknown site: %v", err)
	}
	if _, err := InferDiscrete(smallModel, map[string]probgraph.Tensor{"z": {Data: []float64{1, 2}}}, DiscreteOptions{}); !errors.Is(err, ErrOptions) {
		t.Errorf("bad tensor: %v", err)
	}
	if _, err := InferDiscrete(conjModel, nil, DiscreteOptions{}); !errors.Is(err, probgraph.ErrEnum) {
		t.Errorf("no enumerated sites: %v", err)
	}
	if _, err := InferDiscrete(smallModel, nil, DiscreteOptions{MaxPlateNesting: -2}); !errors.Is(err, ErrOptions) {
		t.Errorf("negative nesting: %v", err)
	}
	// A local enumerated site summed over its plate into a global
	// observation couples its elements: no per-element decision exists.
	coupled := func(m *probgraph.Ctx) {
		g := m.Graph()
		z := m.Plate("data", 3).Sample("z", dist.Bernoulli(g.Scalar(0.4)), probgraph.EnumerateParallel())
		m.Observe("y", dist.Normal(g.Sum(g.Mul(z, g.Constant([]float64{1, 2, 3}, 3)), -1), g.Scalar(1)), g.Scalar(0.5))
	}
	if _, err := InferDiscrete(coupled, nil, DiscreteOptions{MaxPlateNesting: 1}); !errors.Is(err, probgraph.ErrEnum) || !strings.Contains(err.Error(), `"data"`) {
		t.Errorf("local site reduced over its plate: %v", err)
	}
}

// TestInferDiscreteGivenContinuousValues fixes the mixture's weights, scale
// and locations through the values map (as a fitted AutoDelta's medians
// would be passed) and checks each point's MAP component against
// argmax_k w_k N(x_i | μ_k, σ), and the output shape against the plate.
func TestInferDiscreteGivenContinuousValues(t *testing.T) {
	x := []float64{-2.1, -0.2, 0.6, 3.3, 1.1, -1.0}
	w, sigma, mu := []float64{0.7, 0.3}, 1.1, []float64{-1.5, 2}
	model := func(m *probgraph.Ctx) {
		g := m.Graph()
		weights := m.Sample("weights", dist.Dirichlet(g.Fill(0.5, 2)))
		scale := m.Sample("scale", dist.LogNormal(g.Scalar(0), g.Scalar(0.5)))
		locs := m.Plate("components", 2).Sample("locs", dist.Normal(g.Scalar(0), g.Scalar(4)))
		p := m.Plate("data", len(x))
		a := p.Sample("assignment", dist.Categorical(weights), probgraph.EnumerateParallel())
		p.Observe("obs", dist.Normal(g.Take(locs, 0, a), scale), g.Constant(x, len(x)))
	}
	values := map[string]probgraph.Tensor{
		"weights": probgraph.Vector(w...),
		"scale":   probgraph.Scalar(sigma),
		"locs":    probgraph.Vector(mu...),
	}
	got, err := InferDiscrete(model, values, DiscreteOptions{MaxPlateNesting: 1})
	if err != nil {
		t.Fatal(err)
	}
	a := got["assignment"]
	if len(a.Shape) != 1 || a.Shape[0] != len(x) {
		t.Fatalf("assignment shape %v, want [%d]", a.Shape, len(x))
	}
	for i, xi := range x {
		want := 0.0
		if math.Log(w[1])+normalLogPDF(xi, mu[1], sigma) > math.Log(w[0])+normalLogPDF(xi, mu[0], sigma) {
			want = 1
		}
		if a.Data[i] != want {
			t.Errorf("point %d (x = %v): component %v, want %v", i, xi, a.Data[i], want)
		}
	}
}

// hmmBestPath is the MAP path of the four-step HMM by brute force over all
// 3⁴ paths.
func hmmBestPath() []int {
	best, bestPath := math.Inf(-1), make([]int, 4)
	for c := 0; c < 81; c++ {
		path := []int{c % 3, c / 3 % 3, c / 9 % 3, c / 27}
		lp := math.Log(hmmInit[path[0]])
		for i, h := range path {
			if i > 0 {
				lp += math.Log(hmmTrans[path[i-1]*3+h])
			}
			lp += normalLogPDF(hmmObs[i], hmmLocs[h], 0.8)
		}
		if lp > best {
			best = lp
			copy(bestPath, path)
		}
	}
	return bestPath
}
