package dense

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
)

// gemvFunc is gemvN or gemvT, with the path chosen by asm.
type gemvFunc func(asm bool, m, n int, alpha float64, a []float64, lda int, x []float64, beta float64, y []float64)

// orientations pairs each routine with gonum's transpose flag and the
// lengths of its x and y for an m×n A.
var orientations = []struct {
	name  string
	f     gemvFunc
	trans blas.Transpose
	dims  func(m, n int) (nx, ny int)
}{
	{"N", gemvN, blas.NoTrans, func(m, n int) (int, int) { return n, m }},
	{"T", gemvT, blas.Trans, func(m, n int) (int, int) { return m, n }},
}

// gemvGuard is the value past the end of y, which the routines must not
// write.
const gemvGuard = 12345.0

// gemvCase holds one problem: A with stride lda whose padding columns and
// whatever follows the last row are NaN, and x and y each followed by
// elements that must not be read (NaN) or written (gemvGuard). A routine
// that reads past the edges of its operands turns some y into NaN.
type gemvCase struct {
	m, n, lda int
	a, x, y   []float64 // x and y have lengths nx, ny; their capacity goes further
}

func newGemvCase(rng *rand.Rand, m, n, lda, nx, ny int) gemvCase {
	const extra = 5
	a := make([]float64, m*lda+extra)
	for i := range a {
		a[i] = math.NaN()
	}
	for i := range m {
		for j := range n {
			a[i*lda+j] = 2*rng.Float64() - 1
		}
	}
	x := make([]float64, nx+extra)
	for i := range x {
		x[i] = math.NaN()
		if i < nx {
			x[i] = 2*rng.Float64() - 1
		}
	}
	y := make([]float64, ny+extra)
	for i := range y {
		y[i] = gemvGuard
		if i < ny {
			y[i] = 2*rng.Float64() - 1
		}
	}
	return gemvCase{m, n, lda, a, x[:nx], y[:ny]}
}

// TestGemvMatchesGonum compares GemvN and GemvT on both paths with gonum's
// Dgemv over m, n on both sides of the vector width (4) with every n mod 4
// in registers and streamed, GemvN's blocks of eight rows, the register
// limits of GemvN and GemvT (24) and a long row, with tight and padded
// strides, alpha ∈ {0, 1, -0.5, 2.5} and beta ∈ {0 over a y of NaN, 1,
// 0.3}.
//
// Each output is alpha times a dot product of k terms (k = n for GemvN, m
// for GemvT) plus beta·y₀. Either code's result lies within
// (k+2)·u·(|alpha|·S + |beta·y₀|) of the exact value to first order, where
// S = Σ|a||x| over the k terms and u = ε/2 (at most k roundings in the sum,
// one for a scaling, one for the last add), so the two differ by at most
// c·(k+2)·ε·(|alpha|·S + |beta·y₀|) with c = 1. With k = 0 or alpha = 0 the
// result must be beta·y₀ exactly (zero for beta = 0); gonum returns early
// for k = 0, so those cases are checked by hand.
func TestGemvMatchesGonum(t *testing.T) {
	sizes := []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 15, 16, 17, 20, 21, 23, 24, 25, 26, 31, 33, 64, 100, 257}
	rng := rand.New(rand.NewPCG(5, 6))
	var worst float64 // largest |Δ|/tol seen, reported at the end
	for _, o := range orientations {
		for _, m := range sizes {
			for _, n := range sizes {
				for _, pad := range []int{0, 3} {
					nx, ny := o.dims(m, n)
					c := newGemvCase(rng, m, n, max(n, 1)+pad, nx, ny)
					for _, alpha := range []float64{0, 1, -0.5, 2.5} {
						for _, beta := range []float64{0, 1, 0.3} {
							for _, kn := range kernels() {
								name := fmt.Sprintf("%s/%s/m=%d,n=%d,lda=%d,alpha=%g,beta=%g", o.name, kn.name, m, n, c.lda, alpha, beta)
								worst = max(worst, compareGemv(t, name, o.f, o.trans, !kn.goOnly, c, alpha, beta))
							}
						}
					}
				}
			}
		}
	}
	t.Logf("largest |Δ| / tolerance: %.3g", worst)
}

