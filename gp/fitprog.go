package gp

import (
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/ignis-ppl/ignis/engine"
	"github.com/ignis-ppl/ignis/optim"
)

// fitter holds a fit's state: the program that evaluates the objective of
// the (start, member) pairs still running, which it recompiles for fewer
// pairs when half of them have stopped, and per pair (a slot, numbered
// start·B + member) the last point where the objective was finite.
type fitter struct {
	data   Data
	b      int
	build  PriorFunc
	opts   FitOptions
	jitter JitterPolicy

	y           []float64 // targets as fitted (normalized with NormalizeY), [B, N]
	ymean, ystd []float64

	decl []Hyper
	dim  int // free coordinates per slot

	prog       *fitProg
	last       [][]float64
	lastJitter []float64
	lml        []float64
	failures   []error
}

// fitProg is a compiled objective for some slots.
type fitProg struct {
	slots             []int
	prog              *engine.Program
	free              []*engine.Node // per declaration; nil for fixed ones
	grads             []*engine.Node // per declaration; nil for fixed ones
	loss, mll, jitter *engine.Node
}

func (f *fitter) normalize() {
	n := f.data.N
	f.y = slices.Clone(f.data.Y)
	f.ymean, f.ystd = make([]float64, f.b), make([]float64, f.b)
	for m := range f.b {
		f.ystd[m] = 1
		if !f.opts.NormalizeY {
			continue
		}
		row := f.y[m*n : (m+1)*n]
		mu := 0.0
		for _, v := range row {
			mu += v
		}
		mu /= float64(n)
		ss := 0.0
		for _, v := range row {
			ss += (v - mu) * (v - mu)
		}
		sd := math.Sqrt(ss / float64(n))
		if sd == 0 {
			sd = 1 // constant targets: scikit-learn's choice too
		}
		for i := range row {
			row[i] = (row[i] - mu) / sd
		}
		f.ymean[m], f.ystd[m] = mu, sd
	}
}

// declare builds the prior once to learn its hyperparameters.
func (f *fitter) declare() ([]Hyper, error) {
	h := &Hypers{g: engine.NewGraph(), k: 1}
	f.build(h)
	if h.err != nil {
		return nil, h.err
	}
	if len(h.decl) == 0 {
		return nil, fmt.Errorf("%w: the prior declares no hyperparameters through Hypers", ErrOptions)
	}
	for _, d := range h.decl {
		if !d.Fixed {
			f.dim += d.size()
		}
	}
	return h.decl, nil
}

// member returns the member of a slot.
func (f *fitter) member(slot int) int { return slot % f.b }

// points returns x for the members of slots, as a node.
func (f *fitter) points(g *engine.Graph, members []int) *engine.Node {
	d := f.data
	if len(d.X) == d.N*d.D {
		return g.Constant(d.X, d.N, d.D)
	}
	x := make([]float64, 0, len(members)*d.N*d.D)
	for _, m := range members {
		x = append(x, d.X[m*d.N*d.D:(m+1)*d.N*d.D]...)
	}
	return g.Constant(x, len(members), d.N, d.D)
}

func (f *fitter) targets(g *engine.Graph, members []int) *engine.Node {
	n := f.data.N
	y := make([]float64, 0, len(members)*n)
	for _, m := range members {
		y = append(y, f.y[m*n:(m+1)*n]...)
	}
	return g.Constant(y, len(members), n)
}

// buildPrior calls the PriorFunc for k members and checks that it declares
// what it declared first.
func (f *fitter) buildPrior(h *Hypers) (Prior, error) {
	p := f.build(h)
	if h.err != nil {
		return p, h.err
	}
	if len(h.decl) != len(f.decl) {
		return p, fmt.Errorf("%w: the prior declared %d hyperparameters, then %d", ErrOptions, len(f.decl), len(h.decl))
	}
	for i, d := range h.decl {
		if d.Name != f.decl[i].Name || d.size() != f.decl[i].size() {
			return p, fmt.Errorf("%w: the prior declared hyperparameter %d as %q (size %d), then as %q (size %d)",
				ErrOptions, i, f.decl[i].Name, f.decl[i].size(), d.Name, d.size())
		}
	}
	return p, nil
}

