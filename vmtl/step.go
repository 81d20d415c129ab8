package vmtl

import (
	"context"
	"fmt"
	"math"

	"github.com/ignis-ppl/ignis/engine"
)

// Data is one task's training set: rows of X (each of Config.XShape) and Y
// (each of Config.YShape), flattened row by row.
type Data struct {
	X, Y []float64
}

// SetBatch feeds the rows that the next Step uses for task t: exactly
// Batch[t] rows of x and y.
func (l *Learner) SetBatch(t int, x, y []float64) error {
	if t < 0 || t >= l.cfg.Tasks {
		return fmt.Errorf("%w: task %d of %d", ErrConfig, t, l.cfg.Tasks)
	}
	if err := checkRows(fmt.Sprintf("task %d batch", t), x, y, l.cfg.Batch[t], l.cfg.XShape, l.cfg.YShape); err != nil {
		return err
	}
	if err := l.prog.Set(l.x[t], x); err != nil {
		return err
	}
	return l.prog.Set(l.y[t], y)
}

func checkRows(what string, x, y []float64, rows int, xs, ys engine.Shape) error {
	if len(x) != rows*xs.Size() || len(y) != rows*ys.Size() {
		return fmt.Errorf("%w: %s: %d input and %d label values, want %d rows of %v and %v",
			ErrData, what, len(x), len(y), rows, xs, ys)
	}
	for _, v := range [][]float64{x, y} {
		for i, e := range v {
			if math.IsNaN(e) || math.IsInf(e, 0) {
				return fmt.Errorf("%w: %s: value %d is %v", ErrData, what, i, e)
			}
		}
	}
	return nil
}

// Step runs one step: it sets the temperature from the schedule, draws fresh
// noise (the Gumbel noise of the mixing weights and the reparameterized
// draws of z and w), evaluates the objective and its gradients on the
// batches last fed with SetBatch, and steps the optimizer. It returns the
// objective's terms before the update. A loss that is NaN or infinite is
// an ErrDiverged naming the step and the terms, and leaves the parameters
// as they were.
func (l *Learner) Step() (Terms, error) {
	tau := l.cfg.Temperature.At(l.step)
	if !(tau > 0) || math.IsInf(tau, 1) {
		return Terms{}, fmt.Errorf("%w: temperature at step %d is %v, want positive and finite", ErrConfig, l.step, tau)
	}
	if l.tauInv != nil {
		if err := l.prog.Set(l.tauInv, []float64{1 / tau}); err != nil {
			return Terms{}, err
		}
	}
	if err := l.prog.Run(); err != nil {
		return Terms{}, fmt.Errorf("%w: step %d: evaluating the objective: %w", ErrModel, l.step, err)
	}
	terms := l.terms(tau)
	if math.IsNaN(terms.Loss) || math.IsInf(terms.Loss, 0) {
		return terms, fmt.Errorf("%w: step %d: loss %v (NLL %v, KLZ %v, KLW %v)",
			ErrDiverged, l.step, terms.Loss, terms.NLL, terms.KLZ, terms.KLW)
	}
	if err := l.cfg.Optimizer.Step(l.pbuf, l.gbuf); err != nil {
		return terms, fmt.Errorf("%w: step %d: the optimizer: %w", ErrConfig, l.step, err)
	}
	l.step++
	l.history = append(l.history, terms.Loss)
	return terms, nil
}

func (l *Learner) terms(tau float64) Terms {
	p := l.prog
	return Terms{Loss: p.Scalar(l.loss), NLL: p.Scalar(l.nll), KLZ: p.Scalar(l.klz), KLW: p.Scalar(l.klw), Temperature: tau}
}

// Fit runs steps steps on the tasks' training sets (len(data) = Tasks,
// N[t] rows each). Tasks whose batch is their whole set are fed once; the
// others get a fresh random batch, drawn without replacement, every step.
// progress, when not nil, is called after every step. Fit stops early with
// the context's error when ctx is cancelled, and with ErrDiverged, naming
// the step, when the loss is not finite.
func (l *Learner) Fit(ctx context.Context, data []Data, steps int, progress func(step int, terms Terms)) error {
	cfg := l.cfg
	if len(data) != cfg.Tasks {
		return fmt.Errorf("%w: %d data sets for %d tasks", ErrData, len(data), cfg.Tasks)
	}
	if steps < 0 {
		return fmt.Errorf("%w: negative step count %d", ErrConfig, steps)
	}
	for t, d := range data {
		if err := checkRows(fmt.Sprintf("task %d", t), d.X, d.Y, cfg.N[t], cfg.XShape, cfg.YShape); err != nil {
			return err
		}
		if cfg.Batch[t] == cfg.N[t] {
			if err := l.SetBatch(t, d.X, d.Y); err != nil {
				return err
			}
		}
	}
	if l.order == nil {
		l.order = make([][]int, cfg.Tasks)
		l.xScratch = make([][]float64, cfg.Tasks)
		l.yScratch = make([][]float64, cfg.Tasks)
		for t := range cfg.Tasks {
			l.order[t] = make([]int, cfg.N[t])
			for i := range l.order[t] {
				l.order[t][i] = i
			}
			l.xScratch[t] = make([]float64, cfg.Batch[t]*cfg.XShape.Size())
			l.yScratch[t] = make([]float64, cfg.Batch[t]*cfg.YShape.Size())
		}
	}
	for i := range steps {
		if err := ctx.Err(); err != nil {
			return err
		}
		for t, d := range data {
			if cfg.Batch[t] < cfg.N[t] {
				x, y := l.minibatch(t, d)
				if err := l.SetBatch(t, x, y); err != nil {
					return err
				}
			}
		}
		terms, err := l.Step()
		if err != nil {
			return err
		}
		if progress != nil {
			progress(i, terms)
		}
	}
	return nil
}

