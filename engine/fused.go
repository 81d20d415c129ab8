package engine

import (
	"fmt"
	"runtime"
)

// Tile and chunk sizes of fused loops. A tile is what one op of the loop
// computes at a time (it stays in the first-level cache between ops); a
// chunk is what one core takes at a time, and the unit of the partial sums
// that make results independent of the number of cores. Both depend on
// the shapes only.
const (
	tileElems  = 256   // elements per tile without a row matrix
	chunkElems = 4096  // elements per chunk without a row matrix
	xTileBytes = 32768 // bytes of X per tile
	xChunkWork = 16384 // rows·columns of X per chunk
	parWork    = 1 << 15
)

// fref says where a value of the loop is, tile by tile.
type fref struct {
	kind   uint8
	buf    []float64 // refBuf: the whole buffer; refTile: the expanded tile
	slot   int       // refSlot: the lane's scratch tile
	scalar bool      // refTile: one value repeated
}

const (
	refBuf  = iota // a stored node: the tile is buf[lo:hi]
	refSlot        // a value kept in a lane's scratch tile only
	refTile        // a scalar or row expanded to one tile, the same for every tile
)

type fusedOp struct {
	node *Node
	k    Kernel      // nil for a source; lane 0's kernel
	rk   RangeKernel // k, when it reports positions
	pk   PairKernel  // set when this op also computes a partner's value
	b    []float64   // a source's vector
	in   []fref
	out  fref
	out2 fref  // the partner's value
	mate *Node // the partner
}

// uniformOp is a member all of whose inputs are scalars (log σ of a
// broadcast scale): it is computed once per run, not once per element.
type uniformOp struct {
	node *Node
	k    Kernel
	in   [][]float64 // one-element views of the inputs' expanded tiles
	e    *expansion  // its value, expanded for the members that read it
	full []float64   // its stored value, when something outside reads it
}

type fusedSum struct {
	in    fref
	out   []float64
	count float64 // elements, for a mean; 0 for a sum
	// row is the length of the input's last axis. The sum adds each row's
	// own sum in turn, as the reduction op does, so that within one chunk
	// the result is the same to the bit.
	row int
}

type fusedXt struct {
	in  fref
	out []float64
	off int // offset of its partial in a chunk's partials
}

// expansion is a scalar or row input written out to one tile's length.
type expansion struct {
	src   []float64
	tile  []float64
	fixed bool // the source is constant: expanded once, at compile time
}

func (e *expansion) fill() {
	if len(e.src) == 1 {
		v := e.src[0]
		for i := range e.tile {
			e.tile[i] = v
		}
		return
	}
	n := copy(e.tile, e.src)
	for n < len(e.tile) {
		n += copy(e.tile[n:], e.tile[:n])
	}
}

// fusedLane is what one worker of a parallel loop owns: its scratch tiles
// and, from the second lane on, its own kernels, so that kernels keeping
// scratch of their own are never run by two workers at once.
type fusedLane struct {
	kernels []laneKernel // per op; nil on lane 0, which uses the ops' own
	slots   [][]float64
	ins     [][][]float64 // per op, the input slices of the current tile
	rows    []lanes4      // per sum, the lane sums of the current row so far
}

// fusedStep runs one region. As a Kernel it ignores its arguments: its
// buffers are bound at compile time.
type fusedStep struct {
	size, tile, chunk, chunks int
	x                         []float64 // row matrix, nil if none
	d                         int
	uniform                   []uniformOp
	ops                       []fusedOp
	sums                      []fusedSum
	xts                       []fusedXt
	exps                      []*expansion
	stride                    int
	partial                   []float64
	errs                      []error
	lanes                     []fusedLane
	job                       *parJob
	parallel                  bool
}

