// Command vmtl compares variational multitask learning with Gumbel-softmax
// priors (package vmtl) with learning each task on its own and with pooling
// all tasks' data, on two problems:
//
//   - synthetic: 8 logistic-regression tasks in 10 dimensions, 20 training
//     and 500 test points each, whose weights come from two cluster centres
//     plus noise. VMTL (a mixture prior over the other tasks' classifier
//     posteriors) is compared with independent Bayesian logistic
//     regressions under N(0, I) priors and with one such regression on the
//     pooled data; its mixing weights α should concentrate on the tasks of
//     the same cluster.
//   - rotated digits: the 8×8 handwritten digits of scikit-learn, one
//     rotation angle per task (0°, 30°, …, 150°), 30 training and 120 test
//     images per task. VMTL has an amortized Gaussian encoder q_t(z | x) and
//     a softmax classifier per task, with mixture priors on both; the
//     baselines are Bayesian softmax regressions on the pixels under N(0, I)
//     priors, per task and pooled. (The same encoder model under N(0, I)
//     priors is no fair baseline: with 30 images a task's posterior q(z | x)
//     collapses onto the prior and accuracy falls to chance; the full run
//     shows it.)
//
// It prints the accuracy tables and the learnt mixing weights, writes heat
// maps of α (and β) and loss curves, and ends with the JSON result line.
//
//	go run ./examples/vmtl [-quick] [-seed N] [-out DIR]
package main

import (
	"fmt"
	"log"
	"os"
	"time"

	"github.com/ignis-ppl/ignis/internal/examples/cli"
	"github.com/ignis-ppl/ignis/internal/examples/plotutil"
	"github.com/ignis-ppl/ignis/vmtl"
)

const name = "vmtl"

// entry is one row of an accuracy table: a method on a problem.
type entry struct {
	label   string
	p       problem
	m       method
	acc     float64
	perTask []float64
	l       *vmtl.Learner
}

func run(entries []*entry, seed uint64) {
	for _, e := range entries {
		l, err := e.p.fit(e.m, seed)
		if err != nil {
			log.Fatalf("%s, %s: %v", e.p.name, e.label, err)
		}
		if e.perTask, e.acc, err = e.p.accuracy(l, e.m); err != nil {
			log.Fatalf("%s, %s: %v", e.p.name, e.label, err)
		}
		e.l = l
	}
}

func table(title string, taskNames []string, entries []*entry) {
	fmt.Printf("\n%s: test accuracy\n%-10s", title, "task")
	for _, e := range entries {
		fmt.Printf(" %18s", e.label)
	}
	fmt.Println()
	for t, n := range taskNames {
		fmt.Printf("%-10s", n)
		for _, e := range entries {
			fmt.Printf(" %18.3f", e.perTask[t])
		}
		fmt.Println()
	}
	fmt.Printf("%-10s", "mean")
	for _, e := range entries {
		fmt.Printf(" %18.3f", e.acc)
	}
	fmt.Println()
}

func printMatrix(title string, m [][]float64) {
	fmt.Println(title)
	for _, r := range m {
		for _, v := range r {
			fmt.Printf(" %5.2f", v)
		}
		fmt.Println()
	}
}

func main() {
	flags := cli.ParseAbout(name, "compares variational multitask learning (Gumbel-softmax mixture priors) with single-task and pooled learning.")
	start := time.Now()
	temperature := vmtl.ExponentialTemperature{Initial: 1, Rate: 2e-3, Min: 0.5}

	// Synthetic tasks.
	syn := synthetic(flags.Seed)
	syn.steps, syn.lr, syn.temperature = 1500, 0.05, temperature
	if flags.Quick {
		syn.steps = 800
	}
	syn.wParticles, syn.klSamples = 4, 8
	se := []*entry{{label: "VMTL", p: syn, m: multitask}, {label: "single-task", p: syn, m: independent}, {label: "pooled", p: syn, m: pooled}}
	run(se, flags.Seed)
	synNames := make([]string, synTasks)
	for t := range synNames {
		synNames[t] = fmt.Sprintf("%d (c%d)", t, cluster(t))
	}
	table("synthetic", synNames, se)
	alpha := se[0].l.AlphaProbs()
	printMatrix("expected mixing weights α (row t: the weights of task t's prior; softmax of the connection logits)", alpha)
	within := withinCluster(alpha)
	fmt.Printf("mean weight on the own cluster: %.3f (uniform: %.3f)\n", within, 3.0/7)
	if err := plotutil.HeatMap(flags.File("alpha_synthetic.png"), "synthetic: expected α (tasks 0–3 and 4–7 share a centre)",
		"component task s", "task t", alpha, synNames, 0, 1); err != nil {
		log.Fatal(err)
	}
	if err := plotutil.LossCurve(flags.File("loss_synthetic.png"), "synthetic: VMTL loss", se[0].l.History()); err != nil {
		log.Fatal(err)
	}

	// Rotated digits.
	pix, angles, err := digits()
	if err != nil {
		log.Fatal(err)
	}
	pix.steps, pix.lr, pix.temperature = 2000, 0.03, temperature
	if flags.Quick {
		pix.steps, pix.lr = 400, 0.05 // fewer, larger steps
	}
	pix.wParticles, pix.zParticles, pix.klSamples = 2, 1, 4
	enc := pix
	enc.latent = 8
	de := []*entry{{label: "VMTL", p: enc, m: multitask}, {label: "single-task", p: pix, m: independent}, {label: "pooled", p: pix, m: pooled}}
	if !flags.Quick {
		de = append(de, &entry{label: "VMTL, pixels", p: pix, m: multitask},
			&entry{label: "single, encoder", p: enc, m: independent}, &entry{label: "pooled, encoder", p: enc, m: pooled})
	}
	run(de, flags.Seed)
	digNames := make([]string, len(angles))
	for t, a := range angles {
		digNames[t] = fmt.Sprintf("%d°", a)
	}
	table("rotated digits", digNames, de)
	da, db := de[0].l.AlphaProbs(), de[0].l.BetaProbs()
	printMatrix("expected α (classifiers)", da)
	printMatrix("expected β (latents)", db)
	if err := plotutil.HeatMap(flags.File("alpha_digits.png"), "rotated digits: expected α (classifiers)", "component task s", "task t", da, digNames, 0, 1); err != nil {
		log.Fatal(err)
	}
	if err := plotutil.HeatMap(flags.File("beta_digits.png"), "rotated digits: expected β (latents)", "component task s", "task t", db, digNames, 0, 1); err != nil {
		log.Fatal(err)
	}
	if err := plotutil.LossCurve(flags.File("loss_digits.png"), "rotated digits: VMTL loss", de[0].l.History()); err != nil {
		log.Fatal(err)
	}
	fmt.Fprintf(os.Stderr, "total %.1fs\n", time.Since(start).Seconds())
	cli.Result(name, map[string]float64{
		"acc_vmtl":             se[0].acc,
		"acc_single":           se[1].acc,
		"acc_pooled":           se[2].acc,
		"alpha_within_cluster": within,
		"digits_acc_vmtl":      de[0].acc,
		"digits_acc_single":    de[1].acc,
		"digits_acc_pooled":    de[2].acc,
		"seconds":              time.Since(start).Seconds(),
	})
}
