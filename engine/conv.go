package engine

import "fmt"

// Conv2DConfig sets a two-dimensional convolution's stride and zero padding
// along height and width. A zero stride means 1.
type Conv2DConfig struct {
	Stride  [2]int
	Padding [2]int
}

// conv2dGeom is everything a convolution's loops need: the config with
// strides defaulted, and the sizes of input, kernel and output.
type conv2dGeom struct {
	sh, sw, ph, pw int
	n, c, h, w     int // input [N, C, H, W]
	f, kh, kw      int // kernel [F, C, KH, KW]
	oh, ow         int // output [N, F, OH, OW]
}

func (cfg Conv2DConfig) strides() (int, int) {
	sh, sw := cfg.Stride[0], cfg.Stride[1]
	if sh == 0 {
		sh = 1
	}
	if sw == 0 {
		sw = 1
	}
	return sh, sw
}

func (cfg Conv2DConfig) validate() error {
	if cfg.Stride[0] < 0 || cfg.Stride[1] < 0 || cfg.Padding[0] < 0 || cfg.Padding[1] < 0 {
		return fmt.Errorf("%w: conv2d stride %v and padding %v must not be negative", ErrArgument, cfg.Stride, cfg.Padding)
	}
	return nil
}

// String gives the strides (defaulted) and the padding.
func (cfg Conv2DConfig) String() string {
	sh, sw := cfg.strides()
	return fmt.Sprintf("stride=%d,%d pad=%d,%d", sh, sw, cfg.Padding[0], cfg.Padding[1])
}

// geometry checks an input [N, C, H, W] and a kernel [F, C, KH, KW].
func (cfg Conv2DConfig) geometry(x, k Shape) (conv2dGeom, error) {
	if err := cfg.validate(); err != nil {
		return conv2dGeom{}, err
	}
	if len(x) != 4 || len(k) != 4 {
		return conv2dGeom{}, fmt.Errorf("%w: conv2d needs an input [N C H W] and a kernel [F C KH KW], got %v and %v", ErrShape, x, k)
	}
	if x[1] != k[1] {
		return conv2dGeom{}, fmt.Errorf("%w: conv2d input has %d channels, kernel %d (shapes %v and %v)", ErrShape, x[1], k[1], x, k)
	}
	sh, sw := cfg.strides()
	g := conv2dGeom{sh: sh, sw: sw, ph: cfg.Padding[0], pw: cfg.Padding[1],
		n: x[0], c: x[1], h: x[2], w: x[3], f: k[0], kh: k[2], kw: k[3]}
	hp, wp := g.h+2*g.ph, g.w+2*g.pw
	if g.kh > hp || g.kw > wp || g.kh < 1 || g.kw < 1 {
		return conv2dGeom{}, fmt.Errorf("%w: conv2d kernel %d×%d larger than the padded input %d×%d (shapes %v and %v)",
			ErrShape, g.kh, g.kw, hp, wp, x, k)
	}
	g.oh, g.ow = (hp-g.kh)/sh+1, (wp-g.kw)/sw+1
	return g, nil
}

func (g conv2dGeom) inShape() Shape     { return Shape{g.n, g.c, g.h, g.w} }
func (g conv2dGeom) kernelShape() Shape { return Shape{g.f, g.c, g.kh, g.kw} }
func (g conv2dGeom) outShape() Shape    { return Shape{g.n, g.f, g.oh, g.ow} }

// Conv2D is the cross-correlation of a batch of images x [N, C, H, W] with
// a bank of filters k [F, C, KH, KW] (deep learning's "convolution", NCHW
// layout), giving [N, F, OH, OW] with OH = ⌊(H + 2·padH − KH)/strideH⌋ + 1
// and OW likewise:
//
//	y[n,f,i,j] = Σ_c Σ_a Σ_b x[n, c, i·sh − ph + a, j·sw − pw + b] · k[f, c, a, b]
//
// with x zero outside the image. It is differentiable in x and k.
func (g *Graph) Conv2D(x, k *Node, cfg Conv2DConfig) *Node {
	return g.Apply(conv2dOp{cfg: cfg}, x, k)
}

// conv2dOp is y = conv(x, k).
type conv2dOp struct{ cfg Conv2DConfig }

func (o conv2dOp) String() string { return "conv2d(" + o.cfg.String() + ")" }

func (o conv2dOp) Shape(in []Shape) (Shape, error) {
	if len(in) != 2 {
		return nil, fmt.Errorf("%w: conv2d takes 2 inputs, got %d", ErrArgument, len(in))
	}
	geo, err := o.cfg.geometry(in[0], in[1])
	if err != nil {
		return nil, err
	}
	return geo.outShape(), nil
}

func (o conv2dOp) Kernel(spec KernelSpec) (Kernel, error) {
	geo, err := o.cfg.geometry(spec.In[0], spec.In[1])
	if err != nil {
		return nil, err
	}
	return KernelFunc(func(out []float64, in [][]float64) error {
		clear(out)
		geo.forward(in[0], in[1], out)
		return nil
	}), nil
}

