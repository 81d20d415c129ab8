// Command clusteredgp fits a clustered multitask Gaussian process: T tasks
// observed at the same N points, each task following one of k latent
// functions, the cluster labels hidden. The k functions are variational GPs
// (64 fixed inducing points, whitened, a full Cholesky q per function) and
// each task's cluster is a latent one-hot variable of the likelihood
// (gp.Clustered): uniform prior logits in the model, learnable logits in the
// guide. Everything is fitted together by SVI on the Trace ELBO with
// vectorized particles, the discrete assignments through score-function
// gradients.
//
// The default setting: N = 100 points on [0, 1], T = 4 tasks with curves
// sin(2πx), −sin(2πx), −sin(2πx), sin(2πx) plus N(0, 0.03²) noise, k = 2;
// Adam with learning rate 0.03. The kernel is an RBF scaled by an output
// scale, with its own lengthscale and output scale per latent function.
// -large runs k = 3 functions and 12 tasks; -enumerate sums the assignments
// out exactly instead of sampling them.
//
// It reports the accuracy of each task's most probable cluster (assign_acc,
// up to a relabelling of the clusters), the RMSE of each learned function
// against its true function on a grid after matching labels (func_rmse, the
// largest over functions), each task's mean absolute error of the
// predictive mean against its noise-free curve, and the assignment
// probabilities; and plots the learned functions with 95% bands, the tasks'
// data coloured by inferred cluster, and the assignment probabilities.
//
//	go run ./examples/clusteredgp [-quick] [-large] [-enumerate] [-seed N] [-out DIR]
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"math"
	"math/rand/v2"
	"os"
	"time"

	"github.com/ignis-ppl/ignis/engine"
	"github.com/ignis-ppl/ignis/gp"
	"github.com/ignis-ppl/ignis/internal/cli"
	"github.com/ignis-ppl/ignis/internal/plotutil"
	"github.com/ignis-ppl/ignis/probgraph"
	"github.com/ignis-ppl/ignis/probgraph/dist"
	"github.com/ignis-ppl/ignis/probgraph/infer"
)

const name = "clusteredgp"

// setting is one problem: the true functions, which function each task
// follows, and the sizes of the fit.
type setting struct {
	n, inducing int
	noise       float64
	funcs       []func(x float64) float64
	cluster     []int // true cluster of each task
	particles   int
	steps       int
	lr          float64
	enumerate   bool
}

func (s setting) k() int     { return len(s.funcs) }
func (s setting) tasks() int { return len(s.cluster) }

func sinWave(sign float64) func(float64) float64 {
	return func(x float64) float64 { return sign * math.Sin(2*math.Pi*x) }
}

// defaultSetting is the seed's: two functions, four tasks.
func defaultSetting() setting {
	return setting{
		n: 100, inducing: 64, noise: 0.03,
		funcs:   []func(float64) float64{sinWave(1), sinWave(-1)},
		cluster: []int{0, 1, 1, 0},
		lr:      0.03,
	}
}

// largeSetting has three functions and twelve tasks, four per cluster.
func largeSetting() setting {
	s := defaultSetting()
	s.funcs = append(s.funcs, func(x float64) float64 { return math.Cos(2 * math.Pi * x) })
	s.cluster = []int{0, 1, 2, 2, 1, 0, 1, 0, 2, 0, 2, 1}
	return s
}

// data is the simulation: inputs [n] and targets [n, T] (points × tasks).
type data struct{ x, y []float64 }

func simulate(s setting, seed uint64) data {
	r := rand.New(rand.NewPCG(seed, 0xc1a5))
	t := s.tasks()
	d := data{x: linspace(0, 1, s.n), y: make([]float64, s.n*t)}
	for i, x := range d.x {
		for j, c := range s.cluster {
			d.y[i*t+j] = s.funcs[c](x) + s.noise*r.NormFloat64()
		}
	}
	return d
}

func linspace(lo, hi float64, n int) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = lo + (hi-lo)*float64(i)/float64(n-1)
	}
	return out
}

// parts holds the pieces shared by the model, the guide and prediction.
type parts struct {
	s   setting
	lik gp.Clustered
}

