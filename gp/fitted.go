package gp

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/ignis-ppl/ignis/engine"
	"github.com/ignis-ppl/ignis/optim"
)

// Start is one start's run for one member.
type Start struct {
	// Init and Values are the hyperparameters at the start and where the
	// run ended, per declared hyperparameter (Fitted.Hypers order).
	Init, Values [][]float64
	// LogMarginalLikelihood is log p(y) at Values (NaN when the run
	// failed).
	LogMarginalLikelihood float64
	// Objective is what the run minimized there: −log p(y) − Σ log priors.
	Objective float64
	// Iterations and Evaluations count the L-BFGS run's work; Status is
	// the rule that stopped it.
	Iterations, Evaluations int
	Status                  string
	// Err is why the run failed or ended early, if it did.
	Err error
}

// Member is the fit of one GP of the batch.
type Member struct {
	// Values are the fitted hyperparameters, per declared hyperparameter.
	Values [][]float64
	// LogMarginalLikelihood is log p(y) at Values (of the normalized
	// targets with NormalizeY, as scikit-learn reports it).
	LogMarginalLikelihood float64
	// Jitter is the jitter the policy added to the covariance's diagonal
	// at Values (0 for most fits).
	Jitter float64
	// Best is the index of the start that gave Values.
	Best int
	// Starts holds every start's run.
	Starts []Start
	// Err is set when every start failed; the member then has no fit.
	Err error
}

// Fitted is a batch of fitted GP regressions: the data, the prior and the
// fitted hyperparameters of each member.
type Fitted struct {
	// Hypers are the declared hyperparameters.
	Hypers []Hyper
	// Members holds each member's fit, in the order of the targets.
	Members []Member

	data        Data
	y           []float64 // as fitted
	ymean, ystd []float64
	build       PriorFunc
	device      engine.Device
	jitter      JitterPolicy
}

// result gathers the runs into a Fitted, after evaluating every run's
// final point once more (its log-likelihood and jitter).
func (f *fitter) result(starts [][]float64, rs []optim.Result) (*Fitted, error) {
	var idx []int
	var xs [][]float64
	for s, r := range rs {
		if f.last[s] != nil && !math.IsInf(r.F, 0) && !math.IsNaN(r.F) {
			idx = append(idx, s)
			xs = append(xs, r.X)
		}
	}
	if len(idx) > 0 && f.dim > 0 {
		fs := make([]float64, len(idx))
		grads := make([][]float64, len(idx))
		for i := range grads {
			grads[i] = make([]float64, f.dim)
		}
		if err := f.eval(idx, xs, fs, grads); err != nil {
			return nil, fmt.Errorf("gp: fit: %w", err)
		}
	}
	out := &Fitted{Hypers: f.decl, Members: make([]Member, f.b), data: f.data, y: f.y, ymean: f.ymean, ystd: f.ystd,
		build: f.build, device: f.opts.Device, jitter: f.jitter}
	for m := range f.b {
		mem := Member{Best: -1, LogMarginalLikelihood: math.NaN(), Starts: make([]Start, len(starts))}
		for s := range starts {
			slot := s*f.b + m
			r := rs[slot]
			init, _ := f.values(starts[s])
			st := Start{Init: init, LogMarginalLikelihood: math.NaN(), Objective: r.F, Iterations: r.Iterations,
				Evaluations: r.Evaluations, Status: r.Status, Err: r.Err}
			ok := f.last[slot] != nil && slices.Contains(idx, slot)
			if ok {
				st.Values, _ = f.values(r.X)
				st.LogMarginalLikelihood = f.lml[slot]
			} else if f.failures[slot] != nil {
				st.Err = f.failures[slot]
			}
			mem.Starts[s] = st
			if ok && (mem.Best < 0 || r.F < mem.Starts[mem.Best].Objective) {
				mem.Best = s
				mem.Values, mem.LogMarginalLikelihood, mem.Jitter = st.Values, st.LogMarginalLikelihood, f.lastJitter[slot]
			}
		}
		if mem.Best < 0 {
			mem.Err = fmt.Errorf("gp: member %d failed at every start: %w", m, mem.Starts[0].Err)
			if mem.Starts[0].Err == nil {
				mem.Err = fmt.Errorf("%w: member %d: the objective is not finite at any start", ErrHyperparameter, m)
			}
		}
		out.Members[m] = mem
	}
	return out, nil
}

// LogMarginalLikelihood returns each member's log p(y) at its fitted
// hyperparameters (NaN for a member that failed).
func (m *Fitted) LogMarginalLikelihood() []float64 {
	out := make([]float64, len(m.Members))
	for i, mem := range m.Members {
		out[i] = mem.LogMarginalLikelihood
	}
	return out
}

