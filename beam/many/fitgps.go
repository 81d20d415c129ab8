package many

import (
	"fmt"
	"reflect"
	"runtime"
	"sync"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"
)

func init() {
	register.DoFn3x0[Series, func(string, Series), func(DeadLetter)](&bucketFn{})
	register.DoFn4x0[string, func(*Series) bool, func(GPFit), func(DeadLetter)](&fitGroupFn{})
	register.Emitter1[DeadLetter]()
	register.Emitter1[GPFit]()
	register.Emitter2[string, Series]()
	register.Iter1[Series]()
	for _, t := range []reflect.Type{reflect.TypeFor[Series](), reflect.TypeFor[GPFit](),
		reflect.TypeFor[DeadLetter](), reflect.TypeFor[Record](), reflect.TypeFor[Posterior](), reflect.TypeFor[Score]()} {
		beam.RegisterType(t)
	}
}

// FitGPs fits one exact GP per series of a PCollection<Series> by MAP with
// the priors of o, many series at a time: series with the same number of
// points and inputs are grouped (Shards groups per size, by a hash of the
// key), each group is cut into bundles of BundleSize series, and each
// bundle is fitted as one batched GP (FitBundle), a group's bundles on all
// the cores of the worker that holds it. It returns a PCollection<GPFit>,
// one per fitted series, and a PCollection<DeadLetter> with every series
// that produced no fit (bad data, a covariance not positive definite after
// the bounded jitter, a fit that diverged) and why.
//
// The bundles depend only on the set of series and the options, so the
// results equal, bit for bit, FitBundle on each of Bundles(series, o).
func FitGPs(s beam.Scope, series beam.PCollection, o GPOptions) (fits, dead beam.PCollection, err error) {
	o = o.WithDefaults()
	if err := o.Validate(); err != nil {
		return beam.PCollection{}, beam.PCollection{}, fmt.Errorf("many: FitGPs: %w", err)
	}
	s = s.Scope("FitGPs")
	keyed, badData := beam.ParDo2(s, &bucketFn{Shards: o.Shards}, series)
	fits, failed := beam.ParDo2(s, &fitGroupFn{Options: o}, beam.GroupByKey(s, keyed))
	return fits, beam.Flatten(s, badData, failed), nil
}

// bucketFn keys a valid series by its bucket (size and shard) and sends an
// invalid one to the dead letters.
type bucketFn struct {
	Shards int
}

func (f *bucketFn) ProcessElement(s Series, emit func(string, Series), dead func(DeadLetter)) {
	if err := s.Validate(); err != nil {
		dead(deadLetter(s.Key, stageFitGPs, err))
		return
	}
	emit(bucket(s, f.Shards), s)
}

// fitGroupFn cuts one group's series into bundles and fits them, as many
// at once as the process has cores: a runner may hand a worker all its
// groups in one bundle of work (Prism does), and the cores would
// otherwise idle.
type fitGroupFn struct {
	Options GPOptions
}

func (f *fitGroupFn) ProcessElement(name string, iter func(*Series) bool, emit func(GPFit), dead func(DeadLetter)) {
	var members []Series
	for {
		var s Series
		if !iter(&s) {
			break
		}
		members = append(members, s)
	}
	bundles := chunk(name, members, f.Options.BundleSize)
	type result struct {
		fits []GPFit
		dead []DeadLetter
	}
	results := make([]result, len(bundles))
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(bundles)) {
		wg.Go(func() {
			for i := range next {
				results[i].fits, results[i].dead = fitOrDeadLetter(bundles[i], f.Options)
			}
		})
	}
	for i := range bundles {
		next <- i
	}
	close(next)
	wg.Wait()
	// Emitters are called from this goroutine only.
	for _, r := range results {
		for _, fit := range r.fits {
			emit(fit)
		}
		for _, d := range r.dead {
			dead(d)
		}
	}
}

// fitOrDeadLetter is FitBundle with a whole-bundle failure turned into a
// dead letter per member: the options were validated when the pipeline
// was built, so such a failure is the bundle's data, and failing the
// pipeline would lose every other bundle's fits.
func fitOrDeadLetter(b Bundle, o GPOptions) ([]GPFit, []DeadLetter) {
	fits, dead, err := FitBundle(b, o)
	if err != nil {
		dead = dead[:0]
		for _, m := range b.Members {
			dead = append(dead, deadLetter(m.Key, stageFitGPs, err))
		}
	}
	return fits, dead
}
