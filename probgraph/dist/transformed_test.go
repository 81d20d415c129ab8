package dist

import (
	"math"
	"testing"

	"github.com/ignis-ppl/ignis/engine"
)

// A normal pushed through exp is a log-normal: log-probabilities agree, and
// the transformed distribution's own draws are scored without an inverse.
func TestTransformedNormalIsLogNormal(t *testing.T) {
	g := engine.NewGraph()
	loc, scale := g.Constant([]float64{0.3, -1}, 2), g.Constant([]float64{0.7, 1.4}, 2)
	exp, err := BijectTo(Positive())
	if err != nil {
		t.Fatal(err)
	}
	td := Transformed(Normal(loc, scale), exp)
	ln := LogNormal(loc, scale)
	x := g.Constant([]float64{0.5, 2, 1.5, 0.1, 3, 7}, 3, 2)
	y := td.Sample(4)
	out := evalNodes(t, g, td.LogProb(x), ln.LogProb(x), td.LogProb(y), ln.LogProb(y))
	for k := 0; k < 2; k++ {
		for i := range out[2*k] {
			if d := math.Abs(out[2*k][i] - out[2*k+1][i]); d > 1e-12*math.Max(1, math.Abs(out[2*k+1][i])) {
				t.Errorf("case %d element %d: transformed %v, log-normal %v", k, i, out[2*k][i], out[2*k+1][i])
			}
		}
	}
	if !td.Support().Check(x).Valid() || td.Support().String() != "positive" {
		t.Errorf("support %v", td.Support())
	}
}
