package engine

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sync/atomic"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Program is a compiled graph: every buffer is allocated at compile time and
// Run executes the ops in order with no allocation and no goroutine hand-off
// (batched heavy ops may fan out to goroutines inside their kernels). A
// Program is not safe for concurrent use; compile one per goroutine. A Run or
// Replay that starts while another goroutine runs the program returns
// ErrBusy rather than sharing the buffers.
type Program struct {
	bufs    [][]float64 // by node id; nil for nodes the program does not hold
	nodes   []*Node     // the nodes needed, in id order
	steps   []step
	noise   []noiseBuf
	rng     *rand.Rand
	pcg     *rand.PCG
	seed    uint64
	outputs []*Node
	device  Device
	// running is set while Run or Replay computes: a second caller gets
	// ErrBusy instead of sharing the buffers
	running atomic.Bool
}

type step struct {
	node  *Node
	k     Kernel
	out   []float64
	in    [][]float64
	fused bool // a region, whose errors already name the failing node
}

type noiseBuf struct {
	kind Noise
	buf  []float64
}

type compileConfig struct {
	seed      uint64
	device    Device
	fusion    bool
	budget    int64 // bytes; 0: no limit
	budgetSet bool  // WithMemoryBudget was given
}

// CompileOption configures Compile.
type CompileOption func(*compileConfig)

// WithSeed seeds the program's noise generator (default 0). The same seed
// gives the same noise on every run and every machine.
func WithSeed(seed uint64) CompileOption { return func(c *compileConfig) { c.seed = seed } }

// WithFusion turns fusion and constant folding on (the default) or off.
// Without them every op runs as a step of its own and every node's value is
// stored: slower, but useful to compare against and to inspect intermediate
// values with Value.
func WithFusion(on bool) CompileOption { return func(c *compileConfig) { c.fusion = on } }

// WithDevice picks the device that heavy ops run on (default DefaultDevice()).
func WithDevice(d Device) CompileOption { return func(c *compileConfig) { c.device = d } }

// Compile builds a program that computes the given outputs and everything
// they depend on. The graph may keep growing afterwards; the program is not
// affected.
//
// Compiling runs the ops whose inputs are all constants once, and fuses
// element-wise ops over the same elements into single loops over short
// tiles, together with the matrix–vector products X·b that feed them and
// the sums and products Xᵀ·v they feed: a generalized linear model's log
// density and its gradient then read X once per evaluation. Values that
// nothing outside such a loop reads are never stored, so Value returns nil
// for them; the outputs and the leaves are always stored. Large loops and
// products run on several cores, with the work split by the shapes alone,
// so the results are the same for every GOMAXPROCS.
//
// The values the program stores must fit in its memory budget
// (MemoryBudget, or WithMemoryBudget): a larger program is a
// *MemoryBudgetError, wrapping ErrMemory, before its buffers are allocated.
func (g *Graph) Compile(outputs []*Node, opts ...CompileOption) (*Program, error) {
	if g.err != nil {
		return nil, g.Err()
	}
	if !g.checkNodes(func() string { return "Compile" }, func(i int) string { return fmt.Sprintf("outputs[%d]", i) }, outputs) {
		return nil, g.Err()
	}
	cfg := compileConfig{device: DefaultDevice(), fusion: true}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.device == nil {
		return nil, fmt.Errorf("%w: compile: nil device", ErrArgument)
	}
	if !cfg.budgetSet {
		cfg.budget = MemoryBudget()
	}
	p, err := g.compile(outputs, cfg)
	if errors.Is(err, errRegionCycle) {
		cfg.fusion = false
		p, err = g.compile(outputs, cfg)
	}
	return p, err
}

