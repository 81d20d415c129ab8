package main

import (
	"context"
	"fmt"
	"math"
	"slices"
	"testing"

	"github.com/ignis-ppl/ignis/internal/examples/models"
	"github.com/ignis-ppl/ignis/probgraph"
	"github.com/ignis-ppl/ignis/probgraph/autoguide"
	"github.com/ignis-ppl/ignis/probgraph/infer"
	"github.com/ignis-ppl/ignis/probgraph/infer/mcmc"
)

func init() {
	register(Suite{Name: "scale",
		About: "cost against data size: NUTS time per gradient and sampling-only ESS/s, and SVI step time (AutoNormal, Adam), " +
			"on logistic and Poisson regressions (d = 20, n = 1e3, 1e4, 1e5) and varying intercepts over 1e4 groups; " +
			"-export-data DIR writes the data sets and plan.json for scripts/reference/scale_anchor.py, -data DIR runs on them",
		Cases: func() ([]Case, error) {
			sets := scaleData()
			return scaleCases(sets, defaultScalePlan(sets))
		},
		Export: exportScaleData,
		CasesFrom: func(dir string) ([]Case, error) {
			sets, plan, err := readScaleData(dir)
			if err != nil {
				return nil, err
			}
			return scaleCases(sets, plan)
		},
	})
}

// scaleCases builds the plan's cases on the data sets.
func scaleCases(sets []models.Dataset, plan scalePlan) ([]Case, error) {
	var out []Case
	for _, c := range plan.Cases {
		i := slices.IndexFunc(sets, func(s models.Dataset) bool { return s.Name == c.Data })
		if i < 0 {
			return nil, fmt.Errorf("case %s: no data set %q", c.Case, c.Data)
		}
		model, latent, err := scaleModel(sets[i])
		if err != nil {
			return nil, err
		}
		switch c.Method {
		case "nuts":
			out = append(out, Case{Name: c.Case, Run: scaleNUTS(model, latent, c), Runs: len(c.Seeds)})
		case "svi":
			guide, err := scaleGuide(c.Guide)
			if err != nil {
				return nil, fmt.Errorf("case %s: %w", c.Case, err)
			}
			out = append(out, Case{Name: c.Case, Run: scaleSVI(model, guide, c.LR)})
		default:
			return nil, fmt.Errorf("case %s: unknown method %q", c.Case, c.Method)
		}
	}
	return out, nil
}

// scaleNUTS runs one chain per seed of the case (one seed per iteration)
// and reports, as the median over the seeds and with the extremes
// alongside:
//
//   - "us/grad": sampling-phase seconds over the sampling phase's leapfrog
//     steps (one gradient each), so warm-up and graph building are left out;
//   - "ess/s": the smallest bulk ESS over the latent elements per
//     sampling-phase second;
//   - "min_ess", "steps/draw", "sample_s" and "warmup_s".
//
// ns/op is the whole run (building, warm-up, draws) per seed; the ESS
// computation is not timed.
func scaleNUTS(model probgraph.Model, latent []string, c scaleCase) func(b *testing.B) {
	return func(b *testing.B) {
		var perGrad, essRate, minESS, steps, sample, warmup []float64
		k := 0
		for b.Loop() {
			seed := c.Seeds[k%len(c.Seeds)]
			k++
			s, err := mcmc.Run(context.Background(), model, mcmc.WithWarmup(c.Warmup), mcmc.WithSamples(c.Samples), mcmc.WithSeed(seed),
				mcmc.WithMaxTreeDepth(c.MaxTreeDepth))
			if err != nil {
				b.Fatal(err)
			}
			b.StopTimer()
			ess, err := smallestESS(s, latent)
			if err != nil {
				b.Fatal(err)
			}
			st := s.Chains[0]
			perGrad = append(perGrad, st.SampleSeconds/float64(st.Leapfrogs)*1e6)
			essRate = append(essRate, ess/st.SampleSeconds)
			minESS = append(minESS, ess)
			steps = append(steps, float64(st.Leapfrogs)/float64(s.NumSamples))
			sample = append(sample, st.SampleSeconds)
			warmup = append(warmup, st.WarmupSeconds)
			b.StartTimer()
		}
		reportSpread(b, perGrad, "us/grad")
		reportSpread(b, essRate, "ess/s")
		b.ReportMetric(median(minESS), "min_ess")
		b.ReportMetric(median(steps), "steps/draw")
		b.ReportMetric(median(sample), "sample_s")
		b.ReportMetric(median(warmup), "warmup_s")
	}
}

// smallestESS is the smallest bulk effective sample size over the elements
// of the latent sites of a one-chain run.
func smallestESS(s *mcmc.Samples, latent []string) (float64, error) {
	out := math.Inf(1)
	col := make([]float64, s.NumSamples)
	for _, name := range latent {
		chains, err := s.Chain(name)
		if err != nil {
			return 0, err
		}
		size := len(chains[0]) / s.NumSamples
		for e := range size {
			for k := range col {
				col[k] = chains[0][k*size+e]
			}
			out = math.Min(out, mcmc.ESSBulk([][]float64{col}))
		}
	}
	return out, nil
}

// scaleGuide returns the autoguide that a plan's guide name stands for.
func scaleGuide(name string) (func(probgraph.Model) (probgraph.Model, error), error) {
	switch name {
	case "normal":
		return func(m probgraph.Model) (probgraph.Model, error) {
			g, err := autoguide.NewNormal(m)
			if err != nil {
				return nil, err
			}
			return g.Model, nil
		}, nil
	case "diagonal_normal":
		return func(m probgraph.Model) (probgraph.Model, error) {
			g, err := autoguide.NewDiagonalNormal(m)
			if err != nil {
				return nil, err
			}
			return g.Model, nil
		}, nil
	}
	return nil, fmt.Errorf("unknown guide %q", name)
}

// scaleSVI times SVI steps with the guide, the Trace ELBO and Adam at the
// given learning rate, and reports the mean step time as "us/step" (also
// ns/op).
func scaleSVI(model probgraph.Model, guide func(probgraph.Model) (probgraph.Model, error), lr float64) func(b *testing.B) {
	run := sviCase(model, func() (probgraph.Model, error) { return guide(model) }, lr, infer.TraceELBO{})
	return func(b *testing.B) {
		run(b)
		if b.N > 0 {
			b.ReportMetric(b.Elapsed().Seconds()/float64(b.N)*1e6, "us/step")
		}
	}
}

// reportSpread reports the median of xs under unit and its extremes under
// unit+"_min" and unit+"_max".
func reportSpread(b *testing.B, xs []float64, unit string) {
	b.ReportMetric(median(xs), unit)
	b.ReportMetric(slices.Min(xs), unit+"_min")
	b.ReportMetric(slices.Max(xs), unit+"_max")
}

func median(xs []float64) float64 {
	s := slices.Sorted(slices.Values(xs))
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}
