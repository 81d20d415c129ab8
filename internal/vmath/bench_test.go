package vmath

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// benchRange is where each function's benchmark inputs lie: the values
// that log densities and their gradients typically meet.
var benchRange = map[string][2]float64{
	"Exp":        {-20, 20},
	"Expm1":      {-2, 2},
	"Log":        {1e-3, 1e3},
	"Log1p":      {-0.5, 10},
	"Tanh":       {-5, 5},
	"Sigmoid":    {-10, 10},
	"Softplus":   {-10, 10},
	"LogSigmoid": {-10, 10},

	"SoftplusSigmoid": {-10, 10},
}

// benchSizes is the ladder of slice lengths; 96 is the tile of ignis's
// fused loops.
var benchSizes = []int{16, 96, 256, 1024, 4096, 65536}

// BenchmarkFunctions times each function on both paths and, as the
// baseline, a loop over the scalar reference (math's function, or the
// careful logistic formula), over a ladder of slice lengths. ns/elem is
// the time per element.
func BenchmarkFunctions(b *testing.B) {
	for _, f := range functions {
		rg := benchRange[f.name]
		r := rand.New(rand.NewPCG(1, 1))
		for _, n := range benchSizes {
			x := make([]float64, n)
			for i := range x {
				x[i] = rg[0] + (rg[1]-rg[0])*r.Float64()
			}
			dst := make([]float64, n)
			run := func(name string, k kernel) {
				b.Run(fmt.Sprintf("%s/n=%d/%s", f.name, n, name), func(b *testing.B) {
					b.SetBytes(int64(8 * n))
					for b.Loop() {
						k(dst, x)
					}
					b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/elem")
				})
			}
			if useAsm {
				run("avx2", f.asmPath)
			}
			run("go", f.goPath)
			scalar := f.scalar
			if f.name == "Exp" {
				scalar = math.Exp
			}
			run("math", func(dst, x []float64) {
				for i, v := range x[:len(dst)] {
					dst[i] = scalar(v)
				}
			})
		}
	}
}

// BenchmarkSoftplusSigmoid times SoftplusSigmoid on both paths and, as the
// baseline, Softplus and Sigmoid called one after the other on the
// selected path, over the ladder of slice lengths. ns/elem is the time per
// element for both results.
func BenchmarkSoftplusSigmoid(b *testing.B) {
	rg := benchRange["SoftplusSigmoid"]
	r := rand.New(rand.NewPCG(1, 1))
	for _, n := range benchSizes {
		x := make([]float64, n)
		for i := range x {
			x[i] = rg[0] + (rg[1]-rg[0])*r.Float64()
		}
		sp, sg := make([]float64, n), make([]float64, n)
		run := func(name string, k pairKernel) {
			b.Run(fmt.Sprintf("n=%d/%s", n, name), func(b *testing.B) {
				b.SetBytes(int64(8 * n))
				for b.Loop() {
					k(sp, sg, x)
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/elem")
			})
		}
		if useAsm {
			run("avx2", softplusSigmoidAVX2)
		}
		run("go", softplusSigmoidGo)
		run("two-calls", func(sp, sg, x []float64) {
			Softplus(sp, x)
			Sigmoid(sg, x)
		})
	}
}
