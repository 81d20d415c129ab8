package engine

import (
	"math/rand/v2"
	"testing"
)

func unaryCases(op string, f func(g *Graph, x *Node) *Node, init func(*rand.Rand, int, []float64)) []gradCase {
	var cs []gradCase
	for _, s := range []Shape{{}, {1}, {7}, {3, 4}, {2, 1, 3}} {
		cs = append(cs, gradCase{op: op, name: "shape" + s.String(), shapes: []Shape{s}, init: init,
			build: func(g *Graph, x []*Node) *Node { return f(g, x[0]) }})
	}
	return cs
}

func binaryCases(op string, f func(g *Graph, a, b *Node) *Node, init func(*rand.Rand, int, []float64)) []gradCase {
	pairs := [][2]Shape{{{5}, {5}}, {{1}, {1}}, {{3, 4}, {4}}, {{3, 1}, {1, 4}}, {{2, 3, 4}, {}}, {{}, {2, 3}}, {{2, 1, 3}, {4, 1}}}
	var cs []gradCase
	for _, p := range pairs {
		cs = append(cs, gradCase{op: op, name: p[0].String() + "x" + p[1].String(), shapes: []Shape{p[0], p[1]}, init: init,
			build: func(g *Graph, x []*Node) *Node { return f(g, x[0], x[1]) }})
	}
	return cs
}

// separated draws inputs whose pairs are far apart, so max/min are smooth.
func separated(r *rand.Rand, i int, v []float64) {
	for j := range v {
		v[j] = float64(3*i) + r.Float64()
	}
}

func TestGradElementwise(t *testing.T) {
	var cs []gradCase
	real := func(op string, f func(g *Graph, x *Node) *Node) { cs = append(cs, unaryCases(op, f, nil)...) }
	pos := func(op string, f func(g *Graph, x *Node) *Node) { cs = append(cs, unaryCases(op, f, positive)...) }
	real("neg", (*Graph).Neg)
	real("scale", func(g *Graph, x *Node) *Node { return g.Scale(x, -2.5) })
	real("add_scalar", func(g *Graph, x *Node) *Node { return g.AddScalar(x, 1.5) })
	pos("pow_scalar", func(g *Graph, x *Node) *Node { return g.PowScalar(x, 2.7) })
	real("exp", (*Graph).Exp)
	pos("log", (*Graph).Log)
	pos("log1p", (*Graph).Log1p)
	real("expm1", (*Graph).Expm1)
	pos("sqrt", (*Graph).Sqrt)
	real("square", (*Graph).Square)
	pos("reciprocal", (*Graph).Reciprocal)
	pos("abs", (*Graph).Abs)
	real("tanh", (*Graph).Tanh)
	real("sigmoid", (*Graph).Sigmoid)
	real("softplus", (*Graph).Softplus)
	real("logsigmoid", (*Graph).LogSigmoid)
	real("sin", (*Graph).Sin)
	real("cos", (*Graph).Cos)
	real("erf", (*Graph).Erf)
	pos("lgamma", (*Graph).Lgamma)
	pos("digamma", (*Graph).Digamma)
	pos("polygamma1", func(g *Graph, x *Node) *Node { return g.Polygamma(1, x) })
	pos("polygamma2", func(g *Graph, x *Node) *Node { return g.Polygamma(2, x) })
	cs = append(cs, binaryCases("add", (*Graph).Add, nil)...)
	cs = append(cs, binaryCases("sub", (*Graph).Sub, nil)...)
	cs = append(cs, binaryCases("mul", (*Graph).Mul, nil)...)
	cs = append(cs, binaryCases("div", (*Graph).Div, positive)...)
	cs = append(cs, binaryCases("pow", (*Graph).Pow, positive)...)
	cs = append(cs, binaryCases("maximum", (*Graph).Maximum, separated)...)
	cs = append(cs, binaryCases("minimum", (*Graph).Minimum, separated)...)
	runGradCases(t, cs)
}

func TestGradReductions(t *testing.T) {
	var cs []gradCase
	type red struct {
		op string
		f  func(g *Graph, x *Node, axes ...int) *Node
	}
	for _, r := range []red{{"sum", (*Graph).Sum}, {"mean", (*Graph).Mean}, {"max", (*Graph).Max}, {"min", (*Graph).Min}, {"logsumexp", (*Graph).LogSumExp}} {
		for _, c := range []struct {
			s    Shape
			axes []int
		}{{Shape{1}, nil}, {Shape{6}, nil}, {Shape{3, 4}, []int{0}}, {Shape{3, 4}, []int{1}}, {Shape{2, 3, 4}, []int{0, 2}}, {Shape{2, 3, 4}, []int{-2}}} {
			cs = append(cs, gradCase{op: r.op, name: c.s.String() + "axes" + Shape(c.axes).String(), shapes: []Shape{c.s},
				build: func(g *Graph, x []*Node) *Node { return r.f(g, x[0], c.axes...) }})
		}
	}
	for _, axis := range []int{0, 1} {
		cs = append(cs, gradCase{op: "logsoftmax", name: "axis" + Shape{axis}.String(), shapes: []Shape{{3, 4}},
			build: func(g *Graph, x []*Node) *Node { return g.LogSoftMax(x[0], axis) }})
		cs = append(cs, gradCase{op: "softmax", name: "axis" + Shape{axis}.String(), shapes: []Shape{{3, 4}},
			build: func(g *Graph, x []*Node) *Node { return g.SoftMax(x[0], axis) }})
	}
	cs = append(cs,
		gradCase{op: "sum_to", name: "[2 3 4]to[3 1]", shapes: []Shape{{2, 3, 4}},
			build: func(g *Graph, x []*Node) *Node { return g.SumTo(x[0], Shape{3, 1}) }},
		gradCase{op: "broadcast_to", name: "[3 1]to[2 3 4]", shapes: []Shape{{3, 1}},
			build: func(g *Graph, x []*Node) *Node { return g.BroadcastTo(x[0], 2, 3, 4) }},
		gradCase{op: "broadcast_to", name: "[1]to[5]", shapes: []Shape{{1}},
			build: func(g *Graph, x []*Node) *Node { return g.BroadcastTo(x[0], 5) }},
	)
	runGradCases(t, cs)
}