// buildRegion lays out a region's loop: operands, scratch tiles, partials.
func (c *compiler) buildRegion(reg *region, materialize []bool) (*fusedStep, error) {
	p := c.p
	f := c.fz
	s := &fusedStep{size: reg.size, d: 1}
	if reg.x != nil {
		s.x = p.bufs[reg.x.id]
		s.d = len(s.x) / reg.size
		s.tile = xTileRows(s.d)
		s.chunk = s.tile * max(1, xChunkWork/s.d/s.tile)
	} else {
		s.tile = reg.rowLen * max(1, tileElems/reg.rowLen)
		s.chunk = s.tile * max(1, chunkElems/s.tile)
	}
	if reg.size <= s.tile {
		s.tile, s.chunk = reg.size, reg.size
	}
	s.chunks = (reg.size + s.chunk - 1) / s.chunk

	// Where each member's tile is: its buffer when stored, else a scratch
	// slot, reused once its last reader in the loop has run.
	refs := map[int]fref{}
	exps := map[int]*expansion{}
	last := map[int]int{}
	for i, m := range reg.members {
		for _, in := range f.inputs[m.id] {
			last[in.node.id] = i
		}
	}
	for _, sk := range reg.sinks {
		last[c.root(sinkInput(sk, f)).id] = len(reg.members)
	}
	var free []int
	slots := 0
	expand := func(in fuseInput) fref {
		e := exps[in.node.id]
		if e == nil {
			e = &expansion{src: p.bufs[in.node.id], tile: make([]float64, s.tile), fixed: c.constLike(in.node)}
			if in.class == inScalar {
				e.src = e.src[:1]
			}
			if e.fixed {
				e.fill()
			}
			exps[in.node.id] = e
			s.exps = append(s.exps, e)
		}
		return fref{kind: refTile, buf: e.tile, scalar: len(e.src) == 1}
	}
	operand := func(in fuseInput) fref {
		switch in.class {
		case inScalar, inRow:
			return expand(in)
		}
		if r, ok := refs[in.node.id]; ok {
			return r
		}
		return fref{kind: refBuf, buf: p.bufs[in.node.id]}
	}
	paired := map[int]bool{} // members computed with an earlier partner
	place := func(m *Node) fref {
		if materialize[m.id] {
			return fref{kind: refBuf, buf: p.bufs[m.id]}
		}
		slot := slots
		if len(free) > 0 {
			slot, free = free[len(free)-1], free[:len(free)-1]
		} else {
			slots++
		}
		return fref{kind: refSlot, slot: slot}
	}
	for i, m := range reg.members {
		if paired[m.id] {
			continue
		}
		if u, ok, err := c.uniformMember(m, operand, s.tile, materialize[m.id]); err != nil {
			return nil, err
		} else if ok {
			refs[m.id] = fref{kind: refTile, buf: u.e.tile, scalar: true}
			s.uniform = append(s.uniform, u)
			continue
		}
		op := fusedOp{node: m}
		if f.kind[m.id] == fuseSource {
			op.b = p.bufs[c.root(m.in[1]).id]
		} else {
			shapes := make([]Shape, len(m.in))
			for j := range shapes {
				shapes[j] = Shape{s.tile}
				op.in = append(op.in, operand(f.inputs[m.id][j]))
			}
			k, err := m.op.Kernel(KernelSpec{In: shapes, Out: Shape{s.tile}, Device: p.device})
			if err != nil {
				return nil, fmt.Errorf("engine: compile %v in a fused loop: %w", m.op, err)
			}
			op.k = k
			op.rk, _ = k.(RangeKernel)
			if partner, pk, err := c.partner(reg, i, m, Shape{s.tile}); err != nil {
				return nil, err
			} else if partner != nil {
				op.pk, op.mate = pk, partner
				op.out2 = place(partner)
				refs[partner.id] = op.out2
				paired[partner.id] = true
			}
		}
		op.out = place(m)
		refs[m.id] = op.out
		for _, in := range f.inputs[m.id] {
			if r, ok := refs[in.node.id]; ok && r.kind == refSlot && last[in.node.id] == i {
				free = append(free, r.slot)
				last[in.node.id] = -1 // freed once, even if read twice
			}
		}
		s.ops = append(s.ops, op)
	}
	for _, sk := range reg.sinks {
		in := operand(fuseInput{class: inFull, node: c.root(sinkInput(sk, f))})
		switch f.kind[sk.id] {
		case fuseSumSink:
			shape := sk.in[0].shape
			sum := fusedSum{in: in, out: p.bufs[sk.id], row: shape[len(shape)-1]}
			if r, ok := sk.op.(reduceOp); ok && r.kind == redMean {
				sum.count = float64(reg.size)
			}
			s.sums = append(s.sums, sum)
		case fuseXtSink:
			s.xts = append(s.xts, fusedXt{in: in, out: p.bufs[sk.id]})
		}
	}
	s.stride = len(s.sums)
	for i := range s.xts {
		s.xts[i].off = s.stride
		s.stride += s.d
	}
	s.partial = make([]float64, s.chunks*s.stride)
	s.errs = make([]error, s.chunks)
	work := reg.size * (len(s.ops) + len(s.sums) + 2*s.d*(len(s.xts)+sources(reg, f)))
	s.parallel = s.chunks > 1 && work >= parWork
	lanes := 1
	if s.parallel {
		lanes = min(runtime.GOMAXPROCS(0), s.chunks)
	}
	s.lanes = make([]fusedLane, lanes)
	for l := range s.lanes {
		ln := &s.lanes[l]
		if l > 0 {
			ks, err := c.laneKernels(s.ops, s.tile)
			if err != nil {
				return nil, err
			}
			ln.kernels = ks
		}
		for range slots {
			ln.slots = append(ln.slots, make([]float64, s.tile))
		}
		for _, op := range s.ops {
			ln.ins = append(ln.ins, make([][]float64, len(op.in)))
		}
		ln.rows = make([]lanes4, len(s.sums))
	}
	s.job = newParJob(lanes, s.runChunk)
	return s, nil
}

