// Command clusteredgp fits a clustered multitask Gaussian process: T tasks
// observed at the same N points, each task following one of k latent
// functions, the cluster labels hidden. The k functions are variational GPs
// (64 fixed inducing points, whitened, a full Cholesky q per function) and
// each task's cluster is a latent one-hot variable of the likelihood
// (gp.Clustered): uniform prior logits in the model, learnable logits in the
// guide. Everything is fitted together by SVI with vectorized particles,
// the discrete assignments through score-function gradients by default:
// Rao-Blackwellized ones (infer.TraceGraphELBO, with the observations in
// the data and tasks plates, so that each task's logits see only their own
// task's terms, and a leave-one-out baseline over the particles); -elbo
// trace uses the plain Trace ELBO instead, whose score terms weight every
// task's logits by the whole ELBO.
//
// The default setting: N = 100 points on [0, 1], T = 4 tasks with curves
// sin(2πx), −sin(2πx), −sin(2πx), sin(2πx) plus N(0, 0.03²) noise, k = 2;
// Adam with learning rate 0.03. The kernel is an RBF scaled by an output
// scale, with its own lengthscale and output scale per latent function.
// -quick takes 400 steps with 16 particles, the full run 1000 steps with 64.
// -large runs k = 3 functions and 12 tasks. -assign enumerated sums the
// assignments out exactly in the guide (infer.TraceGuideEnumELBO: every
// term weighted by q(z), exact gradients for the logits), -assign summed
// in closed form inside the likelihood (with the expectation over q(f)
// too: a deterministic objective). -assign relaxed draws each task's
// assignment from a relaxed one-hot (Gumbel-softmax) distribution in the
// guide and the model, with pathwise gradients for the logits, the
// likelihood mixing the functions by the relaxed weights (infer.TraceELBO);
// its temperature is annealed geometrically from -temp-start (default 1)
// at the first step to -temp-end (default 0.1) at the last. With sampled assignments and -elbo
// trace, -large needs the full run: with 16 particles and 400 steps the
// score-function gradients of twelve tasks' logits are too noisy to settle
// them; the default TraceGraphELBO settles them in -quick, as the other
// two paths do. -batch B trains on B random
// points per step (the data plate subsampled, its terms scaled by N/B).
// -gpu, in a binary built with -tags gpu, runs the linear algebra on GPU 0
// (cuda.Default, made engine's default device).
//
// It reports the accuracy of each task's most probable cluster (assign_acc,
// up to a relabelling of the clusters), the RMSE of each learned function
// against its true function on a grid after matching labels (func_rmse, the
// largest over functions), each task's mean absolute error of the
// predictive mean against its noise-free curve, and the assignment
// probabilities; and plots the learned functions with 95% bands, the tasks'
// data coloured by inferred cluster, and the assignment probabilities.
//
//	go run ./examples/clusteredgp [-quick] [-large] [-assign sampled|enumerated|summed|relaxed] [-temp-start T] [-temp-end T] [-elbo tracegraph|trace] [-batch B] [-gpu] [-seed N] [-out DIR]
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"math"
	"os"
	"time"

	"github.com/ignis-ppl/ignis/cuda"
	"github.com/ignis-ppl/ignis/engine"
	"github.com/ignis-ppl/ignis/gp"
	"github.com/ignis-ppl/ignis/internal/examples/cli"
	"github.com/ignis-ppl/ignis/internal/examples/models"
	"github.com/ignis-ppl/ignis/internal/examples/plotutil"
	"github.com/ignis-ppl/ignis/probgraph"
	"github.com/ignis-ppl/ignis/probgraph/infer"
)

const name = "clusteredgp"

// setting is one problem and the sizes of its fit.
type setting struct {
	data      models.ClusteredData
	k         int
	inducing  int
	particles int
	steps     int
	lr        float64
	assign    gp.Assignments
	// tempStart and tempEnd bound the geometric temperature schedule of
	// relaxed assignments.
	tempStart, tempEnd float64
}

