package many

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sync"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"
	"github.com/ignis-ppl/ignis/engine"
	"github.com/ignis-ppl/ignis/probgraph"
	"github.com/ignis-ppl/ignis/probgraph/autoguide"
	"github.com/ignis-ppl/ignis/probgraph/infer"
	"github.com/ignis-ppl/ignis/probgraph/infer/mcmc"
)

func init() {
	register.DoFn4x0[context.Context, Record, func(Posterior), func(DeadLetter)](&fitEachFn{})
	register.Emitter1[Posterior]()
}

// Record is one keyed data set for FitEach: the values a registered
// model is built from.
type Record struct {
	Key    string
	Values []float64
}

// ModelFunc builds the model of one key from its values.
type ModelFunc func(values []float64) (probgraph.Model, error)

// The models FitEach can run, by name. Beam runs a pipeline's functions in
// worker processes that start from the same binary, so a model must be
// known by name in every process before the pipeline runs: the
// application registers it from an init function, as it registers its
// DoFns with Beam.
var models = struct {
	sync.RWMutex
	byName map[string]ModelFunc
}{byName: map[string]ModelFunc{}}

// RegisterModel makes f known to FitEach as name. Call it from an init
// function; registering an empty name, a nil function or a name twice
// panics, as registering a DoFn twice does.
func RegisterModel(name string, f ModelFunc) {
	models.Lock()
	defer models.Unlock()
	if name == "" || f == nil {
		panic("many: RegisterModel needs a name and a function")
	}
	if _, ok := models.byName[name]; ok {
		panic(fmt.Sprintf("many: model %q registered twice", name))
	}
	models.byName[name] = f
}

func lookupModel(name string) (ModelFunc, error) {
	models.RLock()
	defer models.RUnlock()
	f, ok := models.byName[name]
	if !ok {
		return nil, fmt.Errorf("%w: no model registered as %q", ErrModel, name)
	}
	return f, nil
}

// Method is how FitEach finds a posterior.
type Method int

const (
	// NUTS samples the posterior with mcmc.Run.
	NUTS Method = iota
	// SVI fits a diagonal-normal guide (autoguide.DiagonalNormal) with
	// Adam on the trace ELBO.
	SVI
)

func (m Method) String() string {
	switch m {
	case NUTS:
		return "NUTS"
	case SVI:
		return "SVI"
	}
	return fmt.Sprintf("Method(%d)", int(m))
}

// EachOptions configure FitEach and FitOne.
type EachOptions struct {
	// Model is the registered model's name.
	Model  string
	Method Method
	// Seed is combined with a hash of each key, so every key has its own
	// stream and the same key gets the same numbers on any worker.
	Seed uint64
	// Warmup, Samples and Chains configure NUTS (defaults 500, 500, 2);
	// a key with more than MaxDivergences divergent draws goes to the dead
	// letters (default 0: any divergence does).
	Warmup, Samples, Chains, MaxDivergences int
	// Steps and LR configure SVI (defaults 1000 and 0.05).
	Steps int
	LR    float64
	// Draws keeps NUTS's draws in each Posterior.
	Draws bool
}

// WithDefaults returns the options with zero fields set to their defaults.
func (o EachOptions) WithDefaults() EachOptions {
	def := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	def(&o.Warmup, 500)
	def(&o.Samples, 500)
	def(&o.Chains, 2)
	def(&o.Steps, 1000)
	if o.LR == 0 {
		o.LR = 0.05
	}
	return o
}

// Validate reports options that cannot be followed (after defaults).
func (o EachOptions) Validate() error {
	if _, err := lookupModel(o.Model); err != nil {
		return err
	}
	if o.Method != NUTS && o.Method != SVI {
		return fmt.Errorf("%w: unknown method %d", ErrOptions, o.Method)
	}
	if o.Warmup < 0 || o.Samples < 1 || o.Chains < 1 || o.Steps < 1 || o.MaxDivergences < 0 || !(o.LR > 0) {
		return fmt.Errorf("%w: warmup %d, samples %d, chains %d, steps %d, max divergences %d, lr %v",
			ErrOptions, o.Warmup, o.Samples, o.Chains, o.Steps, o.MaxDivergences, o.LR)
	}
	return nil
}

// SiteSummary summarizes one scalar element of a latent site.
type SiteSummary struct {
	Site string
	// Index is the element's index within the site's shape (empty for a
	// scalar site).
	Index []int
	// Median and the 5% and 95% quantiles; with NUTS also the mean, the
	// standard deviation, R̂ and the bulk effective sample size (NaN with
	// SVI, whose guide gives quantiles).
	Median, Q5, Q95     float64
	Mean, SD, RHat, ESS float64
}

// SiteDraws are NUTS's draws of one site, all chains one after another,
// each draw of the site's shape.
type SiteDraws struct {
	Site   string
	Values []float64
}

// Posterior is the fit of one key.
type Posterior struct {
	Key  string
	Rows []SiteSummary
	// Divergences counts NUTS's divergent draws; Loss is SVI's final loss
	// (−ELBO estimate).
	Divergences int
	Loss        float64
	Draws       []SiteDraws
}