func compareGemv(t *testing.T, name string, f gemvFunc, trans blas.Transpose, asm bool, c gemvCase, alpha, beta float64) float64 {
	t.Helper()
	m, n := c.m, c.n
	k := n
	if trans == blas.Trans {
		k = m
	}
	y0 := c.y
	if beta == 0 {
		y0 = make([]float64, len(c.y))
		for i := range y0 {
			y0[i] = math.NaN()
		}
	}
	want := append([]float64(nil), y0...)
	if k > 0 && alpha != 0 && len(want) > 0 {
		blas64.Gemv(trans, alpha, blas64.General{Rows: m, Cols: n, Stride: c.lda, Data: c.a}, blas64.Vector{N: len(c.x), Inc: 1, Data: c.x}, beta, blas64.Vector{N: len(want), Inc: 1, Data: want})
	} else {
		for i := range want {
			want[i] = beta * y0[i]
			if beta == 0 {
				want[i] = 0
			}
		}
	}
	got := append(make([]float64, 0, len(y0)+5), y0...)
	got = append(got, gemvGuard, gemvGuard, gemvGuard, gemvGuard, gemvGuard)[:len(y0)]
	f(asm, m, n, alpha, c.a, c.lda, c.x, beta, got)

	var worst float64
	for i := range got {
		var s float64 // Σ|a||x| over the k terms of output i
		for p := range k {
			if trans == blas.Trans {
				s += math.Abs(c.a[p*c.lda+i] * c.x[p])
			} else {
				s += math.Abs(c.a[i*c.lda+p] * c.x[p])
			}
		}
		by := 0.0
		if beta != 0 {
			by = math.Abs(beta * y0[i])
		}
		tol := float64(k+2) * 0x1p-52 * (math.Abs(alpha)*s + by)
		if k == 0 || alpha == 0 {
			tol = 0
		}
		d := math.Abs(got[i] - want[i])
		if !(d <= tol) {
			t.Fatalf("%s: y[%d] = %v, want %v (|Δ| %.3g > %.3g)", name, i, got[i], want[i], d, tol)
		}
		if tol > 0 {
			worst = max(worst, d/tol)
		}
	}
	for i, v := range got[len(y0):cap(got)] {
		if v != gemvGuard {
			t.Fatalf("%s: wrote y[%d] past the end", name, len(y0)+i)
		}
	}
	return worst
}

// TestGemvSameBitsAtAnyAlignment runs each routine on copies of the same
// operands placed at every 8-byte offset within a 64-byte line, and checks
// that the results agree to the bit.
func TestGemvSameBitsAtAnyAlignment(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	shapes := [][2]int{{1, 1}, {7, 5}, {64, 20}, {129, 21}, {33, 24}, {50, 33}, {9, 100}, {300, 257}}
	place := func(s []float64, off int) []float64 {
		d := make([]float64, off+len(s)+8)[off : off+len(s)]
		copy(d, s)
		return d
	}
	for _, o := range orientations {
		for _, kn := range kernels() {
			for _, sh := range shapes {
				m, n := sh[0], sh[1]
				nx, ny := o.dims(m, n)
				c := newGemvCase(rng, m, n, n, nx, ny)
				var ref []float64
				for off := range 8 {
					a, x := place(c.a, off), place(c.x, (off*3)%8)
					y := place(c.y, (off*5)%8)
					o.f(!kn.goOnly, m, n, 1.5, a, n, x, 0.5, y)
					if off == 0 {
						ref = y
						continue
					}
					for i := range y {
						if math.Float64bits(y[i]) != math.Float64bits(ref[i]) {
							t.Fatalf("%s/%s/m=%d,n=%d: offset %d gives y[%d] = %v, offset 0 gives %v", o.name, kn.name, m, n, off, i, y[i], ref[i])
						}
					}
				}
			}
		}
	}
}