// temperature is the relaxed assignments' temperature at step i: annealed
// geometrically from tempStart at the first step to tempEnd at the last.
func (s setting) temperature(i int) float64 {
	if s.steps < 2 {
		return s.tempEnd
	}
	return s.tempStart * math.Pow(s.tempEnd/s.tempStart, float64(i)/float64(s.steps-1))
}

func (s setting) tasks() int { return s.data.Tasks() }

// defaultSetting is the seed's: two functions, four tasks.
func defaultSetting(seed uint64) setting {
	return setting{data: models.SeedClustered(seed), k: 2, inducing: 64, lr: 0.03}
}

// largeSetting has three functions and twelve tasks, four per cluster.
func largeSetting(seed uint64) setting {
	s := defaultSetting(seed)
	funcs := append(s.data.Funcs, func(x float64) float64 { return math.Cos(2 * math.Pi * x) })
	s.data = models.SimulateClustered(seed, 100, 0.03, funcs, []int{0, 1, 2, 2, 1, 0, 1, 0, 2, 0, 2, 1})
	s.k = 3
	return s
}

// fitted is what prediction needs from the trained parameters.
type fitted struct {
	params map[string]probgraph.Tensor
	probs  [][]float64 // [T][k]
}

func fit(s setting, p models.ClusteredGP, seed uint64, progress func(int, float64)) (fitted, []float64, error) {
	opt, err := engine.NewAdam(engine.AdamOptions{LR: s.lr})
	if err != nil {
		return fitted{}, nil, err
	}
	svi, err := infer.NewSVI(p.Model, p.Guide, opt, p.ELBO(s.particles), infer.WithSeed(seed))
	if err != nil {
		return fitted{}, nil, err
	}
	var losses []float64
	if s.assign == gp.Relaxed {
		losses, err = annealed(s, p, svi, progress)
	} else {
		losses, err = svi.Run(context.Background(), s.steps, progress)
	}
	if err != nil {
		return fitted{}, nil, err
	}
	params := svi.Params()
	probs, err := p.Lik.Probs(params[p.Lik.LogitsName()].Data)
	if err != nil {
		return fitted{}, nil, err
	}
	return fitted{params: params, probs: probs}, losses, nil
}

// annealed takes the SVI steps one at a time, setting the relaxed
// assignments' temperature before each.
func annealed(s setting, p models.ClusteredGP, svi *infer.SVI, progress func(int, float64)) ([]float64, error) {
	losses := make([]float64, 0, s.steps)
	for i := range s.steps {
		if err := p.Lik.SetTemperature(svi.Program(), s.temperature(i)); err != nil {
			return losses, err
		}
		loss, err := svi.Step()
		if err != nil {
			return losses, fmt.Errorf("step %d at temperature %.3g: %w", i, s.temperature(i), err)
		}
		losses = append(losses, loss)
		if progress != nil {
			progress(i, loss)
		}
	}
	return losses, nil
}

