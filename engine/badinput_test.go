package engine

import (
	"errors"
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// badCase is one misuse of a public entry point. build must return an invalid
// node (or the call must otherwise fail) and the graph must report an error
// matching want; nothing may panic.
type badCase struct {
	method string // the Graph method under test (coverage is checked by name)
	name   string
	build  func(g *Graph) *Node
	want   error
	// mention, when set, must appear in the message: a bad node argument is
	// reported by the method it was passed to and its position there.
	mention string
}

func badCases() []badCase {
	m := func(g *Graph) *Node { return g.Fill(1, 2, 3) }
	v := func(g *Graph) *Node { return g.Fill(1, 4) }
	other := NewGraph().Fill(1, 2)
	var cs []badCase
	add := func(method, name string, want error, build func(g *Graph) *Node) {
		cs = append(cs, badCase{method: method, name: name, build: build, want: want})
	}
	// Leaves.
	add("Constant", "size mismatch", ErrShape, func(g *Graph) *Node { return g.Constant([]float64{1, 2}, 3) })
	add("Constant", "zero dimension", ErrArgument, func(g *Graph) *Node { return g.Constant(nil, 0) })
	add("ConstantTensor", "float32", ErrDType, func(g *Graph) *Node {
		return g.ConstantTensor(tensor.New(tensor.WithShape(2), tensor.WithBacking([]float32{1, 2})))
	})
	add("ConstantTensor", "nil", ErrArgument, func(g *Graph) *Node { return g.ConstantTensor(nil) })
	add("Fill", "negative dimension", ErrArgument, func(g *Graph) *Node { return g.Fill(1, 2, -1) })
	add("Fill", "2⁶⁴ elements (overflows)", ErrArgument, func(g *Graph) *Node { return g.Fill(0, 1<<32, 1<<32) })
	add("Fill", "2³⁷ elements", ErrArgument, func(g *Graph) *Node { return g.Fill(0, 1<<20, 1<<17) })
	add("Input", "2⁴⁰ elements", ErrArgument, func(g *Graph) *Node { return g.Input("x", 1<<20, 1<<20) })
	add("BroadcastTo", "result of 2⁴⁰ elements", ErrArgument, func(g *Graph) *Node { return g.BroadcastTo(g.Scalar(1), 1<<20, 1<<20) })
	add("Input", "zero dimension", ErrArgument, func(g *Graph) *Node { return g.Input("x", 0) })
	add("Param", "2³⁷ elements, no initial value", ErrArgument, func(g *Graph) *Node { return g.Param("p", nil, 1<<20, 1<<17) })
	add("Param", "init size mismatch", ErrShape, func(g *Graph) *Node { return g.Param("p", []float64{1}, 2) })
	add("Noise", "unknown kind", ErrArgument, func(g *Graph) *Node { return g.Noise(Noise(9), 2) })
	add("Noise", "zero dimension", ErrArgument, func(g *Graph) *Node { return g.Noise(StdNormal, 0) })
	add("Eye", "zero size", ErrArgument, func(g *Graph) *Node { return g.Eye(0) })
	add("Eye", "2⁶⁴ elements (overflows)", ErrArgument, func(g *Graph) *Node { return g.Eye(1 << 32) })
	add("Eye", "2⁴⁰ elements", ErrArgument, func(g *Graph) *Node { return g.Eye(1 << 20) })
	add("Reshape", "dimensions whose product overflows", ErrShape, func(g *Graph) *Node { return g.Reshape(g.Fill(1, 2), -1, 1<<40, 1<<40) })
	add("Scalar", "after error", ErrShape, func(g *Graph) *Node { g.Add(m(g), v(g)); return g.Scalar(1) })
	add("Apply", "nil op", ErrArgument, func(g *Graph) *Node { return g.Apply(nil) })
	add("Import", "nil node", ErrInvalidNode, func(g *Graph) *Node { return g.Import(nil) })
	add("Import", "gorgonia input", ErrInvalidNode, func(g *Graph) *Node {
		return g.Import(G.NewScalar(g.Gorgonia(), G.Float64, G.WithName("raw")))
	})
	add("Import", "float32 node", ErrDType, func(g *Graph) *Node {
		x := G.NewVector(g.Gorgonia(), G.Float32, G.WithShape(2), G.WithName("f32"))
		return g.Import(G.Must(G.Exp(x)))
	})
	add("Scan", "nil body", ErrArgument, func(g *Graph) *Node {
		fin, _ := g.Scan(nil, []*Node{g.Scalar(0)}, []*Node{g.Fill(0, 3)}, nil)
		return fin[0]
	})
	add("Scan", "nil sequence", ErrInvalidNode, func(g *Graph) *Node {
		fin, _ := g.Scan(func(b *Graph, c, x, k []*Node) ([]*Node, []*Node) { return c, nil }, []*Node{g.Scalar(0)}, []*Node{nil}, nil)
		return fin[0]
	})
	// Unary ops: invalid inputs (nil, another graph's node, a failed node).
	unary := map[string]func(g *Graph, x *Node) *Node{
		"Neg": (*Graph).Neg, "Exp": (*Graph).Exp, "Log": (*Graph).Log, "Log1p": (*Graph).Log1p,
		"Expm1": (*Graph).Expm1, "Sqrt": (*Graph).Sqrt, "Square": (*Graph).Square,
		"Reciprocal": (*Graph).Reciprocal, "Abs": (*Graph).Abs, "Sign": (*Graph).Sign,
		"Tanh": (*Graph).Tanh, "Sigmoid": (*Graph).Sigmoid, "Softplus": (*Graph).Softplus,
		"LogSigmoid": (*Graph).LogSigmoid, "Sin": (*Graph).Sin, "Cos": (*Graph).Cos,
		"Erf": (*Graph).Erf, "Lgamma": (*Graph).Lgamma, "Digamma": (*Graph).Digamma,
		"Scale":        func(g *Graph, x *Node) *Node { return g.Scale(x, 2) },
		"AddScalar":    func(g *Graph, x *Node) *Node { return g.AddScalar(x, 2) },
		"PowScalar":    func(g *Graph, x *Node) *Node { return g.PowScalar(x, 2) },
		"Polygamma":    func(g *Graph, x *Node) *Node { return g.Polygamma(1, x) },
		"ZerosLike":    (*Graph).ZerosLike,
		"OnesLike":     (*Graph).OnesLike,
		"Diag":         (*Graph).Diag,
		"DiagEmbed":    (*Graph).DiagEmbed,
		"MT":           (*Graph).MT,
		"Sum":          func(g *Graph, x *Node) *Node { return g.Sum(x) },
		"Mean":         func(g *Graph, x *Node) *Node { return g.Mean(x) },
		"Max":          func(g *Graph, x *Node) *Node { return g.Max(x) },
		"Min":          func(g *Graph, x *Node) *Node { return g.Min(x) },
		"LogSumExp":    func(g *Graph, x *Node) *Node { return g.LogSumExp(x) },
		"SoftMax":      func(g *Graph, x *Node) *Node { return g.SoftMax(x, 0) },
		"LogSoftMax":   func(g *Graph, x *Node) *Node { return g.LogSoftMax(x, 0) },
		"Reshape":      func(g *Graph, x *Node) *Node { return g.Reshape(x, -1) },
		"Unsqueeze":    func(g *Graph, x *Node) *Node { return g.Unsqueeze(x, 0) },
		"Transpose":    func(g *Graph, x *Node) *Node { return g.Transpose(x) },
		"Slice":        func(g *Graph, x *Node) *Node { return g.Slice(x, 0, 0, 1) },
		"Clamp":        func(g *Graph, x *Node) *Node { return g.Clamp(x, 0, 1) },
		"SumTo":        func(g *Graph, x *Node) *Node { return g.SumTo(x, Shape{1}) },
		"BroadcastTo":  func(g *Graph, x *Node) *Node { return g.BroadcastTo(x, 2) },
		"Expand":       func(g *Graph, x *Node) *Node { return g.Expand(x, 2) },
		"Cumsum":       func(g *Graph, x *Node) *Node { return g.Cumsum(x, 0) },
		"Cholesky":     (*Graph).Cholesky,
		"Log1mExp":     (*Graph).Log1mExp,
		"Ndtr":         (*Graph).Ndtr,
		"LogNdtr":      (*Graph).LogNdtr,
		"StopGradient": (*Graph).StopGradient,
		"LogDetChol":   (*Graph).LogDetChol,
		"Tril":         (*Graph).Tril,
		"Triu":         (*Graph).Triu,
		"Concat":       func(g *Graph, x *Node) *Node { return g.Concat(0, x, x) },
		"Stack":        func(g *Graph, x *Node) *Node { return g.Stack(0, x, x) },
	}
	// Position of the node argument the unary and binary entries pass last.
	unaryPos := map[string]int{"Polygamma": 2, "Concat": 2, "Stack": 2}
	binaryPos := map[string]int{"Where": 3}
	mention := func(name string, pos map[string]int, def int, what string) string {
		p := def
		if q, ok := pos[name]; ok {
			p = q
		}
		return fmt.Sprintf("%s: argument %d %s", name, p, what)
	}
	for name, f := range unary {
		add(name, "nil input", ErrInvalidNode, func(g *Graph) *Node { return f(g, nil) })
		cs[len(cs)-1].mention = mention(name, unaryPos, 1, "is nil")
		add(name, "node of another graph", ErrInvalidNode, func(g *Graph) *Node { return f(g, other) })
		cs[len(cs)-1].mention = mention(name, unaryPos, 1, "belongs to another graph")
		add(name, "input from a failed op", ErrShape, func(g *Graph) *Node { return f(g, g.Add(m(g), v(g))) })
	}
	binary := map[string]func(g *Graph, a, b *Node) *Node{
		"Add": (*Graph).Add, "Sub": (*Graph).Sub, "Mul": (*Graph).Mul, "Div": (*Graph).Div,
		"Pow": (*Graph).Pow, "Maximum": (*Graph).Maximum, "Minimum": (*Graph).Minimum,
		"Greater": (*Graph).Greater, "GreaterEqual": (*Graph).GreaterEqual, "Less": (*Graph).Less,
		"LessEqual": (*Graph).LessEqual, "Equal": (*Graph).Equal, "MatMul": (*Graph).MatMul,
		"MatVec":       (*Graph).MatVec,
		"MatMulT":      func(g *Graph, a, b *Node) *Node { return g.MatMulT(a, b, true, false) },
		"Where":        func(g *Graph, a, b *Node) *Node { return g.Where(g.Fill(1, 2, 3), a, b) },
		"TriSolve":     func(g *Graph, a, b *Node) *Node { return g.TriSolve(a, b, true, false) },
		"TriSolveVec":  func(g *Graph, a, b *Node) *Node { return g.TriSolveVec(a, b, false, true) },
		"CholSolve":    (*Graph).CholSolve,
		"Xlogy":        (*Graph).Xlogy,
		"LogAddExp":    (*Graph).LogAddExp,
		"Lbeta":        (*Graph).Lbeta,
		"SqDist":       func(g *Graph, a, b *Node) *Node { return g.SqDist(a, b, g.Fill(1, 3)) },
		"CholSolveVec": (*Graph).CholSolveVec,
	}
	for name, f := range binary {
		add(name, "shapes [2 3] and [4]", ErrShape, func(g *Graph) *Node { return f(g, m(g), v(g)) })
		add(name, "nil operand", ErrInvalidNode, func(g *Graph) *Node { return f(g, m(g), nil) })
		cs[len(cs)-1].mention = mention(name, binaryPos, 2, "is nil")
	}
	// Op-specific arguments.
	add("MatMul", "vector operand", ErrShape, func(g *Graph) *Node { return g.MatMul(v(g), v(g)) })
	add("Conv2D", "kernel channels differ", ErrShape, func(g *Graph) *Node {
		return g.Conv2D(g.Fill(1, 1, 2, 4, 4), g.Fill(1, 1, 3, 2, 2), Conv2DConfig{})
	})
	add("MatMul", "batch dims [2] and [3]", ErrShape, func(g *Graph) *Node {
		return g.MatMul(g.Fill(1, 2, 3, 3), g.Fill(1, 3, 3, 3))
	})
	add("Sum", "axis out of range", ErrArgument, func(g *Graph) *Node { return g.Sum(m(g), 2) })
	add("Sum", "repeated axis", ErrArgument, func(g *Graph) *Node { return g.Sum(m(g), 0, -2) })
	add("LogSoftMax", "axis out of range", ErrArgument, func(g *Graph) *Node { return g.LogSoftMax(m(g), 5) })
	add("Reshape", "size mismatch", ErrShape, func(g *Graph) *Node { return g.Reshape(m(g), 4) })
	add("Reshape", "two inferred dims", ErrArgument, func(g *Graph) *Node { return g.Reshape(m(g), -1, -1) })
	add("Unsqueeze", "axis out of range", ErrArgument, func(g *Graph) *Node { return g.Unsqueeze(m(g), 4) })
	add("Transpose", "bad permutation", ErrArgument, func(g *Graph) *Node { return g.Transpose(m(g), 0, 0) })
	add("MT", "vector", ErrShape, func(g *Graph) *Node { return g.MT(v(g)) })
	add("Slice", "end beyond size", ErrArgument, func(g *Graph) *Node { return g.Slice(m(g), 1, 0, 4) })
	add("Slice", "empty range", ErrArgument, func(g *Graph) *Node { return g.Slice(m(g), 1, 2, 2) })
	add("Concat", "nothing", ErrArgument, func(g *Graph) *Node { return g.Concat(0) })
	add("Concat", "dims differ", ErrShape, func(g *Graph) *Node { return g.Concat(0, m(g), g.Fill(1, 2, 4)) })
	add("Concat", "ranks differ", ErrShape, func(g *Graph) *Node { return g.Concat(0, m(g), v(g)) })
	add("Stack", "nothing", ErrArgument, func(g *Graph) *Node { return g.Stack(0) })
	add("Take", "axis out of range", ErrArgument, func(g *Graph) *Node { return g.Take(m(g), 3, v(g)) })
	add("Take", "nil index", ErrInvalidNode, func(g *Graph) *Node { return g.Take(m(g), 0, nil) })
	cs[len(cs)-1].mention = "Take: argument 3 is nil"
	add("Take", "failed input", ErrShape, func(g *Graph) *Node { return g.Take(g.Add(m(g), v(g)), 0, v(g)) })
	add("Clamp", "lo above hi", ErrArgument, func(g *Graph) *Node { return g.Clamp(m(g), 1, 0) })
	add("Clamp", "NaN bound", ErrArgument, func(g *Graph) *Node { return g.Clamp(m(g), math.NaN(), 0) })
	add("SumTo", "not a broadcast source", ErrShape, func(g *Graph) *Node { return g.SumTo(m(g), Shape{4}) })
	add("BroadcastTo", "not broadcastable", ErrShape, func(g *Graph) *Node { return g.BroadcastTo(m(g), 4, 3) })
	add("Polygamma", "negative order", ErrArgument, func(g *Graph) *Node { return g.Polygamma(-1, v(g)) })
	add("Diag", "non-square", ErrShape, func(g *Graph) *Node { return g.Diag(m(g)) })
	add("DiagEmbed", "scalar", ErrShape, func(g *Graph) *Node { return g.DiagEmbed(g.Scalar(1)) })
	sq := func(g *Graph) *Node { return g.Fill(1, 3, 3) }
	add("Cholesky", "non-square", ErrShape, func(g *Graph) *Node { return g.Cholesky(m(g)) })
	add("Cholesky", "vector", ErrShape, func(g *Graph) *Node { return g.Cholesky(v(g)) })
	add("LogDetChol", "non-square", ErrShape, func(g *Graph) *Node { return g.LogDetChol(m(g)) })
	add("TriSolve", "rows differ", ErrShape, func(g *Graph) *Node { return g.TriSolve(sq(g), g.Fill(1, 4, 2), true, false) })
	add("TriSolve", "batch dims [2] and [3]", ErrShape, func(g *Graph) *Node {
		return g.TriSolve(g.Fill(1, 2, 3, 3), g.Fill(1, 3, 3, 1), true, false)
	})
	add("TriSolveVec", "rows differ", ErrShape, func(g *Graph) *Node { return g.TriSolveVec(sq(g), v(g), true, false) })
	add("CholSolve", "non-square factor", ErrShape, func(g *Graph) *Node { return g.CholSolve(m(g), m(g)) })
	add("CholSolveVec", "rows differ", ErrShape, func(g *Graph) *Node { return g.CholSolveVec(sq(g), v(g)) })
	add("Tril", "vector", ErrShape, func(g *Graph) *Node { return g.Tril(v(g)) })
	add("Triu", "vector", ErrShape, func(g *Graph) *Node { return g.Triu(v(g)) })
	add("SqDist", "feature dims differ", ErrShape, func(g *Graph) *Node { return g.SqDist(g.Fill(0, 5, 3), g.Fill(0, 4, 2), g.Fill(1, 3)) })
	add("SqDist", "lengthscale dims", ErrShape, func(g *Graph) *Node { return g.SqDist(g.Fill(0, 5, 3), g.Fill(0, 4, 3), g.Fill(1, 2)) })
	add("SqDist", "batch dims [2] and [3]", ErrShape, func(g *Graph) *Node {
		return g.SqDist(g.Fill(0, 2, 5, 3), g.Fill(0, 3, 4, 3), g.Fill(1, 3))
	})
	add("SqDist", "vector input", ErrShape, func(g *Graph) *Node { return g.SqDist(v(g), v(g), g.Fill(1, 1)) })
	add("Cumsum", "axis out of range", ErrArgument, func(g *Graph) *Node { return g.Cumsum(m(g), 2) })
	add("Fail", "nil error", ErrArgument, func(g *Graph) *Node { return g.Fail(nil) })
	add("Ok", "nil node", ErrInvalidNode, func(g *Graph) *Node {
		if g.Ok("op", nil) {
			return g.Scalar(1)
		}
		return &Node{g: g}
	})
	add("Grad", "non-scalar loss", ErrShape, func(g *Graph) *Node { return g.Grad(m(g), m(g))[0] })
	add("Grad", "nil wrt", ErrInvalidNode, func(g *Graph) *Node { return g.Grad(g.Sum(m(g)), nil)[0] })
	cs[len(cs)-1].mention = "Grad: argument 2 is nil"
	add("Grad", "nil loss", ErrInvalidNode, func(g *Graph) *Node { return g.Grad(nil, m(g))[0] })
	cs[len(cs)-1].mention = "Grad: argument 1 is nil"
	add("Scan", "nil constant", ErrInvalidNode, func(g *Graph) *Node {
		fin, _ := g.Scan(func(b *Graph, c, x, k []*Node) ([]*Node, []*Node) { return c, nil }, []*Node{g.Scalar(0)}, []*Node{g.Fill(0, 3)}, []*Node{g.Scalar(1), nil})
		return fin[0]
	})
	cs[len(cs)-1].mention = "Scan: consts[1] is nil"
	add("Ok", "nil second node", ErrInvalidNode, func(g *Graph) *Node {
		if g.Ok("Model", g.Scalar(1), nil) {
			return g.Scalar(1)
		}
		return &Node{g: g}
	})
	cs[len(cs)-1].mention = "Model: argument 2 is nil"
	return cs
}

func TestBadInputTable(t *testing.T) {
	for _, c := range badCases() {
		t.Run(c.method+"/"+c.name, func(t *testing.T) {
			defer func() {
				if r := recover(); r != nil {
					t.Fatalf("panic: %v", r)
				}
			}()
			g := NewGraph()
			n := c.build(g)
			if n.Valid() {
				t.Errorf("returned a valid node %v", n)
			}
			err := g.Err()
			if !errors.Is(err, c.want) {
				t.Fatalf("error %v, want %v", err, c.want)
			}
			if c.mention != "" && !strings.Contains(err.Error(), c.mention) {
				t.Errorf("error %q does not say %q", err, c.mention)
			}
			if g.Err() != nil {
				t.Error("Err did not clear the error")
			}
			// After a failure, later calls are no-ops until Err is read.
			g2 := NewGraph()
			c.build(g2)
			if x := g2.Fill(1, 2); x.Valid() {
				t.Error("a call after a failure built a node before Err was read")
			}
		})
	}
}

// TestBadInputCoversEveryGraphMethod makes the table above grow with the API:
// every exported Graph method that builds nodes must have a case.
func TestBadInputCoversEveryGraphMethod(t *testing.T) {
	covered := map[string]bool{}
	for _, c := range badCases() {
		covered[c.method] = true
	}
	notBuilders := map[string]bool{"Err": true, "Gorgonia": true, "Nodes": true, "Compile": true}
	gt := reflect.TypeOf(&Graph{})
	var missing []string
	for i := 0; i < gt.NumMethod(); i++ {
		name := gt.Method(i).Name
		if !notBuilders[name] && !covered[name] {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		t.Fatalf("Graph methods without a bad-input case: %s", strings.Join(missing, ", "))
	}
}

func TestBadInputProgram(t *testing.T) {
	g := NewGraph()
	x := g.Input("x", 3)
	p := g.Param("p", []float64{1, 2, 3}, 3)
	c := g.Constant([]float64{1, 2, 3}, 3)
	idx := g.Input("idx", 2)
	taken := g.Take(g.Mul(x, p), 0, idx)
	loss := g.Sum(g.Add(taken, g.Sum(c)))
	prog, err := g.Compile([]*Node{loss})
	if err != nil {
		t.Fatal(err)
	}
	other := NewGraph().Input("x", 3)
	f32 := tensor.New(tensor.WithShape(3), tensor.WithBacking([]float32{1, 2, 3}))
	cases := []struct {
		name string
		err  error
		want error
	}{
		{"Set wrong length", prog.Set(x, []float64{1}), ErrShape},
		{"Set constant", prog.Set(c, []float64{1, 2, 3}), ErrArgument},
		{"Set node of another graph", prog.Set(other, []float64{1, 2, 3}), ErrNotCompiled},
		{"Set nil node", prog.Set(nil, []float64{1}), ErrNotCompiled},
		{"SetTensor float32", prog.SetTensor(x, f32), ErrDType},
		{"SetTensor wrong shape", prog.SetTensor(x, tensor.New(tensor.WithShape(2), tensor.WithBacking([]float64{1, 2}))), ErrShape},
		{"SetTensor nil", prog.SetTensor(x, nil), ErrArgument},
		{"RegisterDevice nil", RegisterDevice(nil), ErrArgument},
		{"SetDefaultDevice nil", SetDefaultDevice(nil), ErrArgument},
		{"SetRNGState garbage", prog.SetRNGState([]byte("garbage")), ErrArgument},
	}
	for _, c := range cases {
		if !errors.Is(c.err, c.want) {
			t.Errorf("%s: error %v, want %v", c.name, c.err, c.want)
		}
	}
	// Run-time errors that depend on values: an index out of range.
	if err := prog.Set(idx, []float64{0, 3}); err != nil {
		t.Fatal(err)
	}
	if err := prog.Run(); !errors.Is(err, ErrArgument) {
		t.Errorf("Run with index 3 of 3: error %v, want ErrArgument", err)
	}
	if err := prog.Set(idx, []float64{0, 0.5}); err != nil {
		t.Fatal(err)
	}
	if err := prog.Run(); !errors.Is(err, ErrArgument) {
		t.Errorf("Run with index 0.5: error %v, want ErrArgument", err)
	}
	if _, err := g.Compile([]*Node{loss}, WithDevice(nil)); !errors.Is(err, ErrArgument) {
		t.Errorf("Compile with nil device: %v", err)
	}
	if _, err := g.Compile([]*Node{nil}); !errors.Is(err, ErrInvalidNode) {
		t.Errorf("Compile nil output: %v", err)
	}
	g.Add(g.Fill(1, 2), g.Fill(1, 3))
	if _, err := g.Compile([]*Node{loss}); !errors.Is(err, ErrShape) {
		t.Errorf("Compile after a builder error: %v", err)
	}
	// Factorizations: non-finite input and a non-positive-definite member,
	// reported by its batch index.
	lg := NewGraph()
	a := lg.Input("a", 3, 2, 2)
	l := lg.Cholesky(a)
	lprog, err := lg.Compile([]*Node{l})
	if err != nil {
		t.Fatal(err)
	}
	_ = lprog.Set(a, []float64{1, 0, 0, 1, 4, 2, 2, 3, math.NaN(), 0, 0, 1})
	var nf *NotFiniteError
	if err := lprog.Run(); !errors.As(err, &nf) || nf.Index != 8 {
		t.Errorf("Cholesky of NaN input: %v", err)
	}
	_ = lprog.Set(a, []float64{1, 0, 0, 1, 4, 2, 2, 3, 1, 2, 2, 1})
	var npd *NotPositiveDefiniteError
	if err := lprog.Run(); !errors.As(err, &npd) || npd.Batch != 2 {
		t.Errorf("Cholesky of an indefinite member 2: %v", err)
	}
	if v := prog.Value(other); v != nil {
		t.Errorf("Value of another graph's node: %v", v)
	}
	if s := prog.Scalar(other); !math.IsNaN(s) {
		t.Errorf("Scalar of another graph's node: %v", s)
	}
}
