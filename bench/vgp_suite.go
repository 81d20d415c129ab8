package main

import (
	"testing"

	"github.com/ignis-ppl/ignis/engine"
	"github.com/ignis-ppl/ignis/gp"
	"github.com/ignis-ppl/ignis/internal/examples/models"
	"github.com/ignis-ppl/ignis/probgraph/infer"
)

func init() {
	register(Suite{Name: "vgp", About: "one SVI step of the clustered multitask GP (2 variational GPs, 64 inducing points, 4 tasks, 100 points); anchor: scripts/reference/clusteredgp_anchor.py", Cases: vgpCases})
}

// vgpStep times svi.Step on the seed's clustered multitask GP
// (internal/examples/models.ClusteredGP), with the assignments handled as a says and
// the given number of vectorized particles.
func vgpStep(a gp.Assignments, particles int) func(b *testing.B) {
	return func(b *testing.B) {
		p := models.NewClusteredGP(models.SeedClustered(1), 2, 64, a, 1)
		opt, err := engine.NewAdam(engine.AdamOptions{LR: 0.03})
		if err != nil {
			b.Fatal(err)
		}
		svi, err := infer.NewSVI(p.Model, p.Guide, opt, p.ELBO(particles), infer.WithSeed(1))
		if err != nil {
			b.Fatal(err)
		}
		for range 20 {
			if _, err := svi.Step(); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportAllocs()
		b.ResetTimer()
		cpu0 := cpuTime()
		for b.Loop() {
			if _, err := svi.Step(); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64((cpuTime()-cpu0).Nanoseconds())/float64(b.N), "cpu-ns/op")
	}
}

func vgpCases() ([]Case, error) {
	return []Case{
		{Name: "sampled,particles=16", Run: vgpStep(gp.Sampled, 16)},
		{Name: "sampled,particles=64", Run: vgpStep(gp.Sampled, 64)},
		{Name: "enumerated,particles=16", Run: vgpStep(gp.Enumerated, 16)},
		{Name: "summed", Run: vgpStep(gp.Summed, 0)},
	}, nil
}
