package many

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/testing/passert"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/testing/ptest"
	"github.com/ignis-ppl/ignis/probgraph"
	"github.com/ignis-ppl/ignis/probgraph/dist"
)

// normalMean is the mean μ of a key's values under y ~ Normal(μ, 1) with
// μ ~ Normal(0, 10): the posterior is Normal with mean Σy/(n + 0.01).
func normalMean(values []float64) (probgraph.Model, error) {
	if len(values) == 0 {
		return nil, errors.New("no values")
	}
	return func(m *probgraph.Ctx) {
		g := m.Graph()
		mu := m.Sample("mu", dist.Normal(g.Scalar(0), g.Scalar(10)))
		m.Plate("data", len(values)).Observe("y", dist.Normal(mu, g.Scalar(1)), g.Constant(values, len(values)))
	}, nil
}

func init() { RegisterModel("test-normal-mean", normalMean) }

func eachRecords() []Record {
	var out []Record
	for k := range 6 {
		v := make([]float64, 20)
		for i := range v {
			v[i] = float64(k) + math.Sin(float64(i))
		}
		out = append(out, Record{Key: fmt.Sprintf("key-%d", k), Values: v})
	}
	return append(out, Record{Key: "empty"}, Record{Key: "nan", Values: []float64{1, math.NaN()}})
}

func TestFitEachUnderPrismEqualsFitOneBitForBit(t *testing.T) {
	for _, o := range []EachOptions{
		{Model: "test-normal-mean", Method: NUTS, Warmup: 100, Samples: 100, Chains: 1, Seed: 7, Draws: true},
		{Model: "test-normal-mean", Method: SVI, Steps: 1000, Seed: 7},
	} {
		t.Run(o.Method.String(), func(t *testing.T) {
			var want []Posterior
			var wantDead []DeadLetter
			for _, r := range eachRecords() {
				p, err := FitOne(context.Background(), r, o)
				if err != nil {
					wantDead = append(wantDead, deadLetter(r.Key, stageFitEach, err))
					continue
				}
				want = append(want, p)
			}
			if len(want) != 6 || len(wantDead) != 2 {
				t.Fatalf("direct: %d posteriors and %d dead letters, want 6 and 2 (%v)", len(want), len(wantDead), wantDead)
			}
			// The posterior of μ is Normal(Σy/(n + 0.01), 1/(n + 0.01)); its
			// median within four posterior standard deviations shows the fits
			// are fits (the exact check is the comparison below).
			for k, p := range want {
				sum := 0.0
				for _, y := range eachRecords()[k].Values {
					sum += y
				}
				exact, sd := sum/20.01, 1/math.Sqrt(20.01)
				if got := p.Rows[0].Median; math.Abs(got-exact) > 4*sd {
					t.Errorf("%s: median of mu %.3f, exact posterior mean %.3f (sd %.3f)", p.Key, got, exact, sd)
				}
			}
			p, s := beam.NewPipelineWithRoot()
			posts, dead, err := FitEach(s, beam.CreateList(s, eachRecords()), o)
			if err != nil {
				t.Fatal(err)
			}
			passert.EqualsList(s, posts, want)
			passert.EqualsList(s, dead, wantDead)
			ptest.RunAndValidate(t, p)
		})
	}
}

func TestFitEachDeadLettersNamesTheCause(t *testing.T) {
	o := EachOptions{Model: "test-normal-mean", Method: SVI, Steps: 10}
	_, err := FitOne(context.Background(), Record{Key: "empty"}, o)
	if !errors.Is(err, ErrModel) || !strings.Contains(err.Error(), "no values") {
		t.Errorf("empty record: %v, want ErrModel with the model's reason", err)
	}
	_, err = FitOne(context.Background(), Record{Key: "nan", Values: []float64{math.NaN()}}, o)
	if !errors.Is(err, ErrData) {
		t.Errorf("NaN record: %v, want ErrData", err)
	}
}

func TestFitEachRejectsAnUnregisteredModel(t *testing.T) {
	_, s := beam.NewPipelineWithRoot()
	_, _, err := FitEach(s, beam.CreateList(s, eachRecords()), EachOptions{Model: "no-such-model"})
	if !errors.Is(err, ErrModel) {
		t.Fatalf("unregistered model: %v, want ErrModel", err)
	}
}

// funnel is Neal's funnel, whose neck NUTS cannot enter without
// divergences after a short warm-up; the values are ignored.
func funnel([]float64) (probgraph.Model, error) {
	return func(m *probgraph.Ctx) {
		g := m.Graph()
		v := m.Sample("v", dist.Normal(g.Scalar(0), g.Scalar(6)))
		m.Plate("x", 9).Sample("x", dist.Normal(g.Scalar(0), g.Exp(g.Mul(v, g.Scalar(0.5)))))
	}, nil
}

func init() { RegisterModel("test-funnel", funnel) }

func TestFitEachDeadLettersADivergentNUTSRun(t *testing.T) {
	o := EachOptions{Model: "test-funnel", Method: NUTS, Warmup: 20, Samples: 200, Chains: 1, Seed: 1}
	_, err := FitOne(context.Background(), Record{Key: "funnel", Values: []float64{0}}, o)
	if !errors.Is(err, ErrDiverged) {
		t.Fatalf("funnel: %v, want ErrDiverged", err)
	}
	o.MaxDivergences = o.Samples
	if _, err := FitOne(context.Background(), Record{Key: "funnel", Values: []float64{0}}, o); err != nil {
		t.Fatalf("funnel with divergences allowed: %v", err)
	}
}
