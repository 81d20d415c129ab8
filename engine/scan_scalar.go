package engine

// The scan kernels for bodies whose every value is one number: the body
// runs as a scanPlan, with only the state's recurrence step by step.

// registers returns the tape register of each node (−1 where the body does
// not hold it).
func (r *bodyRunner) registers(nodes []*Node) []int32 {
	out := make([]int32, len(nodes))
	for i, n := range nodes {
		out[i] = r.tape.register(r.p, n)
	}
	return out
}

// classes maps registers to a class, skipping those the body lacks.
func classes(m map[int32]regClass, regs []int32, c regClass) map[int32]regClass {
	for _, r := range regs {
		if r >= 0 {
			m[r] = c
		}
	}
	return m
}

func present(groups ...[]int32) []int32 {
	var out []int32
	for _, g := range groups {
		for _, r := range g {
			if r >= 0 {
				out = append(out, r)
			}
		}
	}
	return out
}

// scalarScanKernel is the forward scan of a scalar body.
type scalarScanKernel struct {
	op                        *scanOp
	t                         *scalarTape
	pl                        *scanPlan
	carry, x, consts, next, y []int32
}

func newScalarScanKernel(o *scanOp, r *bodyRunner) *scalarScanKernel {
	sb := o.body
	k := &scalarScanKernel{op: o, t: r.tape, carry: r.registers(sb.carry), x: r.registers(sb.x),
		consts: r.registers(sb.consts), next: r.registers(sb.next), y: r.registers(sb.y)}
	class := classes(classes(map[int32]regClass{}, k.carry, clsSeq), k.x, clsVec)
	k.pl = newScanPlan(r.tape, o.T, class, present(k.next), present(k.y), present(k.x, k.carry))
	return k
}

func (k *scalarScanKernel) Run(out []float64, in [][]float64) error {
	o, pl, regs := k.op, k.pl, k.t.regs
	T, nc, nx := o.T, len(k.carry), len(k.x)
	for j, r := range k.consts {
		if r >= 0 {
			regs[r] = in[nc+nx+j][0]
		}
	}
	for j, r := range k.x {
		if r >= 0 {
			pl.vec[r] = in[nc+j]
		}
	}
	for i, r := range k.carry {
		out[o.histOff[i]] = in[i][0]
		if r >= 0 {
			pl.vec[r] = out[o.histOff[i]:][:T]
		}
	}
	pl.begin()
	if len(k.carry) == 1 && k.carry[0] >= 0 {
		if m, c, ok := pl.affine(k.carry[0], k.next[0]); ok {
			// σ²_{t+1} = m·σ²_t + c_t
			h, mv := out[o.histOff[0]:][:T+1], regs[m]
			s := h[0]
			for t, ct := range c[:T] {
				s = float64(mv*s) + ct
				h[t+1] = s
			}
			pl.end()
			k.outputs(out)
			return nil
		}
	}
	for t := 0; t < T; t++ {
		for i, r := range k.carry {
			if r >= 0 {
				regs[r] = out[o.histOff[i]+t]
			}
		}
		pl.step(t)
		for i, r := range k.next {
			out[o.histOff[i]+t+1] = regs[r]
		}
	}
	pl.end()
	k.outputs(out)
	return nil
}

// outputs copies the step outputs, known for every step, into out.
func (k *scalarScanKernel) outputs(out []float64) {
	T := k.op.T
	for j, r := range k.y {
		copy(out[k.op.yOff[j]:][:T], k.pl.vec[r])
	}
}

// scalarScanGradKernel is the reverse scan of a scalar body.
type scalarScanGradKernel struct {
	op                        *scanOp
	t                         *scalarTape
	pl                        *scanPlan
	carry, x, consts, lam, gy []int32
	dcarry, dx, dconsts       []int32
	lamHist                   [][]float64 // per carry, λ_{t+1} at t
	lamNow                    []float64
}

func newScalarScanGradKernel(o *scanOp, r *bodyRunner) *scalarScanGradKernel {
	sb := o.body
	k := &scalarScanGradKernel{op: o, t: r.tape, carry: r.registers(sb.carry), x: r.registers(sb.x),
		consts: r.registers(sb.consts), lam: r.registers(sb.lam), gy: r.registers(sb.gy),
		dcarry: r.registers(sb.dcarry), dx: r.registers(sb.dx), dconsts: r.registers(sb.dconsts)}
	class := classes(classes(classes(classes(map[int32]regClass{}, k.lam, clsSeq), k.carry, clsVec), k.x, clsVec), k.gy, clsVec)
	k.pl = newScanPlan(r.tape, o.T, class, present(k.dcarry), present(k.dx, k.dconsts), present(k.carry, k.x, k.gy, k.lam))
	for range k.lam {
		k.lamHist = append(k.lamHist, make([]float64, o.T))
	}
	k.lamNow = make([]float64, len(k.lam))
	return k
}

func (k *scalarScanGradKernel) Run(out []float64, in [][]float64) error {
	o, pl, regs := k.op, k.pl, k.t.regs
	T, nx := o.T, len(k.x)
	fwd, gout := in[0], in[len(in)-1]
	for j, r := range k.consts {
		if r >= 0 {
			regs[r] = in[1+nx+j][0]
		}
	}
	for i, r := range k.carry {
		if r >= 0 {
			pl.vec[r] = fwd[o.histOff[i]:][:T]
		}
	}
	for j, r := range k.x {
		if r >= 0 {
			pl.vec[r] = in[1+j]
		}
	}
	for j, r := range k.gy {
		if r >= 0 {
			pl.vec[r] = gout[o.yOff[j]:][:T]
		}
	}
	for i, r := range k.lam {
		if r >= 0 {
			pl.vec[r] = k.lamHist[i]
		}
		k.lamNow[i] = gout[o.histOff[i]+T]
	}
	pl.begin()
	if len(k.lam) == 1 && k.lam[0] >= 0 {
		if m, c, ok := pl.affine(k.lam[0], k.dcarry[0]); ok {
			// λ_t = (m·λ_{t+1} + c_t) + ∂/∂carry_t of the outputs' terms
			g, hist, mv := gout[o.histOff[0]:][:T+1], k.lamHist[0], regs[m]
			lam := g[T]
			for t := T - 1; t >= 0; t-- {
				hist[t] = lam
				lam = float64(mv*lam) + c[t] + g[t]
			}
			k.lamNow[0] = lam
			pl.end()
			k.outputs(out)
			return nil
		}
	}
	for t := T - 1; t >= 0; t-- {
		for i, r := range k.lam {
			if r >= 0 {
				regs[r] = k.lamNow[i]
				k.lamHist[i][t] = k.lamNow[i]
			}
		}
		pl.step(t)
		for i, r := range k.dcarry {
			k.lamNow[i] = regs[r] + gout[o.histOff[i]+t]
		}
	}
	pl.end()
	k.outputs(out)
	return nil
}

// outputs writes the gradients: in init, then in xs (T each), then in
// consts (summed over the steps in order).
func (k *scalarScanGradKernel) outputs(out []float64) {
	pl, T := k.pl, k.op.T
	copy(out, k.lamNow)
	off := len(k.carry)
	for _, r := range k.dx {
		copy(out[off:][:T], pl.vec[r])
		off += T
	}
	for _, r := range k.dconsts {
		s := 0.0
		for _, v := range pl.vec[r] {
			s += v
		}
		out[off] = s
		off++
	}
}