func newParts(s setting, seed uint64) parts {
	return parts{s: s, lik: gp.Clustered{
		Name: "y", Tasks: s.tasks(), Functions: s.k(), Enumerate: s.enumerate, InitSeed: seed,
	}}
}

// vgp is the batch of k variational GPs with the given hyperparameters
// (nil in the guide, which reads only the sizes).
func (p parts) vgp(g *engine.Graph, ls, scale *engine.Node) gp.VariationalGP {
	var kern gp.Kernel
	if ls != nil {
		kern = gp.Scale{Base: gp.RBF{Lengthscale: ls}, Outputscale: scale}
	}
	return gp.VariationalGP{
		Name:      "u",
		Kernel:    kern,
		Points:    g.Constant(linspace(0, 1, p.s.inducing), p.s.inducing, 1),
		Functions: p.s.k(),
	}
}

func (p parts) model(d data) probgraph.Model {
	s := p.s
	return func(m *probgraph.Ctx) {
		g := m.Graph()
		ls := m.Param("lengthscale", probgraph.Full(0.3, s.k(), 1), probgraph.Constrained(dist.Positive()))
		scale := m.Param("outputscale", probgraph.Full(1, s.k()), probgraph.Constrained(dist.Positive()))
		f := p.vgp(g, ls, scale).Model(m, g.Constant(d.x, s.n, 1))
		p.lik.Model(m, m.Plate("data", s.n), f, g.Constant(d.y, s.n, s.tasks()))
	}
}

func (p parts) guide(m *probgraph.Ctx) {
	p.vgp(m.Graph(), nil, nil).Guide(m)
	p.lik.Guide(m)
}

// fitted is what prediction needs from the trained parameters.
type fitted struct {
	params map[string]probgraph.Tensor
	probs  [][]float64 // [T][k]
}

func fit(p parts, d data, seed uint64, progress func(int, float64)) (fitted, []float64, error) {
	opt, err := engine.NewAdam(engine.AdamOptions{LR: p.s.lr})
	if err != nil {
		return fitted{}, nil, err
	}
	var elbo infer.ELBO = infer.TraceELBO{NumParticles: p.s.particles}
	if p.s.enumerate {
		elbo = infer.TraceMeanFieldELBO{}
	}
	svi, err := infer.NewSVI(p.model(d), p.guide, opt, elbo, infer.WithSeed(seed))
	if err != nil {
		return fitted{}, nil, err
	}
	losses, err := svi.Run(context.Background(), p.s.steps, progress)
	if err != nil {
		return fitted{}, nil, err
	}
	params := svi.Params()
	probs, err := p.lik.Probs(params[p.lik.LogitsName()].Data)
	if err != nil {
		return fitted{}, nil, err
	}
	return fitted{params: params, probs: probs}, losses, nil
}

// predict returns q(f) at xs: means and variances [k, len(xs)].
func predict(p parts, fit fitted, xs []float64) (mean, vr []float64, err error) {
	g := engine.NewGraph()
	c := func(name string) *engine.Node {
		t := fit.params[name]
		return g.Constant(t.Data, t.Shape...)
	}
	v := p.vgp(g, c("lengthscale"), c("outputscale"))
	q := v.Predict(g, g.Constant(xs, len(xs), 1), c("u_loc"), c("u_scale_tril"))
	prog, err := g.Compile([]*engine.Node{q.Mean, q.Var})
	if err != nil {
		return nil, nil, err
	}
	if err := prog.Run(); err != nil {
		return nil, nil, err
	}
	return prog.Value(q.Mean), prog.Value(q.Var), nil
}

// permutations lists every permutation of 0..k-1.
func permutations(k int) [][]int {
	if k == 1 {
		return [][]int{{0}}
	}
	var out [][]int
	for _, p := range permutations(k - 1) {
		for i := 0; i <= len(p); i++ {
			q := append(append(append([]int(nil), p[:i]...), k-1), p[i:]...)
			out = append(out, q)
		}
	}
	return out
}

// evaluation compares the fit with the truth after relabelling: perm[j] is
// the true cluster that learned function j stands for.
type evaluation struct {
	perm       []int
	assignAcc  float64
	funcRMSE   []float64 // per true function
	taskMAE    []float64 // per task
	assignProb []float64 // per task: probability of its true cluster
}

