package engine

import "math"

// scalarTape runs a program whose every value is one number — the body of
// a scan over scalar time series — as a list of instructions over one
// array of registers, without a kernel call per op: a step of a GARCH
// likelihood is a dozen additions, multiplications and a logarithm, where
// a kernel call would cost more than the arithmetic.
type scalarTape struct {
	regs []float64
	ins  []tapeIns
	reg  map[*float64]int32 // a program buffer's register
	// variable[r]: register r is an input or written by an instruction;
	// the others hold constants
	variable []bool
}

type tapeCode uint8

const (
	tapeCopy tapeCode = iota
	tapeAdd
	tapeSub
	tapeMul
	tapeDiv
	tapeNeg
	tapeScale
	tapeShift
	tapeSquare
	tapeReciprocal
	tapeExp
	tapeLog
	tapeUnary  // f(a, c)
	tapeBinary // f2(a, b)
	tapeWhere  // a ≠ 0 ? b : c2
	tapeMulAdd // a·b + c2, two roundings (made by scan plans)
)

type tapeIns struct {
	code      tapeCode
	dst, a, b int32
	c2        int32 // the third operand of where
	c         float64
	f         func(x, c float64) float64
	f2        func(a, b float64) float64
}

// newScalarTape translates p into a tape, and reports false when some step
// is not an op on single numbers the tape knows (a fused loop, a matrix
// op), in which case p runs as it is.
func newScalarTape(p *Program) (*scalarTape, bool) {
	t := &scalarTape{reg: make(map[*float64]int32)}
	regOf := func(buf []float64) (int32, bool) {
		r := t.bufReg(buf)
		return r, r >= 0
	}
	// inputs vary; so does every value an instruction writes (below);
	// what is left are the program's constants and values folded from them
	for _, n := range p.nodes {
		if v := p.Value(n); len(v) == 1 && (n.kind == KindInput || n.kind == KindParam || n.kind == KindNoise) {
			r, _ := regOf(v)
			t.variable[r] = true
		}
	}
	for i := range p.steps {
		s := &p.steps[i]
		if s.fused || s.node == nil || s.node.kind != KindOp {
			return nil, false
		}
		ins := tapeIns{code: tapeCopy}
		var ok bool
		if ins.dst, ok = regOf(s.out); !ok {
			return nil, false
		}
		operands := make([]int32, len(s.in))
		for j, b := range s.in {
			if operands[j], ok = regOf(b); !ok {
				return nil, false
			}
		}
		switch op := s.node.op.(type) {
		case unaryOp:
			ins.a, ins.c = operands[0], op.c
			switch op.fn {
			case fnNeg:
				ins.code = tapeNeg
			case fnScale:
				ins.code = tapeScale
			case fnShift:
				ins.code = tapeShift
			case fnSquare:
				ins.code = tapeSquare
			case fnReciprocal:
				ins.code = tapeReciprocal
			case fnExp:
				ins.code = tapeExp
			case fnLog:
				ins.code = tapeLog
			default:
				ins.code, ins.f = tapeUnary, op.fn.f
			}
		case binaryOp:
			ins.a, ins.b = operands[0], operands[1]
			switch op.kind {
			case binAdd:
				ins.code = tapeAdd
			case binSub:
				ins.code = tapeSub
			case binMul:
				ins.code = tapeMul
			case binDiv:
				ins.code = tapeDiv
			default:
				ins.code, ins.f2 = tapeBinary, binFuncs[op.kind]
			}
		case whereOp:
			ins.code, ins.a, ins.b, ins.c2 = tapeWhere, operands[0], operands[1], operands[2]
		case reduceOp, broadcastOp, sumToOp, reshapeOp, transposeOp:
			// of one element: the element (the log-sum-exp of one
			// number is the number)
			ins.a = operands[0]
		default:
			return nil, false
		}
		if src, ok := t.trivial(ins, s.node); ok {
			// the op passes an operand on: its buffer reads that
			// operand's register (every buffer is written once per run)
			t.reg[&s.out[0]] = src
			continue
		}
		t.variable[ins.dst] = true
		t.ins = append(t.ins, ins)
	}
	return t, true
}

// trivial reports an instruction that gives one operand unchanged: a copy,
// a product with a constant one, a sum with a constant zero.
func (t *scalarTape) trivial(ins tapeIns, n *Node) (int32, bool) {
	konst := func(r int32, v float64) bool {
		return !t.variable[r] && t.regs[r] == v
	}
	switch ins.code {
	case tapeCopy:
		return ins.a, true
	case tapeMul:
		if konst(ins.b, 1) {
			return ins.a, true
		}
		if konst(ins.a, 1) {
			return ins.b, true
		}
	case tapeDiv:
		if konst(ins.b, 1) {
			return ins.a, true
		}
	case tapeAdd:
		if konst(ins.b, 0) {
			return ins.a, true
		}
		if konst(ins.a, 0) {
			return ins.b, true
		}
	case tapeSub:
		if konst(ins.b, 0) {
			return ins.a, true
		}
	case tapeScale:
		return ins.a, ins.c == 1
	case tapeShift:
		return ins.a, ins.c == 0
	}
	return 0, false
}

// register returns the register holding n's value in p, or −1 when p does
// not hold n.
func (t *scalarTape) register(p *Program, n *Node) int32 { return t.bufReg(p.Value(n)) }

// bufReg returns the register of a one-element buffer, giving it one
// (holding the buffer's value: constants keep theirs) the first time, and
// −1 for any other buffer.
func (t *scalarTape) bufReg(buf []float64) int32 {
	if len(buf) != 1 {
		return -1
	}
	r, ok := t.reg[&buf[0]]
	if !ok {
		r = int32(len(t.regs))
		t.reg[&buf[0]] = r
		t.regs = append(t.regs, buf[0])
		t.variable = append(t.variable, false)
	}
	return r
}

// runIns executes instructions of the tape, in order.
func (t *scalarTape) runIns(ins []tapeIns) {
	r := t.regs
	for i := range ins {
		in := &ins[i]
		a := r[in.a]
		var v float64
		switch in.code {
		case tapeCopy:
			v = a
		case tapeAdd:
			v = a + r[in.b]
		case tapeSub:
			v = a - r[in.b]
		case tapeMul:
			v = a * r[in.b]
		case tapeDiv:
			v = a / r[in.b]
		case tapeNeg:
			v = -a
		case tapeScale:
			v = in.c * a
		case tapeShift:
			v = a + in.c
		case tapeSquare:
			v = a * a
		case tapeReciprocal:
			v = 1 / a
		case tapeExp:
			v = math.Exp(a)
		case tapeLog:
			v = math.Log(a)
		case tapeUnary:
			v = in.f(a, in.c)
		case tapeBinary:
			v = in.f2(a, r[in.b])
		case tapeWhere:
			if a != 0 {
				v = r[in.b]
			} else {
				v = r[in.c2]
			}
		case tapeMulAdd:
			v = float64(a*r[in.b]) + r[in.c2]
		}
		r[in.dst] = v
	}
}
