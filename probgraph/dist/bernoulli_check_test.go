package dist

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/ignis-ppl/ignis/engine"
)

// Computed logits are checked by the log density op itself, in the fused
// loop that pairs the density with its score as in the paths without
// fusion: a NaN anywhere fails the run naming the family, the parameter
// and the site; with validation off the run goes on and gives NaN.
func TestBernoulliLogitsCheckedInTheDensityOp(t *testing.T) {
	const n = 1000
	for _, on := range []bool{true, false} {
		prev := SetValidation(on)
		g := engine.NewGraph()
		w := g.Param("w", make([]float64, n), n)
		x := make([]float64, n)
		for i := range x {
			x[i] = float64(i % 2)
		}
		d := BernoulliLogits(g.Mul(w, g.Scalar(2)))
		AtSite(d, "y")
		lp := g.Sum(d.LogProb(g.Constant(x, n)))
		grad := g.Grad(lp, w)
		SetValidation(prev)
		for _, outs := range [][]*engine.Node{{lp}, {lp, grad[0]}, {grad[0]}} {
			p, err := g.Compile(outs)
			if err != nil {
				t.Fatal(err)
			}
			if err := p.Run(); err != nil {
				t.Fatalf("finite logits: %v", err)
			}
			p.Value(w)[n-7] = math.NaN()
			err = p.Run()
			if on {
				if !errors.Is(err, ErrParameter) || !strings.Contains(err.Error(), `site "y"`) || !strings.Contains(err.Error(), "Bernoulli: logits must not be NaN") {
					t.Errorf("outputs %d: error %v, want ErrParameter naming the site and the logits", len(outs), err)
				}
			} else if err != nil || !math.IsNaN(p.Value(outs[0])[0]) && len(p.Value(outs[0])) == 1 {
				t.Errorf("validation off, outputs %d: error %v, value %v; want NaN and no error", len(outs), err, p.Value(outs[0])[0])
			}
		}
	}
}