// Value returns the fitted values of the hyperparameter called name,
// [B·Size] (NaN for members that failed).
func (m *Fitted) Value(name string) ([]float64, error) {
	i := slices.IndexFunc(m.Hypers, func(h Hyper) bool { return h.Name == name })
	if i < 0 {
		return nil, fmt.Errorf("%w: no hyperparameter %q", ErrOptions, name)
	}
	sz := m.Hypers[i].size()
	out := make([]float64, 0, len(m.Members)*sz)
	for _, mem := range m.Members {
		if mem.Err != nil {
			for range sz {
				out = append(out, math.NaN())
			}
			continue
		}
		out = append(out, mem.Values[i]...)
	}
	return out, nil
}

// Prediction is the predictive distribution of a batch at M new points:
// Mean and Var are [B, M] (NaN rows for members that failed).
type Prediction struct {
	Members, Points int
	Mean, Var       []float64
}

// Interval returns the central interval of probability level (0.95 for
// 95 %) of each marginal, [B, M] each.
func (p *Prediction) Interval(level float64) (lo, hi []float64, err error) {
	if !(level > 0 && level < 1) {
		return nil, nil, fmt.Errorf("%w: interval level %v must be in (0, 1)", ErrOptions, level)
	}
	z := math.Sqrt2 * math.Erfinv(level)
	lo, hi = make([]float64, len(p.Mean)), make([]float64, len(p.Mean))
	for i, mu := range p.Mean {
		s := z * math.Sqrt(math.Max(p.Var[i], 0))
		lo[i], hi[i] = mu-s, mu+s
	}
	return lo, hi, nil
}

// Predict returns the predictive distribution of the latent f at the new
// points xs [M, D] (shared by every member), on the targets' scale. A White kernel term counts as part of f, as in scikit-learn.
func (m *Fitted) Predict(xs []float64) (*Prediction, error) { return m.predict(xs, false) }

// PredictY is Predict for new observations y = f + ε: the variance adds
// the prior's Noise.
func (m *Fitted) PredictY(xs []float64) (*Prediction, error) { return m.predict(xs, true) }

func (m *Fitted) predict(xs []float64, withNoise bool) (*Prediction, error) {
	d, b := m.data.D, len(m.Members)
	if len(xs) == 0 || (len(xs)%d != 0) {
		return nil, fmt.Errorf("%w: %d values in new points for D = %d", ErrData, len(xs), d)
	}
	pts := len(xs) / d
	for i, v := range xs {
		if !ruleFinite.holds(v) {
			return nil, fmt.Errorf("%w: new points: %v at element %d", ErrData, v, i)
		}
	}
	var ok []int
	for i, mem := range m.Members {
		if mem.Err == nil {
			ok = append(ok, i)
		}
	}
	out := &Prediction{Members: b, Points: pts, Mean: make([]float64, b*pts), Var: make([]float64, b*pts)}
	for i := range out.Mean {
		out.Mean[i], out.Var[i] = math.NaN(), math.NaN()
	}
	if len(ok) == 0 {
		return out, nil
	}
	mean, vr, err := m.predictMembers(ok, xs, pts, withNoise)
	if err != nil {
		return nil, err
	}
	for j, mi := range ok {
		for i := range pts {
			out.Mean[mi*pts+i] = mean[j*pts+i]*m.ystd[mi] + m.ymean[mi]
			out.Var[mi*pts+i] = vr[j*pts+i] * m.ystd[mi] * m.ystd[mi]
		}
	}
	return out, nil
}

// predictMembers builds and runs the posterior of the members ok.
func (m *Fitted) predictMembers(ok []int, xs []float64, pts int, withNoise bool) (mean, vr []float64, err error) {
	k, d := len(ok), m.data.D
	g := engine.NewGraph()
	values := make([][]float64, len(m.Hypers))
	for i := range m.Hypers {
		for _, mi := range ok {
			values[i] = append(values[i], m.Members[mi].Values[i]...)
		}
	}
	h := &Hypers{g: g, k: k, values: values}
	f := &fitter{data: m.data, b: len(m.Members), y: m.y, build: m.build, decl: m.Hypers}
	p, err := f.buildPrior(h)
	if err != nil {
		return nil, nil, err
	}
	xsn := g.Constant(xs, pts, d)
	post := Predict(g, p, f.points(g, ok), f.targets(g, ok), xsn)
	v := post.Var
	if withNoise && p.Noise != nil {
		v = g.Add(v, g.Unsqueeze(g.Add(g.Fill(0, k), checked(g, p.Noise, "noise", ruleNonNegative)), -1))
	}
	if err := g.Err(); err != nil {
		return nil, nil, fmt.Errorf("gp: predict: %w", err)
	}
	prog, err := g.Compile([]*engine.Node{post.Mean, v}, engine.WithDevice(m.device))
	if err != nil {
		return nil, nil, fmt.Errorf("gp: predict: %w", err)
	}
	if err := m.jitter.Run(prog, post.Jitter); err != nil {
		return nil, nil, fmt.Errorf("gp: predict: %w", err)
	}
	if s := post.Mean.Shape(); !s.Equal(engine.Shape{k, pts}) {
		return nil, nil, fmt.Errorf("%w: predictions of shape %v for %d members at %d points", ErrKernel, s, k, pts)
	}
	return slices.Clone(prog.Value(post.Mean)), slices.Clone(prog.Value(v)), nil
}