func evaluate(p parts, d data, fit fitted) (evaluation, error) {
	s := p.s
	k, t := s.k(), s.tasks()
	grid := linspace(0, 1, 200)
	fm, _, err := predict(p, fit, grid)
	if err != nil {
		return evaluation{}, err
	}
	// The labelling that agrees with the most tasks; ties go to the one
	// whose functions fit the truth best.
	best := evaluation{assignAcc: -1}
	bestErr := math.Inf(1)
	for _, perm := range permutations(k) {
		e := evaluation{perm: perm, funcRMSE: make([]float64, k)}
		correct := 0
		for task, probs := range fit.probs {
			if perm[argmax(probs)] == s.cluster[task] {
				correct++
			}
		}
		e.assignAcc = float64(correct) / float64(t)
		total := 0.0
		for j := range k {
			ss := 0.0
			for i, x := range grid {
				diff := fm[j*len(grid)+i] - s.funcs[perm[j]](x)
				ss += diff * diff
			}
			e.funcRMSE[perm[j]] = math.Sqrt(ss / float64(len(grid)))
			total += ss
		}
		if e.assignAcc > best.assignAcc || (e.assignAcc == best.assignAcc && total < bestErr) {
			best, bestErr = e, total
		}
	}
	inv := make([]int, k)
	for j, c := range best.perm {
		inv[c] = j
	}
	// Predictive mean of each task (a mixture over clusters) at the data
	// points against its noise-free curve.
	mean, _, err := predict(p, fit, d.x)
	if err != nil {
		return evaluation{}, err
	}
	for task, probs := range fit.probs {
		mae := 0.0
		for i, x := range d.x {
			mu := 0.0
			for j := range k {
				mu += probs[j] * mean[j*len(d.x)+i]
			}
			mae += math.Abs(mu - s.funcs[s.cluster[task]](x))
		}
		best.taskMAE = append(best.taskMAE, mae/float64(len(d.x)))
		best.assignProb = append(best.assignProb, probs[inv[s.cluster[task]]])
	}
	return best, nil
}

func argmax(v []float64) int {
	b := 0
	for i := range v {
		if v[i] > v[b] {
			b = i
		}
	}
	return b
}

func main() {
	large := flag.Bool("large", false, "three functions and twelve tasks instead of the seed's two and four")
	enumerate := flag.Bool("enumerate", false, "sum the cluster assignments out exactly instead of sampling them")
	flags := cli.Parse(name)
	s := defaultSetting()
	if *large {
		s = largeSetting()
	}
	s.enumerate = *enumerate
	s.particles, s.steps = 64, 1000
	if flags.Quick {
		s.particles, s.steps = 16, 400
	}
	d := simulate(s, flags.Seed)
	p := newParts(s, flags.Seed)

	mode := fmt.Sprintf("%d vectorized particles", s.particles)
	if s.enumerate {
		mode = "enumerated assignments"
	}
	fmt.Fprintf(os.Stderr, "fitting %d latent GPs to %d tasks (%d steps, %s):\n", s.k(), s.tasks(), s.steps, mode)
	start := time.Now()
	fit, losses, err := fit(p, d, flags.Seed, cli.Progress(os.Stderr, s.steps))
	if err != nil {
		log.Fatal(err)
	}
	elapsed := time.Since(start)
	ev, err := evaluate(p, d, fit)
	if err != nil {
		log.Fatal(err)
	}

	metrics := map[string]float64{
		"assign_acc":   ev.assignAcc,
		"steps":        float64(s.steps),
		"particles":    float64(s.particles),
		"fit_s":        elapsed.Seconds(),
		"ms_per_step":  elapsed.Seconds() / float64(s.steps) * 1e3,
		"final_loss":   mean(losses[max(0, len(losses)-20):]),
		"noise_sd":     math.Sqrt(fit.params[p.lik.NoiseName()].Data[0]),
		"func_rmse":    0,
		"task_mae_max": 0,
		"min_prob":     1,
	}
	if s.enumerate {
		metrics["particles"] = 0
	}
	for c, r := range ev.funcRMSE {
		metrics[fmt.Sprintf("func_rmse_%d", c)] = r
		metrics["func_rmse"] = math.Max(metrics["func_rmse"], r)
	}
	for task := range s.tasks() {
		fmt.Printf("task %2d: true cluster %d, q(cluster) = %s, mean abs error %.3f\n",
			task, s.cluster[task], fmtProbs(fit.probs[task], ev.perm), ev.taskMAE[task])
		metrics[fmt.Sprintf("prob_task%d", task)] = ev.assignProb[task]
		metrics["min_prob"] = math.Min(metrics["min_prob"], ev.assignProb[task])
		metrics["task_mae_max"] = math.Max(metrics["task_mae_max"], ev.taskMAE[task])
	}
	fmt.Printf("assignment accuracy %.2f, function RMSE %v, noise sd %.4f (true %.2f)\n",
		ev.assignAcc, ev.funcRMSE, metrics["noise_sd"], s.noise)
	if err := plots(flags, p, d, fit, ev, losses); err != nil {
		log.Fatal(err)
	}
	cli.Result(name, metrics)
}

