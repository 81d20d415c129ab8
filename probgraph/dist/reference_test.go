package dist

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/ignis-ppl/ignis/engine"
)

// The families the issue lists; every one must have reference cases.
var allFamilies = []string{"Normal", "LogNormal", "HalfNormal", "HalfCauchy", "Cauchy", "StudentT",
	"Laplace", "Gumbel", "Gamma", "InverseGamma", "Beta", "Exponential", "Uniform", "Bernoulli",
	"Categorical", "OneHotCategorical", "Binomial", "Poisson", "Dirichlet", "MultivariateNormal",
	"LowRankMultivariateNormal", "RelaxedOneHotCategorical", "RelaxedBernoulli", "Delta",
	"MixtureSameFamily"}

// The KL pairs with closed forms the issue lists.
var allKLPairs = []string{"Normal-Normal", "MultivariateNormal-MultivariateNormal",
	"LowRankMultivariateNormal-MultivariateNormal", "Gamma-Gamma", "Beta-Beta",
	"Dirichlet-Dirichlet", "Categorical-Categorical", "Bernoulli-Bernoulli",
	"Exponential-Exponential", "Independent(Normal)-Independent(Normal)"}

type refArray struct {
	Shape []int     `json:"shape"`
	Data  refFloats `json:"data"`
}

// refFloats reads numbers, and "inf", "-inf" and "nan" written as strings
// (JSON has no literal for them).
type refFloats []float64

func (f *refFloats) UnmarshalJSON(b []byte) error {
	var raw []json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	out := make([]float64, len(raw))
	for i, r := range raw {
		var s string
		if err := json.Unmarshal(r, &s); err == nil {
			switch s {
			case "inf":
				out[i] = math.Inf(1)
			case "-inf":
				out[i] = math.Inf(-1)
			case "nan":
				out[i] = math.NaN()
			default:
				return fmt.Errorf("reference value %q", s)
			}
			continue
		}
		if err := json.Unmarshal(r, &out[i]); err != nil {
			return err
		}
	}
	*f = out
	return nil
}

type refDist struct {
	Family string              `json:"family"`
	Params map[string]refArray `json:"params"`
}

type refCase struct {
	Family   string              `json:"family"`
	Name     string              `json:"name"`
	Params   map[string]refArray `json:"params"`
	Value    *refArray           `json:"value"`
	LogProb  *refArray           `json:"log_prob"`
	Mean     *refArray           `json:"mean"`
	Variance *refArray           `json:"variance"`
	Entropy  *refArray           `json:"entropy"`
	// KL cases
	Pair string    `json:"pair"`
	P    *refDist  `json:"p"`
	Q    *refDist  `json:"q"`
	KL   *refArray `json:"kl"`
}

type refFile struct {
	Cases []refCase `json:"cases"`
	KL    []refCase `json:"kl"`
}

// refBuilder builds a family from named parameter nodes (reference tests use
// the parameter names of the Python script).
type refBuilder func(g *engine.Graph, p map[string]*engine.Node) Distribution

// refFamilies is filled by init functions in the families' test files.
var refFamilies = map[string]refBuilder{}

// refTolerance relaxes the default relative tolerance 1e-10 for a family; each
// entry is set next to the family's test with the reason.
var refTolerance = map[string]float64{}

// loadReference reads every testdata/reference/*.json (one file per
// generator module) into one set of cases.
func loadReference(t *testing.T) refFile {
	t.Helper()
	paths, err := filepath.Glob("testdata/reference/*.json")
	if err != nil || len(paths) == 0 {
		t.Fatalf("no reference files: %v", err)
	}
	var all refFile
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		var f refFile
		if err := json.Unmarshal(b, &f); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		all.Cases = append(all.Cases, f.Cases...)
		all.KL = append(all.KL, f.KL...)
	}
	return all
}

func constNode(g *engine.Graph, a refArray) *engine.Node { return g.Constant(a.Data, a.Shape...) }

func buildRef(g *engine.Graph, d refDist) Distribution {
	b, ok := refFamilies[d.Family]
	if !ok {
		return nil
	}
	p := map[string]*engine.Node{}
	for k, v := range d.Params {
		p[k] = constNode(g, v)
	}
	return b(g, p)
}