// Grad: the convolution is bilinear in x and k, so both vector-Jacobian
// products are again bilinear maps of the same geometry.
func (o conv2dOp) Grad(g *Graph, in []*Node, out, gout *Node) []*Node {
	x, k := in[0], in[1]
	return []*Node{
		g.Apply(conv2dInputGradOp{cfg: o.cfg, h: x.shape[2], w: x.shape[3]}, gout, k),
		g.Apply(conv2dKernelGradOp{cfg: o.cfg, kh: k.shape[2], kw: k.shape[3]}, x, gout),
	}
}

// conv2dInputGradOp is dx = ∂⟨gy, conv(x, k)⟩/∂x from gy [N, F, OH, OW] and
// k [F, C, KH, KW]; h and w are the input's height and width (several input
// sizes give the same output size when the stride exceeds 1).
type conv2dInputGradOp struct {
	cfg  Conv2DConfig
	h, w int
}

func (o conv2dInputGradOp) String() string {
	return fmt.Sprintf("conv2d_dx(%s,h=%d,w=%d)", o.cfg, o.h, o.w)
}

func (o conv2dInputGradOp) geometry(gy, k Shape) (conv2dGeom, error) {
	if len(gy) != 4 || len(k) != 4 {
		return conv2dGeom{}, fmt.Errorf("%w: conv2d_dx needs [N F OH OW] and [F C KH KW], got %v and %v", ErrShape, gy, k)
	}
	geo, err := o.cfg.geometry(Shape{gy[0], k[1], o.h, o.w}, k)
	if err != nil {
		return geo, err
	}
	if !geo.outShape().Equal(gy) {
		return geo, fmt.Errorf("%w: conv2d_dx: output gradient %v, want %v", ErrShape, gy, geo.outShape())
	}
	return geo, nil
}

func (o conv2dInputGradOp) Shape(in []Shape) (Shape, error) {
	geo, err := o.geometry(in[0], in[1])
	if err != nil {
		return nil, err
	}
	return geo.inShape(), nil
}

func (o conv2dInputGradOp) Kernel(spec KernelSpec) (Kernel, error) {
	geo, err := o.geometry(spec.In[0], spec.In[1])
	if err != nil {
		return nil, err
	}
	return KernelFunc(func(out []float64, in [][]float64) error {
		clear(out)
		geo.inputGrad(in[0], in[1], out)
		return nil
	}), nil
}

// Grad: ⟨ga, dx(gy, k)⟩ = ⟨gy, conv(ga, k)⟩.
func (o conv2dInputGradOp) Grad(g *Graph, in []*Node, out, gout *Node) []*Node {
	gy, k := in[0], in[1]
	return []*Node{
		g.Apply(conv2dOp{cfg: o.cfg}, gout, k),
		g.Apply(conv2dKernelGradOp{cfg: o.cfg, kh: k.shape[2], kw: k.shape[3]}, gout, gy),
	}
}

// conv2dKernelGradOp is dk = ∂⟨gy, conv(x, k)⟩/∂k from x [N, C, H, W] and
// gy [N, F, OH, OW]; kh and kw are the kernel's height and width.
type conv2dKernelGradOp struct {
	cfg    Conv2DConfig
	kh, kw int
}

func (o conv2dKernelGradOp) String() string {
	return fmt.Sprintf("conv2d_dk(%s,kh=%d,kw=%d)", o.cfg, o.kh, o.kw)
}

func (o conv2dKernelGradOp) geometry(x, gy Shape) (conv2dGeom, error) {
	if len(x) != 4 || len(gy) != 4 {
		return conv2dGeom{}, fmt.Errorf("%w: conv2d_dk needs [N C H W] and [N F OH OW], got %v and %v", ErrShape, x, gy)
	}
	geo, err := o.cfg.geometry(x, Shape{gy[1], x[1], o.kh, o.kw})
	if err != nil {
		return geo, err
	}
	if !geo.outShape().Equal(gy) {
		return geo, fmt.Errorf("%w: conv2d_dk: output gradient %v, want %v", ErrShape, gy, geo.outShape())
	}
	return geo, nil
}

func (o conv2dKernelGradOp) Shape(in []Shape) (Shape, error) {
	geo, err := o.geometry(in[0], in[1])
	if err != nil {
		return nil, err
	}
	return geo.kernelShape(), nil
}

func (o conv2dKernelGradOp) Kernel(spec KernelSpec) (Kernel, error) {
	geo, err := o.geometry(spec.In[0], spec.In[1])
	if err != nil {
		return nil, err
	}
	return KernelFunc(func(out []float64, in [][]float64) error {
		clear(out)
		geo.kernelGrad(in[0], in[1], out)
		return nil
	}), nil
}

