// Package infer fits and uses probabilistic models written with probgraph.
//
// Variational objectives implement ELBO: TraceELBO (pathwise gradients,
// score-function terms where a guide site is not reparameterized),
// TraceMeanFieldELBO (the same with analytic KL terms where the distribution
// pair has one) and RenyiELBO (the Rényi α bound; α = 0 is the
// importance-weighted bound). SVI traces the model and guide once, compiles
// the objective and its gradients into one program, and takes optimizer steps
// with fresh noise; it saves and loads checkpoints. Predictive draws sites of
// a model from its prior or, given a fitted guide, its posterior predictive
// distribution.
//
//	svi, err := infer.NewSVI(model, guide, opt, infer.TraceELBO{NumParticles: 10})
//	...
//	losses, err := svi.Run(ctx, 2000, nil)
//	...
//	pred, err := infer.NewPredictive(model, infer.PredictiveOptions{
//		Guide: guide, Params: svi.Params(), NumSamples: 1000,
//	})
//	draws, err := pred.Sample() // site name → [1000] + the site's shape
//
// Discrete latent sites marked with probgraph.EnumerateParallel are summed
// out exactly by TraceEnumELBO (their support laid out along dimensions left
// of every plate, reduced with log-sum-exp plate by plate), and
// InferDiscrete recovers their MAP or sampled values afterwards:
//
//	svi, err := infer.NewSVI(model, guide.Model, opt, infer.TraceEnumELBO{MaxPlateNesting: 1})
//	...
//	est, err := guide.Median(svi.Params())
//	z, err := infer.InferDiscrete(model, est, infer.DiscreteOptions{MaxPlateNesting: 1})
//
// Guide sites marked the same way are summed out by TraceGuideEnumELBO:
// each term of the ELBO is weighted by the guide's probabilities of the
// enumerated values it depends on, an exact expectation over them.
//
// Discrete guide sites that are sampled get score-function gradients. Under
// TraceELBO each site's score is weighted by the whole ELBO; TraceGraphELBO
// weights it only by the terms downstream of the site in the graph and at
// its own index of the plates it sits in (optionally less a leave-one-out
// baseline over the particles), the same loss with far less gradient
// variance when a model has many local discrete latents:
//
//	svi, err := infer.NewSVI(model, guide, opt, infer.TraceGraphELBO{NumParticles: 16, LeaveOneOut: true})
//
// Particles (NumParticles, NumSamples) run vectorized along a dimension left
// of every plate, so models must index batch dimensions from the right.
package infer
