package gp

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/ignis-ppl/ignis/engine"
	"github.com/ignis-ppl/ignis/probgraph"
	"github.com/ignis-ppl/ignis/probgraph/dist"
)

// Assignments says how a Clustered likelihood handles the cluster
// assignments in the ELBO.
type Assignments uint8

// Ways to handle the assignments.
const (
	// Sampled draws them from q(z) in the guide and observes y through a
	// draw of f from q(f); the logits get score-function gradients, and
	// vectorized particles (infer.TraceELBO{NumParticles: 64}) tame their
	// variance.
	Sampled Assignments = iota
	// Summed takes the expectation over q(z), and over q(f), in closed form
	// inside the likelihood's own terms (a factor in the data plate and one
	// in the tasks plate); the guide declares the logits and samples
	// nothing, and with infer.TraceMeanFieldELBO the whole objective is
	// deterministic.
	Summed
	// Enumerated marks the guide's assignment site for parallel
	// enumeration; infer.TraceGuideEnumELBO sums it out exactly, weighting
	// every term by q(z). The observations sit in the data plate (at dim −2)
	// and the tasks plate (at dim −1), since each depends on one task's
	// assignment; y is observed through a draw of f, as with Sampled.
	Enumerated
	// Relaxed draws each task's assignment from a RelaxedOneHotCategorical
	// (Gumbel-softmax, or Concrete) with the temperature at the graph input
	// TemperatureName(), in the guide with the variational logits and in
	// the model with the prior logits; y is observed through a draw of f
	// with the k functions mixed by the relaxed one-hot weights. The draws
	// are reparameterized, so the logits get pathwise gradients, biased by
	// the relaxation. As the temperature goes to 0 the expected
	// log-likelihood approaches the discrete one, but the KL term does
	// not: the KL between two Concrete distributions of one temperature
	// does not depend on it and is at least the categorical KL. Set the
	// temperature before every run with SetTemperature (an input left at
	// 0 fails the run); annealing it, from 1 to 0.1 say, is the usual
	// schedule. The data plate sits at dim −1, as with Sampled.
	Relaxed
)

// Clustered is the likelihood of the clustered multitask GP: T tasks observed
// at the same N points, each task following one of the k latent functions
// of a VariationalGP. The cluster of task t is a latent one-hot variable
// z_t ~ OneHotCategorical(prior logits) (site Name+"_assignment", in the
// tasks plate Name+"_tasks"), and
//
//	y[n, t] ~ N(Σ_k f_k(x_n) z_{t,k}, σ²)
//
// observed at site Name in the data plate. The guide's
// q(z_t) = OneHotCategorical(Name+"_logits"). Assignments chooses how the
// ELBO handles z; Sampled, Summed and Enumerated estimate the same ELBO,
// Relaxed the ELBO of the relaxed model. The data plate must sit
// at DataDim().
type Clustered struct {
	// Name names the observation site; the other sites and parameters
	// are named after it.
	Name string
	// Tasks is T and Functions is k.
	Tasks, Functions int
	// Assignments chooses sampling (the default), a closed-form sum, or
	// enumeration in the guide.
	Assignments Assignments
	// LearnPrior makes the prior logits a parameter, Name+"_prior_logits"
	// (initially zero); otherwise they are fixed at zero (a uniform prior).
	LearnPrior bool
	// NoiseInit is the initial noise variance σ², the parameter
	// Name+"_noise" (default 0.1).
	NoiseInit float64
	// InitSeed seeds the standard normal initial values of the
	// variational logits Name+"_logits" [T, k]: equal initial
	// probabilities would leave the clusters' labels symmetric.
	InitSeed uint64
	// TaskPlates, with Sampled, observes y in the data plate (at dim −2)
	// and the tasks plate (at dim −1), as Enumerated does, instead of with
	// the tasks in the event: the same ELBO, but each observation's term
	// visibly depends on its own task's assignment alone, which
	// infer.TraceGraphELBO uses to give each task's logits a score term
	// with only that task's terms.
	TaskPlates bool
}

// DataDim is the dimension the data plate must take: −2 for Enumerated and
// for Sampled with TaskPlates (the tasks plate is the observations'
// dimension −1), −1 otherwise.
func (c Clustered) DataDim() int {
	if c.Assignments == Enumerated || (c.Assignments == Sampled && c.TaskPlates) {
		return -2
	}
	return -1
}

func (c Clustered) check(g *engine.Graph) bool {
	if c.Name == "" || c.Tasks < 1 || c.Functions < 1 || c.NoiseInit < 0 || c.Assignments > Relaxed {
		g.Fail(fmt.Errorf("%w: clustered likelihood %q: %d tasks, %d functions, initial noise %v, assignments %d",
			ErrOptions, c.Name, c.Tasks, c.Functions, c.NoiseInit, c.Assignments))
		return false
	}
	return true
}

