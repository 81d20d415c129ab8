package mcmc

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/ignis-ppl/ignis/engine"
)

// Row summarizes one scalar element of a site over all chains.
type Row struct {
	Site string
	// Index is the element's index within the site's shape (empty for a
	// scalar site).
	Index []int
	// Mean, SD (n − 1 denominator), Median and the 5% and 95% quantiles of
	// the pooled draws.
	Mean, SD, Median, Q5, Q95 float64
	// ESSBulk, ESSTail and RHat are the convergence diagnostics.
	ESSBulk, ESSTail, RHat float64
}

// Label is the site name with the element's index, as "theta[2,0]".
func (r Row) Label() string {
	if len(r.Index) == 0 {
		return r.Site
	}
	parts := make([]string, len(r.Index))
	for i, v := range r.Index {
		parts[i] = fmt.Sprint(v)
	}
	return r.Site + "[" + strings.Join(parts, ",") + "]"
}

// MarshalJSON writes the row as an object with snake_case keys (site,
// index, mean, sd, median, q5, q95, ess_bulk, ess_tail, r_hat), the index
// 0-based as in Index, and a value that is not finite (an R̂ of too few
// draws) as null, which JSON has in place of NaN.
func (r Row) MarshalJSON() ([]byte, error) {
	num := func(v float64) *float64 {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil
		}
		return &v
	}
	index := r.Index
	if index == nil {
		index = []int{}
	}
	return json.Marshal(struct {
		Site    string   `json:"site"`
		Index   []int    `json:"index"`
		Mean    *float64 `json:"mean"`
		SD      *float64 `json:"sd"`
		Median  *float64 `json:"median"`
		Q5      *float64 `json:"q5"`
		Q95     *float64 `json:"q95"`
		ESSBulk *float64 `json:"ess_bulk"`
		ESSTail *float64 `json:"ess_tail"`
		RHat    *float64 `json:"r_hat"`
	}{r.Site, index, num(r.Mean), num(r.SD), num(r.Median), num(r.Q5), num(r.Q95), num(r.ESSBulk), num(r.ESSTail), num(r.RHat)})
}

// Summary is a table of posterior summaries and diagnostics per site and
// element, with the sampler's diagnostics over all chains. It marshals to
// JSON with snake_case keys (see Row.MarshalJSON), for tools that compare
// it with their own summaries of the exported draws.
type Summary struct {
	Rows          []Row `json:"rows"`
	Chains        int   `json:"chains"`
	Draws         int   `json:"draws"`
	Divergences   int   `json:"divergences"`
	TreeDepthHits int   `json:"tree_depth_hits"`
	// MeanAccept is the mean acceptance statistic over all kept draws.
	MeanAccept float64 `json:"mean_accept"`
}

// Summary computes the table: for every element of every site, pooled
// moments and quantiles, bulk and tail effective sample sizes and
// rank-normalized split R̂.
func (s *Samples) Summary() *Summary {
	sum := &Summary{Chains: len(s.Chains), Draws: s.NumSamples}
	for _, c := range s.Chains {
		sum.Divergences += c.Divergences
		sum.TreeDepthHits += c.TreeDepthHits
		sum.MeanAccept += c.MeanAccept / float64(len(s.Chains))
	}
	for _, site := range s.Sites {
		draws := s.draws[site.Name]
		size := site.Shape.Size()
		for e := range size {
			sum.Rows = append(sum.Rows, summarize(site.Name, unravel(e, site.Shape), s.element(draws, size, e)))
		}
	}
	return sum
}

func summarize(name string, index []int, chains [][]float64) Row {
	all := slices.Concat(chains...)
	sorted := slices.Clone(all)
	slices.Sort(sorted)
	m, v := meanVar(all)
	return Row{Site: name, Index: index, Mean: m, SD: math.Sqrt(v),
		Median: quantileSorted(sorted, 0.5), Q5: quantileSorted(sorted, 0.05), Q95: quantileSorted(sorted, 0.95),
		ESSBulk: ESSBulk(chains), ESSTail: ESSTail(chains), RHat: RHat(chains)}
}

// unravel turns a flat row-major offset into an index of shape.
func unravel(off int, shape engine.Shape) []int {
	idx := make([]int, len(shape))
	for i := len(shape) - 1; i >= 0; i-- {
		idx[i] = off % shape[i]
		off /= shape[i]
	}
	return idx
}

// Row returns the row of a site's element (no index for a scalar site).
func (s *Summary) Row(site string, index ...int) (Row, bool) {
	for _, r := range s.Rows {
		if r.Site == site && slices.Equal(r.Index, index) {
			return r, true
		}
	}
	return Row{}, false
}

// MaxRHat is the largest R̂ over all rows (NaN if any is NaN).
func (s *Summary) MaxRHat() float64 {
	out := math.Inf(-1)
	for _, r := range s.Rows {
		if r.RHat != r.RHat {
			return math.NaN()
		}
		out = math.Max(out, r.RHat)
	}
	return out
}

// MinESSBulk is the smallest bulk effective sample size over all rows.
func (s *Summary) MinESSBulk() float64 {
	out := math.Inf(1)
	for _, r := range s.Rows {
		out = math.Min(out, r.ESSBulk)
	}
	return out
}

// String prints the table the way Pyro's summary() does, with bulk and tail
// effective sample sizes in place of its single n_eff:
//
//	            mean       std    median      5.0%     95.0%  ess_bulk  ess_tail     r_hat
//	     p      0.67      0.05      0.67      0.59      0.74   1826.39   2011.50      1.00
//
//	Number of divergences: 0
func (s *Summary) String() string {
	w := len("Site")
	for _, r := range s.Rows {
		w = max(w, len(r.Label()))
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%*s", w, "")
	for _, h := range []string{"mean", "std", "median", "5.0%", "95.0%", "ess_bulk", "ess_tail", "r_hat"} {
		fmt.Fprintf(&b, " %9s", h)
	}
	b.WriteString("\n")
	for _, r := range s.Rows {
		fmt.Fprintf(&b, "%*s", w, r.Label())
		for _, v := range []float64{r.Mean, r.SD, r.Median, r.Q5, r.Q95, r.ESSBulk, r.ESSTail, r.RHat} {
			fmt.Fprintf(&b, " %9s", fmtNum(v))
		}
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, "\nNumber of divergences: %d\n", s.Divergences)
	fmt.Fprintf(&b, "Tree depth hits: %d\n", s.TreeDepthHits)
	fmt.Fprintf(&b, "Mean acceptance: %.2f (%d chains × %d draws)\n", s.MeanAccept, s.Chains, s.Draws)
	return b.String()
}

func fmtNum(v float64) string {
	if a := math.Abs(v); a >= 1e5 || (a > 0 && a < 1e-2) {
		return fmt.Sprintf("%.2e", v)
	}
	return fmt.Sprintf("%.2f", v)
}
