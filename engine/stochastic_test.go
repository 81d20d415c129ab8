package engine

import "testing"

func TestProgramStochastic(t *testing.T) {
	g := NewGraph()
	x := g.Param("x", []float64{1, 2}, 2)
	det := g.Sum(g.Square(x))
	noisy := g.Sum(g.Mul(x, g.Noise(StdNormal, 2)))
	for _, c := range []struct {
		out  *Node
		want bool
	}{{det, false}, {noisy, true}} {
		p, err := g.Compile([]*Node{c.out})
		if err != nil {
			t.Fatal(err)
		}
		if p.Stochastic() != c.want {
			t.Errorf("Stochastic() = %v for %v, want %v", p.Stochastic(), c.out, c.want)
		}
	}
}
