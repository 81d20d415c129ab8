package engine_test

import (
	"fmt"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/ignis-ppl/ignis/engine"
)

// A logistic regression written with Gorgonia's API trains on ignis's
// executor: Import translates its ops into native ones, its weights (the
// Gorgonia leaves with values) become parameters and its data leaves
// inputs.
func ExampleGraph_Import() {
	eg := G.NewGraph()
	x := G.NewMatrix(eg, G.Float64, G.WithShape(6, 2), G.WithName("x"))
	y := G.NewVector(eg, G.Float64, G.WithShape(6), G.WithName("y"))
	w := G.NewVector(eg, G.Float64, G.WithShape(2), G.WithName("w"),
		G.WithValue(tensor.New(tensor.WithShape(2), tensor.WithBacking([]float64{0, 0}))))
	p := G.Must(G.Sigmoid(G.Must(G.Mul(x, w))))
	one := G.NewConstant(1.0)
	ll := G.Must(G.Add(G.Must(G.HadamardProd(y, G.Must(G.Log(p)))),
		G.Must(G.HadamardProd(G.Must(G.Sub(one, y)), G.Must(G.Log(G.Must(G.Sub(one, p))))))))
	loss := G.Must(G.Neg(G.Must(G.Mean(ll))))

	g := engine.NewGraph()
	l, wn := g.Import(loss), g.Import(w)
	grad := g.Grad(l, wn)[0]
	prog, err := g.Compile([]*engine.Node{l, grad})
	if err != nil {
		fmt.Println(err)
		return
	}
	prog.Set(g.Import(x), []float64{1, 0.5, 2, -1, -1, 0.3, 0.5, 2, -2, -0.5, 1.5, 1})
	prog.Set(g.Import(y), []float64{1, 1, 0, 0, 0, 1})
	for range 200 {
		if err := prog.Run(); err != nil {
			fmt.Println(err)
			return
		}
		for i, v := range prog.Value(grad) {
			prog.Value(wn)[i] -= 0.5 * v
		}
	}
	fmt.Printf("loss %.4f, w = [%.3f %.3f]\n", prog.Scalar(l), prog.Value(wn)[0], prog.Value(wn)[1])
	// Output:
	// loss 0.0221, w = [4.197 -2.557]
}
