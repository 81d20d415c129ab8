package engine

import "runtime"

// Work sizes are counted in (n, m, d) triples, the unit of every pairwise op.
const (
	// parallelWork is the work above which a kernel fans out to goroutines;
	// below it the goroutine start-up costs more than it saves.
	parallelWork = 100_000
	// taskWork is the work in one task: enough to amortize taking it, small
	// enough to balance the load.
	taskWork = 32_768
)

// fanOut runs tasks 0…tasks−1 on up to workers goroutines of the worker
// pool (the caller being one of them). Everything is allocated when it is
// built; run allocates nothing. Tasks are taken dynamically, so each task
// must write its own part of the output: which goroutine runs a task never
// changes the result.
type fanOut struct {
	tasks, workers int
	task           func(t int)
	job            *parJob
}

func newFanOut(tasks, work int, task func(int)) *fanOut {
	f := &fanOut{tasks: tasks, workers: 1, task: task}
	if work > parallelWork {
		f.workers = min(runtime.GOMAXPROCS(0), tasks, work/(parallelWork/2))
	}
	f.job = newParJob(f.workers, func(_, t int) { task(t) })
	return f
}

func (f *fanOut) run() {
	if f.workers <= 1 {
		for t := 0; t < f.tasks; t++ {
			f.task(t)
		}
		return
	}
	f.job.do(f.tasks, true)
}

// pairPlan splits a batch of pairwise problems into tasks of whole rows. The
// split depends only on the shapes.
type pairPlan struct {
	batch, n, m, d int
	rows           int // rows split into tasks: n, or m for a transposed op
	rowsPerTask    int
	tasksPerBatch  int
	offs           [3][]int // batch offsets of the three inputs
}

// taskRows returns the batch member and row range of task t.
func (p *pairPlan) taskRows(t int) (b, r0, r1 int) {
	b, c := t/p.tasksPerBatch, t%p.tasksPerBatch
	r0 = c * p.rowsPerTask
	return b, r0, min(r0+p.rowsPerTask, p.rows)
}

// plan fills in the task split and the input offsets for batch shape batch.
// minRows is the fewest rows a task should take (see pairSumTransRows).
func (p *pairPlan) plan(in []Shape, batch Shape, core [3]int, minRows int) {
	p.batch = batch.Size()
	rowWork := p.n * p.m * p.d / p.rows
	p.rowsPerTask = min(p.rows, max(minRows, taskWork/max(rowWork, 1)))
	p.tasksPerBatch = (p.rows + p.rowsPerTask - 1) / p.rowsPerTask
	for i, s := range in {
		c := core[i]
		p.offs[i] = batchOffsets(batch, batchOf(s, c), Shape(s[len(s)-c:]).Size())
	}
}

func (p *pairPlan) tasks() int { return p.batch * p.tasksPerBatch }
func (p *pairPlan) work() int  { return p.batch * p.n * p.m * p.d }

// sqDistKernel computes sqdist on the CPU.
type sqDistKernel struct {
	pairPlan
	pd       int // entries of the third input per batch member: d or 1
	byWeight bool
	w        []float64 // weights per batch member, [batch·d]
	x1, x2   []float64
	out      []float64
	fan      *fanOut
}

func newSqDistKernel(in []Shape, out Shape, byWeight bool) *sqDistKernel {
	n, m, d := out[len(out)-2], out[len(out)-1], in[0][len(in[0])-1]
	k := &sqDistKernel{pd: in[2][len(in[2])-1], byWeight: byWeight}
	k.n, k.m, k.d, k.rows = n, m, d, n
	k.plan(in, out[:len(out)-2], [3]int{2, 2, 1}, 1)
	k.w = make([]float64, k.batch*d)
	k.fan = newFanOut(k.tasks(), k.work(), k.task)
	return k
}

func (k *sqDistKernel) Run(out []float64, in [][]float64) error {
	p, d := in[2], k.d
	for b, off := range k.offs[2] {
		w := k.w[b*d : (b+1)*d]
		for j := range w {
			v := p[off]
			if k.pd == d {
				v = p[off+j]
			}
			if !k.byWeight {
				v = 1 / (v * v)
			}
			w[j] = v
		}
	}
	k.x1, k.x2, k.out = in[0], in[1], out
	k.fan.run()
	return nil
}

