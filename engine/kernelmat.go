package engine

import "fmt"

// Scaled squared distances for kernel matrices, and the ops their gradients
// are built from. Every op here works from the differences x1[n,d] − x2[m,d]
// directly rather than from ‖a‖² + ‖b‖² − 2a·b, so results are exact to
// round-off even for near-coincident points far from the origin, and the four
// ops are closed under differentiation (any order of derivative stays
// accurate). With Δ[n,m,d] = x1[n,d] − x2[m,d] and per-batch-member matrices:
//
//	sqdist    K[n,m] = Σ_d w_d Δ²          (w = 1/ls², or given weights)
//	pairsum   P[n,d] = Σ_m G[n,m] Δ        (transposed: Σ_n G[n,m] (−Δ), [M, D])
//	pairsq    S[d]   = Σ_{n,m} G[n,m] Δ²
//	pairdot   Q[n,m] = Σ_d U[n,d] Δ
//
// Leading batch dimensions of all operands broadcast with NumPy's rules.

// SqDist returns the squared distances scaled per dimension by lengthscales:
//
//	out[..., n, m] = Σ_d ((x1[..., n, d] − x2[..., m, d]) / ls[..., d])²
//
// for x1 [..., N, D], x2 [..., M, D] and ls [..., D] (or [..., 1] for one
// lengthscale shared by all dimensions). The batch dimensions of the three
// broadcast: a shared X [N, D] with ls [B, D] gives [B, N, M], the distances
// of B independent kernels. Lengthscales should be positive; 0 gives Inf or
// NaN. x1 and x2 may be the same node.
//
// Large problems (B·N·M·D above about 1e5) run on several goroutines with a
// partition that depends only on the shapes, so results are the same bits for
// any GOMAXPROCS. When the program's device implements SqDistDevice (and is
// not the CPU, whose kernel runs inline) the forward pass runs there.
func (g *Graph) SqDist(x1, x2, ls *Node) *Node { return g.call("SqDist", sqDistOp{}, x1, x2, ls) }

// pairDims checks points x1 [..., N, D] and x2 [..., M, D].
func pairDims(x1, x2 Shape) (n, m, d int, err error) {
	if len(x1) < 2 || len(x2) < 2 {
		return 0, 0, 0, fmt.Errorf("%w: points must be [..., N, D], got %v and %v", ErrShape, x1, x2)
	}
	n, d = x1[len(x1)-2], x1[len(x1)-1]
	m = x2[len(x2)-2]
	if x2[len(x2)-1] != d {
		return 0, 0, 0, fmt.Errorf("%w: points %v and %v differ in dimension", ErrShape, x1, x2)
	}
	return n, m, d, nil
}

func batchOf(s Shape, core int) Shape { return s[:len(s)-core] }

// pairBatch broadcasts the batch dimensions of the operands, each of which
// ends in core[i] non-batch dimensions.
func pairBatch(in []Shape, core ...int) (Shape, error) {
	bs := make([]Shape, len(in))
	for i, s := range in {
		bs[i] = batchOf(s, core[i])
	}
	b, ok := BroadcastShapes(bs...)
	if !ok {
		return nil, fmt.Errorf("%w: batch dimensions of %v do not broadcast", ErrShape, in)
	}
	return b, nil
}

// sqDistOp computes K = Σ_d w_d Δ². Its third input is the lengthscales
// (w = 1/ls²) or, with byWeight, the weights themselves, which may have any
// sign (the gradient of pairsq needs that).
type sqDistOp struct{ byWeight bool }

func (o sqDistOp) String() string {
	if o.byWeight {
		return "sqdist_weighted"
	}
	return "sqdist"
}

func (o sqDistOp) Shape(in []Shape) (Shape, error) {
	n, m, d, err := pairDims(in[0], in[1])
	if err != nil {
		return nil, err
	}
	p := in[2]
	if len(p) < 1 || (p[len(p)-1] != d && p[len(p)-1] != 1) {
		return nil, fmt.Errorf("%w: lengthscales %v must be [..., %d] or [..., 1] for points of dimension %d",
			ErrShape, p, d, d)
	}
	batch, err := pairBatch(in, 2, 2, 1)
	if err != nil {
		return nil, err
	}
	return append(batch, n, m), nil
}

func (o sqDistOp) Kernel(spec KernelSpec) (Kernel, error) {
	if dev, ok := spec.Device.(SqDistDevice); ok && !o.byWeight && !isCPU(spec.Device) {
		return newSqDistDeviceKernel(dev, spec.In, spec.Out), nil
	}
	return newSqDistKernel(spec.In, spec.Out, o.byWeight), nil
}

func (o sqDistOp) Grad(g *Graph, in []*Node, out, gout *Node) []*Node {
	x1, x2, p := in[0], in[1], in[2]
	s := g.Apply(pairSqOp{}, gout, x1, x2) // Σ G Δ², [batch, D]
	var w, gp *Node
	if o.byWeight {
		w, gp = p, s
	} else {
		// ∂(Δ/ls)²/∂ls = −2Δ²/ls³
		w, gp = g.PowScalar(p, -2), g.Mul(s, g.Scale(g.PowScalar(p, -3), -2))
	}
	w2 := g.Scale(g.Unsqueeze(w, -2), 2)
	gx1 := g.Mul(w2, g.Apply(pairSumOp{}, gout, x1, x2))
	gx2 := g.Mul(w2, g.Apply(pairSumOp{trans: true}, gout, x1, x2))
	return []*Node{g.SumTo(gx1, x1.shape), g.SumTo(gx2, x2.shape), g.SumTo(gp, p.shape)}
}

