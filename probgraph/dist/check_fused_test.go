package dist

import (
	"errors"
	"strings"
	"testing"

	"github.com/ignis-ppl/ignis/engine"
)

// A run-time parameter check fused into a loop over tiles still names the
// bad element by its position in the whole parameter.
func TestFusedParameterCheckNamesTheElement(t *testing.T) {
	const n, bad = 5000, 4321
	g := engine.NewGraph()
	rate := g.Input("rate", n)
	lp := g.Sum(Poisson(g.Scale(rate, 1)).LogProb(g.Fill(2, n)))
	p, err := g.Compile([]*engine.Node{lp})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(p.Describe(), "check(Poisson.rate") || !strings.Contains(p.Describe(), "fused loop over 5000") {
		t.Fatalf("the check is not inside a fused loop:\n%s", p.Describe())
	}
	r := make([]float64, n)
	for i := range r {
		r[i] = 1.5
	}
	r[bad] = -1
	if err := p.Set(rate, r); err != nil {
		t.Fatal(err)
	}
	err = p.Run()
	if !errors.Is(err, ErrParameter) || !strings.Contains(err.Error(), "element 4321 is -1") {
		t.Fatalf("got %v, want an ErrParameter naming element 4321", err)
	}
}
