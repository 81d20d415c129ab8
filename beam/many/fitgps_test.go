package many

import (
	"errors"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	_ "github.com/apache/beam/sdks/v2/go/pkg/beam/runners/prism"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/testing/passert"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/testing/ptest"
	"github.com/ignis-ppl/ignis/gp"
)

// The pipelines under test run on Prism, in this process.
func TestMain(m *testing.M) {
	ptest.Main(m)
}

// testOptions are short MAP fits with priors on every hyperparameter,
// small bundles and two shards, so that 100 series make several bundles
// per size.
func testOptions() GPOptions {
	return GPOptions{
		Lengthscale: &Gamma{Conc: 2, Rate: 1},
		Variance:    &Gamma{Conc: 2, Rate: 1},
		Noise:       &Gamma{Conc: 1.1, Rate: 10},
		Steps:       40,
		BundleSize:  16,
		Shards:      2,
		At:          []float64{0.5, 5, 9.5},
	}
}

// testSeries are 100 series of two sizes (8 and 12 points) and two
// poisoned ones: a NaN target (bad data) and targets so large that the
// marginal likelihood overflows (a diverged fit).
func testSeries() []Series {
	series := append(Synthetic(60, 8, 1, 1), Synthetic(40, 12, 1, 2)...)
	for i := 60; i < 100; i++ {
		series[i].Key = strings.Replace(series[i].Key, "series", "long", 1)
	}
	nan := Synthetic(1, 8, 1, 3)[0]
	nan.Key, nan.Y[3] = "poison-nan", math.NaN()
	huge := Synthetic(1, 12, 1, 4)[0]
	huge.Key = "poison-huge"
	for i := range huge.Y {
		huge.Y[i] = 1e200 * float64(i+1)
	}
	return append(series, nan, huge)
}

// direct fits the bundles of series in-process, as a user without Beam
// would.
func direct(t *testing.T, series []Series, o GPOptions) ([]GPFit, []DeadLetter) {
	t.Helper()
	bundles, dead := Bundles(series, o)
	var fits []GPFit
	for _, b := range bundles {
		f, d, err := FitBundle(b, o)
		if err != nil {
			t.Fatal(err)
		}
		fits, dead = append(fits, f...), append(dead, d...)
	}
	return fits, dead
}

func TestFitGPsUnderPrismEqualsDirectFitsBitForBit(t *testing.T) {
	series, o := testSeries(), testOptions()
	wantFits, wantDead := direct(t, series, o)
	if len(wantFits) != 100 || len(wantDead) != 2 {
		t.Fatalf("direct fits: %d fits and %d dead letters, want 100 and 2", len(wantFits), len(wantDead))
	}
	p, s := beam.NewPipelineWithRoot()
	fits, dead, err := FitGPs(s, beam.CreateList(s, series), o)
	if err != nil {
		t.Fatal(err)
	}
	// passert compares encoded elements: every float's bits must agree.
	passert.EqualsList(s, fits, wantFits)
	passert.EqualsList(s, dead, wantDead)
	ptest.RunAndValidate(t, p)
}

func TestPoisonedSeriesBecomeDeadLettersWithTheirCause(t *testing.T) {
	_, dead := direct(t, testSeries(), testOptions())
	byKey := map[string]string{}
	for _, d := range dead {
		if d.Stage != stageFitGPs {
			t.Errorf("%s: stage %q, want %q", d.Key, d.Stage, stageFitGPs)
		}
		byKey[d.Key] = d.Error
	}
	if e := byKey["poison-nan"]; !strings.Contains(e, ErrData.Error()) || !strings.Contains(e, "target 3 is NaN") {
		t.Errorf("NaN series: dead letter %q, want bad data naming target 3", e)
	}
	if e := byKey["poison-huge"]; !strings.Contains(e, ErrDiverged.Error()) {
		t.Errorf("overflowing series: dead letter %q, want a diverged fit", e)
	}
}

