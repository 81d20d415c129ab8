package autoguide

import (
	"errors"
	"fmt"
	"slices"

	"github.com/ignis-ppl/ignis/engine"
	"github.com/ignis-ppl/ignis/probgraph"
	"github.com/ignis-ppl/ignis/probgraph/dist"
)

// ErrAutoguide reports a model an automatic guide cannot be built for.
var ErrAutoguide = errors.New("autoguide: cannot build guide")

// site is what a guide knows about one latent site of the model, learned
// from a prototype trace.
type site struct {
	name      string
	support   dist.Constraint
	transform dist.Transform
	// shape is the constrained value's shape (batch + event, plates
	// included); eventDim is the number of event dimensions.
	shape    engine.Shape
	eventDim int
	// uncShape is the unconstrained value's shape.
	uncShape engine.Shape
	// init is the unconstrained initial value.
	init probgraph.Tensor
}

// setup applies the options and finds and initializes the model's latent
// sites: what every guide's constructor starts with.
func setup(model probgraph.Model, opts []Option) (config, []*site, error) {
	cfg, err := newConfig(opts)
	if err != nil {
		return config{}, nil, err
	}
	sites, err := prototype(model, cfg.init, 0)
	return cfg, sites, err
}

// prototype traces the model to find its latent sites, then draws from the
// prior (with the given seed) to initialize them with the strategy.
func prototype(model probgraph.Model, init InitStrategy, seed uint64) ([]*site, error) {
	if model == nil {
		return nil, fmt.Errorf("%w: nil model", ErrAutoguide)
	}
	if init == nil {
		init = InitToMedian(15)
	}
	g := engine.NewGraph()
	ps := probgraph.NewParamStore(g)
	tr, err := probgraph.TraceModel(g, ps.Handle()(model))
	if err != nil {
		return nil, fmt.Errorf("%w: tracing the model: %v", ErrAutoguide, err)
	}
	var sites []*site
	for _, s := range tr.Sites() {
		if !s.IsLatent() || s.Infer.Enumerate != probgraph.NoEnumeration {
			continue
		}
		for _, p := range s.Plates {
			if p.Subsampled() {
				return nil, fmt.Errorf("%w: latent site %q is in subsampled plate %q; automatic guides need the full plate",
					ErrAutoguide, s.Name, p.Name)
			}
		}
		t, err := dist.BijectTo(s.Dist.Support())
		if err != nil {
			return nil, fmt.Errorf("%w: site %q: %v", ErrAutoguide, s.Name, err)
		}
		shape := s.Value.Shape()
		unc, err := t.InverseShape(shape)
		if err != nil {
			return nil, fmt.Errorf("%w: site %q: %v", ErrAutoguide, s.Name, err)
		}
		sites = append(sites, &site{name: s.Name, support: s.Dist.Support(), transform: t, shape: shape,
			eventDim: len(s.Dist.EventShape()), uncShape: unc})
	}
	if len(sites) == 0 {
		return nil, fmt.Errorf("%w: the model has no latent sites", ErrAutoguide)
	}
	if err := initialize(model, sites, init, seed); err != nil {
		return nil, err
	}
	return sites, nil
}

// InitSite is what an init strategy sees of a latent site: its prior draws
// and, when the prior has one in closed form, its mean.
type InitSite struct {
	Name    string
	Shape   engine.Shape
	Support dist.Constraint
	// Draws holds len(Draws) draws from the prior, each of Shape.
	Draws [][]float64
	// Mean is the prior mean, or nil.
	Mean []float64
}

// InitStrategy chooses a site's initial (constrained) value. It must lie in
// the site's support.
type InitStrategy func(s InitSite) (probgraph.Tensor, error)

// InitToMedian starts each site at the element-wise median of n prior draws.
func InitToMedian(n int) InitStrategy {
	return func(s InitSite) (probgraph.Tensor, error) {
		if len(s.Draws) == 0 {
			return probgraph.Tensor{}, fmt.Errorf("no prior draws for %q", s.Name)
		}
		k := min(n, len(s.Draws))
		out := make([]float64, len(s.Draws[0]))
		col := make([]float64, k)
		for i := range out {
			for j := 0; j < k; j++ {
				col[j] = s.Draws[j][i]
			}
			slices.Sort(col)
			if k%2 == 1 {
				out[i] = col[k/2]
			} else {
				out[i] = 0.5 * (col[k/2-1] + col[k/2])
			}
		}
		if s.Support != nil && s.Support.String() == "simplex" && len(s.Shape) > 0 {
			// Element-wise medians of simplex draws need not sum to one;
			// project them back onto the simplex row by row.
			renormalize(out, s.Shape[len(s.Shape)-1])
		}
		return probgraph.Tensor{Data: out, Shape: s.Shape}, nil
	}
}

// renormalize scales each consecutive row of length k to sum to one.
func renormalize(v []float64, k int) {
	for r := 0; r+k <= len(v); r += k {
		sum := 0.0
		for _, x := range v[r : r+k] {
			sum += x
		}
		for i := r; i < r+k; i++ {
			v[i] /= sum
		}
	}
}

// InitToMean starts each site at its prior mean, or at the median of prior
// draws when the mean has no closed form.
func InitToMean() InitStrategy {
	return func(s InitSite) (probgraph.Tensor, error) {
		if s.Mean != nil {
			return probgraph.Tensor{Data: slices.Clone(s.Mean), Shape: s.Shape}, nil
		}
		return InitToMedian(15)(s)
	}
}

