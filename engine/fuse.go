package engine

import "math"

// Fusion: the compiler groups element-wise ops that run over the same
// elements into regions, each of which runs as one loop over short tiles
// (fused.go). A region holds
//
//   - members: ElementwiseOp nodes whose full-size inputs come from the
//     region or from outside it, and whose other inputs are scalars or rows
//     that broadcast along the leading axes (expanded once per run into a
//     tile-long buffer);
//   - sources: products η = X·b of a matrix X [n, d] with a vector, whose
//     rows the loop computes tile by tile (so that a likelihood built on a
//     linear predictor never stores η);
//   - sinks: sums of a member over all its elements, and products Xᵀ·v with
//     the region's X, accumulated tile by tile while the tile of X is still
//     in cache — the forward X·β and the backward Xᵀ·score of a generalized
//     linear model then cost one pass over X.
//
// A member's value is written to memory only when something outside the
// region reads it. A node joins a region only if none of its other inputs
// depends on the region, so regions can be scheduled as single steps.

// fusedKind says how a node takes part in fusion.
type fusedKind uint8

const (
	fusePlain   fusedKind = iota // not fusible: a step of its own
	fuseMember                   // an element-wise op
	fuseSource                   // X·b
	fuseSumSink                  // sum or mean over all elements
	fuseXtSink                   // Xᵀ·v
)

// region is the analysis-time picture of one fused loop.
type region struct {
	size    int // elements each member has
	rowLen  int // period of the row inputs (1 when there are none)
	minID   int
	members []*Node // sources and element-wise members, in id order
	sinks   []*Node
	x       *Node // the row matrix of the sources and Xᵀ·v sinks (alias root)
	tile    map[int]bool
	all     map[int]bool // members and sinks
	noDep   map[int]bool // nodes known not to depend on the region
}

// operand classes for members' inputs.
const (
	inFull   = iota // a node of the region's size
	inScalar        // one value, broadcast
	inRow           // a row of rowLen values, repeated along leading axes
)

// fuseInput is one classified input of a candidate member: its class and
// the node that holds its values (after looking through aliases and
// broadcasts).
type fuseInput struct {
	class int
	node  *Node
}

// depBudget bounds the search of one dependence check; past it the check
// answers "depends", which only costs fusion.
const depBudget = 4096

// recentRegions is how many of the latest regions a node with no input in
// a region may join.
const recentRegions = 8

// maxRowLen is the longest broadcast row a region expands into its tiles.
const maxRowLen = 4096

type fuser struct {
	c       *compiler
	regions []*region
	regOf   []int // region index per node id, -1 for none
	kind    []fusedKind
	inputs  [][]fuseInput // classified inputs of members, by node id
	visits  int
}

func (c *compiler) fuse() {
	f := &fuser{c: c, regOf: make([]int, len(c.g.nodes)), kind: make([]fusedKind, len(c.g.nodes)), inputs: make([][]fuseInput, len(c.g.nodes))}
	for i := range f.regOf {
		f.regOf[i] = -1
	}
	c.fz = f
	if !c.fusion {
		return
	}
	for _, n := range c.order {
		if c.isStep(n) {
			f.place(n)
		}
	}
	// Regions that do not pay for their loop go back to plain steps.
	f.dissolve(func(r *region) bool { return !r.worthwhile() })
}

// dissolve turns the regions for which drop is true back into plain steps.
func (f *fuser) dissolve(drop func(r *region) bool) {
	kept := f.regions[:0]
	for _, r := range f.regions {
		if drop(r) {
			for _, n := range append(r.members, r.sinks...) {
				f.regOf[n.id], f.kind[n.id], f.inputs[n.id] = -1, fusePlain, nil
			}
			continue
		}
		for _, n := range append(r.members, r.sinks...) {
			f.regOf[n.id] = len(kept)
		}
		kept = append(kept, r)
	}
	f.regions = kept
}

// place puts an op node into a region, or leaves it a plain step.
func (f *fuser) place(n *Node) {
	switch op := n.op.(type) {
	case ElementwiseOp:
		if op.Elementwise() {
			f.placeMember(n)
		}
	case matmulOp:
		f.placeMatmul(n, op)
	case reduceOp:
		if (op.kind == redSum || op.kind == redMean) && len(op.axes) == len(n.in[0].shape) {
			f.placeSum(n)
		}
	case sumToOp:
		if n.shape.Size() == 1 { // a gradient summed over every element
			f.placeSum(n)
		}
	}
}

