package mcmc

import (
	"math"
	"math/rand/v2"
)

// metric is the inverse mass matrix M⁻¹ of the kinetic energy
// ½ pᵀM⁻¹p: diagonal, or dense with its lower Cholesky factor L (M⁻¹ = LLᵀ)
// kept for drawing momenta p ~ N(0, M) as p = L⁻ᵀz.
type metric struct {
	dense bool
	dim   int
	diag  []float64 // diagonal of M⁻¹
	full  []float64 // M⁻¹, row-major dim×dim
	chol  []float64 // L, row-major lower triangle
}

func newMetric(dim int, dense bool) metric {
	m := metric{dense: dense, dim: dim}
	if dense {
		m.full = make([]float64, dim*dim)
		m.chol = make([]float64, dim*dim)
		for i := 0; i < dim; i++ {
			m.full[i*dim+i], m.chol[i*dim+i] = 1, 1
		}
	} else {
		m.diag = make([]float64, dim)
		for i := range m.diag {
			m.diag[i] = 1
		}
	}
	return m
}

// velocity writes M⁻¹p into v.
func (m *metric) velocity(v, p []float64) {
	if !m.dense {
		for i, d := range m.diag {
			v[i] = d * p[i]
		}
		return
	}
	n := m.dim
	for i := 0; i < n; i++ {
		row := m.full[i*n : (i+1)*n]
		s := 0.0
		for j, a := range row {
			s += a * p[j]
		}
		v[i] = s
	}
}

// momentum draws p ~ N(0, M) into p.
func (m *metric) momentum(r *rand.Rand, p []float64) {
	if !m.dense {
		for i, d := range m.diag {
			p[i] = r.NormFloat64() / math.Sqrt(d)
		}
		return
	}
	n := m.dim
	for i := range p {
		p[i] = r.NormFloat64()
	}
	// Back substitution: Lᵀp = z.
	for i := n - 1; i >= 0; i-- {
		s := p[i]
		for k := i + 1; k < n; k++ {
			s -= m.chol[k*n+i] * p[k]
		}
		p[i] = s / m.chol[i*n+i]
	}
}

// setDense installs a new M⁻¹ (row-major), or reports false and keeps the
// old one when it is not positive definite.
func (m *metric) setDense(cov []float64) bool {
	n := m.dim
	l := make([]float64, n*n)
	for j := 0; j < n; j++ {
		s := cov[j*n+j]
		for k := 0; k < j; k++ {
			s -= l[j*n+k] * l[j*n+k]
		}
		if !(s > 0) {
			return false
		}
		l[j*n+j] = math.Sqrt(s)
		for i := j + 1; i < n; i++ {
			t := cov[i*n+j]
			for k := 0; k < j; k++ {
				t -= l[i*n+k] * l[j*n+k]
			}
			l[i*n+j] = t / l[j*n+j]
		}
	}
	copy(m.full, cov)
	m.chol = l
	return true
}

func dot(a, b []float64) float64 {
	s := 0.0
	for i, v := range a {
		s += v * b[i]
	}
	return s
}

// welford accumulates the sample mean and variance (or covariance) of
// unconstrained draws during a warm-up window.
type welford struct {
	dense bool
	n     int
	mean  []float64
	m2    []float64 // per coordinate, or dim×dim
	delta []float64
}

func newWelford(dim int, dense bool) *welford {
	w := &welford{dense: dense, mean: make([]float64, dim), delta: make([]float64, dim)}
	if dense {
		w.m2 = make([]float64, dim*dim)
	} else {
		w.m2 = make([]float64, dim)
	}
	return w
}

func (w *welford) reset() {
	w.n = 0
	clear(w.mean)
	clear(w.m2)
}

func (w *welford) add(q []float64) {
	w.n++
	n := len(q)
	for i, x := range q {
		w.delta[i] = x - w.mean[i]
		w.mean[i] += w.delta[i] / float64(w.n)
	}
	if !w.dense {
		for i, x := range q {
			w.m2[i] += w.delta[i] * (x - w.mean[i])
		}
		return
	}
	for i := 0; i < n; i++ {
		di := q[i] - w.mean[i]
		for j := 0; j < n; j++ {
			w.m2[i*n+j] += di * w.delta[j]
		}
	}
}

// regularized returns the window's sample (co)variance shrunk towards
// 10⁻³·I with weight 5/(n+5), as Stan does: small windows give a
// well-conditioned metric.
func (w *welford) regularized() []float64 {
	n := float64(w.n)
	out := make([]float64, len(w.m2))
	dim := len(w.mean)
	for k, v := range w.m2 {
		out[k] = (n / (n + 5)) * v / (n - 1)
	}
	add := 1e-3 * 5 / (n + 5)
	if w.dense {
		for i := 0; i < dim; i++ {
			out[i*dim+i] += add
		}
	} else {
		for i := range out {
			out[i] += add
		}
	}
	return out
}