func sources(reg *region, f *fuser) int {
	n := 0
	for _, m := range reg.members {
		if f.kind[m.id] == fuseSource {
			n++
		}
	}
	return n
}

// sinkInput returns the region value a sink reads.
func sinkInput(sk *Node, f *fuser) *Node {
	if f.kind[sk.id] == fuseSumSink {
		return sk.in[0]
	}
	if sk.op.(matmulOp).ta {
		return sk.in[1] // Xᵀ·v
	}
	return sk.in[0] // vᵀ·X
}

// Run runs the loop over every chunk and combines the chunks' partial sums
// in chunk order.
func (s *fusedStep) Run([]float64, [][]float64) error {
	for _, e := range s.exps {
		if !e.fixed {
			e.fill()
		}
	}
	for i := range s.uniform {
		u := &s.uniform[i]
		if err := u.k.Run(u.e.src, u.in); err != nil {
			return fmt.Errorf("engine: run %v: %w", u.node, err)
		}
		u.e.fill()
		if u.full != nil {
			v := u.e.src[0]
			for j := range u.full {
				u.full[j] = v
			}
		}
	}
	clear(s.errs)
	s.job.do(s.chunks, s.parallel)
	for _, err := range s.errs {
		if err != nil {
			return err
		}
	}
	for k, sm := range s.sums {
		t := 0.0
		for c := 0; c < s.chunks; c++ {
			t += s.partial[c*s.stride+k]
		}
		if sm.count > 0 {
			t /= sm.count
		}
		sm.out[0] = t
	}
	for _, xt := range s.xts {
		clear(xt.out)
		for c := 0; c < s.chunks; c++ {
			part := s.partial[c*s.stride+xt.off:][:s.d]
			for j, v := range part {
				xt.out[j] += v
			}
		}
	}
	return nil
}

func (s *fusedStep) slice(ln *fusedLane, r fref, lo, hi int) []float64 {
	switch r.kind {
	case refBuf:
		return r.buf[lo:hi]
	case refSlot:
		return ln.slots[r.slot][:hi-lo]
	}
	return r.buf[:hi-lo] // tiles start at multiples of the row period
}

// runChunk computes chunk c on lane l: tile by tile, the sources, the ops
// in order, then the sinks' partials.
func (s *fusedStep) runChunk(l, c int) {
	ln := &s.lanes[l]
	lo0, hi0 := c*s.chunk, min((c+1)*s.chunk, s.size)
	part := s.partial[c*s.stride : (c+1)*s.stride]
	clear(part)
	clear(ln.rows)
	d := s.d
	for lo := lo0; lo < hi0; lo += s.tile {
		hi := min(lo+s.tile, hi0)
		for i := range s.ops {
			op := &s.ops[i]
			out := s.slice(ln, op.out, lo, hi)
			if op.k == nil {
				gemvRows(hi-lo, d, s.x[lo*d:hi*d], op.b, out)
				continue
			}
			ins := ln.ins[i]
			for j, r := range op.in {
				ins[j] = s.slice(ln, r, lo, hi)
			}
			k := laneKernel{op.k, op.rk, op.pk}
			if ln.kernels != nil {
				k = ln.kernels[i]
			}
			var err error
			switch {
			case k.pk != nil:
				err = k.pk.RunPair(out, s.slice(ln, op.out2, lo, hi), ins)
			case k.rk != nil:
				err = k.rk.RunRange(lo, out, ins)
			default:
				err = k.k.Run(out, ins)
			}
			if err != nil {
				s.errs[c] = fmt.Errorf("engine: run %v: %w", op.node, err)
				return
			}
		}
		for k, sm := range s.sums {
			v := s.slice(ln, sm.in, lo, hi)
			row := &ln.rows[k]
			for pos := lo; pos < hi; {
				end := min(hi, (pos/sm.row+1)*sm.row)
				addLanes(row, v[pos-lo:end-lo], pos%sm.row)
				if pos = end; end%sm.row == 0 {
					part[k] += row.sum()
					*row = lanes4{}
				}
			}
		}
		for _, xt := range s.xts {
			gemvTRowsAdd(hi-lo, d, s.x[lo*d:hi*d], s.slice(ln, xt.in, lo, hi), part[xt.off:xt.off+d])
		}
	}
	for k, sm := range s.sums {
		if hi0%sm.row != 0 { // the chunk ends inside a row
			part[k] += ln.rows[k].sum()
		}
	}
}
