package vmath

// FirstOutside returns the index of the first element of x that is not in
// [lo, hi] (NaN never is), or −1 when every element is. Parameter checks
// run it on every evaluation: positive and finite is [the smallest
// subnormal, MaxFloat64], non-negative [0, +Inf], finite [−MaxFloat64,
// MaxFloat64].
func FirstOutside(x []float64, lo, hi float64) int {
	if useAsm {
		return firstOutsideAVX2(x, lo, hi)
	}
	return firstOutsideGo(x, lo, hi)
}

func firstOutsideGo(x []float64, lo, hi float64) int {
	for i, v := range x {
		if !(v >= lo && v <= hi) {
			return i
		}
	}
	return -1
}