func (g *Graph) compile(outputs []*Node, cfg compileConfig) (*Program, error) {
	need := make([]bool, len(g.nodes))
	var mark func(n *Node)
	mark = func(n *Node) {
		if need[n.id] {
			return
		}
		need[n.id] = true
		for _, c := range n.in {
			mark(c)
		}
	}
	for _, o := range outputs {
		mark(o)
	}
	p := &Program{
		bufs:    make([][]float64, len(g.nodes)),
		outputs: slices.Clone(outputs),
		device:  cfg.device,
	}
	p.Seed(cfg.seed)
	c := &compiler{g: g, p: p, need: need, folded: make([]bool, len(g.nodes)), fusion: cfg.fusion, budget: cfg.budget}
	for id, n := range g.nodes {
		if need[id] {
			c.order = append(c.order, n)
		}
	}
	p.nodes = c.order
	if err := c.leaves(); err != nil {
		return nil, err
	}
	c.fuse()
	if err := c.schedule(outputs); err != nil {
		return nil, err
	}
	return p, nil
}

// Seed restarts the noise generator from seed.
func (p *Program) Seed(seed uint64) {
	p.seed = seed
	p.pcg = rand.NewPCG(seed, 0x9e3779b97f4a7c15)
	p.rng = rand.New(p.pcg)
}

// RNGState returns the state of the program's noise generator, so that a
// saved training run continues with the same draws after loading.
func (p *Program) RNGState() ([]byte, error) { return p.pcg.MarshalBinary() }

// SetRNGState restores a state returned by RNGState.
func (p *Program) SetRNGState(state []byte) error {
	if err := p.pcg.UnmarshalBinary(state); err != nil {
		return fmt.Errorf("%w: noise generator state: %w", ErrArgument, err)
	}
	return nil
}

// Device returns the device the program's heavy ops run on.
func (p *Program) Device() Device { return p.device }

// Stochastic reports whether the program draws noise on each Run (it holds
// noise inputs). A program that does not computes the same values from the
// same inputs on every run: a deterministic objective, as line-search
// optimizers such as L-BFGS need.
func (p *Program) Stochastic() bool { return len(p.noise) > 0 }

// Run draws fresh noise and computes every node the program holds.
func (p *Program) Run() error {
	if !p.running.CompareAndSwap(false, true) {
		return errBusy
	}
	defer p.running.Store(false)
	p.DrawNoise()
	return p.replay()
}

// errBusy is returned to a caller of Run or Replay while another goroutine
// runs the same program.
var errBusy = fmt.Errorf("%w: the program is being run by another goroutine; compile one program per goroutine", ErrBusy)

// DrawNoise fills the noise inputs with fresh draws without running the ops.
func (p *Program) DrawNoise() {
	r := p.rng
	for _, nb := range p.noise {
		switch nb.kind {
		case StdNormal:
			for i := range nb.buf {
				nb.buf[i] = r.NormFloat64()
			}
		case Uniform01:
			for i := range nb.buf {
				nb.buf[i] = uniformOpen(r)
			}
		case StdGumbel:
			for i := range nb.buf {
				nb.buf[i] = -math.Log(-math.Log(uniformOpen(r)))
			}
		}
	}
}

// uniformOpen draws from the open interval (0, 1).
func uniformOpen(r *rand.Rand) float64 {
	for {
		if u := r.Float64(); u > 0 {
			return u
		}
	}
}

// Replay computes every node with the current inputs and noise (no new draws).
func (p *Program) Replay() error {
	if !p.running.CompareAndSwap(false, true) {
		return errBusy
	}
	defer p.running.Store(false)
	return p.replay()
}

func (p *Program) replay() error {
	for i := range p.steps {
		s := &p.steps[i]
		if err := s.k.Run(s.out, s.in); err != nil {
			if s.fused {
				return err
			}
			return fmt.Errorf("engine: run %v: %w", s.node, err)
		}
	}
	return nil
}