// LogitsName is the name of the variational logits parameter [T, k].
func (c Clustered) LogitsName() string { return c.Name + "_logits" }

// AssignmentName is the name of the assignment site.
func (c Clustered) AssignmentName() string { return c.Name + "_assignment" }

// TemperatureName is the name of the graph input holding the temperature
// of Relaxed assignments (a scalar).
func (c Clustered) TemperatureName() string { return c.Name + "_temperature" }

// SetTemperature sets the temperature of Relaxed assignments to tau in a
// program compiled from the model and guide (infer.SVI's Program, say):
// every input named TemperatureName(), in the model's trace and the
// guide's. Call it before a step to follow a schedule.
func (c Clustered) SetTemperature(p *engine.Program, tau float64) error {
	if !(tau > 0) || math.IsInf(tau, 1) {
		return fmt.Errorf("%w: clustered likelihood %q: temperature %v, want a positive finite value", ErrOptions, c.Name, tau)
	}
	set := 0
	for _, n := range p.Nodes() {
		if n.Kind() == engine.KindInput && n.Name() == c.TemperatureName() {
			if err := p.Set(n, []float64{tau}); err != nil {
				return fmt.Errorf("clustered likelihood %q: temperature: %w", c.Name, err)
			}
			set++
		}
	}
	if set == 0 {
		return fmt.Errorf("%w: clustered likelihood %q: the program has no input %q (are the assignments Relaxed?)", ErrOptions, c.Name, c.TemperatureName())
	}
	return nil
}

func (c Clustered) temperature(m *probgraph.Ctx) *engine.Node {
	return m.Graph().Input(c.TemperatureName())
}

// NoiseName is the name of the noise variance parameter.
func (c Clustered) NoiseName() string { return c.Name + "_noise" }

func (c Clustered) logits(m *probgraph.Ctx) *engine.Node {
	r := rand.New(rand.NewPCG(c.InitSeed, 0x9e3779b97f4a7c15))
	init := probgraph.Zeros(c.Tasks, c.Functions)
	for i := range init.Data {
		init.Data[i] = r.NormFloat64()
	}
	return m.Param(c.LogitsName(), init)
}

func (c Clustered) priorLogits(m *probgraph.Ctx) *engine.Node {
	if c.LearnPrior {
		return m.Param(c.Name+"_prior_logits", probgraph.Zeros(c.Tasks, c.Functions))
	}
	return m.Graph().Fill(0, c.Tasks, c.Functions)
}

func (c Clustered) tasks(m *probgraph.Ctx) *probgraph.Plate { return m.Plate(c.Name+"_tasks", c.Tasks) }

// Guide implements Likelihood: it declares the variational logits and,
// unless they are Summed, samples the assignments from them (marked for
// enumeration when Enumerated, relaxed when Relaxed).
func (c Clustered) Guide(m *probgraph.Ctx) {
	if !c.check(m.Graph()) {
		return
	}
	logits := c.logits(m)
	switch c.Assignments {
	case Summed:
	case Enumerated:
		c.tasks(m).Sample(c.AssignmentName(), dist.OneHotCategoricalLogits(logits), probgraph.EnumerateParallel())
	case Relaxed:
		c.tasks(m).Sample(c.AssignmentName(), dist.RelaxedOneHotCategoricalLogits(c.temperature(m), logits))
	default:
		c.tasks(m).Sample(c.AssignmentName(), dist.OneHotCategoricalLogits(logits))
	}
}

