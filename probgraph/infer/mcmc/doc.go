// Package mcmc samples the posterior of a probgraph model with Hamiltonian
// Monte Carlo: the No-U-Turn sampler (multinomial trajectory sampling and
// the generalized no-U-turn criterion, as in Stan) or static HMC, with a
// warm-up that tunes the step size by dual averaging and a diagonal or dense
// mass matrix in Stan's doubling windows.
//
// The model's latent sites come from its prototype trace
// (probgraph.Prototype), and each chain starts where an init strategy
// (probgraph.InitToMedian and the others; WithInit) puts it, from prior
// draws of the chain's own seed. Every latent site is moved to
// unconstrained space by the bijection onto its support (dist.BijectTo), and
// the potential energy −log p(x, z) minus the log-Jacobians, with its
// gradient, is built once and compiled for each chain by the engine's
// executor; a leapfrog step then allocates nothing. Chains run in parallel
// goroutines, each with its own seed-derived random stream, so the same seed
// gives the same draws. A starting point where the potential is not finite
// is an error naming the sites at fault and their values (SiteError).
//
// A trajectory that reaches a point where the potential is not finite, or
// cannot be evaluated at all (a covariance that is not positive definite),
// is a divergence: rejected and counted, not a failed run. Divergences and
// trajectories stopped by the maximum tree depth (or, for HMC, by
// MaxHMCSteps) are listed per chain by Samples.Warnings; print them, since
// the draws near them are not to be trusted. Cancelling the context stops
// the chains within a leapfrog step, however long the trajectory.
//
// The diagnostics (RHat, ESSBulk, ESSTail, and Summary) follow Vehtari et
// al. (2021) and agree with ArviZ; Samples.Mean, SD and Quantile give
// Summary's columns for one site.
//
//	samples, err := mcmc.Run(ctx, model, mcmc.WithSamples(1000), mcmc.WithWarmup(500), mcmc.WithChains(4))
//	fmt.Print(samples.Summary())
//
// Samples.WriteCmdStanCSV writes the draws the way CmdStan does, a CSV file
// per chain with Stan's column names and the sampler's per-draw statistics
// (lp__, accept_stat__, stepsize__, treedepth__, n_leapfrog__,
// divergent__, energy__), for ArviZ's from_cmdstan, cmdstanpy's from_csv,
// or pandas.read_csv(path, comment="#"). Draws from elsewhere, such as a
// posterior predictive's, become Samples with FromDraws and are written
// the same way.
//
// Discrete sites marked with probgraph.EnumerateParallel are summed out of
// the potential exactly (as the TraceEnum ELBO does), so NUTS samples the
// continuous sites of a mixture; structures the enumeration cannot handle are
// reported as ErrEnumerated.
package mcmc
