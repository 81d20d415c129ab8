package vmath

import (
	"math"
	"math/rand/v2"
	"testing"
)

// pairKernel is one implementation of SoftplusSigmoid.
type pairKernel func(sp, sg, x []float64)

// pairPath is a path of SoftplusSigmoid with the kernels of Softplus and
// Sigmoid on the same path, whose results it must reproduce bit for bit.
type pairPath struct {
	name              string
	fused             pairKernel
	softplus, sigmoid kernel
}

func pairPaths() []pairPath {
	p := []pairPath{{"go", softplusSigmoidGo, softplusGo, sigmoidGo}}
	if useAsm {
		p = append(p, pairPath{"avx2", softplusSigmoidAVX2, softplusAVX2, sigmoidAVX2})
	}
	return p
}

// sameBits reports whether a and b are the same float64 bit for bit, NaN
// payloads included.
func sameBits(a, b float64) bool { return math.Float64bits(a) == math.Float64bits(b) }

// checkPair runs SoftplusSigmoid on x and holds both outputs bit for bit
// to what Softplus and Sigmoid give on the same path.
func checkPair(t *testing.T, p pairPath, x []float64) {
	t.Helper()
	n := len(x)
	wantSp, wantSg := make([]float64, n), make([]float64, n)
	p.softplus(wantSp, x)
	p.sigmoid(wantSg, x)
	sp, sg := make([]float64, n), make([]float64, n)
	p.fused(sp, sg, x)
	for i := range x {
		if !sameBits(sp[i], wantSp[i]) || !sameBits(sg[i], wantSg[i]) {
			t.Fatalf("%s: SoftplusSigmoid(%v) = %v, %v; Softplus, Sigmoid give %v, %v",
				p.name, x[i], sp[i], sg[i], wantSp[i], wantSg[i])
		}
	}
}

// TestSoftplusSigmoidMatchesSeparateCalls holds SoftplusSigmoid to
// Softplus and Sigmoid bit for bit, on both paths, over the sweeps of the
// two functions' domains and at the edge inputs.
func TestSoftplusSigmoidMatchesSeparateCalls(t *testing.T) {
	n, _ := sweepSize()
	gens := append(append([]gen(nil), domains["Softplus"]...), domains["Sigmoid"]...)
	r := rand.New(rand.NewPCG(21, 22))
	x := make([]float64, n)
	for i := range x {
		x[i] = gens[(i/4096)%len(gens)](r)
	}
	for _, p := range pairPaths() {
		checkPair(t, p, x)
		checkPair(t, p, edgeInputs)
	}
}

// TestSoftplusSigmoidLengthsAndAliasing runs every length from 0 to 35, on
// fresh outputs and with either output being x itself: each element must
// equal what Softplus and Sigmoid give for the whole slice, and nothing
// past len(sp) may be written.
func TestSoftplusSigmoidLengthsAndAliasing(t *testing.T) {
	x := sweepInputs(23, 35)
	copy(x[30:], []float64{math.NaN(), math.Inf(1), math.Inf(-1), -800, 0})
	for _, p := range pairPaths() {
		wantSp, wantSg := make([]float64, len(x)), make([]float64, len(x))
		p.softplus(wantSp, x)
		p.sigmoid(wantSg, x)
		for n := 0; n <= len(x); n++ {
			sp, sg := make([]float64, n+1), make([]float64, n+1)
			sp[n], sg[n] = 42, 42
			p.fused(sp[:n], sg[:n], x)
			inSp := append([]float64(nil), x[:n]...)
			outSg := make([]float64, n)
			p.fused(inSp, outSg, inSp)
			inSg := append([]float64(nil), x[:n]...)
			outSp := make([]float64, n)
			p.fused(outSp, inSg, inSg)
			for i := range n {
				ok := sameBits(sp[i], wantSp[i]) && sameBits(sg[i], wantSg[i]) &&
					sameBits(inSp[i], wantSp[i]) && sameBits(outSg[i], wantSg[i]) &&
					sameBits(outSp[i], wantSp[i]) && sameBits(inSg[i], wantSg[i])
				if !ok {
					t.Fatalf("%s n=%d: element %d (x = %v) gives %v, %v; sp = x: %v, %v; sg = x: %v, %v; want %v, %v",
						p.name, n, i, x[i], sp[i], sg[i], inSp[i], outSg[i], outSp[i], inSg[i], wantSp[i], wantSg[i])
				}
			}
			if sp[n] != 42 || sg[n] != 42 {
				t.Fatalf("%s n=%d wrote past len(sp)", p.name, n)
			}
		}
	}
}

// TestSoftplusSigmoidRefusesMismatchedLengths checks that outputs of
// different lengths, and x shorter than them, are refused before anything
// is written.
func TestSoftplusSigmoidRefusesMismatchedLengths(t *testing.T) {
	cases := []struct {
		name         string
		nsp, nsg, nx int
		want         string
	}{
		{"sg shorter", 5, 4, 8, errPair},
		{"sg longer", 4, 5, 8, errPair},
		{"x shorter", 5, 5, 4, errShort},
	}
	for _, c := range cases {
		func() {
			sp, sg := make([]float64, c.nsp), make([]float64, c.nsg)
			defer func() {
				if r := recover(); r != c.want {
					t.Errorf("%s: recovered %v, want %q", c.name, r, c.want)
				}
				for _, v := range append(sp, sg...) {
					if v != 0 {
						t.Errorf("%s: wrote %v, %v before refusing", c.name, sp, sg)
						break
					}
				}
			}()
			SoftplusSigmoid(sp, sg, make([]float64, c.nx, 16))
		}()
	}
}

func TestSoftplusSigmoidNoAllocations(t *testing.T) {
	x := sweepInputs(24, 1000)
	sp, sg := make([]float64, len(x)), make([]float64, len(x))
	if a := testing.AllocsPerRun(50, func() { SoftplusSigmoid(sp, sg, x) }); a != 0 {
		t.Errorf("SoftplusSigmoid allocates %v times per call", a)
	}
}

// TestSoftplusSigmoidUsesSelectedPath checks that the exported function
// runs the kernel of the selected path.
func TestSoftplusSigmoidUsesSelectedPath(t *testing.T) {
	x := sweepInputs(25, 4099)
	p := pairPaths()[len(pairPaths())-1]
	want, got := make([]float64, 2*len(x)), make([]float64, 2*len(x))
	p.fused(want[:len(x)], want[len(x):], x)
	SoftplusSigmoid(got[:len(x)], got[len(x):], x)
	for i := range got {
		if !sameBits(got[i], want[i]) {
			t.Fatalf("SoftplusSigmoid(%v) = %v; %s kernel gives %v", x[i%len(x)], got[i], p.name, want[i])
		}
	}
}