// closeTo compares element-wise with a relative tolerance (absolute below
// 1e-300 so that exact zeros compare).
func closeTo(t *testing.T, what string, got []float64, gotShape engine.Shape, want *refArray, tol float64) {
	t.Helper()
	if !gotShape.Equal(want.Shape) {
		t.Errorf("%s: shape %v, want %v", what, gotShape, want.Shape)
		return
	}
	worst := 0.0
	for i, w := range want.Data {
		v := got[i]
		if math.IsInf(w, 0) || math.IsNaN(w) {
			if v != w && !(math.IsNaN(w) && math.IsNaN(v)) {
				t.Errorf("%s[%d] = %v, want %v", what, i, v, w)
			}
			continue
		}
		rel := math.Abs(v-w) / math.Max(math.Abs(w), 1e-300)
		worst = math.Max(worst, rel)
		if !(rel <= tol) {
			t.Errorf("%s[%d] = %.17g, want %.17g (relative error %.3g > %g)", what, i, v, w, rel, tol)
		}
	}
	t.Logf("%s: worst relative error %.2g", what, worst)
}

func TestReferenceFamilies(t *testing.T) {
	f := loadReference(t)
	for _, c := range f.Cases {
		t.Run(c.Family+"/"+c.Name, func(t *testing.T) {
			g := engine.NewGraph()
			d := buildRef(g, refDist{Family: c.Family, Params: c.Params})
			if d == nil {
				t.Fatalf("no test builder registered for %s", c.Family)
			}
			type out struct {
				name string
				node *engine.Node
				want *refArray
			}
			var outs []out
			if c.LogProb != nil {
				outs = append(outs, out{"log_prob", d.LogProb(constNode(g, *c.Value)), c.LogProb})
			}
			if c.Mean != nil {
				outs = append(outs, out{"mean", d.(Meaner).Mean(), c.Mean})
			}
			if c.Variance != nil {
				outs = append(outs, out{"variance", d.(Variancer).Variance(), c.Variance})
			}
			if c.Entropy != nil {
				outs = append(outs, out{"entropy", d.(Entropier).Entropy(), c.Entropy})
			}
			if err := g.Err(); err != nil {
				t.Fatal(err)
			}
			nodes := make([]*engine.Node, len(outs))
			for i, o := range outs {
				nodes[i] = o.node
			}
			prog, err := g.Compile(nodes)
			if err != nil {
				t.Fatal(err)
			}
			if err := prog.Run(); err != nil {
				t.Fatal(err)
			}
			tol := 1e-10
			if v, ok := refTolerance[c.Family]; ok {
				tol = v
			}
			for _, o := range outs {
				closeTo(t, o.name, prog.Value(o.node), o.node.Shape(), o.want, tol)
			}
		})
	}
}

func TestReferenceKL(t *testing.T) {
	f := loadReference(t)
	for _, c := range f.KL {
		t.Run(c.Pair, func(t *testing.T) {
			g := engine.NewGraph()
			p, q := buildRef(g, *c.P), buildRef(g, *c.Q)
			if p == nil || q == nil {
				t.Fatalf("no test builder for %s or %s", c.P.Family, c.Q.Family)
			}
			kl := KL(p, q)
			if err := g.Err(); err != nil {
				t.Fatal(err)
			}
			prog, err := g.Compile([]*engine.Node{kl})
			if err != nil {
				t.Fatal(err)
			}
			if err := prog.Run(); err != nil {
				t.Fatal(err)
			}
			tol := 1e-10
			if v, ok := refTolerance["KL "+c.Pair]; ok {
				tol = v
			}
			closeTo(t, "kl", prog.Value(kl), kl.Shape(), c.KL, tol)
		})
	}
}

// TestReferenceCoversEveryFamily keeps the reference JSON complete.
func TestReferenceCoversEveryFamily(t *testing.T) {
	f := loadReference(t)
	have := map[string]int{}
	for _, c := range f.Cases {
		have[c.Family]++
	}
	for _, fam := range allFamilies {
		if have[fam] < 3 {
			t.Errorf("%s: %d reference cases, want at least 3 parameter settings", fam, have[fam])
		}
	}
	var pairs []string
	for _, c := range f.KL {
		pairs = append(pairs, c.Pair)
	}
	for _, p := range allKLPairs {
		if !slices.Contains(pairs, p) {
			t.Errorf("KL %s: no reference case", p)
		}
	}
}
