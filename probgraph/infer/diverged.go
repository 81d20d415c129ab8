package infer

import (
	"fmt"
	"math"
	"strings"

	"github.com/ignis-ppl/ignis/engine"
	"github.com/ignis-ppl/ignis/probgraph"
)

// nonFiniteSites names the sites whose log density is not finite at the
// current parameters, for the error of a step whose loss was not finite
// ("" when none can be found). Only this error path pays for it: it compiles
// a second program computing each site's log density, gives it the
// parameters and subsample of the failed step, and runs it once with the
// seed's noise, which is the failed step's noise at step 0 and fresh noise
// later (a cause in the data or the parameters shows either way).
func (s *SVI) nonFiniteSites() string {
	var outs []*engine.Node
	var names []string
	for _, tr := range []struct {
		role  string
		trace *probgraph.Trace
	}{{"model", s.obj.ModelTrace}, {"guide", s.obj.GuideTrace}} {
		if tr.trace == nil {
			continue
		}
		for _, site := range tr.trace.Sites() {
			if lp := site.LogProbSum(); lp.Valid() {
				outs = append(outs, lp)
				names = append(names, fmt.Sprintf("%s site %q", tr.role, site.Name))
			}
		}
	}
	if err := s.g.Err(); err != nil || len(outs) == 0 {
		return ""
	}
	prog, err := s.g.Compile(outs, engine.WithSeed(s.cfg.seed), engine.WithDevice(s.cfg.device))
	if err != nil {
		return ""
	}
	inputs := append([]*engine.Node(nil), s.params...)
	for _, tr := range []*probgraph.Trace{s.obj.GuideTrace, s.obj.ModelTrace} {
		if tr == nil {
			continue
		}
		for _, p := range tr.Plates() {
			if idx := p.Indices(); idx != nil {
				inputs = append(inputs, idx)
			}
		}
	}
	for _, n := range inputs {
		if dst, src := prog.Value(n), s.prog.Value(n); dst != nil && len(dst) == len(src) {
			copy(dst, src)
		}
	}
	if err := prog.Run(); err != nil {
		return ""
	}
	var bad []string
	for i, n := range outs {
		if v := prog.Scalar(n); math.IsNaN(v) || math.IsInf(v, 0) {
			bad = append(bad, fmt.Sprintf("%s has log density %v", names[i], v))
		}
	}
	return strings.Join(bad, ", ")
}
