package cli_test

import (
	"os"

	"github.com/ignis-ppl/ignis/internal/examples/cli"
)

func ExampleWriteResult() {
	err := cli.WriteResult(os.Stdout, "linreg", map[string]float64{"slope": 2.001, "intercept": 0.998})
	if err != nil {
		panic(err)
	}
	// Output:
	// {"example":"linreg","metrics":{"intercept":0.998,"slope":2.001}}
}