func TestGradShapeOps(t *testing.T) {
	idx := func(g *Graph, v ...float64) *Node { return g.Constant(v, len(v)) }
	cs := []gradCase{
		{op: "reshape", name: "[2 3 4]to[6 -1]", shapes: []Shape{{2, 3, 4}},
			build: func(g *Graph, x []*Node) *Node { return g.Square(g.Reshape(x[0], 6, -1)) }},
		{op: "transpose", name: "[2 3 4]perm[2 0 1]", shapes: []Shape{{2, 3, 4}},
			build: func(g *Graph, x []*Node) *Node { return g.Transpose(x[0], 2, 0, 1) }},
		{op: "transpose", name: "mT[2 3 4]", shapes: []Shape{{2, 3, 4}},
			build: func(g *Graph, x []*Node) *Node { return g.MT(x[0]) }},
		{op: "slice", name: "[4 5]axis1[1:4]", shapes: []Shape{{4, 5}},
			build: func(g *Graph, x []*Node) *Node { return g.Slice(x[0], 1, 1, 4) }},
		{op: "slice", name: "[6]axis0[2:3]", shapes: []Shape{{6}},
			build: func(g *Graph, x []*Node) *Node { return g.Slice(x[0], 0, 2, 3) }},
		{op: "concat", name: "[2 3]+[2 1]axis1", shapes: []Shape{{2, 3}, {2, 1}},
			build: func(g *Graph, x []*Node) *Node { return g.Concat(1, x[0], x[1]) }},
		{op: "concat", name: "[1]+[1]+[1]", shapes: []Shape{{1}, {1}, {1}},
			build: func(g *Graph, x []*Node) *Node { return g.Concat(0, x...) }},
		{op: "stack", name: "[3]x2axis-1", shapes: []Shape{{3}, {3}},
			build: func(g *Graph, x []*Node) *Node { return g.Stack(-1, x...) }},
		{op: "take", name: "[4 3]axis0idx[3]", shapes: []Shape{{4, 3}},
			build: func(g *Graph, x []*Node) *Node { return g.Take(x[0], 0, idx(g, 2, 0, 2)) }},
		{op: "take", name: "[2 4]axis1idx[2 2]", shapes: []Shape{{2, 4}},
			build: func(g *Graph, x []*Node) *Node { return g.Take(x[0], 1, g.Constant([]float64{3, 1, 1, 0}, 2, 2)) }},
		{op: "where", name: "cond[3 1]a[3 4]b[4]", shapes: []Shape{{3, 4}, {4}},
			build: func(g *Graph, x []*Node) *Node { return g.Where(g.Constant([]float64{1, 0, 1}, 3, 1), x[0], x[1]) }},
		{op: "cumsum", name: "[3 4]axis1", shapes: []Shape{{3, 4}},
			build: func(g *Graph, x []*Node) *Node { return g.Cumsum(x[0], 1) }},
		{op: "cumsum", name: "[4 2 3]axis0", shapes: []Shape{{4, 2, 3}},
			build: func(g *Graph, x []*Node) *Node { return g.Cumsum(x[0], 0) }},
		{op: "clamp", name: "[7]", shapes: []Shape{{7}},
			build: func(g *Graph, x []*Node) *Node { return g.Clamp(x[0], -0.5, 0.7) }},
		{op: "diag", name: "[2 3 3]", shapes: []Shape{{2, 3, 3}},
			build: func(g *Graph, x []*Node) *Node { return g.Diag(x[0]) }},
		{op: "diag_embed", name: "[2 3]", shapes: []Shape{{2, 3}},
			build: func(g *Graph, x []*Node) *Node { return g.DiagEmbed(x[0]) }},
	}
	runGradCases(t, cs)
}

func TestGradMatMul(t *testing.T) {
	var cs []gradCase
	for _, c := range []struct {
		a, b   Shape
		ta, tb bool
	}{
		{Shape{3, 4}, Shape{4, 2}, false, false},
		{Shape{1, 1}, Shape{1, 1}, false, false},
		{Shape{4, 3}, Shape{4, 2}, true, false},
		{Shape{3, 4}, Shape{2, 4}, false, true},
		{Shape{4, 3}, Shape{2, 4}, true, true},
		{Shape{2, 3, 4}, Shape{4, 5}, false, false},
		{Shape{5, 1, 3, 4}, Shape{2, 4, 2}, false, false},
		{Shape{1, 3, 4}, Shape{4, 2}, false, false},
	} {
		cs = append(cs, gradCase{op: "matmul", name: c.a.String() + "x" + c.b.String(), shapes: []Shape{c.a, c.b},
			build: func(g *Graph, x []*Node) *Node { return g.MatMulT(x[0], x[1], c.ta, c.tb) }})
	}
	cs = append(cs, gradCase{op: "matvec", name: "[2 3 4]x[4]", shapes: []Shape{{2, 3, 4}, {4}},
		build: func(g *Graph, x []*Node) *Node { return g.MatVec(x[0], x[1]) }})
	runGradCases(t, cs)
}
