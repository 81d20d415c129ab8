package engine

import "github.com/ignis-ppl/ignis/internal/vmath"

// regClass says when a tape register's value is known in a scan: once per
// run (constants, the scan's constants), for every step before the loop
// (the sequences, values computed from them), or only step by step (the
// carried state and what is computed from it).
type regClass uint8

const (
	clsScalar regClass = iota
	clsVec
	clsSeq
)

// scanPlan runs a scalar body over a whole sequence with as little as
// possible in the step-by-step loop. The body's instructions split by
// class: those of constants run once; those of the sequences run before
// the loop as element-wise operations over all steps at once; the loop
// runs only the instructions the next state needs; what the state feeds
// but the next state does not (a step's log density, say) runs after the
// loop, again over all steps at once. A GARCH step then costs the loop
// four operations where the body has a dozen.
type scanPlan struct {
	t         *scalarTape
	T         int
	once      []tapeIns // scalar mode, once per run
	pre, post []tapeIns // vector mode, before and after the loop
	seq       []tapeIns // scalar mode, step by step
	vec       [][]float64
	bound     []bool  // vec given by the kernel on each run
	loads     []int32 // the loop reads these from vec at each step
	stores    []int32 // the loop writes these to vec at each step
	seqIn     []int32 // the state's registers
	expand    []int32 // scalar registers vector instructions read
}

// operands lists the registers an instruction reads.
func (in *tapeIns) operands(buf []int32) []int32 {
	buf = append(buf[:0], in.a)
	switch in.code {
	case tapeAdd, tapeSub, tapeMul, tapeDiv, tapeBinary:
		buf = append(buf, in.b)
	case tapeWhere:
		buf = append(buf, in.b, in.c2)
	}
	return buf
}

// newScanPlan splits t's instructions. class gives the class of the input
// registers (the others hold constants); state lists the registers the
// loop reads after each step; perStep those whose value at every step is
// wanted after the loop; bound those whose per-step values the kernel
// provides on each run (sequences, a stored history).
func newScanPlan(t *scalarTape, T int, class map[int32]regClass, state, perStep, bound []int32) *scanPlan {
	nr := len(t.regs)
	pl := &scanPlan{t: t, T: T, vec: make([][]float64, nr), bound: make([]bool, nr)}
	cls := make([]regClass, nr)
	for r, c := range class {
		cls[r] = c
		if c == clsSeq {
			pl.seqIn = append(pl.seqIn, r)
		}
	}
	var ops []int32
	for i := range t.ins {
		in := &t.ins[i]
		c := clsScalar
		for _, r := range in.operands(ops) {
			c = max(c, cls[r])
		}
		cls[in.dst] = c
	}
	// the loop runs what the state needs
	needed := make([]bool, nr)
	for _, r := range state {
		needed[r] = true
	}
	inLoop := make([]bool, len(t.ins))
	for i := len(t.ins) - 1; i >= 0; i-- {
		in := &t.ins[i]
		if cls[in.dst] == clsSeq && needed[in.dst] {
			inLoop[i] = true
			for _, r := range in.operands(ops) {
				needed[r] = true
			}
		}
	}
	wantVec := make([]bool, nr)
	load := make([]bool, nr)
	fromLoop := make([]bool, nr) // written in the loop, or the state itself
	for _, r := range pl.seqIn {
		fromLoop[r] = true
	}
	for i := range t.ins {
		in := &t.ins[i]
		switch {
		case cls[in.dst] == clsScalar:
			pl.once = append(pl.once, *in)
		case inLoop[i]:
			pl.seq = append(pl.seq, *in)
			fromLoop[in.dst] = true
			for _, r := range in.operands(ops) {
				if cls[r] == clsVec {
					load[r] = true
				}
			}
		default:
			if cls[in.dst] == clsVec {
				pl.pre = append(pl.pre, *in)
			} else {
				pl.post = append(pl.post, *in)
			}
			wantVec[in.dst] = true
			for _, r := range in.operands(ops) {
				wantVec[r] = true
			}
		}
	}
	for _, r := range state {
		if cls[r] == clsVec {
			load[r] = true
		}
	}
	for _, r := range perStep {
		wantVec[r] = true
	}
	for _, r := range bound {
		pl.bound[r] = true
	}
	for r := range nr {
		if load[r] {
			wantVec[r] = true
			pl.loads = append(pl.loads, int32(r))
		}
		if !wantVec[r] || pl.bound[r] {
			continue
		}
		pl.vec[r] = make([]float64, T)
		switch cls[r] {
		case clsScalar:
			pl.expand = append(pl.expand, int32(r))
		case clsSeq:
			if fromLoop[r] {
				pl.stores = append(pl.stores, int32(r))
			}
		}
	}
	return pl
}

// begin runs the once-per-run instructions and the vector ones before the
// loop; the kernel has set the scalar inputs and bound the vectors.
func (pl *scanPlan) begin() {
	pl.t.runIns(pl.once)
	for _, r := range pl.expand {
		v, dst := pl.t.regs[r], pl.vec[r]
		for i := range dst {
			dst[i] = v
		}
	}
	pl.runVec(pl.pre)
}

// step runs step t of the loop; the kernel has set the state's registers.
func (pl *scanPlan) step(t int) {
	regs := pl.t.regs
	for _, r := range pl.loads {
		regs[r] = pl.vec[r][t]
	}
	pl.t.runIns(pl.seq)
	for _, r := range pl.stores {
		pl.vec[r][t] = regs[r]
	}
}

// end runs the vector instructions after the loop.
func (pl *scanPlan) end() { pl.runVec(pl.post) }

// runVec runs instructions element-wise over all steps.
func (pl *scanPlan) runVec(ins []tapeIns) {
	v := pl.vec
	for i := range ins {
		in := &ins[i]
		d, a := v[in.dst], v[in.a]
		switch in.code {
		case tapeCopy:
			copy(d, a)
		case tapeAdd:
			vmath.Add(d, a, v[in.b])
		case tapeSub:
			vmath.Sub(d, a, v[in.b])
		case tapeMul:
			vmath.Mul(d, a, v[in.b])
		case tapeDiv:
			vmath.Div(d, a, v[in.b])
		case tapeNeg:
			vmath.Neg(d, a)
		case tapeScale:
			vmath.Scale(d, a, in.c)
		case tapeShift:
			vmath.Shift(d, a, in.c)
		case tapeSquare:
			vmath.Square(d, a)
		case tapeReciprocal:
			vmath.Reciprocal(d, a)
		case tapeExp:
			vmath.Exp(d, a)
		case tapeLog:
			vmath.Log(d, a)
		case tapeUnary:
			for j, x := range a {
				d[j] = in.f(x, in.c)
			}
		case tapeBinary:
			b := v[in.b]
			for j, x := range a {
				d[j] = in.f2(x, b[j])
			}
		case tapeWhere:
			vmath.Where(d, a, v[in.b], v[in.c2])
		}
	}
}
