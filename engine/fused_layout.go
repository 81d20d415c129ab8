package engine

import "fmt"

// partner finds a later member of the region that m's op can compute in
// the same pass: same inputs, and an op that m's pairs with.
func (c *compiler) partner(reg *region, i int, m *Node, tile Shape) (*Node, PairKernel, error) {
	po, ok := m.op.(PairedOp)
	if !ok {
		return nil, nil, nil
	}
	f := c.fz
	ins := f.inputs[m.id]
	shapes := make([]Shape, len(ins))
	for j := range shapes {
		shapes[j] = tile
	}
	for _, m2 := range reg.members[i+1:] {
		in2 := f.inputs[m2.id]
		if f.kind[m2.id] != fuseMember || len(in2) != len(ins) {
			continue
		}
		same := true
		for j := range ins {
			same = same && ins[j] == in2[j]
		}
		if !same {
			continue
		}
		pk, ok, err := po.Pair(m2.op, KernelSpec{In: shapes, Out: tile, Device: c.p.device})
		if err != nil {
			return nil, nil, fmt.Errorf("engine: compile %v with %v in a fused loop: %w", m.op, m2.op, err)
		}
		if ok {
			return m2, pk, nil
		}
	}
	return nil, nil, nil
}

// laneKernel is one worker's kernel for a fused op.
type laneKernel struct {
	k  Kernel
	rk RangeKernel
	pk PairKernel
}

// laneKernels compiles a second set of the ops' kernels, with their partners
// where paired, for one more worker.
func (c *compiler) laneKernels(ops []fusedOp, tile int) ([]laneKernel, error) {
	ks := make([]laneKernel, len(ops))
	for i, op := range ops {
		if op.k == nil {
			continue
		}
		m := op.node
		spec := KernelSpec{In: make([]Shape, len(m.in)), Out: Shape{tile}, Device: c.p.device}
		for j := range spec.In {
			spec.In[j] = Shape{tile}
		}
		k, err := m.op.Kernel(spec)
		if err != nil {
			return nil, fmt.Errorf("engine: compile %v in a fused loop: %w", m.op, err)
		}
		ks[i].k = k
		ks[i].rk, _ = k.(RangeKernel)
		if op.pk != nil {
			pk, _, err := m.op.(PairedOp).Pair(op.mate.op, spec)
			if err != nil {
				return nil, fmt.Errorf("engine: compile %v with %v in a fused loop: %w", m.op, op.mate.op, err)
			}
			ks[i].pk = pk
		}
	}
	return ks, nil
}

// uniformMember lays out m as a uniformOp if every input it reads is one
// value repeated.
func (c *compiler) uniformMember(m *Node, operand func(fuseInput) fref, tile int, stored bool) (uniformOp, bool, error) {
	if c.fz.kind[m.id] != fuseMember {
		return uniformOp{}, false, nil
	}
	u := uniformOp{node: m, e: &expansion{src: make([]float64, 1), tile: make([]float64, tile)}}
	shapes := make([]Shape, len(m.in))
	for j, in := range c.fz.inputs[m.id] {
		r := operand(in)
		if r.kind != refTile || !r.scalar {
			return uniformOp{}, false, nil
		}
		u.in = append(u.in, r.buf[:1])
		shapes[j] = Shape{tile}
	}
	k, err := m.op.Kernel(KernelSpec{In: shapes, Out: Shape{tile}, Device: c.p.device})
	if err != nil {
		return uniformOp{}, false, fmt.Errorf("engine: compile %v in a fused loop: %w", m.op, err)
	}
	u.k = k
	if stored {
		u.full = c.p.bufs[m.id]
	}
	return u, true, nil
}

// describe lists the loop's contents for Program.Describe.
func (s *fusedStep) describe() string {
	var b []byte
	b = fmt.Appendf(b, "fused loop over %d elements (tile %d, %d chunk(s)", s.size, s.tile, s.chunks)
	if s.x != nil {
		b = fmt.Appendf(b, ", rows of a %d-column matrix", s.d)
	}
	if s.parallel {
		b = append(b, ", parallel"...)
	}
	b = append(b, "):"...)
	for _, e := range s.exps {
		if !e.fixed {
			b = fmt.Appendf(b, "\n    (expands %d value(s) per run)", len(e.src))
		}
	}
	for _, u := range s.uniform {
		b = fmt.Appendf(b, "\n    %v (one value, once per run)", u.node)
	}
	for _, op := range s.ops {
		where := "tile"
		if op.out.kind == refBuf {
			where = "stored"
		}
		if op.k == nil {
			b = fmt.Appendf(b, "\n    %v (X·b, %s)", op.node, where)
			continue
		}
		if op.pk != nil {
			b = fmt.Appendf(b, "\n    %v and %v in one pass (%s)", op.node, op.mate, where)
			continue
		}
		b = fmt.Appendf(b, "\n    %v (%s)", op.node, where)
	}
	for range s.sums {
		b = append(b, "\n    + sum"...)
	}
	for range s.xts {
		b = append(b, "\n    + Xᵀ·v"...)
	}
	return string(b)
}
