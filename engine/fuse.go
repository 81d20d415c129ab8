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

// minFused is the fewest elements a fused loop runs over: below it the loop's
// bookkeeping per op costs more than the plain kernels, which have short
// vectors in cache anyway.
const minFused = 64

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
	// Regions that do not pay for their loop go back to plain steps (and
	// regions emptied by merging disappear).
	f.dissolve(func(r *region) bool { return len(r.members)+len(r.sinks) == 0 || !r.worthwhile() })
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
	if size < minFused {
		return // short vectors: plain kernels cost less than a loop's set-up
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
	// Join the first region among the full inputs' that can take n, after
	// merging into it the other regions n reads from where that is allowed
	// (two chains built apart, such as a linear predictor and a varying
	// intercept, meet here).
	for _, in := range ins {
		if in.class != inFull {
			continue
		}
		r := f.tileRegion(in.node, size)
		if r < 0 || !f.rowsFit(f.regions[r], rowLen) {
			continue
		}
		for _, other := range ins {
			if r2 := f.tileRegion(other.node, size); other.class == inFull && r2 >= 0 && r2 != r {
				f.merge(r, r2)
			}
		}
		if !f.legal(r, ins) {
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
		// η = X·b with b a column (or a transposed row): a source. It
		// joins a recent region over the same rows if allowed (the terms
		// added to a linear predictor are often built before it).
		size, xr := a.shape[0], f.c.root(a)
		if size < minFused {
			return
		}
		ins := []fuseInput{{class: inFull, node: xr}, {class: inFull, node: f.c.root(b)}}
		for r := len(f.regions) - 1; r >= max(0, len(f.regions)-recentRegions); r-- {
			reg := f.regions[r]
			if reg.size == size && reg.rowLen == 1 && (reg.x == nil || reg.x == xr) &&
				!reg.all[xr.id] && !reg.all[ins[1].node.id] && f.legal(r, ins) {
				reg.x = xr
				f.join(r, n, fuseSource)
				return
			}
		}
		r := f.newRegion(n, size)
		f.regions[r].x = xr
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
	if (reg.x != nil && reg.x != xr) || reg.rowLen != 1 || reg.all[xr.id] || !f.legal(r, []fuseInput{{class: inFull, node: xr}}) {
		return
	}
	reg.x = xr
	f.join(r, n, fuseXtSink)
}

// merge moves region r2 into region r when both run over the same elements
// with compatible rows and neither reads anything computed from the other
// outside them; it reports whether it did.
func (f *fuser) merge(r, r2 int) bool {
	a, b := f.regions[r], f.regions[r2]
	if a.size != b.size || (a.x != nil && b.x != nil && a.x != b.x) ||
		(a.rowLen != 1 && b.rowLen != 1 && a.rowLen != b.rowLen) ||
		((a.x != nil || b.x != nil) && max(a.rowLen, b.rowLen) != 1) {
		return false
	}
	if f.readsFrom(b, r) || f.readsFrom(a, r2) || f.matrixInside(a, b) || f.matrixInside(b, a) {
		return false
	}
	for _, n := range append(b.members, b.sinks...) {
		f.regOf[n.id] = r
		a.all[n.id] = true
	}
	for id := range b.tile {
		a.tile[id] = true
	}
	a.members = mergeByID(a.members, b.members)
	a.sinks = mergeByID(a.sinks, b.sinks)
	a.minID = min(a.minID, b.minID)
	a.rowLen = max(a.rowLen, b.rowLen)
	if a.x == nil {
		a.x = b.x
	}
	clear(a.noDep) // a now holds older nodes: what did not depend on it may
	*b = region{tile: map[int]bool{}, all: map[int]bool{}, noDep: map[int]bool{}}
	return true
}

// readsFrom reports whether any input that region reg reads from outside
// itself depends on region r.
func (f *fuser) readsFrom(reg *region, r int) bool {
	for _, n := range append(reg.members, reg.sinks...) {
		ins := f.inputs[n.id]
		if ins == nil {
			for _, x := range n.in {
				ins = append(ins, fuseInput{class: inFull, node: f.c.root(x)})
			}
		}
		for _, in := range ins {
			if reg.all[in.node.id] {
				continue
			}
			f.visits = 0
			if f.dependsOn(in.node, f.regions[r]) {
				return true
			}
		}
	}
	return false
}

// matrixInside reports whether a row matrix or a product's vector that a
// reads is a member of b (possible when the matrix has one column).
func (f *fuser) matrixInside(a, b *region) bool {
	if a.x != nil && b.all[a.x.id] {
		return true
	}
	for _, m := range a.members {
		if f.kind[m.id] == fuseSource && b.all[f.c.root(m.in[1]).id] {
			return true
		}
	}
	return false
}

// mergeByID merges two lists of nodes sorted by id, keeping the order (a
// topological order of the merged region).
func mergeByID(a, b []*Node) []*Node {
	out := make([]*Node, 0, len(a)+len(b))
	for len(a) > 0 && len(b) > 0 {
		if a[0].id < b[0].id {
			out, a = append(out, a[0]), a[1:]
		} else {
			out, b = append(out, b[0]), b[1:]
		}
	}
	return append(append(out, a...), b...)
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
