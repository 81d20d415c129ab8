// Package autoguide builds guides automatically from a model's latent sites:
// Delta (MAP), Normal (mean-field, per site), DiagonalNormal,
// MultivariateNormal and LowRankMultivariateNormal (joint Gaussians over all
// sites in unconstrained space), with init strategies and posterior medians
// and quantiles in the model's space. The latent sites and their starting
// points come from the model's prototype trace (probgraph.Prototype);
// InitToMedian and the other init strategies are probgraph's, which MCMC
// takes too.
//
//	guide, err := autoguide.NewDiagonalNormal(model)
//	svi, err := infer.NewSVI(model, guide.Model, opt, infer.TraceELBO{})
//	...
//	median, err := guide.Median(svi.Params())
package autoguide
