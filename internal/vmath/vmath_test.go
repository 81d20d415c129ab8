package vmath

import (
	"math"
	"testing"
)

// kernel is one implementation of a function over slices.
type kernel func(dst, x []float64)

// path is one way the package can compute: the pure-Go kernels always, the
// AVX2 kernels where the processor has them.
type path struct {
	name string
	pick func(f *function) kernel
}

func paths() []path {
	p := []path{{"go", func(f *function) kernel { return f.goPath }}}
	if useAsm {
		p = append(p, path{"avx2", func(f *function) kernel { return f.asmPath }})
	}
	return p
}

// function describes one exported function for the tests: its kernels, its
// scalar reference (math's function, or the careful formula for the
// logistic family), and its double-double reference.
type function struct {
	name    string
	public  kernel
	goPath  kernel
	asmPath kernel
	scalar  func(float64) float64
	// ref returns the exact result for finite x where it is finite and
	// nonzero, with ok = false elsewhere (the special values, checked
	// against scalar bit for bit).
	ref func(x float64) (v xdd, ok bool)
	// refBound is the largest error against ref the tests accept, in ulps.
	refBound float64
}

// mathBound is the largest distance from the scalar reference the tests
// accept, in ulps (float64 numbers between the two results).
const mathBound = 2

var functions = []*function{
	{"Exp", Exp, expGo, expAVX2, mathExp, refExpOK, 1},
	{"Expm1", Expm1, expm1Go, expm1AVX2, mathExpm1, refExpm1OK, 1},
	{"Log", Log, logGo, logAVX2, mathLog, refLogOK, 1},
	{"Log1p", Log1p, log1pGo, log1pAVX2, math.Log1p, refLog1pOK, 1},
	{"Tanh", Tanh, tanhGo, tanhAVX2, math.Tanh, refTanhOK, 1},
	{"Sigmoid", Sigmoid, sigmoidGo, sigmoidAVX2, scalarSigmoid, refSigmoidOK, 1},
	{"Softplus", Softplus, softplusGo, softplusAVX2, scalarSoftplus, refSoftplusOK, 1},
	{"LogSigmoid", LogSigmoid, logSigmoidGo, logSigmoidAVX2, scalarLogSigmoid, refLogSigmoidOK, 1},
}

// expOverflow is the largest x whose eˣ is finite in float64.
const expOverflow = 7.09782712893383973096e+02

// The math package is the scalar reference except where it is known to be
// wrong; there the wrappers below return the correctly rounded value.

// mathExp is math.Exp, which on amd64 overflows to +Inf from x ≈ 709.437
// (k = 1024 in its reduction) while eˣ is finite up to 709.7827.
func mathExp(x float64) float64 {
	y := math.Exp(x)
	if math.IsInf(y, 1) && x <= expOverflow {
		return rounded(refExpOK(x))
	}
	return y
}

// mathExpm1 is math.Expm1, which returns +Inf at x = 709.782712893384
// itself, the largest x whose eˣ - 1 is finite.
func mathExpm1(x float64) float64 {
	y := math.Expm1(x)
	if math.IsInf(y, 1) && x <= expOverflow {
		return rounded(refExpm1OK(x))
	}
	return y
}

// mathLog is math.Log, which on amd64 ignores that subnormal x have no
// leading 1 bit (golang.org/issue/56600): math.Log(5e-324) = -709.09
// rather than -744.44.
func mathLog(x float64) float64 {
	if x > 0 && x < 0x1p-1022 {
		return rounded(refLogOK(x))
	}
	return math.Log(x)
}

// rounded returns the float64 nearest to a reference value.
func rounded(v xdd, ok bool) float64 {
	if !ok {
		panic("vmath: no reference value")
	}
	return math.Ldexp(v.v.hi, v.e)
}

// scalarSigmoid is the careful scalar sigmoid: no overflow, no
// cancellation.
func scalarSigmoid(x float64) float64 {
	if x >= 0 {
		return 1 / (1 + math.Exp(-x))
	}
	e := math.Exp(x)
	return e / (1 + e)
}

// scalarSoftplus is the careful scalar softplus.
func scalarSoftplus(x float64) float64 {
	if x > 0 {
		return x + math.Log1p(math.Exp(-x))
	}
	return math.Log1p(math.Exp(x))
}

func scalarLogSigmoid(x float64) float64 { return -scalarSoftplus(-x) }

func finite(x float64) bool { return !math.IsInf(x, 0) && !math.IsNaN(x) }

func refExpOK(x float64) (xdd, bool) {
	if !finite(x) || x > expOverflow || x < -745.2 {
		return xdd{}, false
	}
	return refExp(x), true
}

func refExpm1OK(x float64) (xdd, bool) {
	if !finite(x) || x == 0 || x > expOverflow || x < -40 {
		return xdd{}, false
	}
	return xdd{refExpm1(x), 0}, true
}

func refLogOK(x float64) (xdd, bool) {
	if !finite(x) || x <= 0 || x == 1 {
		return xdd{}, false
	}
	return xdd{refLog(x), 0}, true
}

func refLog1pOK(x float64) (xdd, bool) {
	if !finite(x) || x <= -1 || x == 0 {
		return xdd{}, false
	}
	return xdd{refLog1p(x), 0}, true
}

func refTanhOK(x float64) (xdd, bool) {
	if !finite(x) || x == 0 {
		return xdd{}, false
	}
	return xdd{refTanh(x), 0}, true
}

func refSigmoidOK(x float64) (xdd, bool) {
	if !finite(x) || x < -745.2 {
		return xdd{}, false
	}
	return refSigmoid(x), true
}

func refSoftplusOK(x float64) (xdd, bool) {
	if !finite(x) || x < -745.2 {
		return xdd{}, false
	}
	return refSoftplus(x), true
}

func refLogSigmoidOK(x float64) (xdd, bool) {
	v, ok := refSoftplusOK(-x)
	return xdd{ddNeg(v.v), v.e}, ok
}

// sameFloat reports whether a and b are the same float64, NaN matching NaN
// and the sign of zero counting.
func sameFloat(a, b float64) bool {
	if a != a || b != b {
		return a != a && b != b
	}
	return math.Float64bits(a) == math.Float64bits(b)
}

// check compares got = f(x) with the scalar reference and, where it is
// finite, the double-double reference; it returns the distance from the
// scalar reference and the error against the exact result (0 where there
// is none). Special results (NaN, ±Inf, ±0) must match bit for bit.
func (f *function) check(x, got float64) (dist uint64, refErr float64, ok bool) {
	want := f.scalar(x)
	if !finite(want) || want == 0 || !finite(got) || got == 0 {
		if !sameFloat(got, want) {
			return math.MaxUint64, 0, false
		}
		return 0, 0, true
	}
	dist = ulpDist(got, want)
	if v, has := f.ref(x); has {
		refErr = math.Abs(ulpErr(got, v))
	}
	return dist, refErr, dist <= mathBound && refErr <= f.refBound
}

func TestPublicUsesSelectedPath(t *testing.T) {
	x := sweepInputs(1, 4099)
	for _, f := range functions {
		want, got := make([]float64, len(x)), make([]float64, len(x))
		kern := f.goPath
		if useAsm {
			kern = f.asmPath
		}
		kern(want, x)
		f.public(got, x)
		for i := range x {
			if !sameFloat(got[i], want[i]) {
				t.Fatalf("%s(%v) = %v; selected kernel gives %v", f.name, x[i], got[i], want[i])
			}
		}
	}
}
