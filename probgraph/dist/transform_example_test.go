package dist_test

import (
	"fmt"

	"github.com/ignis-ppl/ignis/engine"
	"github.com/ignis-ppl/ignis/probgraph/dist"
)

// An unconstrained vector of K−1 = 3 zeros maps to the centre of the
// 4-point simplex, where the Jacobian's diagonal is yᵢ(1 − zᵢ) = 3/16, 1/6,
// 1/8: log|det J| = log 1/256.
func ExampleBijectTo() {
	t, err := dist.BijectTo(dist.Simplex())
	if err != nil {
		fmt.Println(err)
		return
	}
	g := engine.NewGraph()
	x := g.Fill(0, 3)
	y := t.Forward(x)
	ld := t.LogAbsDetJacobian(x, y)
	prog, err := g.Compile([]*engine.Node{y, ld})
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := prog.Run(); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%v: %.4f, log|det J| = %.4f\n", t, prog.Value(y), prog.Scalar(ld))
	// Output: stick_breaking: [0.2500 0.2500 0.2500 0.2500], log|det J| = -5.5452
}
