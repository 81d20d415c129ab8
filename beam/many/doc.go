// Package many fits many models at once as an Apache Beam pipeline: one
// Gaussian process per series (per sensor, per product, per patient), or
// one probabilistic model per key, over as many machines as the runner
// has. A pipeline runs on Beam's embedded Prism runner in the same process
// with no services, and the same binary runs on Flink, Spark or Dataflow
// with a --runner flag (see the repository's docs/scale-out.md).
//
// The transforms, each with its direct counterpart that computes one unit
// of work in-process and gives the same numbers bit for bit:
//
//   - FitGPs: PCollection<Series> → PCollection<GPFit>. Series of the same
//     size are bundled (Bundles) and each bundle is fitted as one batched
//     exact GP by MAP (FitBundle): marginal likelihood plus Gamma priors on
//     the hyperparameters, optionally with predictions at given points.
//   - FitEach: PCollection<Record> → PCollection<Posterior>. A registered
//     model (RegisterModel) per key, sampled with NUTS or fitted by SVI
//     (FitOne), with a posterior summary and optionally the draws.
//   - Predict: fits, their training series and query series, joined by
//     key → PCollection<Score>: predictive means, variances and log
//     densities (ScoreOne).
//
// Every transform also returns a PCollection<DeadLetter>: each key that
// produced no result (bad data, a covariance not positive definite after
// the bounded jitter, a diverged fit, a query without a fit) is there with
// the reason. Nothing is dropped silently.
//
//	flag.Parse()
//	beam.Init() // a worker started from this binary serves from here on
//	p, s := beam.NewPipelineWithRoot()
//	series := beam.CreateList(s, data) // or read them: beam/examples/manygp
//	fits, dead, err := many.FitGPs(s, series, many.GPOptions{
//		Lengthscale: &many.Gamma{Conc: 2, Rate: 1},
//		Variance:    &many.Gamma{Conc: 2, Rate: 1},
//		Noise:       &many.Gamma{Conc: 1.1, Rate: 10},
//	})
//	if err != nil {
//		log.Fatal(err)
//	}
//	// write fits and dead with textio, then
//	err = beamx.Run(ctx, p)
//
// A program's main must call beam.Init after parsing its flags and before
// anything that only the launching process should do: a runner starts
// workers from the same binary, and in a worker beam.Init does not return.
// Models for FitEach are registered from init functions (RegisterModel),
// so that the workers know them too. ExampleFitBundle shows the
// in-process path; the README's "More than one machine" has a whole
// program.
package many