// fmtProbs prints a task's probabilities in true-cluster order.
func fmtProbs(probs []float64, perm []int) string {
	out := make([]float64, len(probs))
	for j, c := range perm {
		out[c] = probs[j]
	}
	return fmt.Sprintf("%.3f", out)
}

func mean(v []float64) float64 {
	s := 0.0
	for _, x := range v {
		s += x
	}
	return s / float64(len(v))
}

// plots draws the loss curve, the learned functions with 95% bands against
// the true ones, each task's data coloured by its most probable cluster, and
// the assignment probabilities.
func plots(flags cli.Flags, p parts, d data, fit fitted, ev evaluation, losses []float64) error {
	s := p.s
	if err := plotutil.LossCurve(flags.File("loss.png"), "clusteredgp: −ELBO", losses); err != nil {
		return err
	}
	grid := linspace(0, 1, 200)
	fm, fv, err := predict(p, fit, grid)
	if err != nil {
		return err
	}
	var fn []plotutil.Series
	for j := range s.k() {
		c := ev.perm[j]
		mu := fm[j*len(grid) : (j+1)*len(grid)]
		lo, hi := make([]float64, len(grid)), make([]float64, len(grid))
		for i := range grid {
			sd := 1.96 * math.Sqrt(math.Max(fv[j*len(grid)+i], 0))
			lo[i], hi[i] = mu[i]-sd, mu[i]+sd
		}
		fn = append(fn, plotutil.Series{Name: fmt.Sprintf("learned f%d (cluster %d)", j, c), X: grid, Y: mu, Band: [2][]float64{lo, hi}})
	}
	for c, f := range s.funcs {
		y := make([]float64, len(grid))
		for i, x := range grid {
			y[i] = f(x)
		}
		fn = append(fn, plotutil.Series{Name: fmt.Sprintf("true function %d", c), X: grid, Y: y})
	}
	if err := plotutil.Lines(flags.File("functions.png"), "clusteredgp: latent functions, 95% bands", "x", "f", fn...); err != nil {
		return err
	}
	t := s.tasks()
	pts := make([]plotutil.Series, s.k())
	for j := range pts {
		pts[j].Name = fmt.Sprintf("tasks in cluster %d", ev.perm[j])
	}
	for task, probs := range fit.probs {
		j := argmax(probs)
		for i, x := range d.x {
			pts[j].X = append(pts[j].X, x)
			pts[j].Y = append(pts[j].Y, d.y[i*t+task])
		}
	}
	var nonEmpty []plotutil.Series
	for _, s := range pts {
		if len(s.X) > 0 {
			nonEmpty = append(nonEmpty, s)
		}
	}
	if err := plotutil.Scatter(flags.File("tasks.png"), "clusteredgp: task data by inferred cluster", "x", "y", nonEmpty...); err != nil {
		return err
	}
	return plotutil.HeatMap(flags.File("assignments.png"), "clusteredgp: q(cluster) per task (columns: learned functions)",
		"learned function", "task", fit.probs, nil, 0, 1)
}