// compile builds the objective of slots: −log p(y) − Σ log priors per
// slot, and its gradient in the free coordinates.
func (f *fitter) compile(slots []int) error {
	g := engine.NewGraph()
	k := len(slots)
	members := make([]int, k)
	for i, s := range slots {
		members[i] = f.member(s)
	}
	h := &Hypers{g: g, k: k}
	p, err := f.buildPrior(h)
	if err != nil {
		return err
	}
	mll := MarginalLogLikelihood(g, p, f.points(g, members), f.targets(g, members))
	if err := g.Err(); err != nil {
		return fmt.Errorf("gp: fit: %w", err)
	}
	if s := mll.Value.Shape(); !s.Equal(engine.Shape{k}) {
		return fmt.Errorf("%w: the prior's batch shape %v is not one GP per member and start [%d]: hyperparameters need their leading member dimension (declare them through Hypers)",
			ErrKernel, s, k)
	}
	loss := g.Neg(mll.Value)
	for i, d := range f.decl {
		if d.Prior == nil {
			continue
		}
		lp := d.Prior(g, h.nodes[i])
		if lp.Valid() && len(lp.Shape()) == 2 {
			lp = g.Sum(lp, -1)
		}
		if lp.Valid() && !lp.Shape().Equal(engine.Shape{k}) {
			return fmt.Errorf("%w: prior of hyperparameter %q has shape %v; want [%d] or [%d, %d]", ErrOptions, d.Name, lp.Shape(), k, k, d.size())
		}
		loss = g.Sub(loss, lp)
	}
	var wrt []*engine.Node
	for _, u := range h.free {
		if u != nil {
			wrt = append(wrt, u)
		}
	}
	grads := g.Grad(g.Sum(loss), wrt...)
	if err := g.Err(); err != nil {
		return fmt.Errorf("gp: fit: %w", err)
	}
	prog, err := g.Compile(append([]*engine.Node{loss, mll.Value}, grads...), engine.WithDevice(f.opts.Device))
	if err != nil {
		return fmt.Errorf("gp: fit on %s: %w", f.opts.Device.Name(), err)
	}
	fp := &fitProg{slots: slices.Clone(slots), prog: prog, free: h.free, loss: loss, mll: mll.Value, jitter: mll.Jitter}
	fp.grads = make([]*engine.Node, len(h.free))
	j := 0
	for i, u := range h.free {
		if u != nil {
			fp.grads[i] = grads[j]
			j++
		}
	}
	f.prog = fp
	return nil
}

// values maps one slot's free coordinates u to every hyperparameter's
// values, fixed ones included, and reports whether all are positive and
// finite.
func (f *fitter) values(u []float64) ([][]float64, bool) {
	out := make([][]float64, len(f.decl))
	ok := true
	j := 0
	for i, d := range f.decl {
		if d.Fixed {
			out[i] = d.init()
			continue
		}
		v := make([]float64, d.size())
		for e := range v {
			v[e] = d.fromFree(u[j])
			ok = ok && rulePositive.holds(v[e])
			j++
		}
		out[i] = v
	}
	return out, ok
}

