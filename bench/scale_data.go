package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/ignis-ppl/ignis/internal/examples/models"
	"github.com/ignis-ppl/ignis/probgraph"
)

// scaleCase is one case of the scale suite as plan.json records it, so
// that scripts/reference/scale_anchor.py runs the same settings on the same
// data set.
type scaleCase struct {
	Case   string `json:"case"`   // "DATA/METHOD", the name both sides report
	Data   string `json:"data"`   // the data set's name in manifest.json
	Method string `json:"method"` // "nuts" or "svi"
	// NUTS: warm-up iterations and draws of one chain, run once per seed,
	// and the maximum tree depth (in warm-up and sampling alike).
	Warmup       int      `json:"warmup,omitempty"`
	Samples      int      `json:"samples,omitempty"`
	Seeds        []uint64 `json:"seeds,omitempty"`
	MaxTreeDepth int      `json:"max_tree_depth,omitempty"`
	// SVI: the guide ("normal" for AutoNormal, "diagonal_normal" for
	// AutoDiagonalNormal) and Adam's learning rate; Trace ELBO, one particle.
	Guide string  `json:"guide,omitempty"`
	LR    float64 `json:"lr,omitempty"`
}

// scalePlan is the file beside the data sets' manifest that lists the cases.
type scalePlan struct {
	Cases []scaleCase `json:"cases"`
}

const scalePlanFile = "plan.json"

// scaleData simulates the suite's data sets, all from seed 0: logistic and
// Poisson regressions with d = 20 at n = 10³, 10⁴ and 10⁵, and the
// varying-intercepts regression with 10⁴ groups of 5 to 10 rows and d = 3.
func scaleData() []models.Dataset {
	var out []models.Dataset
	for _, n := range []int{1000, 10000, 100000} {
		out = append(out, models.SimulateLogReg(0, n, 20).Dataset(fmt.Sprintf("logreg_n%d", n), 0))
	}
	for _, n := range []int{1000, 10000, 100000} {
		out = append(out, models.SimulatePoissonReg(0, n, 20).Dataset(fmt.Sprintf("poisson_n%d", n), 0))
	}
	return append(out, models.SimulateGrouped(0, 10000, 3).Dataset("hier_g10000", 0))
}

// defaultScalePlan gives every data set a NUTS case and an SVI case, all
// NUTS cases with seeds 1 to 3:
//
//   - n = 10³ and 10⁴: 500 warm-up iterations and 500 draws, trees up to
//     depth 10 (1023 leapfrog steps), the defaults of ignis and NumPyro;
//   - n = 10⁵: 200 + 200 at depth 10, to keep the run to minutes;
//   - the grouped data: 50 + 50 with trees capped at depth 5 (31 steps).
//     Before the mass matrix is adapted the global parameters' posterior
//     scales (about 1/√n) and the intercepts' (about 0.5) differ a
//     hundredfold, and uncapped trees reach depth 10, each step a pass over
//     75 000 rows; the cap bounds a run, and the figure to read there is
//     the time per gradient (the ESS of such short, barely adapted chains
//     says little).
//
// SVI uses Adam with learning rate 0.01 and AutoNormal on every data set.
func defaultScalePlan(sets []models.Dataset) scalePlan {
	var p scalePlan
	for _, s := range sets {
		nuts := scaleCase{Case: s.Name + "/nuts", Data: s.Name, Method: "nuts", Warmup: 500, Samples: 500,
			Seeds: []uint64{1, 2, 3}, MaxTreeDepth: 10}
		svi := scaleCase{Case: s.Name + "/svi", Data: s.Name, Method: "svi", Guide: "normal", LR: 0.01}
		switch {
		case s.Model == models.VaryingInterceptsModel:
			nuts.Warmup, nuts.Samples, nuts.MaxTreeDepth = 50, 50, 5
		case s.N >= 100000:
			nuts.Warmup, nuts.Samples = 200, 200
		}
		p.Cases = append(p.Cases, nuts, svi)
	}
	return p
}

// exportScaleData writes the data sets (models.WriteDatasets) and plan.json
// to dir.
func exportScaleData(dir string) error {
	sets := scaleData()
	if err := models.WriteDatasets(dir, sets); err != nil {
		return err
	}
	b, err := json.MarshalIndent(defaultScalePlan(sets), "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, scalePlanFile), append(b, '\n'), 0o644)
}

// readScaleData reads the data sets and the plan that exportScaleData
// wrote.
func readScaleData(dir string) ([]models.Dataset, scalePlan, error) {
	sets, err := models.ReadDatasets(dir)
	if err != nil {
		return nil, scalePlan{}, err
	}
	b, err := os.ReadFile(filepath.Join(dir, scalePlanFile))
	if err != nil {
		return nil, scalePlan{}, err
	}
	var p scalePlan
	if err := json.Unmarshal(b, &p); err != nil {
		return nil, scalePlan{}, fmt.Errorf("bench: %s: %w", scalePlanFile, err)
	}
	return sets, p, nil
}

// scaleModel builds the model of a data set and lists its latent sites.
func scaleModel(s models.Dataset) (probgraph.Model, []string, error) {
	switch s.Model {
	case models.LogRegModel:
		d, err := models.LogRegFromDataset(s)
		return models.LogReg(d), []string{"beta"}, err
	case models.PoissonRegModel:
		d, err := models.PoissonRegFromDataset(s)
		return models.PoissonReg(d), []string{"beta"}, err
	case models.VaryingInterceptsModel:
		d, err := models.GroupedFromDataset(s)
		return models.VaryingIntercepts(d), []string{"mu", "tau", "sigma", "beta", "alpha_raw"}, err
	}
	return nil, nil, fmt.Errorf("bench: data set %q: unknown model %q", s.Name, s.Model)
}
