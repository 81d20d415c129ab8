package engine

import (
	"slices"

	"github.com/ignis-ppl/ignis/internal/vmath"
)

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
	loadSrc   [][]float64
	storeDst  [][]float64
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
	case tapeWhere, tapeMulAdd:
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
	pl := &scanPlan{t: t, T: T}
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
	for i := range t.ins {
		in := t.ins[i]
		switch {
		case cls[in.dst] == clsScalar:
			pl.once = append(pl.once, in)
		case inLoop[i]:
			pl.seq = append(pl.seq, in)
		case cls[in.dst] == clsVec:
			pl.pre = append(pl.pre, in)
		default:
			pl.post = append(pl.post, in)
		}
	}
	pl.seq = fuseMulAdd(pl.seq, pl.post, state)
	cls = pl.reassociate(cls, state)
	nr = len(t.regs)
	pl.vec, pl.bound = make([][]float64, nr), make([]bool, nr)

	// which registers need a value per step, which the loop loads and
	// stores
	wantVec := make([]bool, nr)
	load := make([]bool, nr)
	fromLoop := make([]bool, nr) // written in the loop, or the state itself
	for _, r := range pl.seqIn {
		fromLoop[r] = true
	}
	for _, in := range pl.seq {
		fromLoop[in.dst] = true
		for _, r := range in.operands(ops) {
			if cls[r] == clsVec {
				load[r] = true
			}
		}
	}
	for _, list := range [][]tapeIns{pl.pre, pl.post} {
		for _, in := range list {
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
	pl.loadSrc = make([][]float64, 0, len(pl.loads))
	pl.storeDst = make([][]float64, 0, len(pl.stores))
	return pl
}

// fuseMulAdd joins a product whose value only the next instruction, a sum,
// reads into one instruction a·b + c (rounded twice, as the two were): in
// the step-by-step loop every instruction saved counts.
func fuseMulAdd(seq, post []tapeIns, state []int32) []tapeIns {
	uses := countUses(seq, post, state)
	out := seq[:0:0]
	for i := 0; i < len(seq); i++ {
		m := seq[i]
		if m.code == tapeMul && i+1 < len(seq) && uses[m.dst] == 1 {
			if a := seq[i+1]; a.code == tapeAdd && (a.a == m.dst) != (a.b == m.dst) {
				other := a.a
				if other == m.dst {
					other = a.b
				}
				out = append(out, tapeIns{code: tapeMulAdd, dst: a.dst, a: m.a, b: m.b, c2: other})
				i++
				continue
			}
		}
		out = append(out, m)
	}
	return out
}

// countUses counts the reads of each register by instructions, and
// counts the state's registers as read twice (after every step).
func countUses(seq, post []tapeIns, state []int32) map[int32]int {
	uses := map[int32]int{}
	var ops []int32
	for _, list := range [][]tapeIns{seq, post} {
		for i := range list {
			for _, r := range list[i].operands(ops) {
				uses[r]++
			}
		}
	}
	for _, r := range state {
		uses[r] += 2
	}
	return uses
}

// reassociate moves additions of known values out of the loop: where the
// loop computes u = x + v and then w = u + y, with v and y known for every
// step before the loop and u read nowhere else, it computes v + y over all
// steps before the loop and the loop w = x + (v + y) — one instruction
// instead of two; likewise for u = a·b + v. A recurrence such as the
// reverse of σ²_{t+1} = ω + α r²_t + β σ²_t then costs the loop one
// multiply-add. The sums are rounded in another order than the body's (a
// relative difference of a few units in the last place).
func (pl *scanPlan) reassociate(cls []regClass, state []int32) []regClass {
	t := pl.t
	for changed := true; changed; {
		changed = false
		uses := countUses(pl.seq, pl.post, state)
		for i := 1; i < len(pl.seq); i++ {
			w := pl.seq[i]
			if w.code != tapeAdd {
				continue
			}
			for side := range 2 {
				u, y := w.a, w.b
				if side == 1 {
					u, y = w.b, w.a
				}
				if cls[y] == clsSeq || uses[u] != 1 {
					continue
				}
				j := slices.IndexFunc(pl.seq[:i], func(in tapeIns) bool { return in.dst == u })
				if j < 0 {
					continue
				}
				ui := pl.seq[j]
				var v *int32
				switch {
				case ui.code == tapeMulAdd && cls[ui.c2] != clsSeq:
					v = &ui.c2
				case ui.code == tapeAdd && cls[ui.b] != clsSeq:
					v = &ui.b
				case ui.code == tapeAdd && cls[ui.a] != clsSeq:
					v = &ui.a
				default:
					continue
				}
				// a new register for v + y, computed before the loop
				nr := int32(len(t.regs))
				t.regs = append(t.regs, 0)
				t.variable = append(t.variable, true)
				c := max(cls[*v], cls[y])
				cls = append(cls, c)
				sum := tapeIns{code: tapeAdd, dst: nr, a: *v, b: y}
				if c == clsScalar {
					pl.once = append(pl.once, sum)
				} else {
					pl.pre = append(pl.pre, sum)
				}
				*v = nr
				ui.dst = w.dst
				pl.seq[i] = ui
				pl.seq = slices.Delete(pl.seq, j, j+1)
				changed = true
				break
			}
			if changed {
				break
			}
		}
	}
	return cls
}

// begin runs the once-per-run instructions and the vector ones before the
// loop; the kernel has set the scalar inputs and bound the vectors.
func (pl *scanPlan) begin() {
	pl.t.runIns(pl.once)
	pl.loadSrc, pl.storeDst = pl.loadSrc[:0], pl.storeDst[:0]
	for _, r := range pl.loads {
		pl.loadSrc = append(pl.loadSrc, pl.vec[r])
	}
	for _, r := range pl.stores {
		pl.storeDst = append(pl.storeDst, pl.vec[r])
	}
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
	for j, r := range pl.loads {
		regs[r] = pl.loadSrc[j][t]
	}
	pl.t.runIns(pl.seq)
	for j, r := range pl.stores {
		pl.storeDst[j][t] = regs[r]
	}
}

// affine reports a loop that is one multiply-add of one state register s
// by a value m fixed over the steps, plus a per-step value: s ← m·s + c_t,
// as in a GARCH variance or its reverse. It returns m's register and c's
// values; the kernels then run the recurrence in a plain loop, with the
// state in a machine register rather than going through the tape.
func (pl *scanPlan) affine(s, next int32) (m int32, c []float64, ok bool) {
	if len(pl.seq) != 1 || len(pl.stores) != 0 {
		return 0, nil, false
	}
	in := pl.seq[0]
	if in.code != tapeMulAdd || in.dst != next || pl.vec[in.c2] == nil || in.c2 == s {
		return 0, nil, false
	}
	switch {
	case in.a == s && in.b != s:
		m = in.b
	case in.b == s && in.a != s:
		m = in.a
	default:
		return 0, nil, false
	}
	if slices.Contains(pl.loads, m) || slices.Contains(pl.seqIn, m) {
		return 0, nil, false // m varies with t
	}
	return m, pl.vec[in.c2], true
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