// eval is the optim.BatchFunc of the fit.
func (f *fitter) eval(idx []int, xs [][]float64, fs []float64, grads [][]float64) error {
	req := make(map[int]int, len(idx))
	for i, s := range idx {
		fs[i] = math.Inf(1)
		if _, ok := f.values(xs[i]); ok {
			req[s] = i
		} else if f.last[s] == nil {
			f.failures[s] = fmt.Errorf("%w: start %d of member %d: a hyperparameter overflows at the start", ErrHyperparameter, s/f.b, f.member(s))
		}
	}
	need := f.prog == nil || len(req) <= len(f.prog.slots)/2
	if !need {
		for s := range req {
			need = need || !slices.Contains(f.prog.slots, s)
		}
		for _, s := range f.prog.slots {
			_, ok := req[s]
			need = need || (!ok && f.last[s] == nil)
		}
	}
	if need {
		slots := make([]int, 0, len(req))
		for s := range req {
			slots = append(slots, s)
		}
		// Members whose points are replayed from the last good one stay.
		if f.prog != nil && len(req) > len(f.prog.slots)/2 {
			for _, s := range f.prog.slots {
				if _, ok := req[s]; !ok && f.last[s] != nil && !slices.Contains(slots, s) {
					slots = append(slots, s)
				}
			}
		}
		if len(slots) == 0 {
			return nil
		}
		slices.Sort(slots)
		if err := f.compile(slots); err != nil {
			return err
		}
	}
	for {
		failed, why, err := f.run(req, xs)
		if err != nil {
			return err
		}
		if failed < 0 {
			break
		}
		f.failures[failed] = why
		delete(req, failed)
		if f.last[failed] == nil {
			// Nothing to replay it from: leave it out of the program.
			rest := slices.DeleteFunc(slices.Clone(f.prog.slots), func(s int) bool { return s == failed })
			if len(rest) == 0 {
				return nil
			}
			if err := f.compile(rest); err != nil {
				return err
			}
		}
	}
	p := f.prog
	loss, mll, jit := p.prog.Value(p.loss), p.prog.Value(p.mll), p.prog.Value(p.jitter)
	for pos, s := range p.slots {
		i, ok := req[s]
		if !ok || math.IsNaN(loss[pos]) || math.IsInf(loss[pos], 0) {
			continue
		}
		fs[i] = loss[pos]
		j := 0
		for di, gn := range p.grads {
			if gn == nil {
				continue
			}
			sz := f.decl[di].size()
			copy(grads[i][j:j+sz], p.prog.Value(gn)[pos*sz:(pos+1)*sz])
			j += sz
		}
		f.last[s] = slices.Clone(xs[i])
		f.lastJitter[s] = jit[pos]
		f.lml[s] = mll[pos]
	}
	return nil
}

// run sets every slot's point (requested, or its last good one) and runs
// the program under the jitter policy, slot by slot. It returns the slot
// whose covariance stayed not positive definite (−1 when none) and why;
// err is a failure of the whole program.
func (f *fitter) run(req map[int]int, xs [][]float64) (failed int, why error, err error) {
	p := f.prog
	off := 0
	for di, u := range p.free {
		if u == nil {
			continue
		}
		sz := f.decl[di].size()
		buf := p.prog.Value(u)
		for pos, s := range p.slots {
			x := f.last[s]
			if i, ok := req[s]; ok {
				x = xs[i]
			}
			copy(buf[pos*sz:(pos+1)*sz], x[off:off+sz])
		}
		off += sz
	}
	jv := p.prog.Value(p.jitter)
	clear(jv)
	tries := make([]int, len(p.slots))
	n := f.data.N
	for {
		err = p.prog.Replay()
		if err == nil {
			return -1, nil, nil
		}
		pos := -1
		var npd *engine.NotPositiveDefiniteError
		var nf *engine.NotFiniteError
		switch {
		case errors.As(err, &npd):
			pos = npd.Batch
		case errors.As(err, &nf) && nf.Index < len(p.slots)*n*n:
			pos = nf.Index / (n * n)
		}
		if pos < 0 || pos >= len(p.slots) {
			return -1, nil, fmt.Errorf("gp: fit: %w", err)
		}
		s := p.slots[pos]
		if npd != nil && f.jitter.MaxTries > 0 && tries[pos] < f.jitter.MaxTries {
			if tries[pos] == 0 {
				jv[pos] = f.jitter.Initial
			} else {
				jv[pos] *= f.jitter.Factor
			}
			tries[pos]++
			continue
		}
		return s, &NotPositiveDefiniteError{Batch: f.member(s), Jitter: jv[pos], Tries: tries[pos], Err: err}, nil
	}
}

// evaluateFixed evaluates the starts when no hyperparameter is free.
func (f *fitter) evaluateFixed(x0 [][]float64) ([]optim.Result, error) {
	idx := make([]int, len(x0))
	fs := make([]float64, len(x0))
	grads := make([][]float64, len(x0))
	for i := range idx {
		idx[i] = i
	}
	if err := f.eval(idx, x0, fs, grads); err != nil {
		return nil, err
	}
	rs := make([]optim.Result, len(x0))
	for i := range rs {
		rs[i] = optim.Result{X: []float64{}, F: fs[i], Evaluations: 1, Status: "Fixed"}
	}
	return rs, nil
}