// TestGemvNRowBlocksMatchWhole checks the promise that GemvN sums each row
// in an order that depends on n alone: computed in blocks of rows of any
// size from 1 to 17 (so that each row is taken at every position of
// GemvN's eight-row blocks and in its one-row loop), the product is
// bit-identical to the whole one. The widths cover every n mod 4 with
// x held in registers (n ≤ 24) and streamed (33, 50), and each way of
// writing y: the sums as they are (alpha = 1, beta = 0), scaled, and added
// to beta·y.
func TestGemvNRowBlocksMatchWhole(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	const m = 203
	widths := []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 15, 16, 17, 20, 21, 22, 23, 24, 25, 33, 50}
	scales := [][2]float64{{1, 0}, {-0.7, 0}, {-0.7, 0.9}}
	for _, kn := range kernels() {
		for _, n := range widths {
			c := newGemvCase(rng, m, n, n+1, n, m)
			for _, sc := range scales {
				alpha, beta := sc[0], sc[1]
				whole := append([]float64(nil), c.y...)
				gemvN(!kn.goOnly, m, n, alpha, c.a, c.lda, c.x, beta, whole)
				for bs := 1; bs <= 17; bs++ {
					y := append([]float64(nil), c.y...)
					for i := 0; i < m; i += bs {
						ib := min(bs, m-i)
						gemvN(!kn.goOnly, ib, n, alpha, c.a[i*c.lda:], c.lda, c.x, beta, y[i:i+ib])
					}
					for i := range y {
						if math.Float64bits(y[i]) != math.Float64bits(whole[i]) {
							t.Fatalf("%s/n=%d,alpha=%g,beta=%g, blocks of %d: y[%d] = %v, whole %v", kn.name, n, alpha, beta, bs, i, y[i], whole[i])
						}
					}
				}
			}
		}
	}
}

// TestGemvNInfiniteEntryGivesInf checks that an infinite a[i,j] with a
// positive x[j] makes y[i] +Inf, not NaN, wherever j falls (in a chunk of
// four or among the last n mod 4 columns): no column may be multiplied a
// second time, even by zero, since 0·Inf is NaN. The other rows stay finite.
func TestGemvNInfiniteEntryGivesInf(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 16))
	const m = 11 // one block of eight rows and three single rows
	for _, kn := range kernels() {
		for n := 1; n <= 30; n++ {
			c := newGemvCase(rng, m, n, n, n, m)
			for j := range c.x {
				c.x[j] = math.Abs(c.x[j]) + 0.5
			}
			for _, i := range []int{2, 9} {
				for j := range n {
					a := append([]float64(nil), c.a...)
					a[i*n+j] = math.Inf(1)
					y := make([]float64, m)
					gemvN(!kn.goOnly, m, n, 1, a, n, c.x, 0, y)
					for r, v := range y {
						if r == i && !math.IsInf(v, 1) || r != i && (math.IsInf(v, 0) || math.IsNaN(v)) {
							t.Fatalf("%s/n=%d, a[%d,%d] = +Inf: y[%d] = %v", kn.name, n, i, j, r, v)
						}
					}
				}
			}
		}
	}
}

// TestGemvAllocatesNothing checks that both routines, on both paths and on
// each branch of GemvT (registers, streaming, beta = 0), allocate nothing.
func TestGemvAllocatesNothing(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for _, o := range orientations {
		for _, kn := range kernels() {
			for _, n := range []int{20, 50} {
				for _, beta := range []float64{0, 1} {
					const m = 64
					nx, ny := o.dims(m, n)
					c := newGemvCase(rng, m, n, n, nx, ny)
					allocs := testing.AllocsPerRun(100, func() {
						o.f(!kn.goOnly, m, n, 1, c.a, n, c.x, beta, c.y)
					})
					if allocs != 0 {
						t.Errorf("%s/%s/n=%d,beta=%g: %v allocations per call", o.name, kn.name, n, beta, allocs)
					}
				}
			}
		}
	}
}

