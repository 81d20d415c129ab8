package engine

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// naiveConv2D is the definition of Conv2D written as one loop per index,
// with the padding tested element by element.
func naiveConv2D(x, k []float64, xs, ks Shape, sh, sw, ph, pw int) ([]float64, Shape) {
	n, c, h, w := xs[0], xs[1], xs[2], xs[3]
	f, kh, kw := ks[0], ks[2], ks[3]
	oh, ow := (h+2*ph-kh)/sh+1, (w+2*pw-kw)/sw+1
	y := make([]float64, n*f*oh*ow)
	for in := range n {
		for jf := range f {
			for i := range oh {
				for j := range ow {
					var s float64
					for ic := range c {
						for a := range kh {
							for b := range kw {
								r, q := i*sh-ph+a, j*sw-pw+b
								if r < 0 || r >= h || q < 0 || q >= w {
									continue
								}
								s += x[((in*c+ic)*h+r)*w+q] * k[((jf*c+ic)*kh+a)*kw+b]
							}
						}
					}
					y[((in*f+jf)*oh+i)*ow+j] = s
				}
			}
		}
	}
	return y, Shape{n, f, oh, ow}
}

var conv2DCases = []struct {
	x, k Shape
	cfg  Conv2DConfig
}{
	{Shape{1, 1, 4, 4}, Shape{1, 1, 3, 3}, Conv2DConfig{}},
	{Shape{2, 3, 5, 6}, Shape{4, 3, 3, 2}, Conv2DConfig{Padding: [2]int{1, 1}}},
	{Shape{2, 2, 7, 6}, Shape{3, 2, 3, 3}, Conv2DConfig{Stride: [2]int{2, 2}, Padding: [2]int{1, 0}}},
	{Shape{1, 2, 5, 5}, Shape{2, 2, 2, 3}, Conv2DConfig{Stride: [2]int{3, 2}, Padding: [2]int{2, 2}}},
	{Shape{3, 1, 3, 3}, Shape{2, 1, 3, 3}, Conv2DConfig{Padding: [2]int{2, 2}}}, // a kernel wholly in the padding at the corners
}

// Conv2D agrees with its definition written as a direct loop, for strides,
// padding wider than the kernel's reach, and several batches and channels.
func TestConv2DMatchesDirectLoop(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	for _, c := range conv2DCases {
		t.Run(fmt.Sprintf("%v*%v/%s", c.x, c.k, c.cfg), func(t *testing.T) {
			g := NewGraph()
			xv, kv := randn(r, c.x.Size()), randn(r, c.k.Size())
			y := g.Conv2D(g.Constant(xv, c.x...), g.Constant(kv, c.k...), c.cfg)
			sh, sw := c.cfg.strides()
			want, ws := naiveConv2D(xv, kv, c.x, c.k, sh, sw, c.cfg.Padding[0], c.cfg.Padding[1])
			if err := g.Err(); err != nil {
				t.Fatal(err)
			}
			if !y.Shape().Equal(ws) {
				t.Fatalf("shape %v, want %v", y.Shape(), ws)
			}
			prog, err := g.Compile([]*Node{y})
			if err != nil {
				t.Fatal(err)
			}
			if err := prog.Run(); err != nil {
				t.Fatal(err)
			}
			for i, got := range prog.Value(y) {
				// Both sum the same products in different orders.
				if math.Abs(got-want[i]) > 1e-13*(1+math.Abs(want[i])) {
					t.Fatalf("y[%d] = %v, want %v", i, got, want[i])
				}
			}
		})
	}
}

func randn(r *rand.Rand, n int) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = r.NormFloat64()
	}
	return v
}

// The gradients of Conv2D in its input and its kernel, and the gradients of
// those gradient ops in turn (second derivatives), match central differences.
func TestConv2DGradients(t *testing.T) {
	var cases []gradCase
	for _, c := range conv2DCases {
		cfg := c.cfg
		geo, err := cfg.geometry(c.x, c.k)
		if err != nil {
			t.Fatal(err)
		}
		name := fmt.Sprintf("%v*%v/%s", c.x, c.k, cfg)
		cases = append(cases,
			gradCase{op: "conv2d", name: name, shapes: []Shape{c.x, c.k},
				build: func(g *Graph, x []*Node) *Node { return g.Conv2D(x[0], x[1], cfg) }},
			gradCase{op: "conv2d_dx", name: name, shapes: []Shape{geo.outShape(), c.k},
				build: func(g *Graph, x []*Node) *Node {
					return g.Apply(conv2dInputGradOp{cfg: cfg, h: geo.h, w: geo.w}, x[0], x[1])
				}},
			gradCase{op: "conv2d_dk", name: name, shapes: []Shape{c.x, geo.outShape()},
				build: func(g *Graph, x []*Node) *Node {
					return g.Apply(conv2dKernelGradOp{cfg: cfg, kh: geo.kh, kw: geo.kw}, x[0], x[1])
				}},
		)
	}
	runGradCases(t, cases)
}

// A compiled program with a convolution and both its gradients runs without
// allocating.
func TestConv2DRunsWithoutAllocating(t *testing.T) {
	g := NewGraph()
	r := rand.New(rand.NewPCG(3, 4))
	x := g.Param("x", randn(r, 2*3*8*8), 2, 3, 8, 8)
	k := g.Param("k", randn(r, 4*3*3*3), 4, 3, 3, 3)
	y := g.Conv2D(x, k, Conv2DConfig{Stride: [2]int{2, 2}, Padding: [2]int{1, 1}})
	loss := g.Sum(g.Mul(y, y))
	grads := g.Grad(loss, x, k)
	prog, err := g.Compile(append([]*Node{loss}, grads...))
	if err != nil {
		t.Fatal(err)
	}
	if err := prog.Run(); err != nil {
		t.Fatal(err)
	}
	if a := testing.AllocsPerRun(20, func() { _ = prog.Run() }); a != 0 {
		t.Errorf("%v allocations per run, want 0", a)
	}
}

// Wrong ranks, mismatched channels, kernels larger than the padded input and
// negative strides are errors that name conv2d, not panics.
func TestConv2DRejectsBadInput(t *testing.T) {
	cases := []struct {
		name string
		x, k Shape
		cfg  Conv2DConfig
		want error
	}{
		{"rank", Shape{1, 4, 4}, Shape{1, 1, 3, 3}, Conv2DConfig{}, ErrShape},
		{"channels", Shape{1, 2, 4, 4}, Shape{1, 3, 3, 3}, Conv2DConfig{}, ErrShape},
		{"kernel too large", Shape{1, 1, 2, 2}, Shape{1, 1, 3, 3}, Conv2DConfig{}, ErrShape},
		{"negative stride", Shape{1, 1, 4, 4}, Shape{1, 1, 3, 3}, Conv2DConfig{Stride: [2]int{-1, 1}}, ErrArgument},
		{"negative padding", Shape{1, 1, 4, 4}, Shape{1, 1, 3, 3}, Conv2DConfig{Padding: [2]int{0, -2}}, ErrArgument},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			g := NewGraph()
			g.Conv2D(g.Constant(make([]float64, c.x.Size()), c.x...), g.Constant(make([]float64, c.k.Size()), c.k...), c.cfg)
			if err := g.Err(); !errors.Is(err, c.want) {
				t.Errorf("error %v, want %v", err, c.want)
			}
		})
	}
}
