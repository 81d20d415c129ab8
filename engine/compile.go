package engine

import (
	"fmt"
	"slices"
)

// compiler turns the nodes an output set needs into a program's steps:
//
//  1. fold: ops whose inputs are all constants run once, now, and become
//     constants (the log of a fixed scale, the gradient's seed, data
//     transformed by fixed parameters);
//  2. fuse: element-wise ops over the same elements, the products X·b
//     feeding them and the sums and Xᵀ·v products they feed are grouped
//     into regions (fuse.go), each run as one loop over tiles (fused.go);
//  3. schedule: regions and the remaining ops are ordered so that every
//     step runs after the steps it reads from.
type compiler struct {
	g      *Graph
	p      *Program
	order  []*Node // the needed nodes in id order
	need   []bool
	folded []bool
	fusion bool
	fz     *fuser
	budget int64 // bytes the program's values may take; 0: no limit
	used   int64 // bytes of the buffers allocated so far
}

// root returns the node whose buffer n's value lives in: n itself, or the
// node a chain of reshapes views.
func (c *compiler) root(n *Node) *Node {
	for n.kind == KindOp {
		a, ok := n.op.(aliasOp)
		if !ok {
			break
		}
		n = n.in[a.aliasOf()]
	}
	return n
}

// constLike reports whether n's value is fixed for the program's life.
func (c *compiler) constLike(n *Node) bool {
	n = c.root(n)
	return n.kind == KindConstant || c.folded[n.id]
}

// isStep reports whether n is computed by a kernel of its own or in a
// region (leaves, folded ops and views are not).
func (c *compiler) isStep(n *Node) bool {
	if n.kind != KindOp && n.kind != KindForeign || c.folded[n.id] {
		return false
	}
	if n.kind == KindOp {
		if _, ok := n.op.(aliasOp); ok {
			return false
		}
	}
	return true
}

// leaves allocates the buffers of the leaves and runs the ops on constants.
func (c *compiler) leaves() error {
	p := c.p
	leafElems := 0
	for _, n := range c.order {
		if n.kind != KindOp && n.kind != KindForeign {
			leafElems += n.shape.Size()
		}
	}
	if err := c.reserve(leafElems); err != nil {
		return err
	}
	for _, n := range c.order {
		size := n.shape.Size()
		switch n.kind {
		case KindConstant, KindParam:
			p.bufs[n.id] = slices.Clone(n.value)
		case KindInput:
			p.bufs[n.id] = make([]float64, size)
		case KindNoise:
			p.bufs[n.id] = make([]float64, size)
			p.noise = append(p.noise, noiseBuf{kind: n.noise, buf: p.bufs[n.id]})
		case KindOp:
			if a, ok := n.op.(aliasOp); ok {
				if c.constLike(n.in[a.aliasOf()]) {
					p.bufs[n.id] = p.bufs[c.root(n).id]
				}
				continue
			}
			if _, ok := n.op.(broadcastOp); ok && c.fusion {
				continue // regions expand broadcasts themselves
			}
			if c.fusion && c.foldable(n) {
				c.fold(n)
			}
		}
	}
	return nil
}

func (c *compiler) foldable(n *Node) bool {
	for _, x := range n.in {
		if !c.constLike(x) {
			return false
		}
	}
	return len(n.in) > 0
}

// fold runs n's kernel on its constant inputs. An op that fails on them is
// left to fail at run time, where its error has always been reported.
func (c *compiler) fold(n *Node) {
	p := c.p
	in, shapes := c.inputs(n)
	k, err := n.op.Kernel(KernelSpec{In: shapes, Out: n.shape, Device: p.device})
	if err != nil {
		return
	}
	// A fold that does not fit is left to emit, which reports the total.
	if c.reserve(n.shape.Size()) != nil {
		return
	}
	out := make([]float64, n.shape.Size())
	if k.Run(out, in) != nil {
		c.used -= 8 * int64(len(out))
		return
	}
	p.bufs[n.id] = out
	c.folded[n.id] = true
}

func (c *compiler) inputs(n *Node) ([][]float64, []Shape) {
	in := make([][]float64, len(n.in))
	shapes := make([]Shape, len(n.in))
	for i, x := range n.in {
		in[i] = c.p.bufs[c.root(x).id]
		shapes[i] = x.shape
	}
	return in, shapes
}

