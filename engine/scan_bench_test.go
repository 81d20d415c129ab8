package engine

import (
	"fmt"
	"math"
	"testing"
)

// garchData is a GARCH(1,1) series with ω = 0.1, α = 0.15, β = 0.8.
func garchData(T int) []float64 {
	r := make([]float64, T)
	s2 := 0.1 / (1 - 0.95)
	for t := range r {
		r[t] = math.Sqrt(s2) * math.Sin(float64(t)*1.37+0.2) * 1.3
		s2 = 0.1 + 0.15*r[t]*r[t] + 0.8*s2
	}
	return r
}

// garchStep is one step of the GARCH(1,1) log likelihood: from σ²_t and
// r_t, log N(r_t; 0, σ²_t) and σ²_{t+1} = ω + α r_t² + β σ²_t.
func garchStep(g *Graph, s2, r, omega, alpha, beta *Node) (next, ll *Node) {
	r2 := g.Square(r)
	ll = g.Neg(g.Scale(g.Add(g.AddScalar(g.Log(s2), math.Log(2*math.Pi)), g.Div(r2, s2)), 0.5))
	next = g.Add(omega, g.Add(g.Mul(alpha, r2), g.Mul(beta, s2)))
	return next, ll
}

// garch builds the log likelihood and its gradient in (ω, α, β).
func garch(T int, scan bool) (*Graph, *Node, []*Node) {
	g := NewGraph()
	omega, alpha, beta := g.Param("omega", []float64{0.1}), g.Param("alpha", []float64{0.15}), g.Param("beta", []float64{0.8})
	r := g.Constant(garchData(T), T)
	s0 := g.Scalar(2)
	var ll *Node
	if scan {
		_, ys := g.Scan(func(b *Graph, c, x, k []*Node) ([]*Node, []*Node) {
			next, l := garchStep(b, c[0], x[0], k[0], k[1], k[2])
			return []*Node{next}, []*Node{l}
		}, []*Node{s0}, []*Node{r}, []*Node{omega, alpha, beta})
		ll = g.Sum(ys[0])
	} else {
		s2 := s0
		ll = g.Scalar(0)
		for t := range T {
			var l *Node
			s2, l = garchStep(g, s2, g.Reshape(g.Slice(r, 0, t, t+1)), omega, alpha, beta)
			ll = g.Add(ll, l)
		}
	}
	return g, ll, g.Grad(ll, omega, alpha, beta)
}

func TestGarchScanMatchesUnrolled(t *testing.T) {
	var vals [2][]float64
	for k, scan := range []bool{true, false} {
		g, ll, grads := garch(300, scan)
		p, err := g.Compile(append([]*Node{ll}, grads...))
		if err != nil {
			t.Fatal(err)
		}
		if err := p.Run(); err != nil {
			t.Fatal(err)
		}
		vals[k] = []float64{p.Scalar(ll), p.Scalar(grads[0]), p.Scalar(grads[1]), p.Scalar(grads[2])}
	}
	for i := range vals[0] {
		if d := math.Abs(vals[0][i] - vals[1][i]); d > 1e-12*(1+math.Abs(vals[1][i])) {
			t.Errorf("value %d: scan %v, unrolled %v", i, vals[0][i], vals[1][i])
		}
	}
}

// BenchmarkGarchGradient times one gradient of the GARCH(1,1) likelihood
// as a scan and unrolled.
func BenchmarkGarchGradient(b *testing.B) {
	for _, T := range []int{1000} {
		for _, scan := range []bool{true, false} {
			b.Run(fmt.Sprintf("T=%d/scan=%v", T, scan), func(b *testing.B) {
				g, ll, grads := garch(T, scan)
				p, err := g.Compile(append([]*Node{ll}, grads...))
				if err != nil {
					b.Fatal(err)
				}
				b.ReportAllocs()
				for b.Loop() {
					if err := p.Run(); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
