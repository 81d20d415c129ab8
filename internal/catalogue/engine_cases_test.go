package catalogue_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/ignis-ppl/ignis/engine"
	G "gorgonia.org/gorgonia"
)

// graphErr builds on a fresh graph and returns the graph's error, or an
// error saying that the misuse gave a valid node.
func graphErr(build func(g *engine.Graph) *engine.Node) error {
	g := engine.NewGraph()
	n := build(g)
	if err := g.Err(); err != nil {
		return err
	}
	return wrong("the misuse built the valid node %v", n)
}

// runErr compiles out, sets the inputs and runs the program once.
func runErr(g *engine.Graph, out *engine.Node, set map[*engine.Node][]float64) error {
	if err := g.Err(); err != nil {
		return err
	}
	p, err := g.Compile([]*engine.Node{out})
	if err != nil {
		return err
	}
	for n, v := range set {
		if err := p.Set(n, v); err != nil {
			return err
		}
	}
	return p.Run()
}

// blockingOp is an identity op whose kernel waits on a channel: a program
// holding it stays inside Run until the channel is closed.
type blockingOp struct {
	entered chan struct{}
	release chan struct{}
}

func (blockingOp) String() string { return "blocking" }
func (blockingOp) Shape(in []engine.Shape) (engine.Shape, error) {
	return in[0].Clone(), nil
}
func (o blockingOp) Kernel(engine.KernelSpec) (engine.Kernel, error) {
	return engine.KernelFunc(func(out []float64, in [][]float64) error {
		o.entered <- struct{}{}
		<-o.release
		copy(out, in[0])
		return nil
	}), nil
}
func (blockingOp) Grad(g *engine.Graph, in []*engine.Node, out, gout *engine.Node) []*engine.Node {
	return []*engine.Node{gout}
}

// eye3With is the 3×3 identity with one element replaced.
func eye3With(i int, v float64) []float64 {
	e := []float64{1, 0, 0, 0, 1, 0, 0, 0, 1}
	e[i] = v
	return e
}