func (f *fuser) placeSum(n *Node) {
	if r := f.tileRegion(n.in[0], n.in[0].shape.Size()); r >= 0 {
		f.join(r, n, fuseSumSink)
	}
}

// tileRegion returns the region whose tiles hold x's values, if any and if
// that region runs over size elements.
func (f *fuser) tileRegion(x *Node, size int) int {
	r := f.regOf[f.c.root(x).id]
	if r < 0 || f.regions[r].size != size || !f.regions[r].tile[f.c.root(x).id] {
		return -1
	}
	return r
}

func (f *fuser) placeMember(n *Node) {
	size := n.shape.Size()
	if size < 2 {
		return // scalar arithmetic stays as it is
	}
	ins := make([]fuseInput, len(n.in))
	rowLen := 1
	for i, x := range n.in {
		in, ok := f.classify(x, n.shape)
		if !ok {
			return
		}
		if in.class == inRow {
			if rowLen != 1 && rowLen != in.node.shape.Size() {
				return
			}
			rowLen = in.node.shape.Size()
		}
		ins[i] = in
	}
	// Join the first region among the full inputs' that can take n.
	for _, in := range ins {
		if in.class != inFull {
			continue
		}
		r := f.tileRegion(in.node, size)
		if r < 0 || !f.rowsFit(f.regions[r], rowLen) || !f.legal(r, ins) {
			continue
		}
		f.inputs[n.id] = ins
		f.regions[r].rowLen = max(f.regions[r].rowLen, rowLen)
		f.join(r, n, fuseMember)
		return
	}
	// No full input comes from a region (a gradient's first op reads only
	// constants and the upstream gradient): join a recent region over the
	// same elements if allowed, so that forward and backward passes over
	// the same data share one loop.
	for r := len(f.regions) - 1; r >= max(0, len(f.regions)-recentRegions); r-- {
		reg := f.regions[r]
		if reg.size == size && f.rowsFit(reg, rowLen) && f.legal(r, ins) {
			f.inputs[n.id] = ins
			reg.rowLen = max(reg.rowLen, rowLen)
			f.join(r, n, fuseMember)
			return
		}
	}
	f.inputs[n.id] = ins
	r := f.newRegion(n, size)
	f.regions[r].rowLen = rowLen
	f.join(r, n, fuseMember)
}

// rowsFit reports whether a region can take a member whose row inputs have
// period rowLen: one period per region, and none in a region with a row
// matrix (whose tiles are whole rows of X).
func (f *fuser) rowsFit(r *region, rowLen int) bool {
	if rowLen == 1 {
		return true
	}
	return r.x == nil && (r.rowLen == 1 || r.rowLen == rowLen)
}

// classify says how input x of a member with output shape out enters the
// loop, looking through reshapes and through broadcasts of scalars and rows.
func (f *fuser) classify(x *Node, out Shape) (fuseInput, bool) {
	size := out.Size()
	r := f.c.root(x)
	switch {
	case x.shape.Size() == 1:
		return fuseInput{class: inScalar, node: r}, true
	case x.shape.Size() == size:
		if _, ok := r.op.(broadcastOp); ok && r.kind == KindOp && !f.c.constLike(r) {
			if in, ok := f.classify(r.in[0], out); ok && in.class != inFull {
				return in, true
			}
		}
		if f.c.uniform(r) {
			return fuseInput{class: inScalar, node: r}, true
		}
		return fuseInput{class: inFull, node: r}, true
	case rowOf(x.shape, out):
		return fuseInput{class: inRow, node: r}, true
	}
	return fuseInput{}, false
}

// rowOf reports whether in, broadcast to out, repeats one row along out's
// leading axes: in without its leading 1s equals out's trailing axes.
func rowOf(in, out Shape) bool {
	k := 0
	for k < len(in) && in[k] == 1 {
		k++
	}
	t := in[k:]
	if len(t) == 0 || len(t) > len(out) || in.Size() > maxRowLen {
		return false
	}
	return t.Equal(out[len(out)-len(t):])
}

