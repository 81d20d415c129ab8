package many

import (
	"errors"
	"fmt"
	"math"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"
	"github.com/ignis-ppl/ignis/engine"
)

func init() {
	register.Function1x2[GPFit, string, GPFit](keyFit)
	register.Function1x2[Series, string, Series](keySeries)
	register.DoFn6x0[string, func(*GPFit) bool, func(*Series) bool, func(*Series) bool, func(Score), func(DeadLetter)](&scoreFn{})
	register.Emitter1[Score]()
	register.Iter1[GPFit]()
}

const stagePredict = "Predict"

// Score is the posterior predictive of one key's GP at a set of query
// points, and the log density of the observed targets there.
type Score struct {
	Key string
	// Mean and Var are the predictive mean and variance of a new
	// observation (the latent f's variance plus the fitted noise) at each
	// query point.
	Mean, Var []float64
	// LogPredictive is Σᵢ log N(yᵢ; Mean[i], Var[i]), the pointwise
	// predictive log density of the query targets summed.
	LogPredictive float64
}

// Predict scores a PCollection<Series> of queries (points X and observed
// targets Y per key; a key may have many) against fitted GPs: fits
// (PCollection<GPFit>, as FitGPs returns) and the series they were fitted
// to (PCollection<Series>), joined by key. o.Kernel must be the kernel of
// the fit. It returns a PCollection<Score>, one per query, and a
// PCollection<DeadLetter> for queries without exactly one fit and one
// training series, or that fail. Each score equals ScoreOne's, bit for
// bit.
func Predict(s beam.Scope, fits, train, queries beam.PCollection, o GPOptions) (scores, dead beam.PCollection, err error) {
	o = o.WithDefaults()
	if err := o.Validate(); err != nil {
		return beam.PCollection{}, beam.PCollection{}, fmt.Errorf("many: Predict: %w", err)
	}
	s = s.Scope("Predict")
	joined := beam.CoGroupByKey(s,
		beam.ParDo(s, keyFit, fits), beam.ParDo(s, keySeries, train), beam.ParDo(s, keySeries, queries))
	scores, dead = beam.ParDo2(s, &scoreFn{Kernel: o.Kernel}, joined)
	return scores, dead, nil
}

func keyFit(f GPFit) (string, GPFit)      { return f.Key, f }
func keySeries(s Series) (string, Series) { return s.Key, s }

type scoreFn struct {
	Kernel engine.Stationary
}

func (f *scoreFn) ProcessElement(key string, fits func(*GPFit) bool, train, queries func(*Series) bool,
	emit func(Score), dead func(DeadLetter)) {
	var all []GPFit
	for {
		var fit GPFit
		if !fits(&fit) {
			break
		}
		all = append(all, fit)
	}
	var series []Series
	for {
		var t Series
		if !train(&t) {
			break
		}
		series = append(series, t)
	}
	for {
		var q Series
		if !queries(&q) {
			break
		}
		if len(all) != 1 || len(series) != 1 {
			dead(deadLetter(key, stagePredict, fmt.Errorf("%w: key %q has %d fits and %d training series (want one of each)",
				ErrData, key, len(all), len(series))))
			continue
		}
		sc, err := ScoreOne(all[0], series[0], q, f.Kernel)
		if err != nil {
			dead(deadLetter(key, stagePredict, err))
			continue
		}
		emit(sc)
	}
}

// ScoreOne is the posterior predictive of the GP fitted as fit to train
// (kernel kind) at the query's points, scored against its targets:
// Predict's work for one query.
func ScoreOne(fit GPFit, train, query Series, kind engine.Stationary) (Score, error) {
	if err := train.Validate(); err != nil {
		return Score{}, err
	}
	if err := query.Validate(); err != nil {
		return Score{}, err
	}
	dim := train.Dim
	if query.Dim != dim || len(fit.Lengthscale) != dim {
		return Score{}, fmt.Errorf("%w: key %q: training dim %d, query dim %d, %d lengthscales",
			ErrData, query.Key, dim, query.Dim, len(fit.Lengthscale))
	}
	noise := fit.Noise + fit.Jitter
	post, prog, err := posterior(kind, fit.Lengthscale, []float64{fit.Variance}, []float64{noise},
		train.X, train.Y, query.X, 1, train.N(), dim)
	var me *memberError
	if errors.As(err, &me) {
		err = me.err
	}
	if err != nil {
		return Score{}, fmt.Errorf("many: predict key %q: %w", query.Key, err)
	}
	mean, vf := prog.Value(post.Mean), prog.Value(post.Var)
	sc := Score{Key: query.Key, Mean: make([]float64, len(mean)), Var: make([]float64, len(vf))}
	for i, m := range mean {
		v := vf[i] + noise
		sc.Mean[i], sc.Var[i] = m, v
		r := query.Y[i] - m
		sc.LogPredictive += -0.5 * (math.Log(2*math.Pi*v) + r*r/v)
	}
	return sc, nil
}
