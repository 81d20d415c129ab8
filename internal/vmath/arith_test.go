package vmath

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// elementwise describes one exported element-wise function: its kernels
// and ref, the plain Go loop whose results it must reproduce bit for bit.
// Each is a func(dst, x []float64), func(dst, x []float64, c float64),
// func(dst, a, b []float64) or func(dst, cond, a, b []float64).
type elementwise struct {
	name                         string
	public, goPath, asmPath, ref any
}

// call runs k, a kernel of one of the elementwise shapes, on the inputs in
// and, where it takes one, the constant c.
func call(k any, dst []float64, in [][]float64, c float64) {
	switch k := k.(type) {
	case func(dst, x []float64):
		k(dst, in[0])
	case func(dst, x []float64, c float64):
		k(dst, in[0], c)
	case func(dst, a, b []float64):
		k(dst, in[0], in[1])
	case func(dst, cond, a, b []float64):
		k(dst, in[0], in[1], in[2])
	default:
		panic(fmt.Sprintf("vmath: no element-wise shape %T", k))
	}
}

// shape returns the number of slice inputs of k and whether it takes a
// constant.
func shape(k any) (arity int, constant bool) {
	switch k.(type) {
	case func(dst, x []float64):
		return 1, false
	case func(dst, x []float64, c float64):
		return 1, true
	case func(dst, a, b []float64):
		return 2, false
	case func(dst, cond, a, b []float64):
		return 3, false
	}
	panic(fmt.Sprintf("vmath: no element-wise shape %T", k))
}

var elementwiseFuncs = []elementwise{
	{"Add", Add, addGo, addAVX2, func(dst, a, b []float64) {
		for i := range dst {
			dst[i] = a[i] + b[i]
		}
	}},
	{"Sub", Sub, subGo, subAVX2, func(dst, a, b []float64) {
		for i := range dst {
			dst[i] = a[i] - b[i]
		}
	}},
	{"Mul", Mul, mulGo, mulAVX2, func(dst, a, b []float64) {
		for i := range dst {
			dst[i] = a[i] * b[i]
		}
	}},
	{"Div", Div, divGo, divAVX2, func(dst, a, b []float64) {
		for i := range dst {
			dst[i] = a[i] / b[i]
		}
	}},
	{"Max", Max, maxGo, maxAVX2, func(dst, a, b []float64) {
		for i := range dst {
			dst[i] = b[i]
			if a[i] >= b[i] || math.IsNaN(a[i]) {
				dst[i] = a[i]
			}
		}
	}},
	{"Min", Min, minGo, minAVX2, func(dst, a, b []float64) {
		for i := range dst {
			dst[i] = b[i]
			if a[i] <= b[i] || math.IsNaN(a[i]) {
				dst[i] = a[i]
			}
		}
	}},
	{"Greater", Greater, greaterGo, greaterAVX2, func(dst, a, b []float64) {
		for i := range dst {
			dst[i] = 0
			if a[i] > b[i] {
				dst[i] = 1
			}
		}
	}},
	{"GreaterEqual", GreaterEqual, greaterEqualGo, greaterEqualAVX2, func(dst, a, b []float64) {
		for i := range dst {
			dst[i] = 0
			if a[i] >= b[i] {
				dst[i] = 1
			}
		}
	}},
	{"Less", Less, lessGo, lessAVX2, func(dst, a, b []float64) {
		for i := range dst {
			dst[i] = 0
			if a[i] < b[i] {
				dst[i] = 1
			}
		}
	}},
	{"LessEqual", LessEqual, lessEqualGo, lessEqualAVX2, func(dst, a, b []float64) {
		for i := range dst {
			dst[i] = 0
			if a[i] <= b[i] {
				dst[i] = 1
			}
		}
	}},
	{"Equal", Equal, equalGo, equalAVX2, func(dst, a, b []float64) {
		for i := range dst {
			dst[i] = 0
			if a[i] == b[i] {
				dst[i] = 1
			}
		}
	}},
	{"Scale", Scale, scaleGo, scaleAVX2, func(dst, x []float64, c float64) {
		for i := range dst {
			dst[i] = c * x[i]
		}
	}},
	{"Shift", Shift, shiftGo, shiftAVX2, func(dst, x []float64, c float64) {
		for i := range dst {
			dst[i] = x[i] + c
		}
	}},
	{"Neg", Neg, negGo, negAVX2, func(dst, x []float64) {
		for i := range dst {
			dst[i] = -x[i]
		}
	}},
	{"Abs", Abs, absGo, absAVX2, func(dst, x []float64) {
		for i := range dst {
			dst[i] = math.Abs(x[i])
		}
	}},
	{"Square", Square, squareGo, squareAVX2, func(dst, x []float64) {
		for i := range dst {
			dst[i] = x[i] * x[i]
		}
	}},
	{"Reciprocal", Reciprocal, reciprocalGo, reciprocalAVX2, func(dst, x []float64) {
		for i := range dst {
			dst[i] = 1 / x[i]
		}
	}},
	{"Sqrt", Sqrt, sqrtGo, sqrtAVX2, func(dst, x []float64) {
		for i := range dst {
			dst[i] = math.Sqrt(x[i])
		}
	}},
	{"Where", Where, whereGo, whereAVX2, func(dst, cond, a, b []float64) {
		for i := range dst {
			dst[i] = b[i]
			if cond[i] != 0 {
				dst[i] = a[i]
			}
		}
	}},
}