// Grad: ⟨gb, dk(x, gy)⟩ = ⟨gy, conv(x, gb)⟩.
func (o conv2dKernelGradOp) Grad(g *Graph, in []*Node, out, gout *Node) []*Node {
	x, gy := in[0], in[1]
	return []*Node{
		g.Apply(conv2dInputGradOp{cfg: o.cfg, h: x.shape[2], w: x.shape[3]}, gy, gout),
		g.Apply(conv2dOp{cfg: o.cfg}, x, gout),
	}
}

// The three loops below visit the same (n, f, c, a, b, i, j) index set: the
// output position (i, j) reads input row i·sh − ph + a and column
// j·sw − pw + b. cols returns the range of j whose column is inside the
// image, so that the inner loops run without bounds tests.

// rows returns the output rows i whose input row i·sh − ph + a is inside.
func (g *conv2dGeom) rows(a int) (lo, hi int) { return span(a-g.ph, g.sh, g.h, g.oh) }

// cols returns the output columns j whose input column j·sw − pw + b is inside.
func (g *conv2dGeom) cols(b int) (lo, hi int) { return span(b-g.pw, g.sw, g.w, g.ow) }

// span returns [lo, hi) of the i in [0, n) with 0 ≤ i·s + off < size.
func span(off, s, size, n int) (int, int) {
	lo := 0
	if off < 0 {
		lo = (-off + s - 1) / s
	}
	hi := 0
	if size-off > 0 {
		hi = (size - off + s - 1) / s
	}
	hi = min(hi, n)
	return lo, max(hi, lo)
}

// forward adds conv(x, k) to y.
func (g *conv2dGeom) forward(x, k, y []float64) {
	for n := range g.n {
		for f := range g.f {
			yp := y[(n*g.f+f)*g.oh*g.ow:][:g.oh*g.ow]
			for c := range g.c {
				xp := x[(n*g.c+c)*g.h*g.w:][:g.h*g.w]
				kp := k[(f*g.c+c)*g.kh*g.kw:][:g.kh*g.kw]
				for a := range g.kh {
					i0, i1 := g.rows(a)
					for b := range g.kw {
						j0, j1 := g.cols(b)
						if j0 == j1 {
							continue
						}
						kv := kp[a*g.kw+b]
						for i := i0; i < i1; i++ {
							xr := xp[(i*g.sh-g.ph+a)*g.w+j0*g.sw-g.pw+b:]
							yr := yp[i*g.ow+j0 : i*g.ow+j1]
							for j := range yr {
								yr[j] += kv * xr[j*g.sw]
							}
						}
					}
				}
			}
		}
	}
}

// inputGrad adds ∂⟨gy, conv(x, k)⟩/∂x to dx.
func (g *conv2dGeom) inputGrad(gy, k, dx []float64) {
	for n := range g.n {
		for f := range g.f {
			gp := gy[(n*g.f+f)*g.oh*g.ow:][:g.oh*g.ow]
			for c := range g.c {
				dp := dx[(n*g.c+c)*g.h*g.w:][:g.h*g.w]
				kp := k[(f*g.c+c)*g.kh*g.kw:][:g.kh*g.kw]
				for a := range g.kh {
					i0, i1 := g.rows(a)
					for b := range g.kw {
						j0, j1 := g.cols(b)
						if j0 == j1 {
							continue
						}
						kv := kp[a*g.kw+b]
						for i := i0; i < i1; i++ {
							dr := dp[(i*g.sh-g.ph+a)*g.w+j0*g.sw-g.pw+b:]
							gr := gp[i*g.ow+j0 : i*g.ow+j1]
							for j, gv := range gr {
								dr[j*g.sw] += kv * gv
							}
						}
					}
				}
			}
		}
	}
}

// kernelGrad adds ∂⟨gy, conv(x, k)⟩/∂k to dk.
func (g *conv2dGeom) kernelGrad(x, gy, dk []float64) {
	for n := range g.n {
		for f := range g.f {
			gp := gy[(n*g.f+f)*g.oh*g.ow:][:g.oh*g.ow]
			for c := range g.c {
				xp := x[(n*g.c+c)*g.h*g.w:][:g.h*g.w]
				dp := dk[(f*g.c+c)*g.kh*g.kw:][:g.kh*g.kw]
				for a := range g.kh {
					i0, i1 := g.rows(a)
					for b := range g.kw {
						j0, j1 := g.cols(b)
						if j0 == j1 {
							continue
						}
						var s float64
						for i := i0; i < i1; i++ {
							xr := xp[(i*g.sh-g.ph+a)*g.w+j0*g.sw-g.pw+b:]
							gr := gp[i*g.ow+j0 : i*g.ow+j1]
							for j, gv := range gr {
								s += gv * xr[j*g.sw]
							}
						}
						dp[a*g.kw+b] += s
					}
				}
			}
		}
	}
}
