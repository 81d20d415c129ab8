// Package vmtl implements variational multitask learning with
// Gumbel-softmax priors (Shen et al., "Variational multi-task learning with
// Gumbel-softmax priors", NeurIPS 2021).
//
// There are T tasks. Task t has a classifier w_t with variational posterior
// q(w_t), latents z with an amortized posterior q_t(z | x), and a likelihood
// p(y | z, w_t). The prior of each task is a mixture of the other tasks'
// posteriors,
//
//	p(w_t) = Σ_{s≠t} α_ts q(w_s),    p(z | x) = Σ_{s≠t} β_ts q_s(z | x),
//
// whose weights are drawn afresh at every step by Gumbel-softmax from
// learnable connection logits (one set for w, one for z; the diagonal is
// excluded), α_t = softmax_{s≠t}((logit_ts + G_ts)/τ), with the temperature τ
// from a schedule. The objective, minimized by the optimizer, is
//
//	(1/T) Σ_t { (N_t/B_t) Σ_{n in batch} [ (1/LM) Σ_{l,m} −log p(y_tn | z_tn^l, w_t^m)
//	            + KL(q_t(z | x_tn) ‖ Σ_s β_ts q_s(z | x_tn)) ] + KL(q(w_t) ‖ Σ_s α_ts q(w_s)) }.
//
// Each KL to a mixture is the Monte Carlo estimate of the divergence to the
// mixture itself, E_q[log q − logsumexp_s(log α_ts + log q_s)], with a
// caller-set number of draws (KLToMixture); with one component (two tasks)
// the closed form is used where the pair has one. Gradients flow through the
// mixture into the other tasks' posteriors and, by the Gumbel-softmax
// reparameterization, into the connection logits.
//
// The caller creates the model's parameters on an engine.Graph and passes
// functions that build q(w_t), q_t(z | x) and p(y | z, w) from them; New adds
// the objective and its gradients to the graph and compiles them once; every
// Step sets the temperature, draws fresh noise, runs the program and steps
// the optimizer. Predict averages the likelihood over draws of z and w;
// Alpha and Beta return the mixing matrices at any step. Setting
// Config.Prior replaces the mixtures by a fixed prior, which gives the
// independent-task and pooled baselines on the same machinery. Package nn
// has the graph-level dense layers, encoders and mean-field posteriors the
// examples use.
package vmtl