// ewPath is one way to run an element-wise function.
type ewPath struct {
	name string
	k    any
}

// ewPaths returns the ways to run f: the exported function, the Go kernel,
// and the assembly kernel where the processor has it.
func ewPaths(f elementwise) []ewPath {
	p := []ewPath{{"public", f.public}, {"go", f.goPath}}
	if useAsm {
		p = append(p, ewPath{"avx2", f.asmPath})
	}
	return p
}

// specialValues are mixed into the inputs: zeros of both signs,
// infinities, quiet and signaling NaNs of both signs with distinct
// payloads, subnormals, the extremes of the normal range, and round
// numbers whose quotients round.
var specialValues = []float64{
	0, math.Copysign(0, -1), math.Inf(1), math.Inf(-1),
	math.Float64frombits(0x7ff8000000000000), math.Float64frombits(0xfff8000000000000),
	math.Float64frombits(0x7ff800000000beef), math.Float64frombits(0xfffc0000000c0de0),
	math.Float64frombits(0x7ff0000000000dad), math.Float64frombits(0xfff4000000000001),
	5e-324, -5e-324, math.Float64frombits(0x000fffffffffffff), 0x1p-1022, -0x1p-1022,
	math.MaxFloat64, -math.MaxFloat64, 1, -1, 2, 3, 0.1,
}

// drawValue returns a special value, a subnormal, a float64 with random
// bits (any class), or an ordinary number between 2⁻²⁰ and 2²⁰ in
// magnitude.
func drawValue(r *rand.Rand) float64 {
	switch k := r.IntN(10); {
	case k < 3:
		return specialValues[r.IntN(len(specialValues))]
	case k < 4:
		return math.Float64frombits(r.Uint64() & (1<<63 | 1<<52 - 1))
	case k < 5:
		return math.Float64frombits(r.Uint64())
	default:
		return math.Ldexp(2*r.Float64()-1, r.IntN(41)-20)
	}
}

// drawInputs returns arity slices of n values; each element after the
// first input equals, a fifth of the time, the first input's element or
// its negation, so that ties, ±0 pairs and two NaNs meet often.
func drawInputs(r *rand.Rand, arity, n int) [][]float64 {
	in := make([][]float64, arity)
	for j := range in {
		in[j] = make([]float64, n)
		for i := range in[j] {
			v := drawValue(r)
			if j > 0 {
				switch r.IntN(10) {
				case 0:
					v = in[0][i]
				case 1:
					v = -in[0][i]
				}
			}
			in[j][i] = v
		}
	}
	return in
}

// aliasings lists how the slices of an arity-k call may share memory: -1
// for dst's own slice, j for input j's; entry j says what input j is.
func aliasings(arity int) [][]int {
	own := make([]int, arity)
	for j := range own {
		own[j] = j
	}
	var out [][]int
	out = append(out, own)
	for j := range arity {
		a := append([]int(nil), own...)
		a[j] = -1
		out = append(out, a)
	}
	if arity > 1 {
		same, all := make([]int, arity), make([]int, arity)
		for j := range same {
			same[j], all[j] = 0, -1
		}
		out = append(out, same, all)
	}
	return out
}

// constants are the c values for Scale and Shift.
var constants = []float64{
	2.5, -1, 0, math.Copysign(0, -1), 0.1, 3, 5e-324, 1e308, math.Inf(1), math.Inf(-1),
	math.Float64frombits(0x7ff800000000abcd), math.Float64frombits(0xfff0000000000005),
}

// guard fills the memory around dst, to catch writes out of range.
const guard = 0x7ff0dead0000beef

