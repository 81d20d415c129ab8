package mcmc

import (
	"fmt"
	"strings"
)

// WarningKind is the kind of sampling problem a Warning reports.
type WarningKind uint8

// Warning kinds.
const (
	// Divergence: trajectories whose energy error exceeded 1000, or that
	// reached a point where the potential could not be evaluated. The
	// draws near them are biased; reparameterize the model or raise the
	// target acceptance.
	Divergence WarningKind = iota
	// TrajectoryLimit: trajectories stopped by their length limit before
	// they turned back, the maximum tree depth for NUTS (raise it with
	// WithMaxTreeDepth) or MaxHMCSteps for HMC (lengthen the step or
	// shorten the trajectory). The chain explores slowly.
	TrajectoryLimit
)

func (k WarningKind) String() string {
	switch k {
	case Divergence:
		return "divergence"
	case TrajectoryLimit:
		return "trajectory limit"
	}
	return fmt.Sprintf("WarningKind(%d)", uint8(k))
}

// maxWarningDraws is how many draw indices a Warning lists.
const maxWarningDraws = 5

// Warning reports a sampling problem in one chain's kept draws.
type Warning struct {
	Chain int
	Kind  WarningKind
	// Count is the number of the chain's kept draws affected, out of Of.
	Count, Of int
	// First lists the first few affected draws (at most 5), as indices
	// among the chain's kept draws.
	First []int
	// Limit is the limit a TrajectoryLimit warning's trajectories hit:
	// "maximum tree depth 10" (NUTS) or "cap of 1048576 leapfrog steps"
	// (HMC).
	Limit string
}

func (w Warning) String() string {
	idx := make([]string, len(w.First))
	for i, d := range w.First {
		idx[i] = fmt.Sprint(d)
	}
	if w.Count > len(w.First) {
		idx = append(idx, "…")
	}
	what := "divergent transitions"
	if w.Kind == TrajectoryLimit {
		what = "trajectories stopped at the " + w.Limit
	}
	return fmt.Sprintf("chain %d: %d of %d draws: %s (draws %s)", w.Chain, w.Count, w.Of, what, strings.Join(idx, ", "))
}

// Warnings lists each chain's divergences and trajectories stopped by their
// length limit among the kept draws, chain by chain, divergences first; nil
// when there are none.
func (s *Samples) Warnings() []Warning {
	limit := fmt.Sprintf("maximum tree depth %d", s.MaxTreeDepth)
	if s.Algorithm == HMC {
		limit = fmt.Sprintf("cap of %d leapfrog steps", MaxHMCSteps)
	}
	var out []Warning
	for c, st := range s.Chains {
		for _, k := range []struct {
			kind  WarningKind
			flags []bool
		}{{Divergence, st.Divergent}, {TrajectoryLimit, st.Saturated}} {
			w := Warning{Chain: c, Kind: k.kind, Of: len(k.flags)}
			for i, f := range k.flags {
				if !f {
					continue
				}
				w.Count++
				if len(w.First) < maxWarningDraws {
					w.First = append(w.First, i)
				}
			}
			if w.Count > 0 {
				if k.kind == TrajectoryLimit {
					w.Limit = limit
				}
				out = append(out, w)
			}
		}
	}
	return out
}
