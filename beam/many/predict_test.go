package many

import (
	"math"
	"testing"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/testing/passert"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/testing/ptest"
)

func TestPredictUnderPrismEqualsScoreOneBitForBit(t *testing.T) {
	o := testOptions()
	train := Synthetic(5, 10, 1, 11)
	bundles, _ := Bundles(train, o)
	var fits []GPFit
	for _, b := range bundles {
		f, _, err := FitBundle(b, o)
		if err != nil {
			t.Fatal(err)
		}
		fits = append(fits, f...)
	}
	queries := Synthetic(5, 4, 1, 12) // same keys, new points
	orphan := Synthetic(1, 4, 1, 13)[0]
	orphan.Key = "no-fit"
	queries = append(queries, orphan)

	var want []Score
	byKey := map[string]int{}
	for i, tr := range train {
		byKey[tr.Key] = i
	}
	for _, f := range fits {
		q := queries[byKey[f.Key]]
		sc, err := ScoreOne(f, train[byKey[f.Key]], q, o.Kernel)
		if err != nil {
			t.Fatal(err)
		}
		for i, v := range sc.Var {
			if !(v > f.Noise) || math.IsNaN(sc.Mean[i]) {
				t.Errorf("%s point %d: mean %v, variance %v (noise %v)", f.Key, i, sc.Mean[i], v, f.Noise)
			}
		}
		want = append(want, sc)
	}
	p, s := beam.NewPipelineWithRoot()
	scores, dead, err := Predict(s, beam.CreateList(s, fits), beam.CreateList(s, train), beam.CreateList(s, queries), o)
	if err != nil {
		t.Fatal(err)
	}
	passert.EqualsList(s, scores, want)
	passert.Count(s, dead, "dead letters", 1)
	ptest.RunAndValidate(t, p)
}
