// Command co2 forecasts the Mauna Loa CO₂ record five years ahead with a
// Gaussian process whose kernel is scikit-learn's example kernel written
// term for term: a long-term trend (C·RBF), a seasonal term that may
// drift (C·RBF·Periodic with the period fixed at one year), medium-term
// irregularities (C·RationalQuadratic) and noise (C·RBF + White). The
// data are the monthly means of statsmodels' weekly record (March 1958 to
// December 2001, 521 months, co2.csv, written once by
// scripts/reference/sklearn_gp_bench.py). The hyperparameters are fitted
// by type-II maximum likelihood with L-BFGS (gp.Fit), from scikit-learn's
// initial values, to the targets minus their mean, as scikit-learn's
// example does.
//
// It prints the fitted kernel, plots the data, the fit and the forecast
// with 95 % intervals for new observations, and reports the log marginal
// likelihood, the fit time and the forecast. With -quick it fits the first
// 16 years only.
//
//	go run ./examples/co2 [-quick] [-seed N] [-out DIR]
package main

import (
	"bufio"
	"bytes"
	"context"
	_ "embed"
	"fmt"
	"log"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/ignis-ppl/ignis/gp"
	"github.com/ignis-ppl/ignis/internal/examples/cli"
	"github.com/ignis-ppl/ignis/internal/examples/plotutil"
)

const name = "co2"

//go:embed co2.csv
var co2CSV []byte

// load reads the monthly record: decimal years and ppm.
func load() (x, y []float64, err error) {
	sc := bufio.NewScanner(bytes.NewReader(co2CSV))
	sc.Scan() // header
	for sc.Scan() {
		a, b, ok := strings.Cut(sc.Text(), ",")
		if !ok {
			return nil, nil, fmt.Errorf("co2.csv: line %q", sc.Text())
		}
		t, err := strconv.ParseFloat(a, 64)
		if err != nil {
			return nil, nil, fmt.Errorf("co2.csv: %w", err)
		}
		v, err := strconv.ParseFloat(b, 64)
		if err != nil {
			return nil, nil, fmt.Errorf("co2.csv: %w", err)
		}
		x, y = append(x, t), append(y, v)
	}
	return x, y, sc.Err()
}

// prior is scikit-learn's CO₂ kernel with its initial values:
//
//	50²·RBF(50) + 2²·RBF(100)·ExpSineSquared(1, period 1, fixed)
//	  + 0.5²·RationalQuadratic(1, α = 1) + 0.1²·RBF(0.1) + White(0.1²)
func prior(h *gp.Hypers) gp.Prior {
	return gp.Prior{
		Kernel: gp.Sum{
			gp.Product{gp.Constant{Value: h.Scalar("trend_var", 50*50)}, gp.RBF{Lengthscale: h.Vector("trend_ls", 50)}},
			gp.Product{
				gp.Constant{Value: h.Scalar("season_var", 2*2)},
				gp.RBF{Lengthscale: h.Vector("season_decay", 100)},
				gp.Periodic{Lengthscale: h.Vector("season_ls", 1),
					Period: h.Add(gp.Hyper{Name: "period", Init: []float64{1}, Size: 1, Fixed: true})},
			},
			gp.Product{gp.Constant{Value: h.Scalar("irreg_var", 0.5*0.5)},
				gp.RationalQuadratic{Lengthscale: h.Vector("irreg_ls", 1), Alpha: h.Scalar("irreg_alpha", 1)}},
			gp.Product{gp.Constant{Value: h.Scalar("noise_var", 0.1*0.1)}, gp.RBF{Lengthscale: h.Vector("noise_ls", 0.1)}},
			gp.White{Noise: h.Scalar("white", 0.1*0.1)},
		},
		Jitter: 1e-10, // scikit-learn's alpha
	}
}

func main() {
	flags := cli.ParseAbout(name, "forecasts the Mauna Loa CO₂ record five years ahead with a Gaussian process on scikit-learn's example kernel, fitted by L-BFGS (gp.Fit).")
	x, y, err := load()
	if err != nil {
		log.Fatal(err)
	}
	if flags.Quick {
		x, y = x[:190], y[:190] // 1958–1973
	}
	n := len(x)
	mean := 0.0
	for _, v := range y {
		mean += v / float64(n)
	}
	yc := make([]float64, n)
	for i, v := range y {
		yc[i] = v - mean
	}
	fmt.Fprintf(os.Stderr, "fitting the CO₂ kernel to %d months (%.1f–%.1f) with L-BFGS\n", n, x[0], x[n-1])
	start := time.Now()
	fit, err := gp.Fit(context.Background(), gp.Data{X: x, Y: yc, N: n, D: 1}, prior, gp.FitOptions{Seed: flags.Seed})
	if err != nil {
		log.Fatal(err)
	}
	fitTime := time.Since(start)
	m := fit.Members[0]
	if m.Err != nil {
		log.Fatal(m.Err)
	}
	fmt.Print(fit)

	// The fit at the data and a forecast 5 years past the last month.
	const ahead = 60
	grid := append([]float64(nil), x...)
	for i := 1; i <= ahead; i++ {
		grid = append(grid, x[n-1]+float64(i)/12)
	}
	pred, err := fit.PredictY(grid)
	if err != nil {
		log.Fatal(err)
	}
	lo, hi, err := pred.Interval(0.95)
	if err != nil {
		log.Fatal(err)
	}
	shift := func(v []float64) []float64 {
		out := make([]float64, len(v))
		for i := range v {
			out[i] = v[i] + mean
		}
		return out
	}
	pm, plo, phi := shift(pred.Mean), shift(lo), shift(hi)
	last := len(grid) - 1
	fmt.Printf("forecast for %.2f: %.2f ppm (95%% interval %.2f–%.2f)\n", grid[last], pm[last], plo[last], phi[last])

	if err := plotutil.Lines(flags.File("forecast.png"), "Mauna Loa CO₂: data, fit and 5-year forecast (95% interval for y)", "year", "ppm",
		plotutil.Series{Name: "monthly mean", X: x, Y: y},
		plotutil.Series{Name: "GP", X: grid, Y: pm, Band: [2][]float64{plo, phi}},
	); err != nil {
		log.Fatal(err)
	}
	tail := max(0, n-60)
	if err := plotutil.Lines(flags.File("forecast_zoom.png"), "CO₂: the last 5 years and the forecast", "year", "ppm",
		plotutil.Series{Name: "monthly mean", X: x[tail:], Y: y[tail:]},
		plotutil.Series{Name: "GP", X: grid[tail:], Y: pm[tail:], Band: [2][]float64{plo[tail:], phi[tail:]}},
	); err != nil {
		log.Fatal(err)
	}

	metrics := map[string]float64{
		"points":                   float64(n),
		"log_marginal_likelihood":  m.LogMarginalLikelihood,
		"fit_s":                    fitTime.Seconds(),
		"iterations":               float64(m.Starts[m.Best].Iterations),
		"evaluations":              float64(m.Starts[m.Best].Evaluations),
		"jitter":                   m.Jitter,
		"forecast_5y_ppm":          pm[last],
		"forecast_5y_interval_ppm": phi[last] - plo[last],
	}
	for i, h := range fit.Hypers {
		if !h.Fixed {
			metrics["fitted_"+h.Name] = m.Values[i][0]
		}
	}
	cli.Result(name, metrics)
}
