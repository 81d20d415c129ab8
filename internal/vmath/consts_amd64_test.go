//go:build amd64 && !purego

package vmath

import (
	"os"
	"regexp"
	"strconv"
	"testing"
)

// TestHeaderMatchesVecTab checks that every C_<NAME> index in
// vmath_amd64.h, by which the assembly reads vecTab, is the index the Go
// side gives that constant.
func TestHeaderMatchesVecTab(t *testing.T) {
	goIndex := map[string]int{
		"ONE": cOne, "HALF": cHalf, "TWO": cTwo, "ABS": cAbs, "SIGN": cSign,
		"LANES": cLanes, "LOG2E": cLog2e, "MAGIC": cMagic, "LN2HI": cLn2Hi,
		"LN2LO": cLn2Lo, "P10": cP10, "P9": cP9, "P8": cP8, "P7": cP7, "P6": cP6,
		"P5": cP5, "P4": cP4, "P3": cP3, "P2": cP2, "P1": cP1, "P0": cP0,
		"EXPFAST": cExpFast, "CLAMPHI": cClampHi, "CLAMPLO": cClampLo,
		"TINY": cTiny, "M45": cM45, "TWENTY": cTwenty, "Q7": cQ7, "Q6": cQ6,
		"Q5": cQ5, "Q4": cQ4, "Q3": cQ3, "Q2": cQ2, "Q1": cQ1, "Q0": cQ0,
		"LOGOFF": cLogOff, "MANT": cMant, "SQRTHALF": cSqrtHalf, "EXP52": cExp52,
		"BIASMAG": cBiasMag, "MINNORM": cMinNorm, "2P52": c2p52, "52": c52,
		"INF": cInf, "NEGINF": cNegInf, "NAN": cNaN, "MINUS1": cMinus1,
		"SQRT2": cSqrt2, "ZERO": cZero, "NEGFAST": cNegFast,
		"LN2": cLn2, "LN2TAIL": cLn2Tail,
	}
	h, err := os.ReadFile("vmath_amd64.h")
	if err != nil {
		t.Fatal(err)
	}
	defs := regexp.MustCompile(`(?m)^#define C_(\w+) (\d+)$`).FindAllStringSubmatch(string(h), -1)
	if len(defs) != numConsts || len(goIndex) != numConsts {
		t.Fatalf("header defines %d constants, Go %d (map %d)", len(defs), numConsts, len(goIndex))
	}
	for _, d := range defs {
		i, _ := strconv.Atoi(d[2])
		if want, ok := goIndex[d[1]]; !ok || want != i {
			t.Errorf("C_%s is %d in the header, %d (known: %v) in Go", d[1], i, want, ok)
		}
	}
}
