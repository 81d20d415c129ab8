package many

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// Synthetic makes count series of n points with dim inputs for trying
// pipelines out: inputs uniform on [0, 10), targets a sum of one sine wave
// per input, with an amplitude, a period and a phase drawn per series,
// plus Gaussian noise of standard deviation 0.1. Keys are "series-00000",
// "series-00001", …; the same seed gives the same series on every
// machine.
func Synthetic(count, n, dim int, seed uint64) []Series {
	r := rand.New(rand.NewPCG(seed, 0x6d616e79))
	out := make([]Series, count)
	for k := range out {
		s := Series{Key: fmt.Sprintf("series-%05d", k), Dim: dim, X: make([]float64, n*dim), Y: make([]float64, n)}
		amp := 0.5 + 1.5*r.Float64()
		period := make([]float64, dim)
		phase := make([]float64, dim)
		for j := range dim {
			period[j] = 2 + 6*r.Float64()
			phase[j] = 2 * math.Pi * r.Float64()
		}
		for i := range n {
			f := 0.0
			for j := range dim {
				x := 10 * r.Float64()
				s.X[i*dim+j] = x
				f += amp * math.Sin(2*math.Pi*x/period[j]+phase[j])
			}
			s.Y[i] = f + 0.1*r.NormFloat64()
		}
		out[k] = s
	}
	return out
}