// predict returns q(f) at xs: means and variances [k, len(xs)].
func predict(p models.ClusteredGP, fit fitted, xs []float64) (mean, vr []float64, err error) {
	g := engine.NewGraph()
	c := func(name string) *engine.Node {
		t := fit.params[name]
		return g.Constant(t.Data, t.Shape...)
	}
	v := p.VGP(g, c("lengthscale"), c("outputscale"))
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

func evaluate(s setting, p models.ClusteredGP, fit fitted) (evaluation, error) {
	d := s.data
	k, t := s.k, s.tasks()
	grid := models.Linspace(0, 1, 200)
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
			if perm[argmax(probs)] == d.Cluster[task] {
				correct++
			}
		}
		e.assignAcc = float64(correct) / float64(t)
		total := 0.0
		for j := range k {
			ss := 0.0
			for i, x := range grid {
				diff := fm[j*len(grid)+i] - d.Funcs[perm[j]](x)
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
	mean, _, err := predict(p, fit, d.X)
	if err != nil {
		return evaluation{}, err
	}
	for task, probs := range fit.probs {
		mae := 0.0
		for i, x := range d.X {
			mu := 0.0
			for j := range k {
				mu += probs[j] * mean[j*len(d.X)+i]
			}
			mae += math.Abs(mu - d.Funcs[d.Cluster[task]](x))
		}
		best.taskMAE = append(best.taskMAE, mae/float64(len(d.X)))
		best.assignProb = append(best.assignProb, probs[inv[d.Cluster[task]]])
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
	assign := flag.String("assign", "sampled", "how the cluster assignments enter the ELBO: sampled, enumerated (summed out in the guide), summed (in closed form inside the likelihood) or relaxed (Gumbel-softmax draws, temperature annealed)")
	tempStart := flag.Float64("temp-start", 1, "with -assign relaxed: the temperature at the first step")
	tempEnd := flag.Float64("temp-end", 0.1, "with -assign relaxed: the temperature at the last step (annealed geometrically from -temp-start)")
	elbo := flag.String("elbo", "tracegraph", "with sampled assignments: tracegraph (TraceGraphELBO: each task's score term sees its own task's terms, with a leave-one-out baseline over the particles) or trace (TraceELBO: every task's score term weighted by the whole ELBO)")
	batch := flag.Int("batch", 0, "train on mini-batches of this many points (0: all points every step)")
	gpu := flag.Bool("gpu", false, "run the GP linear algebra on GPU 0 (needs a binary built with -tags gpu and an NVIDIA GPU)")
	flags := cli.ParseAbout(name, "fits a clustered multitask GP: tasks share k latent variational GPs, each task's cluster inferred by SVI.")
	if *gpu {
		// The application's choice of device: every program compiled from
		// here on (the SVI steps, the GP predictions) runs its linear
		// algebra on GPU 0.
		dev, err := cuda.Default()
		if err != nil {
			log.Fatal(err)
		}
		if err := engine.SetDefaultDevice(dev); err != nil {
			log.Fatal(err)
		}
		fmt.Fprintf(os.Stderr, "device: %s\n", dev.Name())
	}
	s := defaultSetting(flags.Seed)
	if *large {
		s = largeSetting(flags.Seed)
	}
	a, ok := map[string]gp.Assignments{"sampled": gp.Sampled, "enumerated": gp.Enumerated, "summed": gp.Summed, "relaxed": gp.Relaxed}[*assign]
	if !ok {
		log.Fatalf("-assign %q: want sampled, enumerated, summed or relaxed", *assign)
	}
	if !(*tempStart > 0) || !(*tempEnd > 0) || math.IsInf(*tempStart, 0) || math.IsInf(*tempEnd, 0) {
		log.Fatalf("-temp-start %v, -temp-end %v: want positive finite temperatures", *tempStart, *tempEnd)
	}
	s.assign, s.tempStart, s.tempEnd = a, *tempStart, *tempEnd
	s.particles, s.steps = 64, 1000
	if flags.Quick {
		s.particles, s.steps = 16, 400
	}
	p := models.NewClusteredGP(s.data, s.k, s.inducing, s.assign, flags.Seed)
	p.Batch = *batch
	switch *elbo {
	case "trace":
	case "tracegraph":
		p.Lik.TaskPlates = s.assign == gp.Sampled
	default:
		log.Fatalf("-elbo %q: want trace or tracegraph", *elbo)
	}

	mode := fmt.Sprintf("%s assignments, %d vectorized particles", *assign, s.particles)
	if s.assign == gp.Sampled {
		mode += ", " + map[bool]string{true: "TraceGraphELBO", false: "TraceELBO"}[p.Lik.TaskPlates]
	}
	if s.assign == gp.Summed {
		mode = "assignments summed in closed form"
	}
	if s.assign == gp.Relaxed {
		mode += fmt.Sprintf(", TraceELBO, temperature %g → %g", s.tempStart, s.tempEnd)
	}
	if p.Batch > 0 {
		mode += fmt.Sprintf(", mini-batches of %d points", p.Batch)
	}
	fmt.Fprintf(os.Stderr, "fitting %d latent GPs to %d tasks (%d steps, %s):\n", s.k, s.tasks(), s.steps, mode)
	start := time.Now()
	fit, losses, err := fit(s, p, flags.Seed, cli.Progress(os.Stderr, s.steps))
	if err != nil {
		log.Fatal(err)
	}
	elapsed := time.Since(start)
	ev, err := evaluate(s, p, fit)
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
		"noise_sd":     math.Sqrt(fit.params[p.Lik.NoiseName()].Data[0]),
		"func_rmse":    0,
		"task_mae_max": 0,
		"min_prob":     1,
	}
	if s.assign == gp.Summed {
		metrics["particles"] = 0
	}
	metrics["assign_mode"] = float64(s.assign) // 0 sampled, 1 summed, 2 enumerated, 3 relaxed (gp.Assignments)
	if s.assign == gp.Relaxed {
		metrics["temp_start"], metrics["temp_end"] = s.tempStart, s.tempEnd
	}
	if p.Lik.TaskPlates {
		metrics["tracegraph"] = 1
	}
	if p.Batch > 0 {
		metrics["batch"] = float64(p.Batch)
	}
	for c, r := range ev.funcRMSE {
		metrics[fmt.Sprintf("func_rmse_%d", c)] = r
		metrics["func_rmse"] = math.Max(metrics["func_rmse"], r)
	}
	for task := range s.tasks() {
		fmt.Printf("task %2d: true cluster %d, q(cluster) = %s, mean abs error %.3f\n",
			task, s.data.Cluster[task], fmtProbs(fit.probs[task], ev.perm), ev.taskMAE[task])
		metrics[fmt.Sprintf("prob_task%d", task)] = ev.assignProb[task]
		metrics["min_prob"] = math.Min(metrics["min_prob"], ev.assignProb[task])
		metrics["task_mae_max"] = math.Max(metrics["task_mae_max"], ev.taskMAE[task])
	}
	fmt.Printf("assignment accuracy %.2f, function RMSE %v, noise sd %.4f (true %.2f)\n",
		ev.assignAcc, ev.funcRMSE, metrics["noise_sd"], s.data.Noise)
	if err := plots(flags, s, p, fit, ev, losses); err != nil {
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
func plots(flags cli.Flags, s setting, p models.ClusteredGP, fit fitted, ev evaluation, losses []float64) error {
	d := s.data
	if err := plotutil.LossCurve(flags.File("loss.png"), "clusteredgp: −ELBO", losses); err != nil {
		return err
	}
	grid := models.Linspace(0, 1, 200)
	fm, fv, err := predict(p, fit, grid)
	if err != nil {
		return err
	}
	var fn []plotutil.Series
	for j := range s.k {
		c := ev.perm[j]
		mu := fm[j*len(grid) : (j+1)*len(grid)]
		lo, hi := make([]float64, len(grid)), make([]float64, len(grid))
		for i := range grid {
			sd := 1.96 * math.Sqrt(math.Max(fv[j*len(grid)+i], 0))
			lo[i], hi[i] = mu[i]-sd, mu[i]+sd
		}
		fn = append(fn, plotutil.Series{Name: fmt.Sprintf("learned f%d (cluster %d)", j, c), X: grid, Y: mu, Band: [2][]float64{lo, hi}})
	}
	for c, f := range d.Funcs {
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
	pts := make([]plotutil.Series, s.k)
	for j := range pts {
		pts[j].Name = fmt.Sprintf("tasks in cluster %d", ev.perm[j])
	}
	for task, probs := range fit.probs {
		j := argmax(probs)
		for i, x := range d.X {
			pts[j].X = append(pts[j].X, x)
			pts[j].Y = append(pts[j].Y, d.Y[i*t+task])
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
