package engine

import (
	"fmt"
	"hash"
	"hash/fnv"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// gorgoniaOp presents an ignis Op to Gorgonia. Types and shapes are concrete:
// an ignis op is applied to inputs of known shapes, so its Gorgonia type is the
// function from those tensor types to the output's.
type gorgoniaOp struct {
	op  Op
	g   *Graph
	in  []Shape
	out Shape
}

func typeOfShape(s Shape) hm.Type {
	if len(s) == 0 {
		return G.Float64
	}
	return G.TensorType{Dims: len(s), Of: G.Float64}
}

func (o *gorgoniaOp) Arity() int { return len(o.in) }

func (o *gorgoniaOp) Type() hm.Type {
	ts := make([]hm.Type, 0, len(o.in)+1)
	for _, s := range o.in {
		ts = append(ts, typeOfShape(s))
	}
	ts = append(ts, typeOfShape(o.out))
	if len(ts) == 1 {
		return ts[0]
	}
	return hm.NewFnType(ts...)
}

func (o *gorgoniaOp) InferShape(...G.DimSizer) (tensor.Shape, error) {
	return tensor.Shape(o.out.Clone()), nil
}

func (o *gorgoniaOp) ReturnsPtr() bool      { return false }
func (o *gorgoniaOp) CallsExtern() bool     { return false }
func (o *gorgoniaOp) OverwritesInput() int  { return -1 }
func (o *gorgoniaOp) String() string        { return o.op.String() }
func (o *gorgoniaOp) WriteHash(h hash.Hash) { fmt.Fprintf(h, "ignis %s %v -> %v", o.op, o.in, o.out) }

func (o *gorgoniaOp) Hashcode() uint32 {
	h := fnv.New32a()
	o.WriteHash(h)
	return h.Sum32()
}

// Do runs the op the way Gorgonia's VMs expect: a fresh output per call.
func (o *gorgoniaOp) Do(vals ...G.Value) (G.Value, error) {
	in := make([][]float64, len(vals))
	for i, v := range vals {
		data, err := valueData(v)
		if err != nil {
			return nil, fmt.Errorf("%s: input %d: %w", o.op, i, err)
		}
		in[i] = data
	}
	k, err := o.op.Kernel(KernelSpec{In: o.in, Out: o.out, Device: CPU()})
	if err != nil {
		return nil, err
	}
	out := make([]float64, o.out.Size())
	if a, ok := o.op.(aliasOp); ok {
		copy(out, in[a.aliasOf()])
	} else if err := k.Run(out, in); err != nil {
		return nil, err
	}
	if len(o.out) == 0 {
		return G.NewF64(out[0]), nil
	}
	return tensor.New(tensor.WithShape(o.out.Clone()...), tensor.WithBacking(out)), nil
}

func valueData(v G.Value) ([]float64, error) {
	switch v := v.(type) {
	case *G.F64:
		return []float64{float64(*v)}, nil
	case tensor.Tensor:
		if v.Dtype() != tensor.Float64 {
			return nil, fmt.Errorf("%w: %v", ErrDType, v.Dtype())
		}
		d, ok := v.Data().([]float64)
		if !ok {
			if f, ok := v.Data().(float64); ok {
				return []float64{f}, nil
			}
			return nil, fmt.Errorf("%w: %T", ErrDType, v.Data())
		}
		return d, nil
	default:
		return nil, fmt.Errorf("%w: value of type %T", ErrDType, v)
	}
}

// DiffWRT reports which inputs the op is differentiable in.
func (o *gorgoniaOp) DiffWRT(n int) []bool {
	d := make([]bool, n)
	nd, _ := o.op.(nonDiffOp)
	for i := range d {
		d[i] = nd == nil || !nd.nonDiff(i)
	}
	return d
}

// SymDiff lets Gorgonia's Grad differentiate ignis graphs: it maps the nodes
// to ignis nodes and asks the op for its vector-Jacobian product.
func (o *gorgoniaOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	g := o.g
	in := make([]*Node, len(inputs))
	for i, c := range inputs {
		in[i] = g.Import(c)
	}
	out, gout := g.Import(output), g.Import(grad)
	grads := o.op.Grad(g, in, out, gout)
	if err := g.Err(); err != nil {
		return nil, err
	}
	res := make(G.Nodes, len(inputs))
	for i, gr := range grads {
		if gr == nil {
			gr = g.ZerosLike(in[i])
		}
		res[i] = gr.gn
	}
	return res, nil
}

// children returns a Gorgonia node's inputs in order (Gorgonia keeps them
// unexported; its graph's From lists them in order).
func children(eg *G.ExprGraph, n *G.Node) G.Nodes {
	it := eg.From(n.ID())
	if it == nil {
		return nil
	}
	var out G.Nodes
	for it.Next() {
		out = append(out, it.Node().(*G.Node))
	}
	return out
}
