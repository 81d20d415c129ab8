// Package cli holds what every ignis example shares on its command line: the
// -quick, -seed and -out flags and a -h that says what the example does,
// the one-line JSON result that ends its output, and progress reporters for
// long loops.
//
// An example's main reads like this:
//
//	func main() {
//		f := cli.ParseAbout("linreg", "fits a Bayesian linear regression by SVI.")
//		report := cli.LabeledProgress(os.Stderr, "SVI", steps)
//		for i := 0; i < steps; i++ {
//			// ... one optimisation step ...
//			report(i, loss)
//		}
//		// ... plots into f.File("loss.png") ...
//		cli.Result("linreg", map[string]float64{"rmse": rmse})
//	}
package cli