// minibatch draws Batch[t] rows of d without replacement (a partial
// Fisher–Yates shuffle) into the task's scratch buffers.
func (l *Learner) minibatch(t int, d Data) (x, y []float64) {
	ord, B := l.order[t], l.cfg.Batch[t]
	xs, ys := l.cfg.XShape.Size(), l.cfg.YShape.Size()
	for i := range B {
		j := i + l.rng.IntN(len(ord)-i)
		ord[i], ord[j] = ord[j], ord[i]
		r := ord[i]
		copy(l.xScratch[t][i*xs:(i+1)*xs], d.X[r*xs:(r+1)*xs])
		copy(l.yScratch[t][i*ys:(i+1)*ys], d.Y[r*ys:(r+1)*ys])
	}
	return l.xScratch[t], l.yScratch[t]
}

// Steps returns the number of steps taken.
func (l *Learner) Steps() int { return l.step }

// History returns the loss of every step taken.
func (l *Learner) History() []float64 { return append([]float64(nil), l.history...) }

// Value returns a copy of the current value of a node of the objective's
// program: a parameter of the model, or a connection-logit parameter.
func (l *Learner) Value(n *engine.Node) ([]float64, error) {
	if n == nil || n.Graph() != l.g {
		return nil, fmt.Errorf("%w: node is nil or from another graph", ErrConfig)
	}
	for _, p := range l.prog.Nodes() {
		if p == n {
			return append([]float64(nil), l.prog.Value(n)...), nil
		}
	}
	return nil, fmt.Errorf("%w: node %v is not part of the objective", ErrConfig, n)
}

// ConnectionLogits returns the parameter nodes of the connection logits for
// w and for z, shape [T, T] (row t: the logits of the tasks that task t
// borrows from; the diagonal is unused). They are nil where there is no
// learnt mixture: with a fixed prior, with two tasks, or (for z) without
// latents.
func (l *Learner) ConnectionLogits() (w, z *engine.Node) { return l.logitsW, l.logitsZ }

// Alpha returns the mixing weights α of the classifiers' priors drawn at the
// last step: row t holds the weights of the other tasks' posteriors in task
// t's prior (row-stochastic, zero diagonal). Before the first step it returns
// AlphaProbs. With two tasks it is the fixed matrix [[0 1] [1 0]]; with a
// fixed prior it is nil.
func (l *Learner) Alpha() [][]float64 { return l.weights(l.alpha, l.logitsW) }

// Beta is Alpha for the latents' priors (nil without latents).
func (l *Learner) Beta() [][]float64 {
	if l.cfg.QZ == nil {
		return nil
	}
	return l.weights(l.beta, l.logitsZ)
}

// AlphaProbs returns the probabilities that α is drawn from, the softmax of
// the connection logits over each row without its diagonal: the learnt
// connection strengths (α concentrates on one of them as the temperature
// goes to 0, with these probabilities).
func (l *Learner) AlphaProbs() [][]float64 { return l.probs(l.logitsW) }

// BetaProbs is AlphaProbs for the latents (nil without latents).
func (l *Learner) BetaProbs() [][]float64 {
	if l.cfg.QZ == nil {
		return nil
	}
	return l.probs(l.logitsZ)
}

func (l *Learner) weights(drawn, logits *engine.Node) [][]float64 {
	if drawn == nil || l.step == 0 {
		return l.probs(logits)
	}
	return rows(l.prog.Value(drawn), l.cfg.Tasks)
}

func (l *Learner) probs(logits *engine.Node) [][]float64 {
	T := l.cfg.Tasks
	switch {
	case l.cfg.Prior != nil:
		return nil
	case T == 2:
		return [][]float64{{0, 1}, {1, 0}}
	}
	v := l.prog.Value(logits)
	out := rows(v, T)
	for t, r := range out {
		m := math.Inf(-1)
		for s, x := range r {
			if s != t {
				m = math.Max(m, x)
			}
		}
		sum := 0.0
		for s := range r {
			r[s] = 0
			if s != t {
				r[s] = math.Exp(v[t*T+s] - m)
				sum += r[s]
			}
		}
		for s := range r {
			r[s] /= sum
		}
	}
	return out
}

func rows(v []float64, T int) [][]float64 {
	out := make([][]float64, T)
	for t := range out {
		out[t] = append([]float64(nil), v[t*T:(t+1)*T]...)
	}
	return out
}
