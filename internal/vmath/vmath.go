package vmath

// errShort is the panic value when x is shorter than dst.
const errShort = "vmath: x is shorter than dst"

// errPair is the panic value when the two outputs of SoftplusSigmoid
// differ in length.
const errPair = "vmath: sp and sg differ in length"

// fit returns x cut to the length of dst, panicking if x is shorter: the
// kernels read len(dst) elements of x, and x's capacity must not stand in
// for its length.
func fit(dst, x []float64) []float64 {
	if len(x) < len(dst) {
		panic(errShort)
	}
	return x[:len(dst)]
}