// InitToSample starts each site at one draw from its prior.
func InitToSample() InitStrategy {
	return func(s InitSite) (probgraph.Tensor, error) {
		if len(s.Draws) == 0 {
			return probgraph.Tensor{}, fmt.Errorf("no prior draws for %q", s.Name)
		}
		return probgraph.Tensor{Data: slices.Clone(s.Draws[0]), Shape: s.Shape}, nil
	}
}

// InitToValue starts the named sites at the given values and the others by
// fallback (InitToMedian(15) when nil).
func InitToValue(values map[string]probgraph.Tensor, fallback InitStrategy) InitStrategy {
	if fallback == nil {
		fallback = InitToMedian(15)
	}
	return func(s InitSite) (probgraph.Tensor, error) {
		if v, ok := values[s.Name]; ok {
			if engine.Shape(v.Shape).Size() != s.Shape.Size() || len(v.Data) != s.Shape.Size() {
				return probgraph.Tensor{}, fmt.Errorf("init value for %q has shape %v, site has %v", s.Name, v.Shape, s.Shape)
			}
			return probgraph.Tensor{Data: slices.Clone(v.Data), Shape: s.Shape}, nil
		}
		return fallback(s)
	}
}

// InitToFeasible starts each site at the image of zero in unconstrained
// space (1 for positive sites, ½ for unit-interval ones, the uniform point of
// a simplex).
func InitToFeasible() InitStrategy {
	return func(s InitSite) (probgraph.Tensor, error) {
		t, err := dist.BijectTo(s.Support)
		if err != nil {
			return probgraph.Tensor{}, err
		}
		unc, err := t.InverseShape(s.Shape)
		if err != nil {
			return probgraph.Tensor{}, err
		}
		v, err := probgraph.Constrain(s.Support, probgraph.Zeros(unc...))
		if err != nil {
			return probgraph.Tensor{}, err
		}
		v.Shape = s.Shape
		return v, nil
	}
}

const initDraws = 15

// initialize draws from each latent site's prior (initDraws draws of the
// site's distribution, taken while the model runs once) and applies the
// strategy to each site. Drawing per site rather than vectorizing the whole
// model keeps models that reshape their latents working.
func initialize(model probgraph.Model, sites []*site, init InitStrategy, seed uint64) error {
	g := engine.NewGraph()
	ps := probgraph.NewParamStore(g)
	rec := &priorRecorder{draws: map[string]*engine.Node{}, means: map[string]*engine.Node{}}
	if _, err := probgraph.TraceModel(g, probgraph.Chain(ps.Handle(), probgraph.With(rec))(model)); err != nil {
		return fmt.Errorf("%w: drawing from the prior: %v", ErrAutoguide, err)
	}
	var outs []*engine.Node
	for _, s := range sites {
		outs = append(outs, rec.draws[s.name])
	}
	prog, err := g.Compile(outs, engine.WithSeed(seed))
	if err != nil {
		return fmt.Errorf("%w: %v", ErrAutoguide, err)
	}
	if err := prog.Run(); err != nil {
		return fmt.Errorf("%w: drawing from the prior: %v", ErrAutoguide, err)
	}
	// Means are optional: a family whose mean fails to build or run simply
	// has none.
	meanVals := map[string][]float64{}
	for name, mn := range rec.means {
		g2 := mn.Graph()
		if mp, err := g2.Compile([]*engine.Node{mn}); err == nil && mp.Run() == nil {
			meanVals[name] = slices.Clone(mp.Value(mn))
		}
	}
	for i, s := range sites {
		v := prog.Value(outs[i])
		size := s.shape.Size()
		if len(v) != initDraws*size {
			return fmt.Errorf("%w: site %q: %d prior values for shape %v", ErrAutoguide, s.name, len(v), s.shape)
		}
		is := InitSite{Name: s.name, Shape: s.shape, Support: s.support}
		if mv := meanVals[s.name]; len(mv) == size {
			is.Mean = mv
		}
		for k := 0; k < initDraws; k++ {
			is.Draws = append(is.Draws, slices.Clone(v[k*size:(k+1)*size]))
		}
		c, err := init(is)
		if err != nil {
			return fmt.Errorf("%w: init of %q: %v", ErrAutoguide, s.name, err)
		}
		u, err := probgraph.Unconstrain(s.support, probgraph.Tensor{Data: c.Data, Shape: s.shape})
		if err != nil {
			return fmt.Errorf("%w: init of %q: %v", ErrAutoguide, s.name, err)
		}
		s.init = probgraph.Tensor{Data: u.Data, Shape: s.uncShape}
	}
	return nil
}

// priorRecorder takes initDraws extra draws of every latent site's
// distribution (and its mean, when it has one) as the model runs.
type priorRecorder struct {
	probgraph.NopHandler
	draws, means map[string]*engine.Node
}

func (h *priorRecorder) Process(s *probgraph.Site) {
	if !s.IsLatent() || s.Value != nil {
		return
	}
	h.draws[s.Name] = s.Dist.Sample(initDraws)
	if m, ok := s.Dist.(dist.Meaner); ok {
		g := s.Dist.Graph()
		// Build the mean on a fresh graph check: a failing Mean must not
		// poison the prototype graph, so only keep it when it is valid and
		// has the site's shape.
		if mn := m.Mean(); mn.Valid() && g.Err() == nil {
			h.means[s.Name] = mn
		} else {
			_ = g.Err()
		}
	}
}
