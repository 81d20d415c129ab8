package vmath

// The kernels below only compare and select: every result is one of the
// inputs, bit for bit (NaN payloads and signaling NaNs included), or
// exactly 0 or 1.

// Max sets dst[i] to a[i] where a[i] >= b[i] or a[i] is NaN, and to b[i]
// otherwise, for i < len(dst). A NaN in either input comes through (a's
// where both are NaN), and ties go to a, so Max(+0, -0) is +0 and
// Max(-0, +0) is -0; math.Max differs on both counts.
//
// a and b must be at least as long as dst. dst may be a or b itself; the
// slices must not overlap otherwise.
func Max(dst, a, b []float64) {
	a, b = fit(dst, a), fit(dst, b)
	if useAsm {
		maxAVX2(dst, a, b)
		return
	}
	maxGo(dst, a, b)
}

// Min sets dst[i] to a[i] where a[i] <= b[i] or a[i] is NaN, and to b[i]
// otherwise, for i < len(dst): NaNs and ties as in Max.
//
// a and b must be at least as long as dst. dst may be a or b itself; the
// slices must not overlap otherwise.
func Min(dst, a, b []float64) {
	a, b = fit(dst, a), fit(dst, b)
	if useAsm {
		minAVX2(dst, a, b)
		return
	}
	minGo(dst, a, b)
}

// Greater sets dst[i] to 1 where a[i] > b[i] and to 0 otherwise, for
// i < len(dst); a NaN compares false.
//
// a and b must be at least as long as dst. dst may be a or b itself; the
// slices must not overlap otherwise.
func Greater(dst, a, b []float64) {
	a, b = fit(dst, a), fit(dst, b)
	if useAsm {
		greaterAVX2(dst, a, b)
		return
	}
	greaterGo(dst, a, b)
}

// GreaterEqual sets dst[i] to 1 where a[i] >= b[i] and to 0 otherwise, for
// i < len(dst); a NaN compares false.
//
// a and b must be at least as long as dst. dst may be a or b itself; the
// slices must not overlap otherwise.
func GreaterEqual(dst, a, b []float64) {
	a, b = fit(dst, a), fit(dst, b)
	if useAsm {
		greaterEqualAVX2(dst, a, b)
		return
	}
	greaterEqualGo(dst, a, b)
}

// Less sets dst[i] to 1 where a[i] < b[i] and to 0 otherwise, for
// i < len(dst); a NaN compares false.
//
// a and b must be at least as long as dst. dst may be a or b itself; the
// slices must not overlap otherwise.
func Less(dst, a, b []float64) {
	a, b = fit(dst, a), fit(dst, b)
	if useAsm {
		lessAVX2(dst, a, b)
		return
	}
	lessGo(dst, a, b)
}

// LessEqual sets dst[i] to 1 where a[i] <= b[i] and to 0 otherwise, for
// i < len(dst); a NaN compares false.
//
// a and b must be at least as long as dst. dst may be a or b itself; the
// slices must not overlap otherwise.
func LessEqual(dst, a, b []float64) {
	a, b = fit(dst, a), fit(dst, b)
	if useAsm {
		lessEqualAVX2(dst, a, b)
		return
	}
	lessEqualGo(dst, a, b)
}

// Equal sets dst[i] to 1 where a[i] == b[i] and to 0 otherwise, for
// i < len(dst): +0 equals -0, and a NaN equals nothing.
//
// a and b must be at least as long as dst. dst may be a or b itself; the
// slices must not overlap otherwise.
func Equal(dst, a, b []float64) {
	a, b = fit(dst, a), fit(dst, b)
	if useAsm {
		equalAVX2(dst, a, b)
		return
	}
	equalGo(dst, a, b)
}

// Where sets dst[i] to a[i] where cond[i] != 0 and to b[i] otherwise, for
// i < len(dst). A NaN condition counts as true, as in Go's cond != 0, and
// -0 as false.
//
// cond, a and b must be at least as long as dst. dst may be any of them
// itself; the slices must not overlap otherwise.
func Where(dst, cond, a, b []float64) {
	cond, a, b = fit(dst, cond), fit(dst, a), fit(dst, b)
	if useAsm {
		whereAVX2(dst, cond, a, b)
		return
	}
	whereGo(dst, cond, a, b)
}

func maxGo(dst, a, b []float64) {
	a, b = a[:len(dst)], b[:len(dst)]
	for i := range dst {
		if x, y := a[i], b[i]; x >= y || x != x {
			dst[i] = x
		} else {
			dst[i] = y
		}
	}
}

func minGo(dst, a, b []float64) {
	a, b = a[:len(dst)], b[:len(dst)]
	for i := range dst {
		if x, y := a[i], b[i]; x <= y || x != x {
			dst[i] = x
		} else {
			dst[i] = y
		}
	}
}

// indicator returns 1 for true and 0 for false.
func indicator(t bool) float64 {
	if t {
		return 1
	}
	return 0
}

func greaterGo(dst, a, b []float64) {
	a, b = a[:len(dst)], b[:len(dst)]
	for i := range dst {
		dst[i] = indicator(a[i] > b[i])
	}
}

func greaterEqualGo(dst, a, b []float64) {
	a, b = a[:len(dst)], b[:len(dst)]
	for i := range dst {
		dst[i] = indicator(a[i] >= b[i])
	}
}

func lessGo(dst, a, b []float64) {
	a, b = a[:len(dst)], b[:len(dst)]
	for i := range dst {
		dst[i] = indicator(a[i] < b[i])
	}
}

func lessEqualGo(dst, a, b []float64) {
	a, b = a[:len(dst)], b[:len(dst)]
	for i := range dst {
		dst[i] = indicator(a[i] <= b[i])
	}
}

func equalGo(dst, a, b []float64) {
	a, b = a[:len(dst)], b[:len(dst)]
	for i := range dst {
		dst[i] = indicator(a[i] == b[i])
	}
}

func whereGo(dst, cond, a, b []float64) {
	cond, a, b = cond[:len(dst)], a[:len(dst)], b[:len(dst)]
	for i := range dst {
		if cond[i] != 0 {
			dst[i] = a[i]
		} else {
			dst[i] = b[i]
		}
	}
}