// engineCases are the catalogue's misuses of engine.
func engineCases() []badInput {
	noCtx := func(f func() error) func(context.Context) error {
		return func(context.Context) error { return f() }
	}
	build := func(f func(g *engine.Graph) *engine.Node) func(context.Context) error {
		return noCtx(func() error { return graphErr(f) })
	}
	m := func(g *engine.Graph) *engine.Node { return g.Fill(1, 2, 3) }
	return []badInput{
		// Sizes: overflow and allocations the machine cannot make are
		// errors when the node is built.
		{name: "Fill of 2⁶⁴ elements (overflows int)", want: engine.ErrArgument, mention: []string{"fill", "[4294967296 4294967296]"},
			run: build(func(g *engine.Graph) *engine.Node { return g.Fill(0, 1<<32, 1<<32) })},
		{name: "Fill of 2³⁷ elements", want: engine.ErrArgument, mention: []string{"fill", "more than 4294967296 elements"},
			run: build(func(g *engine.Graph) *engine.Node { return g.Fill(0, 1<<20, 1<<17) })},
		{name: "Param of 2³⁷ elements without an initial value", want: engine.ErrArgument, mention: []string{`"w"`},
			run: build(func(g *engine.Graph) *engine.Node { return g.Param("w", nil, 1<<20, 1<<17) })},
		{name: "Eye of 2⁶⁴ elements", want: engine.ErrArgument, mention: []string{"eye", "4294967296"},
			run: build(func(g *engine.Graph) *engine.Node { return g.Eye(1 << 32) })},
		{name: "Reshape to dimensions whose product overflows", want: engine.ErrShape, mention: []string{"reshape", "[-1 1099511627776 1099511627776]"},
			run: build(func(g *engine.Graph) *engine.Node { return g.Reshape(g.Fill(1, 6), -1, 1<<40, 1<<40) })},
		{name: "BroadcastTo a result of 2⁴⁰ elements", want: engine.ErrArgument, mention: []string{"broadcast_to", "more than"},
			run: build(func(g *engine.Graph) *engine.Node { return g.BroadcastTo(g.Scalar(1), 1<<20, 1<<20) })},
		{name: "Compile over the memory budget", want: engine.ErrMemory, mention: []string{"16777216 bytes", "1048576 bytes"},
			run: noCtx(func() error {
				g := engine.NewGraph()
				x, y := g.Input("x", 1<<20), g.Input("y", 1<<20)
				_, err := g.Compile([]*engine.Node{g.Sum(g.Mul(x, y))}, engine.WithMemoryBudget(1<<20))
				return err
			})},
		{name: "Compile under a budget that holds the program", want: nil,
			run: noCtx(func() error {
				g := engine.NewGraph()
				x := g.Input("x", 1000)
				s := g.Sum(g.Square(x))
				p, err := g.Compile([]*engine.Node{s}, engine.WithMemoryBudget(1<<20))
				if err != nil {
					return err
				}
				if err := p.Set(x, slices.Repeat([]float64{2}, 1000)); err != nil {
					return err
				}
				if err := p.Run(); err != nil {
					return err
				}
				if got := p.Scalar(s); got != 4000 {
					return wrong("sum of 1000 squares of 2 = %v", got)
				}
				return nil
			})},
		// Node arguments: nil, of another graph, from a failed op; reported
		// by the method they were passed to.
		{name: "Add with a nil first argument", want: engine.ErrInvalidNode, mention: []string{"Add: argument 1 is nil"},
			run: build(func(g *engine.Graph) *engine.Node { return g.Add(nil, g.Scalar(1)) })},
		{name: "MatMul with a nil second argument", want: engine.ErrInvalidNode, mention: []string{"MatMul: argument 2 is nil"},
			run: build(func(g *engine.Graph) *engine.Node { return g.MatMul(m(g), nil) })},
		{name: "Take with a nil index", want: engine.ErrInvalidNode, mention: []string{"Take: argument 3 is nil"},
			run: build(func(g *engine.Graph) *engine.Node { return g.Take(m(g), 0, nil) })},
		{name: "Sub with a node of another graph", want: engine.ErrInvalidNode, mention: []string{"Sub: argument 2 belongs to another graph"},
			run: build(func(g *engine.Graph) *engine.Node { return g.Sub(m(g), engine.NewGraph().Fill(1, 2, 3)) })},
		{name: "CholSolve with a nil right-hand side", want: engine.ErrInvalidNode, mention: []string{"CholSolve: argument 2 is nil"},
			run: build(func(g *engine.Graph) *engine.Node { return g.CholSolve(g.Eye(3), nil) })},
		{name: "Compile with a nil output", want: engine.ErrInvalidNode, mention: []string{"Compile: outputs[1] is nil"},
			run: noCtx(func() error {
				g := engine.NewGraph()
				_, err := g.Compile([]*engine.Node{g.Scalar(1), nil})
				return err
			})},
		{name: "Ok names the caller's function and argument", want: engine.ErrInvalidNode, mention: []string{"Normal: argument 1 is nil"},
			run: noCtx(func() error {
				g := engine.NewGraph()
				if g.Ok("Normal", nil, g.Scalar(1)) {
					return wrong("Ok accepted a nil node")
				}
				return g.Err()
			})},
		// Shapes.
		{name: "Add of [2 3] and [4]", want: engine.ErrShape, mention: []string{"add", "[2 3]", "[4]"},
			run: build(func(g *engine.Graph) *engine.Node { return g.Add(m(g), g.Fill(1, 4)) })},
		{name: "MatMul with inner dimensions 3 and 2", want: engine.ErrShape, mention: []string{"matmul", "3 and 2"},
			run: build(func(g *engine.Graph) *engine.Node { return g.MatMul(m(g), m(g)) })},
		{name: "Sum over axis 2 of a matrix", want: engine.ErrArgument, mention: []string{"sum", "axes [2]"},
			run: build(func(g *engine.Graph) *engine.Node { return g.Sum(m(g), 2) })},
		{name: "BroadcastShapes with a zero dimension", want: nil,
			run: noCtx(func() error {
				if s, ok := engine.BroadcastShapes(engine.Shape{1, 3}, engine.Shape{0, 3}); ok {
					return wrong("[1 3] and [0 3] broadcast to %v", s)
				}
				if s, ok := engine.BroadcastShapes(engine.Shape{2, 1}, engine.Shape{3}); !ok || !s.Equal(engine.Shape{2, 3}) {
					return wrong("[2 1] and [3] broadcast to %v, %t", s, ok)
				}
				return nil
			})},
		// Linear algebra: values a factorization or a solve cannot take.
		{name: "TriSolve with a zero on the diagonal", want: engine.ErrSingular, mention: []string{"trisolve", "(1, 1)", "element 4"},
			run: noCtx(func() error {
				g := engine.NewGraph()
				a := g.Input("a", 3, 3)
				return runErr(g, g.TriSolve(a, g.Fill(1, 3, 2), true, false), map[*engine.Node][]float64{a: eye3With(4, 0)})
			})},
		{name: "TriSolveVec with NaN on the diagonal", want: engine.ErrNotFinite, mention: []string{"trisolve", "NaN", "(2, 2)"},
			run: noCtx(func() error {
				g := engine.NewGraph()
				a := g.Input("a", 3, 3)
				return runErr(g, g.TriSolveVec(a, g.Fill(1, 3), false, true), map[*engine.Node][]float64{a: eye3With(8, math.NaN())})
			})},
		{name: "CholSolve with a zero in the factor's diagonal", want: engine.ErrSingular, mention: []string{"matrix 1 of the batch"},
			run: noCtx(func() error {
				g := engine.NewGraph()
				l := g.Input("l", 2, 3, 3)
				return runErr(g, g.CholSolve(l, g.Fill(1, 2, 3, 1)), map[*engine.Node][]float64{l: append(eye3With(0, 1), eye3With(0, 0)...)})
			})},
		{name: "TriSolve of a good system", want: nil,
			run: noCtx(func() error {
				g := engine.NewGraph()
				a := g.Constant([]float64{2, 0, 1, 4}, 2, 2)
				x := g.TriSolveVec(a, g.Constant([]float64{2, 9}, 2), true, false)
				p, err := g.Compile([]*engine.Node{x})
				if err != nil {
					return err
				}
				if err := p.Run(); err != nil {
					return err
				}
				if got := p.Value(x); !slices.Equal(got, []float64{1, 2}) {
					return wrong("[[2 0] [1 4]] x = [2 9] gave %v, want [1 2]", got)
				}
				return nil
			})},
		{name: "Cholesky of an indefinite matrix", want: engine.ErrNotPositiveDefinite, mention: []string{"cholesky", "matrix 1 of the batch"},
			run: noCtx(func() error {
				g := engine.NewGraph()
				a := g.Input("a", 2, 2, 2)
				err := runErr(g, g.Cholesky(a), map[*engine.Node][]float64{a: {1, 0, 0, 1, 1, 2, 2, 1}})
				var npd *engine.NotPositiveDefiniteError
				if err != nil && (!errors.As(err, &npd) || npd.Batch != 1) {
					return wrong("error %v is not a *NotPositiveDefiniteError for matrix 1", err)
				}
				return err
			})},
		{name: "Cholesky of NaN", want: engine.ErrNotFinite, mention: []string{"cholesky", "element 3"},
			run: noCtx(func() error {
				g := engine.NewGraph()
				a := g.Input("a", 2, 2)
				return runErr(g, g.Cholesky(a), map[*engine.Node][]float64{a: {1, 0, 0, math.NaN()}})
			})},
		// Programs.
		{name: "Program run from two goroutines at once", want: engine.ErrBusy, mention: []string{"another goroutine"},
			run: func(ctx context.Context) error {
				g := engine.NewGraph()
				op := blockingOp{entered: make(chan struct{}), release: make(chan struct{})}
				x := g.Input("x", 2)
				p, err := g.Compile([]*engine.Node{g.Apply(op, x)})
				if err != nil {
					return err
				}
				first := make(chan error, 1)
				go func() { first <- p.Run() }()
				select {
				case <-op.entered:
				case <-ctx.Done():
					return ctx.Err()
				}
				second := p.Run()
				close(op.release)
				if err := <-first; err != nil {
					return fmt.Errorf("the first run failed: %w", err)
				}
				return second
			}},
		{name: "Set with the wrong number of values", want: engine.ErrShape, mention: []string{"1 values for 3 elements"},
			run: noCtx(func() error {
				g := engine.NewGraph()
				x := g.Input("x", 3)
				p, err := g.Compile([]*engine.Node{g.Sum(x)})
				if err != nil {
					return err
				}
				return p.Set(x, []float64{1})
			})},
		{name: "Set of another graph's node", want: engine.ErrNotCompiled,
			run: noCtx(func() error {
				g := engine.NewGraph()
				p, err := g.Compile([]*engine.Node{g.Sum(g.Input("x", 3))})
				if err != nil {
					return err
				}
				return p.Set(engine.NewGraph().Input("x", 3), []float64{1, 2, 3})
			})},
		{name: "SetRNGState with garbage keeps the cause", want: engine.ErrArgument, mention: []string{"noise generator state"},
			run: noCtx(func() error {
				g := engine.NewGraph()
				p, err := g.Compile([]*engine.Node{g.Sum(g.Noise(engine.StdNormal, 2))})
				if err != nil {
					return err
				}
				err = p.SetRNGState([]byte("garbage"))
				// the generator's own error is wrapped beside the sentinel
				if u, ok := err.(interface{ Unwrap() []error }); err != nil && (!ok || len(u.Unwrap()) != 2) {
					return wrong("the generator's own error was dropped: %v", err)
				}
				return err
			})},
		{name: "Take with an index out of range at run time", want: engine.ErrArgument, mention: []string{"take"},
			run: noCtx(func() error {
				g := engine.NewGraph()
				idx := g.Input("idx", 2)
				return runErr(g, g.Take(g.Fill(1, 3), 0, idx), map[*engine.Node][]float64{idx: {0, 3}})
			})},
		// Scan.
		{name: "Scan with a nil body", want: engine.ErrArgument, mention: []string{"nil body"},
			run: noCtx(func() error {
				g := engine.NewGraph()
				g.Scan(nil, []*engine.Node{g.Scalar(0)}, []*engine.Node{g.Fill(1, 3)}, nil)
				return g.Err()
			})},
		{name: "Scan with a nil constant", want: engine.ErrInvalidNode, mention: []string{"Scan: consts[0] is nil"},
			run: noCtx(func() error {
				g := engine.NewGraph()
				body := func(b *engine.Graph, c, x, k []*engine.Node) ([]*engine.Node, []*engine.Node) { return c, nil }
				g.Scan(body, []*engine.Node{g.Scalar(0)}, []*engine.Node{g.Fill(1, 3)}, []*engine.Node{nil})
				return g.Err()
			})},
		{name: "Scan over sequences of lengths 3 and 4", want: engine.ErrShape, mention: []string{"length 4", "has 3"},
			run: noCtx(func() error {
				g := engine.NewGraph()
				body := func(b *engine.Graph, c, x, k []*engine.Node) ([]*engine.Node, []*engine.Node) { return c, nil }
				g.Scan(body, []*engine.Node{g.Scalar(0)}, []*engine.Node{g.Fill(1, 3), g.Fill(1, 4)}, nil)
				return g.Err()
			})},
		{name: "Scan sums a sequence", want: nil,
			run: noCtx(func() error {
				g := engine.NewGraph()
				body := func(b *engine.Graph, c, x, k []*engine.Node) ([]*engine.Node, []*engine.Node) {
					return []*engine.Node{b.Add(c[0], x[0])}, nil
				}
				fin, _ := g.Scan(body, []*engine.Node{g.Scalar(0)}, []*engine.Node{g.Constant([]float64{1, 2, 3, 4}, 4)}, nil)
				if err := g.Err(); err != nil {
					return err
				}
				p, err := g.Compile(fin)
				if err != nil {
					return err
				}
				if err := p.Run(); err != nil {
					return err
				}
				if got := p.Scalar(fin[0]); got != 10 {
					return wrong("scan sum of 1…4 = %v", got)
				}
				return nil
			})},
		// Gorgonia import.
		{name: "Import of a nil Gorgonia node", want: engine.ErrInvalidNode,
			run: build(func(g *engine.Graph) *engine.Node { return g.Import(nil) })},
		{name: "Import of a float32 Gorgonia node", want: engine.ErrDType,
			run: build(func(g *engine.Graph) *engine.Node {
				x := G.NewVector(g.Gorgonia(), G.Float32, G.WithShape(2), G.WithName("f32"))
				return g.Import(G.Must(G.Exp(x)))
			})},
		{name: "Apply with a nil op", want: engine.ErrArgument, mention: []string{"nil op"},
			run: build(func(g *engine.Graph) *engine.Node { return g.Apply(nil, g.Scalar(1)) })},
		{name: "Grad of a non-scalar loss", want: engine.ErrShape,
			run: build(func(g *engine.Graph) *engine.Node { return g.Grad(m(g), m(g))[0] })},
	}
}
