// Package dist holds ignis's probability distributions: log densities as
// graph nodes, Pyro's batch and event shapes (Expand, ToEvent), samplers
// driven by the program's noise inputs (reparameterized where the family
// allows), supports as constraints with bijections to unconstrained space,
// and KL divergences in closed form or by Monte Carlo.
//
// # Validation
//
// As Pyro's validate_args, checks are on by default. A constructor checks
// its constant parameters at once (NaN, ±Inf and each parameter's domain:
// a positive scale, probabilities on the simplex) and records an error
// wrapping ErrParameter that names the family, the parameter and the
// constraint; a parameter computed on the graph is checked on every run by
// a pass-through op that fails the run with the same error, and with the
// model site once the distribution has reached one (AtSite). SetValidation
// turns these run-time checks off for speed; constants are checked whatever
// the setting. CheckValue checks data against a support (probgraph does so
// for every observed site).
//
// LogProb of a value outside the support is −Inf for every family (a NaN
// value gives NaN).
package dist