// TestGemvPanicsOnImpossibleSlices checks that operands too short for the
// stated shape are refused with a message naming the problem, before any
// memory is touched.
func TestGemvPanicsOnImpossibleSlices(t *testing.T) {
	a := make([]float64, 12)
	v := make([]float64, 4)
	cases := []struct {
		name, want string
		call       func()
	}{
		{"negative m", "negative dimension", func() { GemvN(-1, 3, 1, a, 3, v, 0, v) }},
		{"lda < n", "lda=2 < n=3", func() { GemvT(4, 3, 1, a, 2, v, 0, v) }},
		{"short a", "len(a)=12", func() { GemvN(4, 4, 1, a, 4, v, 0, v) }},
		{"short x", "len(x)=4", func() { GemvN(2, 5, 1, a, 5, v, 0, v) }},
		{"short y", "len(y)=4", func() { GemvT(1, 5, 1, a, 5, v, 0, v) }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			defer func() {
				msg, _ := recover().(string)
				if !strings.HasPrefix(msg, "dense: ") || !strings.Contains(msg, c.want) {
					t.Errorf("panic %q, want one mentioning %q", msg, c.want)
				}
			}()
			c.call()
		})
	}
}

// gemvShapes are the benchmark sizes: the logistic-regression design matrix
// (d = 20 columns) whole and in the row blocks that fit L1 and L2, and two
// square matrices.
var gemvShapes = [][2]int{
	{128, 20}, {512, 20}, {1000, 20}, {10000, 20}, {100000, 20}, {256, 256}, {1000, 1000},
}

// BenchmarkGemvN and BenchmarkGemvT report the rate at which A is read
// (SetBytes counts A only) for each path, for gonum's Dgemv, and for a loop
// that only reads A and adds it up, the memory speed the routines aim at.
func BenchmarkGemvN(b *testing.B) { benchGemv(b, 0) }
func BenchmarkGemvT(b *testing.B) { benchGemv(b, 1) }

func benchGemv(b *testing.B, orient int) {
	o := orientations[orient]
	for _, sh := range gemvShapes {
		m, n := sh[0], sh[1]
		nx, ny := o.dims(m, n)
		rng := rand.New(rand.NewPCG(13, 14))
		a, x, y := randSlice(rng, m*n), randSlice(rng, nx), randSlice(rng, ny)
		shape := fmt.Sprintf("m=%d,n=%d", m, n)
		for _, kn := range kernels() {
			b.Run(kn.name+"/"+shape, func(b *testing.B) {
				b.SetBytes(int64(8 * m * n))
				for b.Loop() {
					o.f(!kn.goOnly, m, n, 1, a, n, x, 0, y)
				}
			})
		}
		b.Run("gonum/"+shape, func(b *testing.B) {
			b.SetBytes(int64(8 * m * n))
			g := blas64.General{Rows: m, Cols: n, Stride: n, Data: a}
			for b.Loop() {
				blas64.Gemv(o.trans, 1, g, blas64.Vector{N: nx, Inc: 1, Data: x}, 0, blas64.Vector{N: ny, Inc: 1, Data: y})
			}
		})
		b.Run("read/"+shape, func(b *testing.B) {
			b.SetBytes(int64(8 * m * n))
			var s float64
			for b.Loop() {
				s += readSum(a)
			}
			y[0] = s
		})
	}
}

// readSum adds up s in eight independent sums, so that the loop runs at the
// speed at which memory delivers s rather than at the latency of an add.
func readSum(s []float64) float64 {
	var s0, s1, s2, s3, s4, s5, s6, s7 float64
	for len(s) >= 8 {
		v := s[:8:8]
		s0 += v[0]
		s1 += v[1]
		s2 += v[2]
		s3 += v[3]
		s4 += v[4]
		s5 += v[5]
		s6 += v[6]
		s7 += v[7]
		s = s[8:]
	}
	for _, v := range s {
		s0 += v
	}
	return ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7))
}
