package probgraph

import (
	"fmt"
	"slices"

	"github.com/ignis-ppl/ignis/engine"
)

// Handler intercepts the sites of a model. Process runs before the site's
// value is decided (innermost handler first); Postprocess runs after (for the
// handlers that saw the site, outermost first). Embed NopHandler to implement
// only one of them.
type Handler interface {
	Process(s *Site)
	Postprocess(s *Site)
}

// NopHandler does nothing; handlers embed it.
type NopHandler struct{}

// Process does nothing.
func (NopHandler) Process(*Site) {}

// Postprocess does nothing.
func (NopHandler) Postprocess(*Site) {}

// Middleware wraps a model with behaviour: a handler around it, usually.
type Middleware func(Model) Model

// Chain composes middleware; the first is outermost: Chain(a, b)(m) = a(b(m)).
func Chain(ms ...Middleware) Middleware {
	return func(model Model) Model {
		for i := len(ms) - 1; i >= 0; i-- {
			model = ms[i](model)
		}
		return model
	}
}

// With returns middleware that runs the model with h on the handler stack.
func With(h Handler) Middleware {
	return func(model Model) Model {
		return func(m *Ctx) {
			m.push(h)
			defer m.pop()
			model(m)
		}
	}
}

// Record traces the sites of every run into tr (which is reset first).
func Record(tr *Trace) Middleware {
	return func(model Model) Model {
		return func(m *Ctx) {
			tr.reset(m)
			With(&traceHandler{tr: tr, m: m})(model)(m)
			tr.plates = m.Plates()
		}
	}
}

type traceHandler struct {
	NopHandler
	tr *Trace
	m  *Ctx
}

func (h *traceHandler) Postprocess(s *Site) {
	if h.m.seed != nil {
		seed := *h.m.seed
		h.tr.seed = &seed
	}
	h.tr.add(s)
}

// Replay sets the value of each latent sample site to the value of the site
// with the same name in tr (the guide's trace, when the model is scored
// against the guide).
func Replay(tr *Trace) Middleware { return With(&replayHandler{tr: tr}) }

type replayHandler struct {
	NopHandler
	tr *Trace
}

func (h *replayHandler) Process(s *Site) {
	if s.Kind != SampleSite || s.Observed {
		return
	}
	if t := h.tr.Site(s.Name); t != nil && t.Kind == SampleSite {
		s.Value = t.Value
	}
}

// Block hides sites from the handlers outside it: a site for which hide
// returns true stops at the block.
func Block(hide func(*Site) bool) Middleware { return With(&blockHandler{hide: hide}) }

// Hide blocks the named sites.
func Hide(names ...string) Middleware {
	return Block(func(s *Site) bool { return slices.Contains(names, s.Name) })
}

// Expose blocks every site except the named ones.
func Expose(names ...string) Middleware {
	return Block(func(s *Site) bool { return !slices.Contains(names, s.Name) })
}

type blockHandler struct {
	NopHandler
	hide func(*Site) bool
}

func (h *blockHandler) Process(s *Site) {
	if h.hide(s) {
		s.Stop = true
	}
}

// Condition observes the named sample sites at the given values.
func Condition(data map[string]*engine.Node) Middleware {
	return With(&conditionHandler{data: data})
}

type conditionHandler struct {
	NopHandler
	data map[string]*engine.Node
}

func (h *conditionHandler) Process(s *Site) {
	if v, ok := h.data[s.Name]; ok && s.Kind == SampleSite {
		s.Value, s.Observed = v, true
	}
}

// Substitute fixes the values of the named sample or parameter sites without
// observing them (parameters keep no unconstrained node; latent sites stay
// latent).
func Substitute(values map[string]*engine.Node) Middleware {
	return With(&substituteHandler{values: values})
}

type substituteHandler struct {
	NopHandler
	values map[string]*engine.Node
}

func (h *substituteHandler) Process(s *Site) {
	if v, ok := h.values[s.Name]; ok && s.Kind != DeterministicSite {
		s.Value = v
	}
}

// Scale multiplies the log-probability of every sample site by factor, which
// must be positive.
func Scale(factor float64) Middleware {
	return func(model Model) Model {
		return func(m *Ctx) {
			if !(factor > 0) {
				m.g.Fail(fmt.Errorf("%w: scale factor %v must be positive", ErrSite, factor))
				return
			}
			With(&scaleHandler{factor: factor})(model)(m)
		}
	}
}

type scaleHandler struct {
	NopHandler
	factor float64
}

func (h *scaleHandler) Process(s *Site) { s.Scale *= h.factor }

// Mask multiplies the log-probability of every sample site by a 0/1 mask that
// broadcasts with the site's batch shape.
func Mask(mask *engine.Node) Middleware { return With(&maskHandler{mask: mask}) }

type maskHandler struct {
	NopHandler
	mask *engine.Node
}

func (h *maskHandler) Process(s *Site) {
	if s.Kind != SampleSite {
		return
	}
	if s.Mask == nil {
		s.Mask = h.mask
		return
	}
	g := h.mask.Graph()
	s.Mask = g.Mul(s.Mask, h.mask)
}

// Seed fixes the seed that programs compiled from the model's trace use for
// their noise (see Trace.Seed): the same seed gives the same draws.
func Seed(seed uint64) Middleware {
	return func(model Model) Model {
		return func(m *Ctx) {
			old := m.seed
			m.seed = &seed
			defer func() { m.seed = old }()
			model(m)
		}
	}
}

// Particles runs n copies of the model at once: every sample site's
// distribution is expanded with a batch dimension of size n at dim (left of
// every plate), so that inference algorithms average over n particles in one
// program run.
func Particles(n, dim int) Middleware {
	return func(model Model) Model {
		return func(m *Ctx) {
			if n < 1 || dim >= 0 {
				m.g.Fail(fmt.Errorf("%w: particles: %d at dim %d", ErrPlate, n, dim))
				return
			}
			p := &Plate{m: m, Name: "_particles", Size: n, SubsampleSize: n, Dim: dim, Particles: true}
			With(&particleHandler{p: p})(model)(m)
		}
	}
}

type particleHandler struct {
	NopHandler
	p *Plate
}

func (h *particleHandler) Process(s *Site) {
	if s.Kind != SampleSite {
		return
	}
	s.Plates = append([]*Plate{h.p}, s.Plates...)
	one := &Site{Name: s.Name, Dist: s.Dist, Plates: []*Plate{h.p}, Scale: 1}
	if err := expandToPlates(one); err != nil {
		s.Dist.Graph().Fail(err)
		return
	}
	s.Dist = one.Dist
}

// MaxBatchRank returns the largest batch rank among a trace's sample sites:
// the number of dimensions a particle dimension must sit to the left of.
func (t *Trace) MaxBatchRank() int {
	r := 0
	for _, s := range t.sites {
		if s.Kind == SampleSite {
			r = max(r, len(s.Dist.BatchShape()))
		}
	}
	return r
}
