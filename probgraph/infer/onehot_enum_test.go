package infer

import (
	"math"
	"testing"

	"github.com/ignis-ppl/ignis/probgraph"
	"github.com/ignis-ppl/ignis/probgraph/dist"
)

// smallOneHotModel is smallModel with y drawn from a one-hot categorical
// (event dim 1): its enumerated value has shape [3, 1, 1, 3], and the
// location is the dot product of y with the component means.
func smallOneHotModel(m *probgraph.Ctx) {
	g := m.Graph()
	z := m.Sample("z", dist.Bernoulli(g.Scalar(smallPZ)), probgraph.EnumerateParallel())
	probs := g.Take(g.Constant([]float64{smallP[0][0], smallP[0][1], smallP[0][2], smallP[1][0], smallP[1][1], smallP[1][2]}, 2, 3), 0, z)
	p := m.Plate("data", len(smallX))
	y := p.Sample("y", dist.OneHotCategorical(probs), probgraph.EnumerateParallel())
	loc := g.Add(g.Sum(g.Mul(y, g.Constant(smallMu, 3)), -1), g.Scale(z, 0.5))
	p.Observe("x", dist.Normal(loc, g.Scalar(1)), g.Constant(smallX, len(smallX)))
}

// TestTraceEnumOneHotEqualsExactMarginal: summing out a one-hot site gives
// the same exact marginal as the categorical model (both are the same
// distribution over the same three outcomes), up to float64 round-off.
func TestTraceEnumOneHotEqualsExactMarginal(t *testing.T) {
	got := enumLoss(t, TraceEnumELBO{}, smallOneHotModel, emptyGuide)
	want := smallExact()
	cat := enumLoss(t, TraceEnumELBO{}, smallModel, emptyGuide)
	t.Logf("one-hot loss %.15g, categorical loss %.15g, exact %.15g", got, cat, want)
	if d := math.Abs(got - want); d > enumTol {
		t.Errorf("one-hot loss %.15g, exact −log p(x) %.15g, |diff| %.3g", got, want, d)
	}
	if d := math.Abs(got - cat); d > enumTol {
		t.Errorf("one-hot loss %.15g, categorical loss %.15g, |diff| %.3g", got, cat, d)
	}
	if got2 := enumLoss(t, TraceEnumELBO{MaxPlateNesting: 2}, smallOneHotModel, emptyGuide); math.Abs(got2-want) > enumTol {
		t.Errorf("with max plate nesting 2: loss %.15g, want %.15g", got2, want)
	}
}

// TestInferDiscreteOneHotMAP: the MAP of the one-hot model is the best of
// all 2·3³ joint assignments, returned as one-hot rows of shape [3, 3].
func TestInferDiscreteOneHotMAP(t *testing.T) {
	best, bz, by := math.Inf(-1), 0, []int{0, 0, 0}
	for z := 0; z < 2; z++ {
		for c := 0; c < 27; c++ {
			y := []int{c % 3, c / 3 % 3, c / 9}
			if lp := smallJoint(z, y); lp > best {
				best, bz, by = lp, z, y
			}
		}
	}
	got, err := InferDiscrete(smallOneHotModel, nil, DiscreteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got["z"].Data[0] != float64(bz) {
		t.Errorf("z = %v, want %d", got["z"].Data, bz)
	}
	y := got["y"]
	if len(y.Shape) != 2 || y.Shape[0] != 3 || y.Shape[1] != 3 || len(y.Data) != 9 {
		t.Fatalf("y has shape %v and %d numbers, want [3 3] and 9", y.Shape, len(y.Data))
	}
	for i, k := range by {
		for j := 0; j < 3; j++ {
			want := 0.0
			if j == k {
				want = 1
			}
			if y.Data[i*3+j] != want {
				t.Errorf("y[%d] = %v, want the one-hot row of %d", i, y.Data[i*3:i*3+3], k)
				break
			}
		}
	}
	t.Logf("z %v, y %v (brute force z %d, y %v)", got["z"].Data, y.Data, bz, by)
}

// TestInferDiscreteOneHotSamplesAreOneHot: posterior draws of a one-hot
// site are rows of the identity, one per plate element.
func TestInferDiscreteOneHotSamplesAreOneHot(t *testing.T) {
	got, err := InferDiscrete(smallOneHotModel, nil, DiscreteOptions{Sample: true, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	y := got["y"]
	if len(y.Shape) != 2 || y.Shape[0] != 3 || y.Shape[1] != 3 || len(y.Data) != 9 {
		t.Fatalf("y has shape %v and %d numbers, want [3 3] and 9", y.Shape, len(y.Data))
	}
	for i := 0; i < 3; i++ {
		ones, zeros := 0, 0
		for _, v := range y.Data[i*3 : i*3+3] {
			switch v {
			case 1:
				ones++
			case 0:
				zeros++
			}
		}
		if ones != 1 || zeros != 2 {
			t.Errorf("y[%d] = %v is not a one-hot row", i, y.Data[i*3:i*3+3])
		}
	}
}

// hmmOneHotModel is hmmModel with one-hot states: the next state's
// probabilities are the row of the transition matrix that the current
// one-hot state picks (h·T), the location h·locs. Each decided state is
// fed back one-hot when InferDiscrete decides the next one.
func hmmOneHotModel(m *probgraph.Ctx) {
	g := m.Graph()
	trans := g.Constant(hmmTrans, 3, 3)
	locs := g.Constant(hmmLocs, 3)
	probs := g.Constant(hmmInit, 3)
	for t, x := range hmmObs {
		h := m.Sample(name("h", t), dist.OneHotCategorical(probs), probgraph.EnumerateParallel())
		m.Observe(name("x", t), dist.Normal(g.Sum(g.Mul(h, locs), -1), g.Scalar(0.8)), g.Scalar(x))
		col := g.Reshape(h, append(h.Shape().Clone(), 1)...)
		probs = g.Sum(g.Mul(col, trans), -2)
	}
}

// TestOneHotHMMForwardAndViterbi: the enumerated loss of the one-hot HMM is
// the forward algorithm's −log p(x), and its MAP path is the best of all 3⁴
// paths, as one-hot rows.
func TestOneHotHMMForwardAndViterbi(t *testing.T) {
	if got, want := enumLoss(t, TraceEnumELBO{}, hmmOneHotModel, emptyGuide), hmmExact(); math.Abs(got-want) > enumTol {
		t.Errorf("one-hot HMM loss %.15g, forward algorithm %.15g", got, want)
	}
	bestPath := hmmBestPath()
	got, err := InferDiscrete(hmmOneHotModel, nil, DiscreteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for i, h := range bestPath {
		v := got[name("h", i)]
		want := []float64{0, 0, 0}
		want[h] = 1
		if len(v.Shape) != 1 || v.Shape[0] != 3 || v.Data[0] != want[0] || v.Data[1] != want[1] || v.Data[2] != want[2] {
			t.Errorf("h%d = %v (shape %v), want %v (path %v)", i, v.Data, v.Shape, want, bestPath)
		}
	}
}
