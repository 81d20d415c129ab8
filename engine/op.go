package engine

// Op is a differentiable operation on float64 tensors. An Op value is
// immutable: it carries its parameters (axes, bounds, flags) and nothing that
// changes while a program runs.
//
// Every Op is also usable from Gorgonia: the graph wraps it in an adapter that
// implements gorgonia.Op and gorgonia.SDOp, so Gorgonia's TapeMachine and Grad
// run ignis graphs unchanged.
type Op interface {
	// String names the op and every parameter that changes its result.
	// Nodes whose ops print the same and whose inputs are the same are merged
	// by the graph, so a parameter left out of String is a silent bug.
	String() string
	// Shape checks the input shapes and returns the output shape. The error
	// should wrap ErrShape or ErrArgument; the graph adds the op's name.
	Shape(in []Shape) (Shape, error)
	// Kernel returns the code that computes the output from inputs of the given
	// shapes. It is called once per program at compile time; whatever scratch
	// memory the kernel needs is allocated here, never in Run.
	Kernel(spec KernelSpec) (Kernel, error)
	// Grad builds the vector-Jacobian product: given the gradient gout of a
	// scalar with respect to out, it returns one node per input (nil for an
	// input the op is not differentiable in).
	Grad(g *Graph, in []*Node, out, gout *Node) []*Node
}

// KernelSpec tells an op what it is compiled for.
type KernelSpec struct {
	In     []Shape
	Out    Shape
	Device Device
	// Const[i] reports that input i holds the same values on every run (a
	// constant, or ops on constants): a kernel may check or convert it once,
	// on its first run. Nil means no input is known to be constant.
	Const []bool
}

// Kernel computes one op's output into a preallocated buffer. Run must not
// allocate and must not write to its inputs; it returns an error only for
// numerical failures that depend on the input values (a matrix that is not
// positive definite, a non-finite input to a factorization).
type Kernel interface {
	Run(out []float64, in [][]float64) error
}

// KernelFunc adapts a function to the Kernel interface.
type KernelFunc func(out []float64, in [][]float64) error

// Run calls f.
func (f KernelFunc) Run(out []float64, in [][]float64) error { return f(out, in) }

// ElementwiseOp is implemented by ops whose output element i is a function
// of element i of each input alone, once inputs that broadcast have been
// expanded to the output's shape: arithmetic, exp and log, a log density
// evaluated point by point. The compiler fuses chains of such ops into one
// loop over short tiles of the elements, with no buffer between ops for
// values that nothing else reads (see Compile).
//
// For that it compiles the op's kernel with every input shape and the
// output shape equal to Shape{T} for a tile length T, once for each worker
// that runs the loop, and calls it on sub-slices of at most T elements, all
// of one length. A kernel is run by one worker at a time, so it may keep
// scratch of length T; it must depend on nothing but the slices it is given
// (not on the T it was compiled for), and must not write to its inputs.
type ElementwiseOp interface {
	Op
	// Elementwise reports whether this op value qualifies; an op type may
	// qualify for some parameters only.
	Elementwise() bool
}

// PairedOp is an ElementwiseOp that can compute a second element-wise op
// over the same inputs in the same pass: a log density and its derivative
// share their exponentials. When both are in one fused loop with the same
// inputs, the loop runs the pair kernel once instead of two kernels.
type PairedOp interface {
	ElementwiseOp
	// Pair returns a kernel computing this op into its first output and
	// partner into its second, and false if it does not pair with partner.
	// The kernel follows the ElementwiseOp contract, and each of its
	// outputs must equal, bit for bit, what the op's own kernel gives.
	Pair(partner Op, spec KernelSpec) (PairKernel, bool, error)
}

// PairKernel computes two element-wise results from the same inputs.
type PairKernel interface {
	RunPair(out0, out1 []float64, in [][]float64) error
}

// RangeKernel is implemented by kernels of element-wise ops that report
// positions in their errors (a parameter check naming the bad element):
// a fused loop calls RunRange with the offset of the tile's first element
// in the whole tensor instead of Run.
type RangeKernel interface {
	Kernel
	RunRange(offset int, out []float64, in [][]float64) error
}

// aliasOp is implemented by ops whose output is a view of one input (reshape):
// the program gives the output the input's buffer and runs nothing.
type aliasOp interface {
	aliasOf() int
}

// nonDiffOp is implemented by ops that have inputs no gradient flows into
// (integer indices, masks).
type nonDiffOp interface {
	nonDiff(i int) bool
}