// unit is a schedulable step: one op node, or one region.
type unit struct {
	node   *Node // plain step
	region int   // region index, or -1
	minID  int
	deps   []int
	users  []int
	wait   int
}

// schedule decides which nodes are live (some output reads them, directly
// or not), which region members are written to memory, and the order of
// the steps; then it builds them.
func (c *compiler) schedule(outputs []*Node) error {
	f := c.fz
	live := make([]bool, len(c.g.nodes))
	materialize := make([]bool, len(c.g.nodes))
	for _, o := range outputs {
		live[o.id] = true
		materialize[c.root(o).id] = true
	}
	use := func(user, x *Node) {
		r := c.root(x)
		live[x.id], live[r.id] = true, true
		if ru, rx := f.regOf[user.id], f.regOf[r.id]; rx >= 0 && (ru != rx || !f.regions[rx].tile[r.id]) {
			materialize[r.id] = true
		}
	}
	for i := len(c.order) - 1; i >= 0; i-- {
		n := c.order[i]
		if !live[n.id] || !c.isStep(n) {
			if live[n.id] && n.kind == KindOp && !c.folded[n.id] {
				if a, ok := n.op.(aliasOp); ok {
					x := n.in[a.aliasOf()]
					live[x.id] = true
					if materialize[n.id] {
						materialize[c.root(x).id] = true
					}
				}
			}
			continue
		}
		switch f.kind[n.id] {
		case fuseMember:
			for _, in := range f.inputs[n.id] {
				use(n, in.node)
			}
		case fuseSumSink:
			use(n, n.in[0])
		default:
			for _, x := range n.in {
				use(n, x)
			}
		}
	}
	// Units, their dependencies, and an order: Kahn's algorithm taking the
	// ready unit with the smallest node id first, so that programs without
	// regions run their ops in the order they were built.
	unitOf := make([]int, len(c.g.nodes))
	for i := range unitOf {
		unitOf[i] = -1
	}
	var units []unit
	regUnit := make([]int, len(f.regions))
	for i := range regUnit {
		regUnit[i] = -1
	}
	for _, n := range c.order {
		if !live[n.id] || !c.isStep(n) {
			continue
		}
		if r := f.regOf[n.id]; r >= 0 {
			if regUnit[r] < 0 {
				regUnit[r] = len(units)
				units = append(units, unit{region: r, minID: n.id})
			}
			unitOf[n.id] = regUnit[r]
			continue
		}
		unitOf[n.id] = len(units)
		units = append(units, unit{node: n, region: -1, minID: n.id})
	}
	for _, n := range c.order {
		u := unitOf[n.id]
		if u < 0 {
			continue
		}
		for _, x := range n.in {
			if d := unitOf[c.root(x).id]; d >= 0 && d != u {
				units[u].deps = append(units[u].deps, d)
			}
		}
	}
	for ui := range units {
		u := &units[ui]
		if u.region >= 0 {
			// a region also reads the sources of the broadcasts it expands
			for _, m := range f.regions[u.region].members {
				for _, in := range f.inputs[m.id] {
					if d := unitOf[in.node.id]; d >= 0 && d != ui {
						u.deps = append(u.deps, d)
					}
				}
			}
		}
		// each dependency once, in a fixed order (sorting keeps this linear
		// where a region reads many units)
		slices.Sort(u.deps)
		u.deps = slices.Compact(u.deps)
		for _, d := range u.deps {
			units[d].users = append(units[d].users, ui)
		}
		u.wait = len(u.deps)
	}
	ready := &unitHeap{units: units}
	for i, u := range units {
		if u.wait == 0 {
			ready.push(i)
		}
	}
	sequence := make([]int, 0, len(units))
	for len(ready.idx) > 0 {
		i := ready.pop()
		sequence = append(sequence, i)
		for _, j := range units[i].users {
			if units[j].wait--; units[j].wait == 0 {
				ready.push(j)
			}
		}
	}
	if len(sequence) != len(units) {
		// Two regions wait on each other (each joined a node that reads
		// the other; the per-node checks look at nodes, not at regions).
		// Dissolve the newest region among those left and schedule again.
		var last *region
		for _, u := range units {
			if u.wait > 0 && u.region >= 0 && (last == nil || f.regions[u.region].minID > last.minID) {
				last = f.regions[u.region]
			}
		}
		if last == nil {
			return errRegionCycle
		}
		f.dissolve(func(r *region) bool { return r == last })
		return c.schedule(outputs)
	}
	return c.emit(units, sequence, live, materialize)
}