// Members of a bundle never mix, so a series fitted alone gives the same
// bits as in its bundle, and a bundle that loses a poisoned member refits
// the others to the same bits.
func TestFitBundleResultsDoNotDependOnTheOtherMembers(t *testing.T) {
	o := testOptions()
	bundles, _ := Bundles(testSeries(), o)
	var b Bundle
	for _, c := range bundles {
		if len(c.Members) > len(b.Members) {
			b = c
		}
	}
	together, _, err := FitBundle(b, o)
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range b.Members[:3] {
		alone, _, err := FitBundle(Bundle{Name: b.Name, Members: []Series{s}}, o)
		if err != nil {
			t.Fatal(err)
		}
		got, want := alone[0], together[i]
		got.BundleSize = want.BundleSize
		if !fitsEqual(got, want) {
			t.Errorf("%s alone: %+v\nin a bundle of %d: %+v", s.Key, got, len(b.Members), want)
		}
	}
}

func fitsEqual(a, b GPFit) bool {
	same := func(x, y []float64) bool {
		return slices.EqualFunc(x, y, func(u, v float64) bool { return math.Float64bits(u) == math.Float64bits(v) })
	}
	return a.Key == b.Key && a.Bundle == b.Bundle && a.BundleSize == b.BundleSize &&
		same(a.Lengthscale, b.Lengthscale) && same(a.Mean, b.Mean) && same(a.Var, b.Var) &&
		same([]float64{a.Variance, a.Noise, a.Jitter, a.LogMarginal, a.LogPrior}, []float64{b.Variance, b.Noise, b.Jitter, b.LogMarginal, b.LogPrior})
}

// A series with repeated inputs and almost no noise has a covariance that
// is not positive definite: the jitter policy rescues it, and without
// retries it becomes a dead letter carrying gp's typed error.
func TestJitterRescuesOrDeadLettersACovarianceNotPositiveDefinite(t *testing.T) {
	good := Series{Key: "good", Dim: 1, X: []float64{0, 3, 6, 9}, Y: []float64{0.1, 0.5, -0.3, 0.2}}
	dup := Series{Key: "repeated", Dim: 1, X: []float64{1, 1, 1, 1}, Y: []float64{0.1, 0.2, 0.1, 0.2}}
	o := GPOptions{InitNoise: 1e-300, Steps: 1}
	fits, dead, err := FitBundle(Bundle{Name: "b", Members: []Series{good, dup}}, o)
	if err != nil || len(dead) != 0 || len(fits) != 2 {
		t.Fatalf("default jitter: %d fits, dead letters %v, error %v; want 2 fits", len(fits), dead, err)
	}
	if fits[0].Jitter != 0 || fits[1].Jitter != 1e-6 {
		t.Errorf("jitter: good %g, repeated %g; want 0 and 1e-6", fits[0].Jitter, fits[1].Jitter)
	}
	o.Jitter = gp.JitterPolicy{MaxTries: -1}
	fits, dead, err = FitBundle(Bundle{Name: "b", Members: []Series{good, dup}}, o)
	if err != nil || len(fits) != 1 || fits[0].Key != "good" || len(dead) != 1 || dead[0].Key != "repeated" {
		t.Fatalf("no jitter: fits %v, dead letters %v, error %v; want the repeated series dead", fits, dead, err)
	}
	if !strings.Contains(dead[0].Error, "not positive definite") {
		t.Errorf("dead letter %q does not say why", dead[0].Error)
	}
}

func TestFitGPsRejectsOptionsThatCannotBeFollowed(t *testing.T) {
	_, s := beam.NewPipelineWithRoot()
	_, _, err := FitGPs(s, beam.CreateList(s, Synthetic(2, 4, 1, 1)), GPOptions{Variance: &Gamma{Conc: -1, Rate: 1}})
	if !errors.Is(err, ErrOptions) {
		t.Fatalf("negative prior concentration: error %v, want ErrOptions", err)
	}
}
