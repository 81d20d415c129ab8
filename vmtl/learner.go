package vmtl

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/ignis-ppl/ignis/engine"
	"github.com/ignis-ppl/ignis/probgraph/dist"
)

// Terms are the values of the objective at one step: Loss = NLL + KLZ + KLW,
// each averaged over the tasks as in the objective.
type Terms struct {
	// Loss is the negative evidence lower bound, averaged over tasks.
	Loss float64
	// NLL is the expected negative log-likelihood of the labels.
	NLL float64
	// KLZ is the KL of the latents' posteriors to their priors (0 without
	// latents).
	KLZ float64
	// KLW is the KL of the classifiers' posteriors to their priors.
	KLW float64
	// Temperature is the Gumbel-softmax temperature the step used.
	Temperature float64
}

// Learner holds the compiled multitask objective, its parameters, the
// connection logits and the optimizer. It is not safe for concurrent use.
type Learner struct {
	g    *engine.Graph
	cfg  Config
	prog *engine.Program

	mixture          bool // priors are mixtures with learnt weights (T > 2, no fixed prior)
	tauInv           *engine.Node
	logitsW, logitsZ *engine.Node // connection logits [T, T]
	alpha, beta      *engine.Node // the weights drawn at the last run [T, T]
	logAlpha         *engine.Node // their logs, −Inf on the diagonal
	logBeta          *engine.Node

	x, y                []*engine.Node
	loss, nll, klz, klw *engine.Node
	params, grads       []*engine.Node
	pbuf, gbuf          [][]float64
	qw                  []dist.Distribution
	step                int
	history             []float64
	pred                map[[2]int]*predictor
	rng                 *rand.Rand
	xScratch, yScratch  [][]float64
	order               [][]int
}

// New builds the objective on g, where the caller has created the
// parameters that the model functions use, and compiles it with its
// gradients into one program. The connection logits (parameters named
// "vmtl.alpha_logits" and "vmtl.beta_logits", shape [T, T], diagonal
// unused) start at zero: uniform mixing weights.
func New(g *engine.Graph, cfg Config) (*Learner, error) {
	if g == nil {
		return nil, fmt.Errorf("%w: nil graph", ErrConfig)
	}
	if err := g.Err(); err != nil {
		return nil, fmt.Errorf("%w: the graph already holds an error: %w", ErrConfig, err)
	}
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	l := &Learner{g: g, cfg: cfg, pred: map[[2]int]*predictor{},
		rng: rand.New(rand.NewPCG(cfg.Seed, 0x5eed))}
	l.mixture = cfg.Prior == nil && cfg.Tasks > 2
	if err := l.build(); err != nil {
		return nil, err
	}
	if err := g.Err(); err != nil {
		return nil, fmt.Errorf("%w: building the objective: %w", ErrModel, err)
	}
	l.collectParams()
	l.grads = g.Grad(l.loss, l.params...)
	outs := []*engine.Node{l.loss, l.nll, l.klz, l.klw}
	if l.alpha != nil {
		outs = append(outs, l.alpha)
	}
	if l.beta != nil {
		outs = append(outs, l.beta)
	}
	prog, err := g.Compile(append(outs, l.grads...), engine.WithSeed(cfg.Seed))
	if err != nil {
		return nil, fmt.Errorf("%w: compiling the objective: %w", ErrModel, err)
	}
	l.prog = prog
	for i, p := range l.params {
		l.pbuf = append(l.pbuf, prog.Value(p))
		l.gbuf = append(l.gbuf, prog.Value(l.grads[i]))
	}
	return l, nil
}

