package nn

import (
	"fmt"

	"github.com/ignis-ppl/ignis/engine"
	"github.com/ignis-ppl/ignis/probgraph"
)

// Conv2D is a two-dimensional convolution layer over images x [N, In, H, W]
// (NCHW), with Out filters of size Size[0]×Size[1], stride and zero padding
// from Config (see engine.Graph.Conv2D), and weights named Name+".weight"
// [Out, In, KH, KW] and Name+".bias" [Out].
type Conv2D struct {
	Name    string
	In, Out int
	Size    [2]int
	Config  engine.Conv2DConfig
	// NoBias leaves out the bias.
	NoBias bool
	// Init and BiasInit initialise the filters and bias as parameters
	// (defaults GlorotUniform and Zeros).
	Init, BiasInit Init
	// Prior, when set, makes the weights sample sites (see Bayesian).
	Prior Prior
}

// WithPrior returns a copy of c whose weights are drawn from p.
func (c Conv2D) WithPrior(p Prior) Module { c.Prior = p; return c }

// Apply convolves x [N, In, H, W] to [N, Out, OH, OW]. Weights drawn with
// leading batch dimensions (several at once) are not supported: draw them
// one at a time.
func (c Conv2D) Apply(m *probgraph.Ctx, x *engine.Node) *engine.Node {
	g := m.Graph()
	kh, kw := c.Size[0], c.Size[1]
	if c.In < 1 || c.Out < 1 || kh < 1 || kw < 1 || c.Name == "" {
		return g.Fail(fmt.Errorf("%w: conv2d %q: channels %d→%d and size %v must be positive and the name non-empty",
			ErrArgument, c.Name, c.In, c.Out, c.Size))
	}
	if !g.Ok("conv2d "+c.Name, x) {
		return x
	}
	if s := x.Shape(); len(s) != 4 || s[1] != c.In {
		return g.Fail(fmt.Errorf("%w: conv2d %q: input shape %v, want [N %d H W]", engine.ErrShape, c.Name, s, c.In))
	}
	area := kh * kw
	k := declare(m, Weight{Name: c.Name + ".weight", Role: Kernel, Shape: engine.Shape{c.Out, c.In, kh, kw},
		FanIn: c.In * area, FanOut: c.Out * area}, c.Init, GlorotUniform, c.Prior)
	if !g.Ok("conv2d "+c.Name, k) {
		return k
	}
	if len(k.Shape()) != 4 {
		return g.Fail(fmt.Errorf("%w: conv2d %q: filters of shape %v; batched draws are not supported", engine.ErrShape, c.Name, k.Shape()))
	}
	y := g.Conv2D(x, k, c.Config)
	if c.NoBias {
		return y
	}
	b := declare(m, Weight{Name: c.Name + ".bias", Role: Bias, Shape: engine.Shape{c.Out},
		FanIn: c.In * area, FanOut: c.Out * area}, c.BiasInit, Zeros, c.Prior)
	if !g.Ok("conv2d "+c.Name, b) {
		return b
	}
	if len(b.Shape()) != 1 {
		return g.Fail(fmt.Errorf("%w: conv2d %q: bias of shape %v; batched draws are not supported", engine.ErrShape, c.Name, b.Shape()))
	}
	return g.Add(y, g.Reshape(b, c.Out, 1, 1))
}