func (k *sqDistKernel) task(t int) {
	b, r0, r1 := k.taskRows(t)
	n, m, d := k.n, k.m, k.d
	x1 := k.x1[k.offs[0][b]:][:n*d]
	x2 := k.x2[k.offs[1][b]:][:m*d]
	sqDistRows(k.out[b*n*m:][:n*m], x1, x2, k.w[b*d:][:d], r0, r1, m, d)
}

// sqDistRows computes rows r0…r1−1 of one batch member's distance matrix.
// The common small dimensions keep the row point in registers.
func sqDistRows(out, x1, x2, w []float64, r0, r1, m, d int) {
	for i := r0; i < r1; i++ {
		a := x1[i*d : (i+1)*d]
		o := out[i*m : (i+1)*m]
		switch d {
		case 1:
			a0, w0 := a[0], w[0]
			for j := range o {
				t := a0 - x2[j]
				o[j] = w0 * t * t
			}
		case 2:
			a0, a1, w0, w1 := a[0], a[1], w[0], w[1]
			for j := range o {
				q := x2[2*j : 2*j+2 : 2*j+2]
				t0, t1 := a0-q[0], a1-q[1]
				o[j] = w0*t0*t0 + w1*t1*t1
			}
		case 3:
			a0, a1, a2, w0, w1, w2 := a[0], a[1], a[2], w[0], w[1], w[2]
			for j := range o {
				q := x2[3*j : 3*j+3 : 3*j+3]
				t0, t1, t2 := a0-q[0], a1-q[1], a2-q[2]
				o[j] = w0*t0*t0 + w1*t1*t1 + w2*t2*t2
			}
		default:
			for j := range o {
				q := x2[j*d : (j+1)*d]
				s := 0.0
				for l, av := range a {
					t := av - q[l]
					s += w[l] * t * t
				}
				o[j] = s
			}
		}
	}
}

type pairKind uint8

const (
	pairSum pairKind = iota // Σ_m G Δ  (or Σ_n G (−Δ) transposed)
	pairSq                  // Σ_{n,m} G Δ²
	pairDot                 // Σ_d U Δ
)

// pairKernel computes the gradient ops pairsum, pairsq and pairdot.
type pairKernel struct {
	pairPlan
	kind    pairKind
	trans   bool
	partial []float64 // pairsq: one [d] partial sum per task
	in      [][]float64
	out     []float64
	fan     *fanOut
}

func newPairKernel(kind pairKind, trans bool, in []Shape, out Shape) *pairKernel {
	x1, x2 := in[1], in[2]
	k := &pairKernel{kind: kind, trans: trans}
	k.n, k.d, k.m = x1[len(x1)-2], x1[len(x1)-1], x2[len(x2)-2]
	k.rows = k.n
	if trans {
		k.rows = k.m
	}
	core := 2 // the output's non-batch dimensions
	if kind == pairSq {
		core = 1
	}
	batch := batchOf(out, core)
	minRows := 1
	if trans {
		minRows = transRows
	}
	k.plan(in, batch, [3]int{2, 2, 2}, minRows)
	if kind == pairSq {
		k.partial = make([]float64, k.tasks()*k.d)
	}
	k.fan = newFanOut(k.tasks(), k.work(), k.task)
	return k
}

func (k *pairKernel) Run(out []float64, in [][]float64) error {
	k.in, k.out = in, out
	k.fan.run()
	if k.kind == pairSq {
		// Sum the tasks' partials in task order: the same bits however the
		// tasks were scheduled.
		d := k.d
		clear(out)
		for t := 0; t < k.tasks(); t++ {
			b := t / k.tasksPerBatch
			o := out[b*d : (b+1)*d]
			for l, v := range k.partial[t*d : (t+1)*d] {
				o[l] += v
			}
		}
	}
	return nil
}

func (k *pairKernel) task(t int) {
	b, r0, r1 := k.taskRows(t)
	n, m, d := k.n, k.m, k.d
	x1 := k.in[1][k.offs[1][b]:][:n*d]
	x2 := k.in[2][k.offs[2][b]:][:m*d]
	switch k.kind {
	case pairSum:
		G := k.in[0][k.offs[0][b]:][:n*m]
		if k.trans {
			pairSumTransRows(k.out[b*m*d:][:m*d], G, x1, x2, r0, r1, n, m, d)
		} else {
			pairSumRows(k.out[b*n*d:][:n*d], G, x1, x2, r0, r1, m, d)
		}
	case pairSq:
		G := k.in[0][k.offs[0][b]:][:n*m]
		pairSqRows(k.partial[t*d:(t+1)*d], G, x1, x2, r0, r1, m, d)
	case pairDot:
		U := k.in[0][k.offs[0][b]:][:n*d]
		pairDotRows(k.out[b*n*m:][:n*m], U, x1, x2, r0, r1, m, d)
	}
}