// errRegionCycle is returned when the steps cannot be ordered although no
// region is left to dissolve (a broken invariant); Compile then builds the
// program without fusion.
var errRegionCycle = fmt.Errorf("engine: fused regions depend on each other")

// unitHeap holds the indices of ready units, smallest minID first.
type unitHeap struct {
	units []unit
	idx   []int
}

func (h *unitHeap) less(a, b int) bool { return h.units[h.idx[a]].minID < h.units[h.idx[b]].minID }

func (h *unitHeap) push(i int) {
	h.idx = append(h.idx, i)
	for j := len(h.idx) - 1; j > 0; {
		p := (j - 1) / 2
		if !h.less(j, p) {
			break
		}
		h.idx[j], h.idx[p] = h.idx[p], h.idx[j]
		j = p
	}
}

func (h *unitHeap) pop() int {
	top := h.idx[0]
	n := len(h.idx) - 1
	h.idx[0] = h.idx[n]
	h.idx = h.idx[:n]
	for j := 0; ; {
		l, m := 2*j+1, j
		if l < n && h.less(l, m) {
			m = l
		}
		if r := l + 1; r < n && h.less(r, m) {
			m = r
		}
		if m == j {
			break
		}
		h.idx[j], h.idx[m] = h.idx[m], h.idx[j]
		j = m
	}
	return top
}

// emit allocates the buffers of the live nodes that are stored and builds
// the steps in sequence.
func (c *compiler) emit(units []unit, sequence []int, live, materialize []bool) error {
	p := c.p
	f := c.fz
	stored := func(n *Node) bool {
		if !live[n.id] || !c.isStep(n) {
			return false
		}
		r := f.regOf[n.id]
		// a member that nothing outside its region reads lives in the
		// region's tiles only
		return r < 0 || materialize[n.id] || f.kind[n.id] == fuseSumSink || f.kind[n.id] == fuseXtSink
	}
	elems := 0
	for _, n := range c.order {
		if stored(n) {
			elems += n.shape.Size()
		}
	}
	if err := c.reserve(elems); err != nil {
		return err
	}
	for _, n := range c.order {
		if stored(n) {
			p.bufs[n.id] = make([]float64, n.shape.Size())
		}
	}
	// Views share their root's buffer (now that every root has one).
	for _, n := range c.order {
		if live[n.id] && n.kind == KindOp && p.bufs[n.id] == nil {
			if _, ok := n.op.(aliasOp); ok {
				p.bufs[n.id] = p.bufs[c.root(n).id]
			}
		}
	}
	for _, i := range sequence {
		u := units[i]
		if u.region >= 0 {
			fs, err := c.buildRegion(f.regions[u.region], materialize)
			if err != nil {
				return err
			}
			p.steps = append(p.steps, step{node: f.regions[u.region].members[0], k: fs, fused: true})
			continue
		}
		if err := c.plainStep(u.node); err != nil {
			return err
		}
	}
	return nil
}

// plainStep adds one op node's kernel as a step.
func (c *compiler) plainStep(n *Node) error {
	p := c.p
	in, shapes := c.inputs(n)
	if n.kind == KindForeign {
		k, err := newForeignKernel(n, shapes)
		if err != nil {
			return err
		}
		p.steps = append(p.steps, step{node: n, k: k, out: p.bufs[n.id], in: in})
		return nil
	}
	konst := make([]bool, len(n.in))
	for i, x := range n.in {
		konst[i] = c.constLike(x)
	}
	k, err := n.op.Kernel(KernelSpec{In: shapes, Out: n.shape, Device: p.device, Const: konst})
	if err != nil {
		return fmt.Errorf("engine: compile %v %v: %w", n.op, shapes, err)
	}
	p.steps = append(p.steps, step{node: n, k: k, out: p.bufs[n.id], in: in})
	return nil
}