// TestElementwiseMatchesGoLoop checks every kernel, bit for bit, against
// the plain Go loop: every length 0 to 67 (each tail of the 8-element
// step), starting offsets that place the slices differently against
// 32-byte boundaries, dst aliased to each input and inputs aliased to each
// other; it also checks that nothing is written outside dst and that
// inputs other than dst are left alone.
func TestElementwiseMatchesGoLoop(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 11))
	for _, f := range elementwiseFuncs {
		arity, constant := shape(f.public)
		cs := []float64{0}
		if constant {
			cs = constants
		}
		for _, p := range ewPaths(f) {
			for n := 0; n <= 67; n++ {
				for off := range 4 {
					for _, alias := range aliasings(arity) {
						for _, c := range cs {
							if err := checkCall(r, f.ref, p.k, arity, n, off, alias, c); err != nil {
								t.Fatalf("%s/%s: %v", f.name, p.name, err)
							}
						}
					}
				}
			}
		}
	}
}

// checkCall runs one call of k, of the given arity, on fresh inputs laid
// out as alias says, dst starting off elements into its buffer and input j
// off+j+1 elements into its own, and compares the result with ref's.
func checkCall(r *rand.Rand, ref, k any, arity, n, off int, alias []int, c float64) error {
	vals := drawInputs(r, arity, n)
	fromDst := -1 // the first input that is dst
	for j, a := range alias {
		switch {
		case a < 0 && fromDst < 0:
			fromDst = j
		case a < 0:
			vals[j] = vals[fromDst]
		default:
			vals[j] = vals[a]
		}
	}
	want := make([]float64, n)
	call(ref, want, vals, c)

	dbuf := make([]float64, n+8)
	for i := range dbuf {
		dbuf[i] = math.Float64frombits(guard)
	}
	dst := dbuf[off : off+n]
	in := make([][]float64, arity)
	for j, a := range alias {
		switch {
		case a < 0:
			copy(dst, vals[j])
			in[j] = dst
		case a < j:
			in[j] = in[a]
		default:
			start := (off + j + 1) % 4
			buf := make([]float64, start+n+4)
			for i := range buf {
				buf[i] = drawValue(r)
			}
			in[j] = buf[start : start+n+4]
			copy(in[j], vals[j])
		}
	}
	call(k, dst, in, c)

	for i := range dst {
		if g, w := math.Float64bits(dst[i]), math.Float64bits(want[i]); g != w {
			args := make([]string, arity)
			for j := range args {
				args[j] = fmt.Sprintf("%#x", math.Float64bits(vals[j][i]))
			}
			return fmt.Errorf("n=%d off=%d alias=%v c=%v: element %d of %v is %#x; Go gives %#x",
				n, off, alias, c, i, args, g, w)
		}
	}
	for i, v := range dbuf {
		if (i < off || i >= off+n) && math.Float64bits(v) != guard {
			return fmt.Errorf("n=%d off=%d: wrote %v at %d outside dst", n, off, v, i-off)
		}
	}
	for j, a := range alias {
		if a == j {
			for i, v := range vals[j] {
				if math.Float64bits(in[j][i]) != math.Float64bits(v) {
					return fmt.Errorf("n=%d: input %d changed at %d", n, j, i)
				}
			}
		}
	}
	return nil
}

// TestElementwiseInputsCoverTheCases checks that the drawn inputs hold
// the pairs the semantics turn on: two NaNs with different payloads,
// +0 against -0, equal values, and a NaN against a number on either side.
func TestElementwiseInputsCoverTheCases(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 11))
	var twoNaNs, zeros, ties, nanLeft, nanRight int
	for range 4 * 68 {
		in := drawInputs(r, 2, 34)
		for i, a := range in[0] {
			b := in[1][i]
			switch {
			case a != a && b != b && math.Float64bits(a) != math.Float64bits(b):
				twoNaNs++
			case a == 0 && b == 0 && math.Signbit(a) != math.Signbit(b):
				zeros++
			case a == b:
				ties++
			case a != a && b == b:
				nanLeft++
			case a == a && b != b:
				nanRight++
			}
		}
	}
	if twoNaNs < 10 || zeros < 10 || ties < 100 || nanLeft < 100 || nanRight < 100 {
		t.Errorf("inputs hold %d NaN pairs, %d ±0 pairs, %d ties, %d and %d NaNs against numbers",
			twoNaNs, zeros, ties, nanLeft, nanRight)
	}
}

