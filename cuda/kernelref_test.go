package cuda

import (
	"math"
	"math/rand/v2"
	"testing"
)

// This file holds a float64 reference for the kernel-matrix kernels, in
// plain Go, and checks it against finite differences. It builds in both
// flavors: the default flavor tests the reference, the gpu flavor compares
// the CUDA kernels with it (cuda_test.go).

// refKind numbers the kernels as kernelmat.cu does: RBF, Matérn ½, 3/2, 5/2.
const numKinds = 4

// refShape returns k0(s) (the kernel without its variance) and c(s), with
// ∂k0/∂ls_l = c Δ_l² / ls_l³, for squared scaled distance s.
func refShape(kind int, s float64) (k0, c float64) {
	r := math.Sqrt(s)
	switch kind {
	case 0:
		e := math.Exp(-s / 2)
		return e, e
	case 1:
		e := math.Exp(-r)
		if r == 0 {
			return e, 0
		}
		return e, e / r
	case 2:
		a := math.Sqrt(3) * r
		e := math.Exp(-a)
		return (1 + a) * e, 3 * e
	default:
		a := math.Sqrt(5) * r
		e := math.Exp(-a)
		return (1 + a + 5*s/3) * e, 5.0 / 3 * (1 + a) * e
	}
}

// refSqDist is the scaled squared distance between point i of x1 and point
// j of x2 in member b.
func refSqDist(x1, x2, ls []float64, b, i, j, n, m, d int) float64 {
	s := 0.0
	for l := 0; l < d; l++ {
		t := (x1[(b*n+i)*d+l] - x2[(b*m+j)*d+l]) / ls[b*d+l]
		s += t * t
	}
	return s
}

// refKernel returns K [batch, n, m] for x1 [batch, n, d], x2 [batch, m, d],
// ls [batch, d], variance [batch].
func refKernel(kind int, x1, x2, ls, variance []float64, batch, n, m, d int) []float64 {
	out := make([]float64, batch*n*m)
	for b := 0; b < batch; b++ {
		for i := 0; i < n; i++ {
			for j := 0; j < m; j++ {
				s := refSqDist(x1, x2, ls, b, i, j, n, m, d)
				k0, _ := refShape(kind, s)
				out[(b*n+i)*m+j] = variance[b] * k0
			}
		}
	}
	return out
}

// refKernelGrad returns Σ g ∂K/∂ls [batch, d] and Σ g ∂K/∂variance [batch].
func refKernelGrad(kind int, g, x1, x2, ls, variance []float64, batch, n, m, d int) (gls, gvar []float64) {
	gls, gvar = make([]float64, batch*d), make([]float64, batch)
	for b := 0; b < batch; b++ {
		for i := 0; i < n; i++ {
			for j := 0; j < m; j++ {
				s := refSqDist(x1, x2, ls, b, i, j, n, m, d)
				k0, c := refShape(kind, s)
				gv := g[(b*n+i)*m+j]
				gvar[b] += gv * k0
				for l := 0; l < d; l++ {
					dl, L := x1[(b*n+i)*d+l]-x2[(b*m+j)*d+l], ls[b*d+l]
					gls[b*d+l] += gv * variance[b] * c * dl * dl / (L * L * L)
				}
			}
		}
	}
	return gls, gvar
}

// kernelProblem draws a small random problem: points in [−1, 1]^d,
// lengthscales in [0.5, 2], variances in [0.5, 2], upstream gradient normal.
func kernelProblem(r *rand.Rand, batch, n, m, d int) (x1, x2, ls, variance, g []float64) {
	fill := func(k int, f func() float64) []float64 {
		v := make([]float64, k)
		for i := range v {
			v[i] = f()
		}
		return v
	}
	unit := func() float64 { return 2*r.Float64() - 1 }
	pos := func() float64 { return 0.5 + 1.5*r.Float64() }
	return fill(batch*n*d, unit), fill(batch*m*d, unit), fill(batch*d, pos), fill(batch, pos), fill(batch*n*m, r.NormFloat64)
}

// The analytic gradients of the reference match central differences of
// Σ g K. With step h = 1e-5 the truncation error is O(h²) ≈ 1e-10 relative
// and the round-off about 1e-16/h ≈ 1e-11, so 1e-7 leaves a wide margin;
// points stay apart (n ≠ m sets), away from the cusp of Matérn ½ at r = 0.
func TestReferenceKernelGradMatchesFiniteDifferences(t *testing.T) {
	const batch, n, m, d, h = 2, 5, 4, 3, 1e-5
	r := rand.New(rand.NewPCG(7, 7))
	x1, x2, ls, variance, g := kernelProblem(r, batch, n, m, d)
	loss := func(kind int, ls, variance []float64) []float64 {
		k := refKernel(kind, x1, x2, ls, variance, batch, n, m, d)
		out := make([]float64, batch)
		for b := 0; b < batch; b++ {
			for e := 0; e < n*m; e++ {
				out[b] += g[b*n*m+e] * k[b*n*m+e]
			}
		}
		return out
	}
	for kind := range numKinds {
		gls, gvar := refKernelGrad(kind, g, x1, x2, ls, variance, batch, n, m, d)
		check := func(what string, p []float64, idx, b int, want float64) {
			orig := p[idx]
			p[idx] = orig + h
			up := loss(kind, ls, variance)[b]
			p[idx] = orig - h
			down := loss(kind, ls, variance)[b]
			p[idx] = orig
			fd := (up - down) / (2 * h)
			if math.Abs(fd-want) > 1e-7*math.Max(1, math.Abs(fd)) {
				t.Errorf("kind %d: %s[%d]: analytic %.12g, finite difference %.12g", kind, what, idx, want, fd)
			}
		}
		for b := 0; b < batch; b++ {
			check("variance", variance, b, b, gvar[b])
			for l := 0; l < d; l++ {
				check("ls", ls, b*d+l, b, gls[b*d+l])
			}
		}
	}
}
