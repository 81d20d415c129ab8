package vmtl

import (
	"fmt"
	"math"

	"github.com/ignis-ppl/ignis/engine"
	"github.com/ignis-ppl/ignis/probgraph/dist"
)

// Prediction is the predictive distribution of a task's labels at some
// inputs: p(y | x) ≈ (1/LM) Σ_l Σ_m p(y | z_l, w_m) with z_l ~ q(z | x) and
// w_m ~ q(w_t).
type Prediction struct {
	// Support lists the label values (from the likelihood's
	// EnumerateSupport); with a non-scalar label event it holds their
	// indices.
	Support []float64
	// Probs[i][k] is the predictive probability of Support[k] at input i.
	Probs [][]float64
	// Labels[i] is the most probable label at input i.
	Labels []float64
}

// predictor is the compiled prediction program of one task at one number of
// inputs.
type predictor struct {
	prog    *engine.Program
	x       *engine.Node
	logp    *engine.Node // [K, n]
	support *engine.Node
	params  []*engine.Node
	k       int
}

// Predict returns the predictive distribution of task t's labels at the
// rows of x (each of Config.XShape), averaging the likelihood over
// PredictZParticles draws of z and PredictWParticles draws of w with the
// current parameters. The program for a task and a number of rows is built
// and compiled on first use and reused.
func (l *Learner) Predict(t int, x []float64) (*Prediction, error) {
	cfg := l.cfg
	if t < 0 || t >= cfg.Tasks {
		return nil, fmt.Errorf("%w: task %d of %d", ErrConfig, t, cfg.Tasks)
	}
	xs := cfg.XShape.Size()
	if len(x) == 0 || len(x)%xs != 0 {
		return nil, fmt.Errorf("%w: predict: %d input values are not whole rows of %v", ErrData, len(x), cfg.XShape)
	}
	n := len(x) / xs
	if err := checkRows("predict", x, nil, n, cfg.XShape, engine.Shape{0}); err != nil {
		return nil, err
	}
	p, ok := l.pred[[2]int{t, n}]
	if !ok {
		var err error
		if p, err = l.newPredictor(t, n); err != nil {
			return nil, err
		}
		l.pred[[2]int{t, n}] = p
	}
	for _, par := range p.params {
		if err := p.prog.Set(par, l.prog.Value(par)); err != nil {
			return nil, err
		}
	}
	if err := p.prog.Set(p.x, x); err != nil {
		return nil, err
	}
	if err := p.prog.Run(); err != nil {
		return nil, fmt.Errorf("%w: predict task %d: %w", ErrModel, t, err)
	}
	logp, sup := p.prog.Value(p.logp), p.prog.Value(p.support)
	out := &Prediction{Support: make([]float64, p.k), Probs: make([][]float64, n), Labels: make([]float64, n)}
	step := len(sup) / p.k
	for k := range p.k {
		out.Support[k] = float64(k)
		if step == 1 {
			out.Support[k] = sup[k]
		}
	}
	for i := range n {
		row := make([]float64, p.k)
		best := 0
		for k := range p.k {
			row[k] = math.Exp(logp[k*n+i])
			if row[k] > row[best] {
				best = k
			}
		}
		out.Probs[i], out.Labels[i] = row, out.Support[best]
	}
	return out, nil
}

func (l *Learner) newPredictor(t, n int) (*predictor, error) {
	g, cfg := l.g, l.cfg
	L, M := cfg.PredictZParticles, cfg.PredictWParticles
	p := &predictor{x: g.Input(fmt.Sprintf("vmtl.predict.x[%d]", t), append([]int{n}, cfg.XShape...)...)}
	var z *engine.Node
	if cfg.QZ != nil {
		qz := cfg.QZ(t, p.x)
		if err := l.checkDist(qz, fmt.Sprintf("QZ(%d, x)", t), engine.Shape{n}); err != nil {
			return nil, err
		}
		z = g.Unsqueeze(qz.Sample(L), 1)
	} else {
		L = 1
		z = g.Reshape(p.x, append([]int{1, 1, n}, cfg.XShape...)...)
	}
	w := g.Unsqueeze(l.qw[t].Sample(M), 0)
	lik := cfg.Likelihood(t, z, w)
	if lik == nil || lik.Graph() != g {
		return nil, fmt.Errorf("%w: Likelihood(%d) returned nil or a distribution on another graph", ErrModel, t)
	}
	enum, ok := lik.(dist.Enumerator)
	if !ok {
		return nil, fmt.Errorf("%w: predict: the likelihood %s cannot enumerate its support", ErrModel, lik.Family())
	}
	p.support = enum.EnumerateSupport(false)
	if !g.Ok("vmtl predict", p.support) {
		return nil, fmt.Errorf("%w: predict task %d: the likelihood's support: %w", ErrModel, t, g.Err())
	}
	p.k = p.support.Shape()[0]
	lp := lik.LogProb(p.support)
	if !g.Ok("vmtl predict", lp) {
		return nil, fmt.Errorf("%w: predict task %d: the log-probability of the support: %w", ErrModel, t, g.Err())
	}
	want := engine.Shape{p.k, L, M, n}
	if s, ok := engine.BroadcastShapes(lp.Shape(), want); !ok || !s.Equal(want) {
		return nil, fmt.Errorf("%w: predict task %d: log-probability of the support has shape %v, want %v", ErrModel, t, lp.Shape(), want)
	}
	p.logp = g.AddScalar(g.LogSumExp(g.BroadcastTo(lp, want...), 1, 2), -math.Log(float64(L*M)))
	if err := g.Err(); err != nil {
		return nil, fmt.Errorf("%w: predict task %d: %w", ErrModel, t, err)
	}
	prog, err := g.Compile([]*engine.Node{p.logp, p.support}, engine.WithSeed(cfg.Seed+uint64(1+t)))
	if err != nil {
		return nil, fmt.Errorf("%w: compiling the prediction of task %d: %w", ErrModel, t, err)
	}
	p.prog = prog
	inTrain := map[*engine.Node]bool{}
	for _, par := range l.params {
		inTrain[par] = true
	}
	for _, nd := range prog.Nodes() {
		if nd.Kind() == engine.KindParam && inTrain[nd] {
			p.params = append(p.params, nd)
		}
	}
	return p, nil
}
