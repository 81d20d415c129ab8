package vmath

import "math"

// The reference functions below evaluate each function in double-double
// arithmetic (about 106 bits), accurate to far below an ulp of float64, so
// that tests can measure the error of both the kernels here and the math
// package itself. Results that may leave the normal range carry a power of
// two apart (xdd).

// dd is the unevaluated sum hi + lo, |lo| ≤ ulp(hi)/2.
type dd struct{ hi, lo float64 }

// xdd is (hi + lo)·2ᵉ.
type xdd struct {
	v dd
	e int
}

func twoSum(a, b float64) dd {
	s := a + b
	bb := s - a
	return dd{s, (a - (s - bb)) + (b - bb)}
}

func fastTwoSum(a, b float64) dd {
	s := a + b
	return dd{s, b - (s - a)}
}

func twoProd(a, b float64) dd {
	p := a * b
	return dd{p, math.FMA(a, b, -p)}
}

func ddAdd(a, b dd) dd {
	s := twoSum(a.hi, b.hi)
	t := twoSum(a.lo, b.lo)
	s = fastTwoSum(s.hi, s.lo+t.hi)
	return fastTwoSum(s.hi, s.lo+t.lo)
}

func ddNeg(a dd) dd { return dd{-a.hi, -a.lo} }

func ddMul(a, b dd) dd {
	p := twoProd(a.hi, b.hi)
	return fastTwoSum(p.hi, p.lo+(a.hi*b.lo+a.lo*b.hi))
}

func ddDiv(a, b dd) dd {
	q1 := a.hi / b.hi
	r := ddAdd(a, ddMul(dd{-q1, 0}, b))
	q2 := r.hi / b.hi
	r = ddAdd(r, ddMul(dd{-q2, 0}, b))
	q3 := r.hi / b.hi
	return ddAdd(fastTwoSum(q1, q2), dd{q3, 0})
}

func ddScale(a dd, e int) dd { return dd{math.Ldexp(a.hi, e), math.Ldexp(a.lo, e)} }

func d(x float64) dd { return dd{x, 0} }

var (
	ddLn2 = dd{0.6931471805599453, 2.3190468138462996e-17}
	// ddInvFact[n] = 1/n!.
	ddInvFact = func() [28]dd {
		var t [28]dd
		t[0] = d(1)
		for n := 1; n < len(t); n++ {
			t[n] = ddDiv(t[n-1], d(float64(n)))
		}
		return t
	}()
	// ddInvOdd[n] = 1/(2n+1).
	ddInvOdd = func() [40]dd {
		var t [40]dd
		for n := range t {
			t[n] = ddDiv(d(1), d(float64(2*n+1)))
		}
		return t
	}()
)

// refExp returns eˣ for finite x, |x| < 1100.
func refExp(x float64) xdd {
	k := math.Round(x / ddLn2.hi)
	r := ddAdd(d(x), ddMul(d(-k), ddLn2))
	r = ddScale(r, -8)
	sum, term := d(1), d(1)
	for n := 1; n <= 11; n++ {
		term = ddMul(term, r)
		sum = ddAdd(sum, ddMul(term, ddInvFact[n]))
	}
	for range 8 {
		sum = ddMul(sum, sum)
	}
	return xdd{sum, int(k)}
}

// refExpm1 returns eˣ - 1 for finite x < 709.
func refExpm1(x float64) dd {
	if math.Abs(x) < 0.35 {
		sum, term := d(0), d(1)
		for n := 1; n < len(ddInvFact); n++ {
			term = ddMul(term, d(x))
			sum = ddAdd(sum, ddMul(term, ddInvFact[n]))
		}
		return sum
	}
	e := refExp(x)
	return ddAdd(ddScale(e.v, e.e), d(-1))
}

// refLog1pSeries returns ln(1 + f) for |f| ≤ 0.42 as 2·atanh(f/(2 + f)).
func refLog1pSeries(f dd) dd {
	s := ddDiv(f, ddAdd(d(2), f))
	z := ddMul(s, s)
	sum, term := s, s
	for n := 1; n < len(ddInvOdd); n++ {
		term = ddMul(term, z)
		sum = ddAdd(sum, ddMul(term, ddInvOdd[n]))
		if math.Abs(term.hi) < 1e-36*math.Abs(sum.hi) {
			break
		}
	}
	return ddScale(sum, 1)
}

