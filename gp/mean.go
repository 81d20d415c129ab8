package gp

import (
	"fmt"

	"github.com/ignis-ppl/ignis/engine"
)

// Mean is a prior mean function: it returns the mean at points x [..., N, D]
// as [..., N], with the batch shape of its parameters broadcast in.
type Mean interface {
	Value(g *engine.Graph, x *engine.Node) *engine.Node
}

// ZeroMean is the zero function.
type ZeroMean struct{}

// Value implements Mean.
func (ZeroMean) Value(g *engine.Graph, x *engine.Node) *engine.Node {
	s := x.Shape()
	if len(s) < 2 {
		return g.Fail(fmt.Errorf("%w: points must be [..., N, D], got %v", ErrData, s))
	}
	return g.Fill(0, s[:len(s)-1]...)
}

// ConstantMean is a constant C of the batch shape.
type ConstantMean struct{ C *engine.Node }

// Value implements Mean.
func (m ConstantMean) Value(g *engine.Graph, x *engine.Node) *engine.Node {
	if m.C == nil {
		return g.Fail(fmt.Errorf("%w: constant mean is nil", ErrKernel))
	}
	return g.Add(ZeroMean{}.Value(g, x), batchVec(g, m.C))
}

// LinearMean is xᵀw + b with weights W [..., D] and a bias B of the batch
// shape (nil for none).
type LinearMean struct{ W, B *engine.Node }

// Value implements Mean.
func (m LinearMean) Value(g *engine.Graph, x *engine.Node) *engine.Node {
	if m.W == nil {
		return g.Fail(fmt.Errorf("%w: linear mean needs weights", ErrKernel))
	}
	v := g.MatMul(x, g.Unsqueeze(m.W, -1)) // [..., N, 1]
	if !v.Valid() {
		return v
	}
	s := v.Shape()
	v = g.Reshape(v, s[:len(s)-1]...)
	if m.B != nil {
		v = g.Add(v, batchVec(g, m.B))
	}
	return v
}
