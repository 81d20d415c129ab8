package vmath

import (
	"math"
	"math/rand/v2"
	"testing"
)

// FirstOutside finds the first element outside [lo, hi] (NaN counts as
// outside) exactly where the scalar loop does, on both paths, for every
// length and position of the first failure.
func TestFirstOutsideMatchesScalarLoop(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	ranges := [][2]float64{{math.SmallestNonzeroFloat64, math.MaxFloat64}, {0, math.Inf(1)}, {0, 1}, {-math.MaxFloat64, math.MaxFloat64}}
	bad := []float64{math.NaN(), math.Inf(1), math.Inf(-1), -1, 0, math.Copysign(0, -1), 2, -math.SmallestNonzeroFloat64}
	for _, lh := range ranges {
		lo, hi := lh[0], lh[1]
		for n := 0; n < 40; n++ {
			for pos := -1; pos < n; pos++ {
				x := make([]float64, n)
				for i := range x {
					x[i] = lo + (min(hi, 1e300)-lo)*r.Float64()
					if !(x[i] >= lo && x[i] <= hi) {
						x[i] = lo
					}
				}
				if pos >= 0 {
					x[pos] = bad[r.IntN(len(bad))]
				}
				want := firstOutsideGo(x, lo, hi)
				if got := firstOutsideAVX2(x, lo, hi); got != want {
					t.Fatalf("[%v, %v], n = %d, x[%d] = %v: asm %d, Go %d", lo, hi, n, pos, x[max(pos, 0)], got, want)
				}
				if got := FirstOutside(x, lo, hi); got != want {
					t.Fatalf("FirstOutside gives %d, want %d", got, want)
				}
			}
		}
	}
}

func BenchmarkFirstOutside(b *testing.B) {
	x := make([]float64, 200)
	for i := range x {
		x[i] = 1 + float64(i)
	}
	b.SetBytes(int64(8 * len(x)))
	for b.Loop() {
		if FirstOutside(x, math.SmallestNonzeroFloat64, math.MaxFloat64) >= 0 {
			b.Fatal("reported a failure")
		}
	}
}
