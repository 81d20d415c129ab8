package engine

import (
	"fmt"
	"math"
	"reflect"
	"strings"

	G "gorgonia.org/gorgonia"
)

// Gorgonia's ops keep their parameters unexported; translate reads them by
// reflection, by the names Gorgonia v0.9 gives them, and an op it cannot
// read stays a foreign op, which is correct, only slower.

// field returns the named field of a (pointer to a) struct, or an invalid
// value.
func field(op any, name string) reflect.Value {
	v := reflect.Indirect(reflect.ValueOf(op))
	if v.Kind() != reflect.Struct {
		return reflect.Value{}
	}
	return v.FieldByName(name)
}

// ints reads an []int field.
func ints(v reflect.Value) ([]int, bool) {
	if !v.IsValid() || v.Kind() != reflect.Slice {
		return nil, false
	}
	out := make([]int, v.Len())
	for i := range out {
		out[i] = int(v.Index(i).Int())
	}
	return out, true
}

// gorgoniaUnary maps the names of Gorgonia's element-wise unary operators
// to ignis ops.
var gorgoniaUnary = map[string]func(g *Graph, x *Node) *Node{
	"abs": (*Graph).Abs, "sign": (*Graph).Sign, "sin": (*Graph).Sin, "cos": (*Graph).Cos,
	"exp": (*Graph).Exp, "ln": (*Graph).Log, "neg": (*Graph).Neg, "square": (*Graph).Square,
	"sqrt": (*Graph).Sqrt, "inv": (*Graph).Reciprocal, "tanh": (*Graph).Tanh, "sigmoid": (*Graph).Sigmoid,
	"log1p": (*Graph).Log1p, "expm1": (*Graph).Expm1, "softplus": (*Graph).Softplus,
	"log2":    func(g *Graph, x *Node) *Node { return g.Scale(g.Log(x), 1/math.Ln2) },
	"invSqrt": func(g *Graph, x *Node) *Node { return g.Reciprocal(g.Sqrt(x)) },
	"cube":    func(g *Graph, x *Node) *Node { return g.Mul(g.Square(x), x) },
}

// gorgoniaBinary maps the symbols of Gorgonia's element-wise binary
// operators to ignis ops (comparisons give 1 or 0).
var gorgoniaBinary = map[string]func(g *Graph, a, b *Node) *Node{
	"+": (*Graph).Add, "-": (*Graph).Sub, "⊙": (*Graph).Mul, "÷": (*Graph).Div, "^": (*Graph).Pow,
	"<": (*Graph).Less, ">": (*Graph).Greater, "<=": (*Graph).LessEqual, ">=": (*Graph).GreaterEqual,
	"==": (*Graph).Equal,
	"!=": func(g *Graph, a, b *Node) *Node { return g.AddScalar(g.Neg(g.Equal(a, b)), 1) },
}

// translate maps a Gorgonia op with a native counterpart to ignis ops: the
// element-wise arithmetic and functions, comparisons, matrix and vector
// products, sums, softmax, reshapes, transposes and the repeats Gorgonia
// broadcasts with. It reports false for any other op, which then runs
// through Gorgonia's own Do.
func (im *importer) translate(gn *G.Node, kids G.Nodes) (*Node, bool) {
	g := im.g
	op := gn.Op()
	out := Shape(gn.Shape().Clone())
	in := func(i int) *Node { return im.node(kids[i]) }
	switch fmt.Sprintf("%T", op) {
	case "gorgonia.elemUnaryOp":
		f, ok := gorgoniaUnary[op.String()]
		if !ok || len(kids) != 1 {
			return nil, false
		}
		return f(g, in(0)), true
	case "gorgonia.elemBinOp":
		f, ok := gorgoniaBinary[strings.Fields(op.String())[0]]
		if !ok || len(kids) != 2 {
			return nil, false
		}
		return f(g, in(0), in(1)), true
	case "gorgonia.linAlgBinOp":
		kind, ta, tb := field(op, "āBinaryOperator"), field(op, "transA"), field(op, "transB")
		if !kind.IsValid() || !ta.IsValid() || !tb.IsValid() || len(kids) != 2 {
			return nil, false
		}
		a, b := in(0), in(1)
		switch kind.Uint() {
		case 0: // matrix × matrix
			return g.MatMulT(a, b, ta.Bool(), tb.Bool()), true
		case 1: // matrix × vector
			n := b.shape[0]
			return g.Reshape(g.MatMulT(a, g.Reshape(b, n, 1), ta.Bool(), false), out...), true
		case 2: // vector · vector
			return g.Sum(g.Mul(a, b)), true
		case 3: // outer product
			return g.MatMul(g.Reshape(a, a.shape.Size(), 1), g.Reshape(b, 1, b.shape.Size())), true
		}
		return nil, false
	case "gorgonia.sumOp":
		along, ok := ints(field(op, "along"))
		if !ok || len(kids) != 1 {
			return nil, false
		}
		return g.Reshape(g.Sum(in(0), along...), out...), true
	case "gorgonia.reshapeOp":
		return g.Reshape(in(0), out...), true
	case "*gorgonia.transposeOp", "gorgonia.transposeOp":
		pattern, ok := ints(field(op, "pattern"))
		if !ok {
			return nil, false
		}
		return g.Transpose(in(0), pattern...), true
	case "*gorgonia.repeatOp", "gorgonia.repeatOp":
		// Gorgonia broadcasts by repeating axes of size one; its other
		// inputs are the repeat counts, known from the shapes
		x := kids[0]
		if x.Dims() != len(out) {
			return nil, false
		}
		for i, d := range x.Shape() {
			if d != 1 && d != out[i] {
				return nil, false
			}
		}
		return g.BroadcastTo(in(0), out...), true
	case "gorgonia.sizeOp", "*gorgonia.sizeOp":
		axis := field(op, "axis")
		if !axis.IsValid() || len(kids) != 1 || int(axis.Int()) >= kids[0].Dims() {
			return nil, false
		}
		return g.Scalar(float64(kids[0].Shape()[axis.Int()])), true
	case "*gorgonia.softmaxOp":
		axis, isLog := field(op, "axis"), field(op, "isLog")
		if !axis.IsValid() || !isLog.IsValid() || len(kids) != 1 {
			return nil, false
		}
		if isLog.Bool() {
			return g.LogSoftMax(in(0), int(axis.Int())), true
		}
		return g.SoftMax(in(0), int(axis.Int())), true
	}
	return nil, false
}