func (f *fuser) placeMatmul(n *Node, op matmulOp) {
	a, b := n.in[0], n.in[1]
	if len(a.shape) != 2 || len(b.shape) != 2 {
		return
	}
	switch {
	case !op.ta && b.shape.Size() == a.shape[1] && n.shape[1] == 1:
		// η = X·b with b a column (or a transposed row): a source.
		if a.shape[0] < 2 {
			return
		}
		r := f.newRegion(n, a.shape[0])
		f.regions[r].x = f.c.root(a)
		f.join(r, n, fuseSource)
	case op.ta && !op.tb && b.shape[1] == 1:
		// Xᵀ·v with v a column of the region: a sink.
		f.placeXt(n, a, b)
	case !op.ta && !op.tb && a.shape[0] == 1:
		// vᵀ·X, the same product laid out as a row.
		f.placeXt(n, b, a)
	}
}

func (f *fuser) placeXt(n, x, v *Node) {
	r := f.tileRegion(v, x.shape[0])
	if r < 0 {
		return
	}
	reg := f.regions[r]
	xr := f.c.root(x)
	if (reg.x != nil && reg.x != xr) || reg.rowLen != 1 || reg.tile[xr.id] || !f.legal(r, []fuseInput{{class: inFull, node: xr}}) {
		return
	}
	reg.x = xr
	f.join(r, n, fuseXtSink)
}

func (f *fuser) newRegion(n *Node, size int) int {
	f.regions = append(f.regions, &region{size: size, rowLen: 1, minID: n.id,
		tile: map[int]bool{}, all: map[int]bool{}, noDep: map[int]bool{}})
	return len(f.regions) - 1
}

func (f *fuser) join(r int, n *Node, k fusedKind) {
	reg := f.regions[r]
	f.regOf[n.id] = r
	f.kind[n.id] = k
	reg.all[n.id] = true
	if k == fuseMember || k == fuseSource {
		reg.tile[n.id] = true
		reg.members = append(reg.members, n)
	} else {
		reg.sinks = append(reg.sinks, n)
	}
}

// legal reports whether a node with these inputs may join region r: every
// input from outside the region must not depend on the region (else the
// region would wait on itself), and none may be one of its sinks.
func (f *fuser) legal(r int, ins []fuseInput) bool {
	reg := f.regions[r]
	for _, in := range ins {
		if reg.tile[in.node.id] && in.class == inFull {
			continue
		}
		f.visits = 0
		if f.dependsOn(in.node, reg) {
			return false
		}
	}
	return true
}

// dependsOn reports whether n is, or is computed from, a node of reg.
// Nodes older than the region's first node cannot be; constants never are.
func (f *fuser) dependsOn(n *Node, reg *region) bool {
	if reg.all[n.id] {
		return true
	}
	if n.id < reg.minID || f.c.constLike(n) || n.kind != KindOp && n.kind != KindForeign {
		return false
	}
	if reg.noDep[n.id] {
		return false
	}
	if f.visits++; f.visits > depBudget {
		return true
	}
	for _, x := range n.in {
		if f.dependsOn(x, reg) {
			return true
		}
	}
	reg.noDep[n.id] = true
	return false
}

// uniform reports whether a constant node holds one value in every element
// (a filled tensor of zeros or ones, as gradients build): regions read it
// as a scalar instead of streaming it.
func (c *compiler) uniform(n *Node) bool {
	if !c.constLike(n) {
		return false
	}
	v := c.p.bufs[n.id]
	if len(v) == 0 {
		return false
	}
	b := math.Float64bits(v[0])
	for _, x := range v[1:] {
		if math.Float64bits(x) != b {
			return false
		}
	}
	return true
}

// worthwhile reports whether a region pays for its loop: more than one
// node, or one node with enough elements to split over cores.
func (r *region) worthwhile() bool {
	n := len(r.members) + len(r.sinks)
	if n == 1 && r.x == nil {
		return r.size >= 2*chunkElems
	}
	if len(r.sinks) == 0 && len(r.members) == 1 && r.x != nil {
		return false // a lone X·b: the plain product is as good
	}
	return n > 1
}