// pairSumRows: out[i,:] = Σ_j G[i,j] (x1[i,:] − x2[j,:]) for rows r0…r1−1.
func pairSumRows(out, G, x1, x2 []float64, r0, r1, m, d int) {
	for i := r0; i < r1; i++ {
		a := x1[i*d : (i+1)*d]
		o := out[i*d : (i+1)*d]
		gr := G[i*m : (i+1)*m]
		if d == 3 {
			a0, a1, a2 := a[0], a[1], a[2]
			var s0, s1, s2 float64
			for j, gv := range gr {
				q := x2[3*j : 3*j+3 : 3*j+3]
				s0 += gv * (a0 - q[0])
				s1 += gv * (a1 - q[1])
				s2 += gv * (a2 - q[2])
			}
			o[0], o[1], o[2] = s0, s1, s2
			continue
		}
		clear(o)
		for j, gv := range gr {
			q := x2[j*d : (j+1)*d]
			for l := range o {
				o[l] += gv * (a[l] - q[l])
			}
		}
	}
}

// transRows is the fewest columns of G a pairSumTransRows task takes: each
// row of G is then read in runs of at least 2 KiB, which the hardware
// prefetches, while the task's output block (transRows·d values) stays in
// the L1 cache.
const transRows = 256

// pairSumTransRows: out[j,:] = Σ_i G[i,j] (x2[j,:] − x1[i,:]) for rows
// j = r0…r1−1, walking G by rows so that its reads stay contiguous.
func pairSumTransRows(out, G, x1, x2 []float64, r0, r1, n, m, d int) {
	o := out[r0*d : r1*d]
	clear(o)
	q := x2[r0*d : r1*d]
	for i := 0; i < n; i++ {
		a := x1[i*d : (i+1)*d]
		gr := G[i*m+r0 : i*m+r1]
		if d == 3 {
			a0, a1, a2 := a[0], a[1], a[2]
			for j, gv := range gr {
				oj := o[3*j : 3*j+3 : 3*j+3]
				qj := q[3*j : 3*j+3 : 3*j+3]
				oj[0] += gv * (qj[0] - a0)
				oj[1] += gv * (qj[1] - a1)
				oj[2] += gv * (qj[2] - a2)
			}
			continue
		}
		for j, gv := range gr {
			oj := o[j*d : (j+1)*d]
			qj := q[j*d : (j+1)*d]
			for l := range oj {
				oj[l] += gv * (qj[l] - a[l])
			}
		}
	}
}

// pairSqRows: s[:] = Σ_{i in r0…r1−1} Σ_j G[i,j] (x1[i,:] − x2[j,:])².
func pairSqRows(s, G, x1, x2 []float64, r0, r1, m, d int) {
	clear(s)
	if d == 3 {
		var s0, s1, s2 float64
		for i := r0; i < r1; i++ {
			a0, a1, a2 := x1[3*i], x1[3*i+1], x1[3*i+2]
			for j, gv := range G[i*m : (i+1)*m] {
				q := x2[3*j : 3*j+3 : 3*j+3]
				t0, t1, t2 := a0-q[0], a1-q[1], a2-q[2]
				s0 += gv * t0 * t0
				s1 += gv * t1 * t1
				s2 += gv * t2 * t2
			}
		}
		s[0], s[1], s[2] = s0, s1, s2
		return
	}
	for i := r0; i < r1; i++ {
		a := x1[i*d : (i+1)*d]
		gr := G[i*m : (i+1)*m]
		for j, gv := range gr {
			q := x2[j*d : (j+1)*d]
			for l := range s {
				t := a[l] - q[l]
				s[l] += gv * t * t
			}
		}
	}
}

// pairDotRows: out[i,j] = Σ_l U[i,l] (x1[i,l] − x2[j,l]) for rows r0…r1−1.
func pairDotRows(out, U, x1, x2 []float64, r0, r1, m, d int) {
	for i := r0; i < r1; i++ {
		a := x1[i*d : (i+1)*d]
		u := U[i*d : (i+1)*d]
		o := out[i*m : (i+1)*m]
		for j := range o {
			q := x2[j*d : (j+1)*d]
			s := 0.0
			for l, ul := range u {
				s += ul * (a[l] - q[l])
			}
			o[j] = s
		}
	}
}