// Value returns the buffer holding n's current value. The slice stays valid
// for the program's life; writing to it changes the value (this is how
// optimizers update parameters in place).
func (p *Program) Value(n *Node) []float64 {
	if n == nil || n.id >= len(p.bufs) || n.g == nil || len(p.nodes) == 0 || p.nodes[0].g != n.g {
		return nil
	}
	return p.bufs[n.id]
}

// Scalar returns the first element of n's value (NaN if n is not held).
func (p *Program) Scalar(n *Node) float64 {
	v := p.Value(n)
	if len(v) == 0 {
		return math.NaN()
	}
	return v[0]
}

// Set copies values into an input or parameter node.
func (p *Program) Set(n *Node, values []float64) error {
	buf := p.Value(n)
	if buf == nil {
		return fmt.Errorf("%w: set %v", ErrNotCompiled, n)
	}
	if n.kind != KindInput && n.kind != KindParam {
		return fmt.Errorf("%w: set: %v is not an input or parameter", ErrArgument, n)
	}
	if len(values) != len(buf) {
		return fmt.Errorf("%w: set %v: %d values for %d elements", ErrShape, n, len(values), len(buf))
	}
	copy(buf, values)
	return nil
}

// SetTensor copies a Gorgonia tensor into an input or parameter node; its
// dtype must be float64 and its shape must match.
func (p *Program) SetTensor(n *Node, t tensor.Tensor) error {
	if t == nil {
		return fmt.Errorf("%w: set %v: nil tensor", ErrArgument, n)
	}
	if t.Dtype() != tensor.Float64 {
		return fmt.Errorf("%w: set %v: tensor of %v, want float64", ErrDType, n, t.Dtype())
	}
	if n != nil && !Shape(t.Shape()).Equal(n.shape) && !(len(n.shape) == 0 && t.Shape().TotalSize() == 1) {
		return fmt.Errorf("%w: set %v: tensor shape %v", ErrShape, n, t.Shape())
	}
	d, err := valueData(t)
	if err != nil {
		return err
	}
	return p.Set(n, d)
}

// Outputs returns the nodes the program was compiled for.
func (p *Program) Outputs() []*Node { return slices.Clone(p.outputs) }

// Nodes returns the nodes the program computes or reads, in a topological
// order.
func (p *Program) Nodes() []*Node { return slices.Clone(p.nodes) }

// foreignKernel runs a Gorgonia op through its Do over tensors that view the
// program's buffers. Gorgonia's Do allocates its result; the kernel copies it.
type foreignKernel struct {
	op   G.Op
	vals []G.Value
	in   []Shape
	out  Shape
}

func newForeignKernel(n *Node, shapes []Shape) (Kernel, error) {
	return &foreignKernel{op: n.fop, vals: make([]G.Value, len(shapes)), in: shapes, out: n.shape}, nil
}

func (k *foreignKernel) Run(out []float64, in [][]float64) error {
	for i, s := range k.in {
		if len(s) == 0 {
			f := G.F64(in[i][0])
			k.vals[i] = &f
		} else {
			k.vals[i] = tensor.New(tensor.WithShape(s.Clone()...), tensor.WithBacking(in[i]))
		}
	}
	v, err := k.op.Do(k.vals...)
	if err != nil {
		return fmt.Errorf("gorgonia %v: %w", k.op, err)
	}
	d, err := valueData(v)
	if err != nil {
		return err
	}
	if len(d) != len(out) {
		return fmt.Errorf("%w: gorgonia %v returned %d values for shape %v", ErrShape, k.op, len(d), k.out)
	}
	copy(out, d)
	return nil
}

// Describe lists the program's steps in the order they run, one per line,
// with the contents of each fused loop: what was fused, what is stored.
func (p *Program) Describe() string {
	var b []byte
	for i, s := range p.steps {
		if fs, ok := s.k.(*fusedStep); ok {
			b = fmt.Appendf(b, "%3d  %s\n", i, fs.describe())
			continue
		}
		b = fmt.Appendf(b, "%3d  %v\n", i, s.node)
	}
	return string(b)
}
