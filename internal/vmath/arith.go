package vmath

import "math"

// The arithmetic kernels below give, element for element, the result of
// the Go expression in their doc comments, bit for bit: each is the single
// correctly rounded IEEE operation (never fused with a neighbour), and a
// NaN result carries the payload the processor gives that operation.
//
// Where both operands of an arithmetic operation are NaN, x86 returns the
// first operand's NaN, quieted. The Go specification leaves the choice
// open; the kernels follow the loops that gc compiles: a's NaN for a op b,
// and x's for the constant forms, whose element is the instruction's first
// operand in gc's loop (c*x and x + c keep c in a register).

// Add sets dst[i] = a[i] + b[i] for i < len(dst).
//
// a and b must be at least as long as dst. dst may be a or b itself; the
// slices must not overlap otherwise.
func Add(dst, a, b []float64) {
	a, b = fit(dst, a), fit(dst, b)
	if useAsm {
		addAVX2(dst, a, b)
		return
	}
	addGo(dst, a, b)
}

// Sub sets dst[i] = a[i] - b[i] for i < len(dst).
//
// a and b must be at least as long as dst. dst may be a or b itself; the
// slices must not overlap otherwise.
func Sub(dst, a, b []float64) {
	a, b = fit(dst, a), fit(dst, b)
	if useAsm {
		subAVX2(dst, a, b)
		return
	}
	subGo(dst, a, b)
}

// Mul sets dst[i] = a[i] * b[i] for i < len(dst).
//
// a and b must be at least as long as dst. dst may be a or b itself; the
// slices must not overlap otherwise.
func Mul(dst, a, b []float64) {
	a, b = fit(dst, a), fit(dst, b)
	if useAsm {
		mulAVX2(dst, a, b)
		return
	}
	mulGo(dst, a, b)
}

// Div sets dst[i] = a[i] / b[i] for i < len(dst).
//
// a and b must be at least as long as dst. dst may be a or b itself; the
// slices must not overlap otherwise.
func Div(dst, a, b []float64) {
	a, b = fit(dst, a), fit(dst, b)
	if useAsm {
		divAVX2(dst, a, b)
		return
	}
	divGo(dst, a, b)
}

// Scale sets dst[i] = c * x[i] for i < len(dst).
//
// x must be at least as long as dst. dst and x may be the same slice; they
// must not overlap otherwise.
func Scale(dst, x []float64, c float64) {
	x = fit(dst, x)
	if useAsm {
		scaleAVX2(dst, x, c)
		return
	}
	scaleGo(dst, x, c)
}

// Shift sets dst[i] = x[i] + c for i < len(dst).
//
// x must be at least as long as dst. dst and x may be the same slice; they
// must not overlap otherwise.
func Shift(dst, x []float64, c float64) {
	x = fit(dst, x)
	if useAsm {
		shiftAVX2(dst, x, c)
		return
	}
	shiftGo(dst, x, c)
}

// Neg sets dst[i] = -x[i] for i < len(dst): the sign bit flipped, for
// zeros and NaNs too.
//
// x must be at least as long as dst. dst and x may be the same slice; they
// must not overlap otherwise.
func Neg(dst, x []float64) {
	x = fit(dst, x)
	if useAsm {
		negAVX2(dst, x)
		return
	}
	negGo(dst, x)
}

// Abs sets dst[i] = math.Abs(x[i]) for i < len(dst): the sign bit cleared,
// for zeros and NaNs too.
//
// x must be at least as long as dst. dst and x may be the same slice; they
// must not overlap otherwise.
func Abs(dst, x []float64) {
	x = fit(dst, x)
	if useAsm {
		absAVX2(dst, x)
		return
	}
	absGo(dst, x)
}

// Square sets dst[i] = x[i] * x[i] for i < len(dst).
//
// x must be at least as long as dst. dst and x may be the same slice; they
// must not overlap otherwise.
func Square(dst, x []float64) {
	x = fit(dst, x)
	if useAsm {
		squareAVX2(dst, x)
		return
	}
	squareGo(dst, x)
}

// Reciprocal sets dst[i] = 1 / x[i] for i < len(dst).
//
// x must be at least as long as dst. dst and x may be the same slice; they
// must not overlap otherwise.
func Reciprocal(dst, x []float64) {
	x = fit(dst, x)
	if useAsm {
		reciprocalAVX2(dst, x)
		return
	}
	reciprocalGo(dst, x)
}

// Sqrt sets dst[i] = math.Sqrt(x[i]) for i < len(dst), correctly rounded:
// -0 for -0, NaN for x < 0.
//
// x must be at least as long as dst. dst and x may be the same slice; they
// must not overlap otherwise.
func Sqrt(dst, x []float64) {
	x = fit(dst, x)
	if useAsm {
		sqrtAVX2(dst, x)
		return
	}
	sqrtGo(dst, x)
}

// The Go kernels cut their inputs to len(dst) so that the compiler drops
// the bounds checks from the loops.

func addGo(dst, a, b []float64) {
	a, b = a[:len(dst)], b[:len(dst)]
	for i := range dst {
		dst[i] = a[i] + b[i]
	}
}

func subGo(dst, a, b []float64) {
	a, b = a[:len(dst)], b[:len(dst)]
	for i := range dst {
		dst[i] = a[i] - b[i]
	}
}

func mulGo(dst, a, b []float64) {
	a, b = a[:len(dst)], b[:len(dst)]
	for i := range dst {
		dst[i] = a[i] * b[i]
	}
}

func divGo(dst, a, b []float64) {
	a, b = a[:len(dst)], b[:len(dst)]
	for i := range dst {
		dst[i] = a[i] / b[i]
	}
}

func scaleGo(dst, x []float64, c float64) {
	x = x[:len(dst)]
	for i := range dst {
		dst[i] = c * x[i]
	}
}

func shiftGo(dst, x []float64, c float64) {
	x = x[:len(dst)]
	for i := range dst {
		dst[i] = x[i] + c
	}
}

func negGo(dst, x []float64) {
	x = x[:len(dst)]
	for i := range dst {
		dst[i] = -x[i]
	}
}

func absGo(dst, x []float64) {
	x = x[:len(dst)]
	for i := range dst {
		dst[i] = math.Abs(x[i])
	}
}

func squareGo(dst, x []float64) {
	x = x[:len(dst)]
	for i := range dst {
		dst[i] = x[i] * x[i]
	}
}

func reciprocalGo(dst, x []float64) {
	x = x[:len(dst)]
	for i := range dst {
		dst[i] = 1 / x[i]
	}
}

func sqrtGo(dst, x []float64) {
	x = x[:len(dst)]
	for i := range dst {
		dst[i] = math.Sqrt(x[i])
	}
}