// Model implements Likelihood. y is [N, T] (points × tasks, the current
// subsample of data when it subsamples); data must sit at DataDim() (and
// must be given for Enumerated).
func (c Clustered) Model(m *probgraph.Ctx, data *probgraph.Plate, f *Latent, y *engine.Node) {
	g := m.Graph()
	if !c.check(g) || f == nil || !g.Ok("clustered likelihood", f.Mean, f.Var, y) {
		return
	}
	k, n := f.Functions(), f.Points()
	if k != c.Functions || !y.Shape().Equal(engine.Shape{n, c.Tasks}) {
		g.Fail(fmt.Errorf("%w: clustered likelihood %q: %d functions and targets %v, want %d and [%d %d]",
			ErrData, c.Name, k, y.Shape(), c.Functions, n, c.Tasks))
		return
	}
	if (data == nil && c.DataDim() == -2) || (data != nil && data.Dim != c.DataDim()) {
		g.Fail(fmt.Errorf("%w: clustered likelihood %q: the data plate must be given at dim %d", ErrData, c.Name, c.DataDim()))
		return
	}
	noise := noiseParam(m, nil, c.NoiseName(), c.NoiseInit)
	prior := c.priorLogits(m)
	tasks := c.tasks(m)
	switch c.Assignments {
	case Summed:
		c.summed(m, data, tasks, f, y, noise, prior)
		return
	case Enumerated, Sampled:
		if c.DataDim() != -2 {
			break
		}
		z := tasks.Sample(c.AssignmentName(), dist.OneHotCategoricalLogits(prior)) // [.., 1, T, k]
		fs := f.Sample(data)                                                       // [.., N, 1, k]
		loc := g.Sum(g.Mul(fs, z), -1)                                             // [.., N, T]
		data.Plate(c.Name+"_tasks", c.Tasks, probgraph.Dim(-1)).Observe(c.Name, dist.Normal(loc, g.Sqrt(noise)), y)
		return
	}
	var zd dist.Distribution = dist.OneHotCategoricalLogits(prior)
	if c.Assignments == Relaxed {
		zd = dist.RelaxedOneHotCategoricalLogits(c.temperature(m), prior)
	}
	z := tasks.Sample(c.AssignmentName(), zd) // [.., T, k]
	fs := f.Sample(data)                      // [.., N, k]
	loc := g.MatMulT(fs, z, false, true)      // [.., N, T]
	d := dist.ToEvent(dist.Normal(loc, g.Sqrt(noise)), 1)
	if data == nil {
		m.Observe(c.Name, d, y)
		return
	}
	data.Observe(c.Name, d, y)
}

// summed adds E_q(z)[log p(y | f, z)] (exact under q(f) as well) to the
// data plate and E_q(z)[log p(z) − log q(z)] to the tasks plate.
func (c Clustered) summed(m *probgraph.Ctx, data, tasks *probgraph.Plate, f *Latent, y, noise, prior *engine.Node) {
	g := m.Graph()
	lq := g.LogSoftMax(c.logits(m), -1) // [T, k]
	q := g.Exp(lq)
	// ℓ[n, t, k] = E_q(f)[log N(y[n, t]; f_k(x_n), σ²)].
	mu := g.Unsqueeze(g.MT(f.Mean), -2)                      // [N, 1, k]
	vr := g.Unsqueeze(g.MT(f.Var), -2)                       // [N, 1, k]
	sq := g.Add(g.Square(g.Sub(g.Unsqueeze(y, -1), mu)), vr) // [N, T, k]
	ell := g.AddScalar(g.Neg(g.Add(g.Scale(g.Log(noise), 0.5), g.Div(g.Scale(sq, 0.5), noise))), -0.5*math.Log(2*math.Pi))
	observeFactor(m, data, c.Name, g.Sum(g.Mul(ell, q), -1, -2))     // [N]
	negKL := g.Sum(g.Mul(q, g.Sub(g.LogSoftMax(prior, -1), lq)), -1) // [T]
	tasks.Observe(c.AssignmentName(), dist.Unit(negKL), g.ZerosLike(negKL))
}

// Predict returns the predictive mean and variance of y [N, T] for the
// marginals f of q(f) ([k, N]), the assignment probabilities probs [T, k]
// and the noise variance (a scalar): a mixture over clusters,
//
//	mean[n, t] = Σ_k p_tk μ_kn,  var[n, t] = Σ_k p_tk (v_kn + μ_kn²) − mean² + σ².
func (c Clustered) Predict(g *engine.Graph, f *Latent, probs, noise *engine.Node) (mean, variance *engine.Node) {
	if f == nil || !g.Ok("clustered predict", f.Mean, f.Var, probs, noise) {
		bad := g.Fail(fmt.Errorf("%w: clustered predict", ErrData))
		return bad, bad
	}
	mean = g.MatMulT(f.Mean, probs, true, true)                            // [N, T]
	second := g.MatMulT(g.Add(f.Var, g.Square(f.Mean)), probs, true, true) // [N, T]
	variance = g.Add(g.Sub(second, g.Square(mean)), noise)                 // [N, T]
	return mean, variance
}

// Probs returns the assignment probabilities softmax(logits) per task as
// [T][k] from the variational logits' values (row-major [T, k]).
func (c Clustered) Probs(logits []float64) ([][]float64, error) {
	if c.Functions < 1 || len(logits) != c.Tasks*c.Functions {
		return nil, fmt.Errorf("%w: clustered probs: %d logits for %d tasks × %d functions", ErrData, len(logits), c.Tasks, c.Functions)
	}
	out := make([][]float64, c.Tasks)
	for t := range out {
		row := logits[t*c.Functions : (t+1)*c.Functions]
		mx := math.Inf(-1)
		for _, v := range row {
			mx = math.Max(mx, v)
		}
		p := make([]float64, c.Functions)
		s := 0.0
		for i, v := range row {
			p[i] = math.Exp(v - mx)
			s += p[i]
		}
		for i := range p {
			p[i] /= s
		}
		out[t] = p
	}
	return out, nil
}
