package engine

import "fmt"

// Grad returns the gradient of the scalar loss with respect to each node in
// wrt, as new nodes of the graph (so gradients compile into the same program
// as the loss). A wrt node the loss does not depend on gets zeros.
//
// The reverse sweep visits nodes in reverse creation order and asks each op
// for its vector-Jacobian product (Op.Grad, or gorgonia.SDOp.SymDiff for nodes
// imported from Gorgonia). Contributions are summed with ignis ops, and only
// nodes that depend on a wrt node are visited, so data-only subgraphs add no
// gradient nodes.
func (g *Graph) Grad(loss *Node, wrt ...*Node) []*Node {
	res := make([]*Node, len(wrt))
	for i := range res {
		res[i] = &Node{g: g}
	}
	if !g.args("Grad", loss) || !g.argsAt("Grad", 2, wrt...) {
		return res
	}
	if loss.shape.Size() != 1 {
		g.fail(fmt.Errorf("%w: grad: loss must be a scalar, has shape %v", ErrShape, loss.shape))
		return res
	}
	// depends[id]: the node is a wrt node or computed from one.
	depends := make([]bool, loss.id+1)
	for _, w := range wrt {
		if w.id <= loss.id {
			depends[w.id] = true
		}
	}
	for _, n := range g.nodes[:loss.id+1] {
		for _, c := range n.in {
			if depends[c.id] {
				depends[n.id] = true
				break
			}
		}
	}
	contrib := make(map[*Node][]*Node)
	contrib[loss] = []*Node{g.Fill(1, loss.shape...)}
	total := make(map[*Node]*Node)
	for id := loss.id; id >= 0; id-- {
		n := g.nodes[id]
		parts := contrib[n]
		if !depends[id] || len(parts) == 0 {
			continue
		}
		gsum := parts[0]
		for _, p := range parts[1:] {
			gsum = g.Add(gsum, p)
		}
		total[n] = gsum
		delete(contrib, n)
		var grads []*Node
		switch n.kind {
		case KindOp:
			grads = n.op.Grad(g, n.in, n, gsum)
		case KindForeign:
			grads = g.foreignGrad(n, gsum)
		default:
			continue
		}
		if g.err != nil {
			return res
		}
		for i, c := range n.in {
			if i < len(grads) && grads[i] != nil && depends[c.id] {
				if !grads[i].shape.Equal(c.shape) {
					g.fail(fmt.Errorf("%w: grad of %v: input %d gradient has shape %v, want %v (the op's Grad is wrong)",
						ErrShape, n.op, i, grads[i].shape, c.shape))
					return res
				}
				contrib[c] = append(contrib[c], grads[i])
			}
		}
	}
	for i, w := range wrt {
		if t, ok := total[w]; ok {
			res[i] = t
		} else {
			res[i] = g.ZerosLike(w)
		}
	}
	return res
}

// ZerosLike returns a constant of zeros with x's shape.
func (g *Graph) ZerosLike(x *Node) *Node {
	if !g.args("ZerosLike", x) {
		return g.invalid()
	}
	return g.Fill(0, x.shape...)
}

// OnesLike returns a constant of ones with x's shape.
func (g *Graph) OnesLike(x *Node) *Node {
	if !g.args("OnesLike", x) {
		return g.invalid()
	}
	return g.Fill(1, x.shape...)
}
