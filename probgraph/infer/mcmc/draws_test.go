package mcmc

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"slices"
	"testing"

	"github.com/ignis-ppl/ignis/probgraph"
	"github.com/ignis-ppl/ignis/probgraph/dist"
	"github.com/ignis-ppl/ignis/probgraph/infer"
)

// Mean, SD and Quantile give Summary's columns, bit for bit, element by
// element in row-major order.
func TestMeanSDQuantileAreSummaryColumns(t *testing.T) {
	s, err := Run(context.Background(), matrixModel, WithChains(2), WithWarmup(100), WithSamples(80), WithSeed(9))
	if err != nil {
		t.Fatal(err)
	}
	sum := s.Summary()
	for _, site := range s.Sites {
		mean, err := s.Mean(site.Name)
		if err != nil {
			t.Fatal(err)
		}
		sd, err := s.SD(site.Name)
		if err != nil {
			t.Fatal(err)
		}
		q, err := s.Quantile(site.Name, 0.05, 0.5, 0.95)
		if err != nil {
			t.Fatal(err)
		}
		if len(mean) != site.Shape.Size() || len(sd) != len(mean) || len(q) != 3 || len(q[0]) != len(mean) {
			t.Fatalf("%s: %d means, %d sds, %d×%d quantiles for %d elements", site.Name, len(mean), len(sd), len(q), len(q[0]), site.Shape.Size())
		}
		for e := range mean {
			r, ok := sum.Row(site.Name, unravel(e, site.Shape)...)
			if !ok {
				t.Fatalf("no row for %s element %d", site.Name, e)
			}
			got := []float64{mean[e], sd[e], q[0][e], q[1][e], q[2][e]}
			if want := []float64{r.Mean, r.SD, r.Q5, r.Median, r.Q95}; !slices.Equal(got, want) {
				t.Errorf("%s: mean, sd, quantiles %v, summary %v", r.Label(), got, want)
			}
		}
	}
}

// On draws with known moments: the mean, the n−1 standard deviation and
// type-7 quantiles of 1…8 split over two chains.
func TestMeanSDQuantileOfKnownDraws(t *testing.T) {
	s, err := FromDraws(
		map[string]probgraph.Tensor{"x": {Data: []float64{1, 10, 2, 20, 3, 30, 4, 40}, Shape: []int{4, 2}}},
		map[string]probgraph.Tensor{"x": {Data: []float64{5, 50, 6, 60, 7, 70, 8, 80}, Shape: []int{4, 2}}},
	)
	if err != nil {
		t.Fatal(err)
	}
	mean, _ := s.Mean("x")
	sd, _ := s.SD("x")
	q, err := s.Quantile("x", 0, 0.25, 1)
	if err != nil {
		t.Fatal(err)
	}
	sd1 := math.Sqrt(6) // variance of 1…8 with n − 1: 42/7
	for name, c := range map[string]struct{ got, want []float64 }{
		"mean": {mean, []float64{4.5, 45}},
		"sd":   {sd, []float64{sd1, 10 * sd1}},
		"q0":   {q[0], []float64{1, 10}},
		"q25":  {q[1], []float64{2.75, 27.5}},
		"q100": {q[2], []float64{8, 80}},
	} {
		for i := range c.want {
			if math.Abs(c.got[i]-c.want[i]) > 1e-15*math.Abs(c.want[i]) {
				t.Errorf("%s: %v, want %v", name, c.got, c.want)
			}
		}
	}
	if s.NumSamples != 4 || len(s.Chains) != 2 || len(s.Sites) != 1 || !s.Sites[0].Shape.Equal([]int{2}) {
		t.Errorf("samples: %d draws, %d chains, sites %v", s.NumSamples, len(s.Chains), s.Sites)
	}
}

