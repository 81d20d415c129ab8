package infer

import (
	"context"
	"fmt"

	"github.com/ignis-ppl/ignis/optim"
)

// Minimize fits the parameters by L-BFGS (optim.MinimizeProgram) instead of
// the SVI's stochastic optimizer, for an objective that is deterministic:
// MAP with a Delta guide (autoguide.Delta), maximum likelihood (a model
// with no latent sites and an empty guide), or a TraceEnumELBO whose
// discrete sites are all enumerated. Such an objective draws no noise and
// subsamples no plate; anything else is an ErrOptions error, since a line
// search on a noisy estimate means nothing (use RunUntil with a running
// average rule, optim.Plateau, instead).
//
// The parameters start from their current values and hold the best point
// found when it returns. The run counts as one step in History, which gets
// the final loss; Result says how it stopped (stop's rules: gradient norm,
// relative decrease with patience, iteration limit). A run whose line
// search failed returns the best point with Result.Err set and no error.
func (s *SVI) Minimize(ctx context.Context, stop optim.Stop) (optim.Result, error) {
	switch {
	case s.prog.Stochastic():
		return optim.Result{}, fmt.Errorf("%w: Minimize needs a deterministic objective; this one draws noise (a guide with sampled sites, or particles): use Run or RunUntil", ErrOptions)
	case len(s.subsamples) > 0:
		return optim.Result{}, fmt.Errorf("%w: Minimize needs a deterministic objective; this one subsamples plate data: use Run or RunUntil", ErrOptions)
	case s.obj.Baseline != nil || len(s.obj.SiteBaselines) > 0:
		return optim.Result{}, fmt.Errorf("%w: Minimize needs a deterministic objective; this one has score-function terms with baselines", ErrOptions)
	}
	r, err := optim.MinimizeProgram(ctx, s.prog, s.obj.Loss, s.params, s.grads, stop)
	if err != nil {
		return r, fmt.Errorf("infer: minimize: %w", err)
	}
	// The program last ran at whatever point the line search tried last:
	// run it at the best point so that Param, Params and Evaluate agree.
	if err := s.prog.Replay(); err != nil {
		return r, fmt.Errorf("infer: minimize: %w", err)
	}
	s.history = append(s.history, r.F)
	s.steps++
	return r, nil
}