// build adds the objective to the graph; errors are kept on the graph except
// for model functions that return nil or mis-shaped distributions.
func (l *Learner) build() error {
	g, cfg, T := l.g, l.cfg, l.cfg.Tasks
	if l.mixture {
		l.tauInv = g.Input("vmtl.inverse_temperature")
		l.logitsW, l.logAlpha = l.connections("vmtl.alpha_logits")
		l.alpha = g.Exp(l.logAlpha)
		if cfg.QZ != nil {
			l.logitsZ, l.logBeta = l.connections("vmtl.beta_logits")
			l.beta = g.Exp(l.logBeta)
		}
	}
	l.qw = make([]dist.Distribution, T)
	for t := range T {
		q := cfg.QW(t)
		if err := l.checkDist(q, fmt.Sprintf("QW(%d)", t), nil); err != nil {
			return err
		}
		l.qw[t] = q
	}
	var nll, klz, klw []*engine.Node
	for t := range T {
		B := cfg.Batch[t]
		l.x = append(l.x, g.Input(fmt.Sprintf("vmtl.x[%d]", t), append([]int{B}, cfg.XShape...)...))
		l.y = append(l.y, g.Input(fmt.Sprintf("vmtl.y[%d]", t), append([]int{B}, cfg.YShape...)...))
		scale := float64(cfg.N[t]) / float64(B)
		L, M := cfg.ZParticles, cfg.WParticles
		var z *engine.Node
		if cfg.QZ != nil {
			qz := cfg.QZ(t, l.x[t])
			if err := l.checkDist(qz, fmt.Sprintf("QZ(%d, x[%d])", t, t), engine.Shape{B}); err != nil {
				return err
			}
			z = g.Unsqueeze(qz.Sample(L), 1)
			kl, err := l.latentKL(t, qz)
			if err != nil {
				return err
			}
			klz = append(klz, g.Scale(g.Sum(kl), scale))
		} else {
			L = 1
			z = g.Reshape(l.x[t], append([]int{1, 1, B}, cfg.XShape...)...)
		}
		w := g.Unsqueeze(l.qw[t].Sample(M), 0)
		lik := cfg.Likelihood(t, z, w)
		if lik == nil || lik.Graph() != g {
			return fmt.Errorf("%w: Likelihood(%d) returned nil or a distribution on another graph", ErrModel, t)
		}
		lp := lik.LogProb(l.y[t])
		if !g.Ok("vmtl likelihood", lp) {
			return fmt.Errorf("%w: task %d: the likelihood's log-probability of the labels: %w", ErrModel, t, g.Err())
		}
		if s, ok := engine.BroadcastShapes(lp.Shape(), engine.Shape{L, M, B}); !ok || !s.Equal(engine.Shape{L, M, B}) {
			return fmt.Errorf("%w: task %d: the likelihood's log-probability has shape %v, which does not broadcast to [L M B] = %v",
				ErrModel, t, lp.Shape(), engine.Shape{L, M, B})
		}
		lp = g.BroadcastTo(lp, L, M, B)
		nll = append(nll, g.Scale(g.Sum(lp), -scale/float64(L*M)))
		kl, err := l.classifierKL(t)
		if err != nil {
			return err
		}
		klw = append(klw, kl)
	}
	mean := func(xs []*engine.Node) *engine.Node {
		if len(xs) == 0 {
			return g.Scalar(0)
		}
		return g.Scale(g.Sum(g.Stack(0, xs...)), 1/float64(T))
	}
	l.nll, l.klz, l.klw = mean(nll), mean(klz), mean(klw)
	l.loss = g.Add(g.Add(l.nll, l.klz), l.klw)
	return nil
}

// connections adds a [T, T] logit parameter and the log of the mixing
// weights drawn from it by Gumbel-softmax with the diagonal excluded:
// log softmax_s((logit_ts + G_ts)/τ) over s ≠ t.
func (l *Learner) connections(name string) (logits, logWeights *engine.Node) {
	g, T := l.g, l.cfg.Tasks
	logits = g.Param(name, make([]float64, T*T), T, T)
	off := make([]float64, T*T)
	for i := range off {
		off[i] = 1
	}
	for t := range T {
		off[t*T+t] = 0
	}
	gumbel := g.Noise(engine.StdGumbel, T, T)
	s := g.Mul(g.Add(logits, gumbel), l.tauInv)
	masked := g.Where(g.Constant(off, T, T), s, g.Scalar(math.Inf(-1)))
	return logits, g.LogSoftMax(masked, 1)
}

// row returns row t of a [T, T] node as a vector.
func (l *Learner) row(m *engine.Node, t int) *engine.Node {
	return l.g.Reshape(l.g.Slice(m, 0, t, t+1), l.cfg.Tasks)
}

