// Package dist holds ignis's probability distributions: log densities as
// graph nodes, Pyro's batch and event shapes (Expand, ToEvent), samplers
// driven by the program's noise inputs (reparameterized where the family
// allows), supports as constraints with bijections to unconstrained space,
// and KL divergences in closed form or by Monte Carlo.
package dist