// TestElementwiseSpecialCases checks the documented results directly,
// apart from the Go loops: which operand a NaN or a tie comes from, and
// how the comparisons, Where, Neg and Abs treat NaNs and zeros.
func TestElementwiseSpecialCases(t *testing.T) {
	negZero := math.Copysign(0, -1)
	nan1 := math.Float64frombits(0x7ff8000000000001)
	nan2 := math.Float64frombits(0xfff8000000000002)
	snan := math.Float64frombits(0x7ff0000000000003)
	byName := map[string]elementwise{}
	for _, f := range elementwiseFuncs {
		byName[f.name] = f
	}
	cases := []struct {
		f    string
		in   []float64 // one element per input
		c    float64
		want float64
	}{
		{"Max", []float64{0, negZero}, 0, 0},
		{"Max", []float64{negZero, 0}, 0, negZero},
		{"Max", []float64{nan1, 1}, 0, nan1},
		{"Max", []float64{1, nan2}, 0, nan2},
		{"Max", []float64{nan1, nan2}, 0, nan1},
		{"Max", []float64{snan, 1}, 0, snan},
		{"Max", []float64{-1, math.Inf(-1)}, 0, -1},
		{"Min", []float64{0, negZero}, 0, 0},
		{"Min", []float64{negZero, 0}, 0, negZero},
		{"Min", []float64{1, nan2}, 0, nan2},
		{"Min", []float64{nan2, nan1}, 0, nan2},
		{"Min", []float64{2, math.Inf(-1)}, 0, math.Inf(-1)},
		{"Add", []float64{nan1, nan2}, 0, nan1},
		{"Add", []float64{snan, 1}, 0, math.Float64frombits(0x7ff8000000000003)},
		{"Add", []float64{0, negZero}, 0, 0},
		{"Sub", []float64{nan2, nan1}, 0, nan2},
		{"Scale", []float64{nan2}, nan1, nan2},
		{"Shift", []float64{nan2}, nan1, nan2},
		{"Shift", []float64{negZero}, 0, 0},
		{"Greater", []float64{nan1, 1}, 0, 0},
		{"GreaterEqual", []float64{1, 1}, 0, 1},
		{"Less", []float64{negZero, 0}, 0, 0},
		{"LessEqual", []float64{1, nan1}, 0, 0},
		{"Equal", []float64{negZero, 0}, 0, 1},
		{"Equal", []float64{nan1, nan1}, 0, 0},
		{"Where", []float64{nan1, 1, 2}, 0, 1},
		{"Where", []float64{negZero, 1, 2}, 0, 2},
		{"Where", []float64{5e-324, 1, 2}, 0, 1},
		{"Neg", []float64{nan1}, 0, math.Float64frombits(0xfff8000000000001)},
		{"Neg", []float64{0}, 0, negZero},
		{"Abs", []float64{nan2}, 0, math.Float64frombits(0x7ff8000000000002)},
		{"Reciprocal", []float64{negZero}, 0, math.Inf(-1)},
		{"Sqrt", []float64{negZero}, 0, negZero},
		{"Sqrt", []float64{-1}, 0, math.Float64frombits(0xfff8000000000000)},
	}
	for _, c := range cases {
		f := byName[c.f]
		for _, p := range ewPaths(f) {
			in := make([][]float64, len(c.in))
			for j, v := range c.in {
				in[j] = []float64{v}
			}
			var got [1]float64
			call(p.k, got[:], in, c.c)
			if math.Float64bits(got[0]) != math.Float64bits(c.want) {
				t.Errorf("%s/%s%v (c=%v) = %#x; want %#x", c.f, p.name, c.in, c.c,
					math.Float64bits(got[0]), math.Float64bits(c.want))
			}
		}
	}
}

// TestElementwiseShortInputPanics checks that every input shorter than
// dst is refused before anything is written, also where its capacity
// would cover dst.
func TestElementwiseShortInputPanics(t *testing.T) {
	for _, f := range elementwiseFuncs {
		arity, _ := shape(f.public)
		for short := range arity {
			func() {
				dst := make([]float64, 5)
				defer func() {
					if r := recover(); r != errShort {
						t.Errorf("%s with input %d short: recovered %v, want %q", f.name, short, r, errShort)
					}
					for _, v := range dst {
						if v != 0 {
							t.Errorf("%s wrote %v before refusing", f.name, dst)
							break
						}
					}
				}()
				in := make([][]float64, arity)
				for j := range in {
					in[j] = make([]float64, 5)
					if j == short {
						in[j] = make([]float64, 4, 8)
					}
				}
				call(f.public, dst, in, 1)
			}()
		}
	}
}

func TestElementwiseNoAllocations(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 5))
	in := drawInputs(r, 3, 1000)
	dst := make([]float64, 1000)
	for _, f := range elementwiseFuncs {
		if a := testing.AllocsPerRun(50, func() { call(f.public, dst, in, 2) }); a != 0 {
			t.Errorf("%s allocates %v times per call", f.name, a)
		}
	}
}
