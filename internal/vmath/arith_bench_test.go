package vmath

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// BenchmarkElementwise times each element-wise function on the tile
// lengths of fused loops (96, 256) and on a longer slice that still fits
// in L1 (4096): the exported function (the assembly kernel where the
// processor has it), the Go kernel, and the plain Go loop a user would
// write, bounds checks included. ns/elem is the time per element.
func BenchmarkElementwise(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, f := range elementwiseFuncs {
		arity, _ := shape(f.public)
		for _, n := range []int{96, 256, 4096} {
			// Positive normal numbers keep Sqrt, Div and Reciprocal on
			// their common path; a third of Where's conditions are 0.
			in := make([][]float64, arity)
			for j := range in {
				in[j] = make([]float64, n)
				for i := range in[j] {
					in[j][i] = 0.5 + 1.5*r.Float64()
					if f.name == "Where" && j == 0 && r.IntN(3) == 0 {
						in[j][i] = 0
					}
				}
			}
			dst := make([]float64, n)
			for _, p := range []ewPath{{"public", f.public}, {"go", f.goPath}, {"loop", f.ref}} {
				b.Run(fmt.Sprintf("%s/n=%d/%s", f.name, n, p.name), func(b *testing.B) {
					b.SetBytes(int64(8 * n))
					timeKernel(b, p.k, dst, in)
					b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/elem")
				})
			}
		}
	}
}

// timeKernel runs b's loop over k, calling it directly rather than
// through call, whose extra indirection would count as a few
// nanoseconds on the short slices.
func timeKernel(b *testing.B, k any, dst []float64, in [][]float64) {
	switch k := k.(type) {
	case func(dst, x []float64):
		for b.Loop() {
			k(dst, in[0])
		}
	case func(dst, x []float64, c float64):
		for b.Loop() {
			k(dst, in[0], 1.5)
		}
	case func(dst, a, b []float64):
		for b.Loop() {
			k(dst, in[0], in[1])
		}
	case func(dst, cond, a, b []float64):
		for b.Loop() {
			k(dst, in[0], in[1], in[2])
		}
	default:
		b.Fatalf("no element-wise shape %T", k)
	}
}