// String prints each member's fitted kernel with its hyperparameters, its
// log marginal likelihood and how the fit went.
func (m *Fitted) String() string {
	var sb strings.Builder
	names := map[*engine.Node]int{}
	g := engine.NewGraph()
	h := &Hypers{g: g, k: 1}
	p := m.build(h)
	for i, n := range h.nodes {
		names[n] = i
	}
	for mi, mem := range m.Members {
		if mem.Err != nil {
			fmt.Fprintf(&sb, "member %d: failed: %v\n", mi, mem.Err)
			continue
		}
		val := func(n *engine.Node) string {
			i, ok := names[n]
			if !ok {
				return "…"
			}
			return fmtValues(mem.Values[i])
		}
		if mem.Best >= 0 && mem.Best < len(mem.Starts) {
			st := mem.Starts[mem.Best]
			fmt.Fprintf(&sb, "member %d: log marginal likelihood %.6g (start %d of %d, %d iterations, %s, jitter %g)\n",
				mi, mem.LogMarginalLikelihood, mem.Best, len(mem.Starts), st.Iterations, st.Status, mem.Jitter)
		} else {
			fmt.Fprintf(&sb, "member %d: log marginal likelihood %.6g (jitter %g)\n", mi, mem.LogMarginalLikelihood, mem.Jitter)
		}
		fmt.Fprintf(&sb, "  kernel: %s\n", describe(p.Kernel, val))
		if p.Noise != nil {
			fmt.Fprintf(&sb, "  noise: %s\n", val(p.Noise))
		}
	}
	return sb.String()
}

func fmtValues(v []float64) string {
	if len(v) == 1 {
		return fmt.Sprintf("%.4g", v[0])
	}
	parts := make([]string, len(v))
	for i, x := range v {
		parts[i] = fmt.Sprintf("%.4g", x)
	}
	return "[" + strings.Join(parts, " ") + "]"
}

// describe prints a kernel with val giving each hyperparameter's values.
func describe(k Kernel, val func(*engine.Node) string) string {
	opt := func(name string, n *engine.Node) string {
		if n == nil {
			return ""
		}
		return ", " + name + "=" + val(n)
	}
	switch k := k.(type) {
	case RBF:
		return "RBF(lengthscale=" + val(k.Lengthscale) + opt("variance", k.Variance) + ")"
	case Matern:
		return fmt.Sprintf("Matern(nu=%v, lengthscale=%s%s)", k.Nu, val(k.Lengthscale), opt("variance", k.Variance))
	case Periodic:
		return "Periodic(lengthscale=" + val(k.Lengthscale) + ", period=" + val(k.Period) + opt("variance", k.Variance) + ")"
	case RationalQuadratic:
		return "RationalQuadratic(lengthscale=" + val(k.Lengthscale) + ", alpha=" + val(k.Alpha) + opt("variance", k.Variance) + ")"
	case Linear:
		return "Linear(" + strings.TrimPrefix(opt("variance", k.Variance), ", ") + ")"
	case White:
		return "White(" + strings.TrimPrefix(opt("noise", k.Noise), ", ") + ")"
	case Constant:
		if k.Value == nil {
			return "Constant(1)"
		}
		return "Constant(" + val(k.Value) + ")"
	case Scale:
		return val(k.Outputscale) + " * " + describe(k.Base, val)
	case Sum:
		parts := make([]string, len(k))
		for i, c := range k {
			parts[i] = describe(c, val)
		}
		return strings.Join(parts, " + ")
	case Product:
		parts := make([]string, len(k))
		for i, c := range k {
			parts[i] = describe(c, val)
			if _, isSum := c.(Sum); isSum {
				parts[i] = "(" + parts[i] + ")"
			}
		}
		return strings.Join(parts, " * ")
	case nil:
		return "<nil>"
	}
	return fmt.Sprintf("%T", k)
}