// refLog returns ln x for finite x > 0.
func refLog(x float64) dd {
	m, e := math.Frexp(x)
	if m < math.Sqrt2/2 {
		m, e = 2*m, e-1
	}
	return ddAdd(ddMul(d(float64(e)), ddLn2), refLog1pSeries(d(m-1)))
}

// refLog1p returns ln(1 + x) for finite x > -1.
func refLog1p(x float64) dd {
	if math.Abs(x) < 1e-300 {
		return d(x) // x - x²/2, the square far below x's precision
	}
	if math.Abs(x) < 0.25 {
		return refLog1pSeries(d(x))
	}
	u := twoSum(1, x)
	return ddAdd(refLog(u.hi), ddDiv(d(u.lo), d(u.hi)))
}

// refLog1pDD returns ln(1 + a) for 0 ≤ a ≤ 1.
func refLog1pDD(a dd) dd {
	return ddAdd(refLog1p(a.hi), ddDiv(d(a.lo), ddAdd(d(1), d(a.hi))))
}

// refTanh returns tanh x for finite x.
func refTanh(x float64) dd {
	a := math.Abs(x)
	var t dd
	switch {
	case a < 1e-100:
		t = d(a)
	case a < 0.35:
		q := refExpm1(2 * a)
		t = ddDiv(q, ddAdd(q, d(2)))
	case a < 300:
		e := refExp(-2 * a)
		u := ddScale(e.v, e.e)
		t = ddDiv(ddAdd(d(1), ddNeg(u)), ddAdd(d(1), u))
	default:
		t = d(1)
	}
	if x < 0 {
		t = ddNeg(t)
	}
	return t
}

// refSigmoid returns 1/(1 + e⁻ˣ) for finite x.
func refSigmoid(x float64) xdd {
	if x > 746 {
		return xdd{d(1), 0} // 1 - e⁻ˣ, below an ulp of 1
	}
	e := refExp(-math.Abs(x))
	u := ddScale(e.v, e.e) // may underflow, harmlessly next to 1
	den := ddAdd(d(1), u)
	if x >= 0 {
		return xdd{ddDiv(d(1), den), 0}
	}
	return xdd{ddDiv(e.v, den), e.e}
}

// refSoftplus returns ln(1 + eˣ) for finite x.
func refSoftplus(x float64) xdd {
	if x > 746 {
		return xdd{d(x), 0} // x + e⁻ˣ, below an ulp of x
	}
	e := refExp(-math.Abs(x))
	var l xdd // ln(1 + e⁻|ˣ|)
	if math.Abs(x) > 40 {
		// ln(1+u) = u·(1 - u/2 + u²/3 …) with u < 5e-18
		u := ddScale(e.v, e.e).hi
		l = xdd{ddMul(e.v, d(1-u/2)), e.e}
	} else {
		l = xdd{refLog1pDD(ddScale(e.v, e.e)), 0}
	}
	if x > 0 {
		return xdd{ddAdd(d(x), ddScale(l.v, l.e)), 0}
	}
	return l
}

// ulpErr returns (got - want)/ulp(want) where ulp is the spacing of float64
// numbers at want (2⁻¹⁰⁷⁴ in the subnormal range). want must be finite.
func ulpErr(got float64, want xdd) float64 {
	if want.v.hi == 0 {
		return got / 0x1p-1074
	}
	fm, fe := math.Frexp(want.v.hi)
	E := fe - 1
	if math.Abs(fm) == 0.5 && want.v.lo != 0 && math.Signbit(want.v.lo) != math.Signbit(want.v.hi) {
		E--
	}
	U := max(E+want.e, -1022) - 52
	diff := ddAdd(twoSum(math.Ldexp(got, -want.e), -want.v.hi), d(-want.v.lo))
	return math.Ldexp(diff.hi, want.e-U)
}

// ulpDist returns how many float64 numbers lie from a to b, counting -0 and
// +0 as neighbours and two NaNs as equal.
func ulpDist(a, b float64) uint64 {
	if a != a || b != b {
		if a != a && b != b {
			return 0
		}
		return math.MaxUint64
	}
	oa, ob := ordered(a), ordered(b)
	if oa > ob {
		return uint64(oa - ob)
	}
	return uint64(ob - oa)
}

func ordered(x float64) int64 {
	b := math.Float64bits(x)
	if b>>63 == 0 {
		return int64(b)
	}
	return -int64(b&^(1<<63)) - 1
}