// classifierKL is KL(q(w_t) ‖ prior of w_t): to the fixed prior, to the one
// other task's posterior when T = 2, or to the mixture of the other tasks'
// posteriors with the drawn weights α_t.
func (l *Learner) classifierKL(t int) (*engine.Node, error) {
	g, cfg := l.g, l.cfg
	var comps []dist.Distribution
	switch {
	case cfg.Prior != nil:
		p := cfg.Prior.W(t)
		if err := l.checkDist(p, fmt.Sprintf("Prior.W(%d)", t), nil); err != nil {
			return nil, err
		}
		comps = []dist.Distribution{p}
	case !l.mixture:
		comps = []dist.Distribution{l.qw[1-t]}
	}
	if comps != nil {
		est, _ := KLToMixture(l.qw[t], comps, nil, cfg.KLSamples)
		return est, nil
	}
	w := l.qw[t].Sample(cfg.KLSamples)
	logq := make([]*engine.Node, cfg.Tasks)
	for s, q := range l.qw {
		logq[s] = q.LogProb(w)
	}
	est, _ := mixtureKL(g, logq[t], g.Stack(0, logq...), l.row(l.logAlpha, t))
	return est, nil
}

// latentKL is KL(q_t(z | x_tn) ‖ prior) for each row n of task t's batch.
func (l *Learner) latentKL(t int, qz dist.Distribution) (*engine.Node, error) {
	g, cfg, x := l.g, l.cfg, l.x[t]
	B := engine.Shape{cfg.Batch[t]}
	var comps []dist.Distribution
	switch {
	case cfg.Prior != nil:
		p := cfg.Prior.Z(t, x)
		if err := l.checkDist(p, fmt.Sprintf("Prior.Z(%d, x[%d])", t, t), B); err != nil {
			return nil, err
		}
		comps = []dist.Distribution{p}
	case !l.mixture:
		q := cfg.QZ(1-t, x)
		if err := l.checkDist(q, fmt.Sprintf("QZ(%d, x[%d])", 1-t, t), B); err != nil {
			return nil, err
		}
		comps = []dist.Distribution{q}
	}
	if comps != nil {
		est, _ := KLToMixture(qz, comps, nil, cfg.KLSamples)
		return est, nil
	}
	z := qz.Sample(cfg.KLSamples)
	logq := make([]*engine.Node, cfg.Tasks)
	for s := range cfg.Tasks {
		q := qz
		if s != t {
			q = cfg.QZ(s, x)
			if err := l.checkDist(q, fmt.Sprintf("QZ(%d, x[%d])", s, t), B); err != nil {
				return nil, err
			}
		}
		logq[s] = q.LogProb(z)
	}
	est, _ := mixtureKL(g, logq[t], g.Stack(0, logq...), l.row(l.logBeta, t))
	return est, nil
}

// checkDist reports a nil distribution, one on another graph, or one whose
// batch shape is not batch.
func (l *Learner) checkDist(d dist.Distribution, what string, batch engine.Shape) error {
	if d == nil {
		return fmt.Errorf("%w: %s returned nil", ErrModel, what)
	}
	if d.Graph() != l.g {
		return fmt.Errorf("%w: %s returned a distribution on another graph", ErrModel, what)
	}
	if err := l.g.Err(); err != nil {
		return fmt.Errorf("%w: %s: %w", ErrModel, what, err)
	}
	if !d.BatchShape().Equal(batch) {
		return fmt.Errorf("%w: %s has batch shape %v, want %v", ErrModel, what, d.BatchShape(), batch)
	}
	return nil
}

// collectParams lists the parameters the loss depends on, in graph order.
func (l *Learner) collectParams() {
	seen := map[*engine.Node]bool{}
	var walk func(n *engine.Node)
	walk = func(n *engine.Node) {
		if seen[n] {
			return
		}
		seen[n] = true
		if n.Kind() == engine.KindParam {
			l.params = append(l.params, n)
		}
		for _, c := range n.Inputs() {
			walk(c)
		}
	}
	walk(l.loss)
	order := map[*engine.Node]int{}
	for i, n := range l.g.Nodes() {
		order[n] = i
	}
	slices.SortFunc(l.params, func(a, b *engine.Node) int { return order[a] - order[b] })
}