// FitEach fits the registered model o.Model to every Record of a
// PCollection<Record>, one key at a time on whichever worker holds it, and
// returns a PCollection<Posterior> and a PCollection<DeadLetter> with every
// key whose model failed to build or whose fit failed or diverged. Each
// key's result equals FitOne on its record, bit for bit.
func FitEach(s beam.Scope, records beam.PCollection, o EachOptions) (posts, dead beam.PCollection, err error) {
	o = o.WithDefaults()
	if err := o.Validate(); err != nil {
		return beam.PCollection{}, beam.PCollection{}, fmt.Errorf("many: FitEach: %w", err)
	}
	s = s.Scope("FitEach")
	posts, dead = beam.ParDo2(s, &fitEachFn{Options: o}, records)
	return posts, dead, nil
}

type fitEachFn struct {
	Options EachOptions
}

func (f *fitEachFn) ProcessElement(ctx context.Context, r Record, emit func(Posterior), dead func(DeadLetter)) {
	p, err := FitOne(ctx, r, f.Options)
	if err != nil {
		dead(deadLetter(r.Key, stageFitEach, err))
		return
	}
	emit(p)
}

const stageFitEach = "FitEach"

// FitOne fits the registered model o.Model to one record: FitEach's work
// for one key.
func FitOne(ctx context.Context, r Record, o EachOptions) (Posterior, error) {
	o = o.WithDefaults()
	if err := o.Validate(); err != nil {
		return Posterior{}, err
	}
	if i := firstNotFinite(r.Values); i >= 0 {
		return Posterior{}, fmt.Errorf("%w: record %q: value %d is %v", ErrData, r.Key, i, r.Values[i])
	}
	build, err := lookupModel(o.Model)
	if err != nil {
		return Posterior{}, err
	}
	model, err := build(r.Values)
	if err != nil {
		return Posterior{}, fmt.Errorf("%w: %q for key %q: %w", ErrModel, o.Model, r.Key, err)
	}
	seed := o.Seed ^ keyHash(r.Key)
	if o.Method == SVI {
		return fitSVI(ctx, r.Key, model, seed, o)
	}
	return fitNUTS(ctx, r.Key, model, seed, o)
}

func fitNUTS(ctx context.Context, key string, model probgraph.Model, seed uint64, o EachOptions) (Posterior, error) {
	samples, err := mcmc.Run(ctx, model, mcmc.WithWarmup(o.Warmup), mcmc.WithSamples(o.Samples),
		mcmc.WithChains(o.Chains), mcmc.WithSeed(seed))
	if err != nil {
		return Posterior{}, fmt.Errorf("many: NUTS for key %q: %w", key, err)
	}
	if d := samples.Divergences(); d > o.MaxDivergences {
		return Posterior{}, fmt.Errorf("%w: key %q: %d divergent draws (at most %d allowed)", ErrDiverged, key, d, o.MaxDivergences)
	}
	sum := samples.Summary()
	p := Posterior{Key: key, Divergences: sum.Divergences}
	for _, row := range sum.Rows {
		p.Rows = append(p.Rows, SiteSummary{Site: row.Site, Index: row.Index, Median: row.Median, Q5: row.Q5, Q95: row.Q95,
			Mean: row.Mean, SD: row.SD, RHat: row.RHat, ESS: row.ESSBulk})
	}
	if o.Draws {
		for _, site := range samples.Sites {
			v, err := samples.Get(site.Name)
			if err != nil {
				return Posterior{}, err
			}
			p.Draws = append(p.Draws, SiteDraws{Site: site.Name, Values: v})
		}
	}
	return p, nil
}

func fitSVI(ctx context.Context, key string, model probgraph.Model, seed uint64, o EachOptions) (Posterior, error) {
	guide, err := autoguide.NewDiagonalNormal(model)
	if err != nil {
		return Posterior{}, fmt.Errorf("many: SVI guide for key %q: %w", key, err)
	}
	opt, err := engine.NewAdam(engine.AdamOptions{LR: o.LR})
	if err != nil {
		return Posterior{}, err
	}
	svi, err := infer.NewSVI(model, guide.Model, opt, infer.TraceELBO{}, infer.WithSeed(seed))
	if err != nil {
		return Posterior{}, fmt.Errorf("many: SVI for key %q: %w", key, err)
	}
	losses, err := svi.Run(ctx, o.Steps, nil)
	if err != nil {
		return Posterior{}, fmt.Errorf("%w: SVI for key %q: %w", ErrDiverged, key, err)
	}
	last := losses[len(losses)-1]
	if math.IsNaN(last) || math.IsInf(last, 0) {
		return Posterior{}, fmt.Errorf("%w: SVI for key %q: final loss %v", ErrDiverged, key, last)
	}
	q, err := guide.Quantiles(svi.Params(), 0.05, 0.5, 0.95)
	if err != nil {
		return Posterior{}, fmt.Errorf("many: SVI quantiles for key %q: %w", key, err)
	}
	p := Posterior{Key: key, Loss: last}
	for _, site := range slices.Sorted(mapKeys(q)) {
		lv := q[site]
		for e := range lv[1].Data {
			p.Rows = append(p.Rows, SiteSummary{Site: site, Index: unravel(e, lv[1].Shape),
				Q5: lv[0].Data[e], Median: lv[1].Data[e], Q95: lv[2].Data[e],
				Mean: math.NaN(), SD: math.NaN(), RHat: math.NaN(), ESS: math.NaN()})
		}
	}
	return p, nil
}

// unravel is the row-major index of flat element e in shape.
func unravel(e int, shape []int) []int {
	if len(shape) == 0 {
		return nil
	}
	idx := make([]int, len(shape))
	for i := len(shape) - 1; i >= 0; i-- {
		idx[i] = e % shape[i]
		e /= shape[i]
	}
	return idx
}
