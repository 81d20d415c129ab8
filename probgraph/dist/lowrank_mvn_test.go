package dist

import (
	"errors"
	"strings"
	"testing"

	"github.com/ignis-ppl/ignis/engine"
)

func init() {
	refFamilies["LowRankMultivariateNormal"] = func(g *engine.Graph, p map[string]*engine.Node) Distribution {
		return LowRankMultivariateNormal(p["loc"], p["cov_factor"], p["cov_diag"])
	}
}

// N = 3, R = 2: variances rowsum(W²) + D = [1.75, 1.73, 1.64] and
// cov(x₁, x₂) = 0.8·1.2 = 0.96.
var (
	lowRankTestLoc = []float64{0.5, -1, 2}
	lowRankTestW   = []float64{1, 0.5, -0.3, 0.8, 0, 1.2}
	lowRankTestD   = []float64{0.5, 1, 0.2}
)

func lowRankTest(g *engine.Graph) *LowRankMultivariateNormalDist {
	return LowRankMultivariateNormal(g.Constant(lowRankTestLoc, 3), g.Constant(lowRankTestW, 3, 2),
		g.Constant(lowRankTestD, 3))
}

func TestLowRankMultivariateNormalSampleMoments(t *testing.T) {
	checkMoments(t, func(g *engine.Graph) Distribution { return lowRankTest(g) },
		lowRankTestLoc, []float64{1.75, 1.73, 1.64})
}

func TestLowRankMultivariateNormalSampleCovariance(t *testing.T) {
	checkCovariance(t, func(g *engine.Graph) Distribution { return lowRankTest(g) }, 1, 2, 0.96)
}

// E[xᵀx] = μᵀμ + tr(W Wᵀ) + Σ D: the gradients are 2μ, 2W and 1.
func TestLowRankMultivariateNormalReparamGradient(t *testing.T) {
	theta := append(append(append([]float64{}, lowRankTestLoc...), lowRankTestW...), lowRankTestD...)
	want := make([]float64, len(theta))
	for i, v := range theta {
		want[i] = 2 * v
		if i >= 9 {
			want[i] = 1
		}
	}
	checkReparamGrad(t, func(g *engine.Graph) (*engine.Node, Distribution) {
		th := g.Param("theta", theta, len(theta))
		return th, LowRankMultivariateNormal(g.Slice(th, 0, 0, 3), g.Reshape(g.Slice(th, 0, 3, 9), 3, 2),
			g.Slice(th, 0, 9, 12))
	}, func(g *engine.Graph, x *engine.Node) *engine.Node { return g.Sum(g.Square(x), -1) }, want)
}

// The closed-form KL against a full-covariance MVN agrees with the Monte
// Carlo estimate within 5 standard errors.
func TestLowRankMultivariateNormalKLMatchesMonteCarlo(t *testing.T) {
	g := engine.NewGraph()
	p := lowRankTest(g)
	q := MultivariateNormal(g.Constant(mvnTestLoc, 3), g.Constant(mvnTestL, 3, 3))
	checkKLMonteCarlo(t, p, q, 200000, 5)
}

func TestLowRankMultivariateNormalBadParameters(t *testing.T) {
	for _, c := range []struct {
		name  string
		build func(g *engine.Graph) *LowRankMultivariateNormalDist
		want  error
		words []string
	}{
		{"factor rows", func(g *engine.Graph) *LowRankMultivariateNormalDist {
			return LowRankMultivariateNormal(g.Fill(0, 3), g.Fill(1, 2, 2), g.Fill(1, 3))
		}, ErrShape, []string{"LowRankMultivariateNormal", "covFactor"}},
		{"factor vector", func(g *engine.Graph) *LowRankMultivariateNormalDist {
			return LowRankMultivariateNormal(g.Fill(0, 3), g.Fill(1, 3), g.Fill(1, 3))
		}, ErrShape, []string{"LowRankMultivariateNormal", "covFactor"}},
		{"diag length", func(g *engine.Graph) *LowRankMultivariateNormalDist {
			return LowRankMultivariateNormal(g.Fill(0, 3), g.Fill(1, 3, 2), g.Fill(1, 4))
		}, ErrShape, []string{"LowRankMultivariateNormal", "covDiag"}},
		{"batch mismatch", func(g *engine.Graph) *LowRankMultivariateNormalDist {
			return LowRankMultivariateNormal(g.Fill(0, 2, 3), g.Fill(1, 4, 3, 2), g.Fill(1, 3))
		}, ErrShape, []string{"LowRankMultivariateNormal", "covFactor"}},
		{"diag zero", func(g *engine.Graph) *LowRankMultivariateNormalDist {
			return LowRankMultivariateNormal(g.Fill(0, 3), g.Fill(1, 3, 2), g.Constant([]float64{1, 0, 1}, 3))
		}, ErrParameter, []string{"LowRankMultivariateNormal", "covDiag", "positive"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			g := engine.NewGraph()
			checkInvalidDist(t, c.build(g), g.Fill(0, 3), c.want, c.words...)
		})
	}
}

// A covDiag that is a parameter is checked at every run.
func TestLowRankMultivariateNormalRunTimeCheck(t *testing.T) {
	g := engine.NewGraph()
	diag := g.Param("diag", lowRankTestD, 3)
	d := LowRankMultivariateNormal(g.Constant(lowRankTestLoc, 3), g.Constant(lowRankTestW, 3, 2), diag)
	lp := d.LogProb(g.Fill(0, 3))
	prog, err := g.Compile([]*engine.Node{lp})
	if err != nil {
		t.Fatal(err)
	}
	if err := prog.Run(); err != nil {
		t.Fatal(err)
	}
	prog.Value(diag)[1] = -1
	if err := prog.Run(); !errors.Is(err, ErrParameter) || !strings.Contains(err.Error(), "covDiag") {
		t.Errorf("run with a negative covDiag: %v, want an ErrParameter naming covDiag", err)
	}
}
