// Package cli holds what every ignis example shares on its command line: the
// -quick, -seed and -out flags, the one-line JSON result that ends its output,
// and a progress reporter for long loops.
//
// An example's main reads like this:
//
//	func main() {
//		f := cli.Parse("linreg")
//		report := cli.Progress(os.Stderr, steps)
//		for i := 0; i < steps; i++ {
//			// ... one optimisation step ...
//			report(i, loss)
//		}
//		// ... plots into f.File("loss.png") ...
//		cli.Result("linreg", map[string]float64{"rmse": rmse})
//	}
package cli