// pairOperands checks (G [..., N, M], x1 [..., N, D], x2 [..., M, D]) or,
// with gIsU, (U [..., N, D], x1, x2).
func pairOperands(in []Shape, gIsU bool) (batch Shape, n, m, d int, err error) {
	n, m, d, err = pairDims(in[1], in[2])
	if err != nil {
		return nil, 0, 0, 0, err
	}
	want := Shape{n, m}
	if gIsU {
		want = Shape{n, d}
	}
	if gs := in[0]; len(gs) < 2 || !Shape(gs[len(gs)-2:]).Equal(want) {
		return nil, 0, 0, 0, fmt.Errorf("%w: first operand %v must end in %v for points %v and %v",
			ErrShape, gs, want, in[1], in[2])
	}
	batch, err = pairBatch(in, 2, 2, 2)
	return batch, n, m, d, err
}

// pairSumOp computes P[n,d] = Σ_m G[n,m] (x1[n,d] − x2[m,d]), or with trans
// P[m,d] = Σ_n G[n,m] (x2[m,d] − x1[n,d]): the gradient of sqdist in x1 and
// in x2 up to the factor 2w. Inputs (G, x1, x2).
type pairSumOp struct{ trans bool }

func (o pairSumOp) String() string { return fmt.Sprintf("pairsum(%t)", o.trans) }

func (o pairSumOp) Shape(in []Shape) (Shape, error) {
	batch, n, m, d, err := pairOperands(in, false)
	if err != nil {
		return nil, err
	}
	if o.trans {
		return append(batch, m, d), nil
	}
	return append(batch, n, d), nil
}

func (o pairSumOp) Kernel(spec KernelSpec) (Kernel, error) {
	return newPairKernel(pairSum, o.trans, spec.In, spec.Out), nil
}

func (o pairSumOp) Grad(g *Graph, in []*Node, out, gout *Node) []*Node {
	G, x1, x2 := in[0], in[1], in[2]
	var gG, gx1, gx2 *Node
	if !o.trans {
		gG = g.Apply(pairDotOp{}, gout, x1, x2)
		gx1 = g.Mul(gout, g.Unsqueeze(g.Sum(G, -1), -1))
		gx2 = g.Neg(g.MatMulT(G, gout, true, false))
	} else {
		// out[m,d] = Σ_n G[n,m] (x2[m,d] − x1[n,d]); its G-gradient is
		// pairdot with the roles of x1 and x2 swapped, transposed.
		gG = g.MT(g.Apply(pairDotOp{}, gout, x2, x1))
		gx2 = g.Mul(gout, g.Unsqueeze(g.Sum(G, -2), -1))
		gx1 = g.Neg(g.MatMul(G, gout))
	}
	return []*Node{g.SumTo(gG, G.shape), g.SumTo(gx1, x1.shape), g.SumTo(gx2, x2.shape)}
}

// pairSqOp computes S[d] = Σ_{n,m} G[n,m] (x1[n,d] − x2[m,d])²: the gradient
// of sqdist in its weights. Inputs (G, x1, x2).
type pairSqOp struct{}

func (pairSqOp) String() string { return "pairsq" }

func (pairSqOp) Shape(in []Shape) (Shape, error) {
	batch, _, _, d, err := pairOperands(in, false)
	if err != nil {
		return nil, err
	}
	return append(batch, d), nil
}

func (pairSqOp) Kernel(spec KernelSpec) (Kernel, error) {
	return newPairKernel(pairSq, false, spec.In, spec.Out), nil
}

func (pairSqOp) Grad(g *Graph, in []*Node, out, gout *Node) []*Node {
	G, x1, x2 := in[0], in[1], in[2]
	u2 := g.Scale(g.Unsqueeze(gout, -2), 2)
	gG := g.Apply(sqDistOp{byWeight: true}, x1, x2, gout)
	gx1 := g.Mul(u2, g.Apply(pairSumOp{}, G, x1, x2))
	gx2 := g.Mul(u2, g.Apply(pairSumOp{trans: true}, G, x1, x2))
	return []*Node{g.SumTo(gG, G.shape), g.SumTo(gx1, x1.shape), g.SumTo(gx2, x2.shape)}
}

// pairDotOp computes Q[n,m] = Σ_d U[n,d] (x1[n,d] − x2[m,d]): the gradient of
// pairsum in G. Inputs (U, x1, x2).
type pairDotOp struct{}

func (pairDotOp) String() string { return "pairdot" }

func (pairDotOp) Shape(in []Shape) (Shape, error) {
	batch, n, m, _, err := pairOperands(in, true)
	if err != nil {
		return nil, err
	}
	return append(batch, n, m), nil
}

func (pairDotOp) Kernel(spec KernelSpec) (Kernel, error) {
	return newPairKernel(pairDot, false, spec.In, spec.Out), nil
}

func (pairDotOp) Grad(g *Graph, in []*Node, out, gout *Node) []*Node {
	U, x1, x2 := in[0], in[1], in[2]
	gU := g.Apply(pairSumOp{}, gout, x1, x2)
	gx1 := g.Mul(U, g.Unsqueeze(g.Sum(gout, -1), -1))
	gx2 := g.Neg(g.MatMulT(gout, U, true, false))
	return []*Node{g.SumTo(gU, U.shape), g.SumTo(gx1, x1.shape), g.SumTo(gx2, x2.shape)}
}