func TestSummaryStatisticsBadInput(t *testing.T) {
	s, err := FromDraws(map[string]probgraph.Tensor{"x": {Data: []float64{1, 2, 3}, Shape: []int{3}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Mean("nope"); !errors.Is(err, ErrSite) {
		t.Errorf("Mean of an unknown site: %v, want ErrSite", err)
	}
	if _, err := s.SD("nope"); !errors.Is(err, ErrSite) {
		t.Errorf("SD of an unknown site: %v, want ErrSite", err)
	}
	for _, p := range []float64{-0.1, 1.5, math.NaN()} {
		if _, err := s.Quantile("x", 0.5, p); !errors.Is(err, ErrQuantile) {
			t.Errorf("quantile level %v: %v, want ErrQuantile", p, err)
		}
	}
}

func TestFromDrawsBadInput(t *testing.T) {
	x := func(shape ...int) probgraph.Tensor {
		n := 1
		for _, d := range shape {
			n *= d
		}
		return probgraph.Tensor{Data: make([]float64, n), Shape: shape}
	}
	for name, chains := range map[string][]map[string]probgraph.Tensor{
		"no chains":            nil,
		"no sites":             {{}},
		"scalar tensor":        {{"a": x()}},
		"zero draws":           {{"a": x(0, 2)}},
		"draw counts differ":   {{"a": x(3), "b": x(4)}},
		"chains differ":        {{"a": x(3)}, {"b": x(3)}},
		"extra site":           {{"a": x(3)}, {"a": x(3), "b": x(3)}},
		"shapes differ":        {{"a": x(3, 2)}, {"a": x(3, 3)}},
		"data and shape apart": {{"a": {Data: []float64{1, 2}, Shape: []int{3}}}},
	} {
		if _, err := FromDraws(chains...); !errors.Is(err, ErrDraws) {
			t.Errorf("%s: %v, want ErrDraws", name, err)
		}
	}
}

// A posterior predictive's draws become Samples as they come from
// Predictive.Sample: one chain, the sites' shapes after the draw dimension.
func TestFromDrawsTakesPredictiveDraws(t *testing.T) {
	model := func(m *probgraph.Ctx) {
		g := m.Graph()
		mu := m.Sample("mu", dist.Normal(g.Scalar(1), g.Scalar(2)))
		m.Plate("data", 3).Observe("y", dist.Normal(mu, g.Scalar(0.5)), g.Constant([]float64{0.5, 1, 1.5}, 3))
	}
	pred, err := infer.NewPredictive(model, infer.PredictiveOptions{NumSamples: 400, Seed: 4})
	if err != nil {
		t.Fatal(err)
	}
	draws, err := pred.Sample()
	if err != nil {
		t.Fatal(err)
	}
	s, err := FromDraws(draws)
	if err != nil {
		t.Fatal(err)
	}
	if s.NumSamples != 400 || len(s.Sites) != 2 || s.Sites[0].Name != "mu" || !s.Sites[1].Shape.Equal([]int{3}) {
		t.Fatalf("samples: %d draws, sites %v", s.NumSamples, s.Sites)
	}
	y, _ := s.Get("y")
	if !slices.Equal(y, draws["y"].Data) {
		t.Error("the draws of y changed on the way in")
	}
	// The prior predictive mean of y is 1, its sd √(4 + 0.25): the sample
	// mean of 400 draws lies within 4 standard errors.
	mean, _ := s.Mean("y")
	for i, m := range mean {
		if se := math.Sqrt(4.25 / 400); math.Abs(m-1) > 4*se {
			t.Errorf("mean of y[%d] = %v, want 1 ± %v", i, m, 4*se)
		}
	}
}

// The summary marshals with snake_case keys, 0-based indices and null for
// an R̂ that cannot be computed (fewer than 4 draws per chain).
func TestSummaryJSON(t *testing.T) {
	s, err := FromDraws(map[string]probgraph.Tensor{"x": {Data: []float64{1, 2, 3, 4, 5, 6}, Shape: []int{3, 2}}})
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(s.Summary())
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Rows  []map[string]any `json:"rows"`
		Draws int              `json:"draws"`
	}
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	if got.Draws != 3 || len(got.Rows) != 2 {
		t.Fatalf("decoded %s as %+v", b, got)
	}
	r := got.Rows[1]
	if r["site"] != "x" || r["mean"] != 4.0 || r["r_hat"] != nil || r["ess_bulk"] != nil {
		t.Errorf("row %v", r)
	}
	if idx, ok := r["index"].([]any); !ok || len(idx) != 1 || idx[0] != 1.0 {
		t.Errorf("index %v, want [1]", r["index"])
	}
	for _, key := range []string{"sd", "median", "q5", "q95", "ess_tail"} {
		if _, ok := r[key]; !ok {
			t.Errorf("row lacks %q: %v", key, r)
		}
	}
}
