//go:build amd64 && !purego

package vmath

import "math"

// vec is a constant broadcast to the four lanes of a YMM register.
type vec [4]float64

func splat(v float64) vec { return vec{v, v, v, v} }

func splatBits(b uint64) vec { return splat(math.Float64frombits(b)) }

// Indices into vecTab; vmath_amd64.h defines the same numbers as C_<NAME>,
// and a test checks that the two agree.
const (
	cOne = iota
	cHalf
	cTwo
	cAbs
	cSign
	cLanes
	cLog2e
	cMagic
	cLn2Hi
	cLn2Lo
	cP10
	cP9
	cP8
	cP7
	cP6
	cP5
	cP4
	cP3
	cP2
	cP1
	cP0
	cExpFast
	cClampHi
	cClampLo
	cTiny
	cM45
	cTwenty
	cQ7
	cQ6
	cQ5
	cQ4
	cQ3
	cQ2
	cQ1
	cQ0
	cLogOff
	cMant
	cSqrtHalf
	cExp52
	cBiasMag
	cMinNorm
	c2p52
	c52
	cInf
	cNegInf
	cNaN
	cMinus1
	cSqrt2
	cZero
	cNegFast
	cLn2
	cLn2Tail
	numConsts
)

// vecTab holds every constant the assembly kernels read, one 32-byte
// vector each, so that they enter arithmetic as memory operands.
var vecTab = [numConsts]vec{
	cOne:      splat(1),
	cHalf:     splat(0.5),
	cTwo:      splat(2),
	cAbs:      splatBits(1<<63 - 1),
	cSign:     splatBits(1 << 63),
	cLanes:    {math.Float64frombits(0), math.Float64frombits(1), math.Float64frombits(2), math.Float64frombits(3)},
	cLog2e:    splat(log2e),
	cMagic:    splat(magic),
	cLn2Hi:    splat(ln2Hi),
	cLn2Lo:    splat(ln2Lo),
	cP10:      splat(expP10),
	cP9:       splat(expP9),
	cP8:       splat(expP8),
	cP7:       splat(expP7),
	cP6:       splat(expP6),
	cP5:       splat(expP5),
	cP4:       splat(expP4),
	cP3:       splat(expP3),
	cP2:       splat(expP2),
	cP1:       splat(expP1),
	cP0:       splat(expP0),
	cExpFast:  splat(expFast),
	cClampHi:  splat(expClampHi),
	cClampLo:  splat(expClampLo),
	cTiny:     splat(expm1Tiny),
	cM45:      splat(expm1Low),
	cTwenty:   splat(tanhClamp),
	cQ7:       splat(logQ7),
	cQ6:       splat(logQ6),
	cQ5:       splat(logQ5),
	cQ4:       splat(logQ4),
	cQ3:       splat(logQ3),
	cQ2:       splat(logQ2),
	cQ1:       splat(logQ1),
	cQ0:       splat(logQ0),
	cLogOff:   splatBits(logOff),
	cMant:     splatBits(mantMask),
	cSqrtHalf: splatBits(sqrtHalfBits),
	cExp52:    splatBits(0x4330000000000000), // bits of 2⁵²
	cBiasMag:  splat(biasMag),
	cMinNorm:  splat(0x1p-1022),
	c2p52:     splat(0x1p52),
	c52:       splat(52),
	cInf:      splat(math.Inf(1)),
	cNegInf:   splat(math.Inf(-1)),
	cNaN:      splat(math.NaN()),
	cMinus1:   splat(-1),
	cSqrt2:    splat(math.Sqrt2),
	cZero:     splat(0),
	cNegFast:  splat(-expFast),
	cLn2:      splat(math.Ln2),
	cLn2Tail:  splat(ln2Tail),
}
