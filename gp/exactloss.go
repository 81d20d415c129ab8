package gp

import (
	"fmt"

	"github.com/ignis-ppl/ignis/engine"
)

// ExactLoss is the negative log marginal likelihood of a batch of exact GP
// regressions with fixed data, as a function of the hyperparameters alone,
// together with its gradient: the loss that a type-II maximum-likelihood
// fit of B independent GPs minimizes. The members share a stationary
// kernel (RBF or Matérn, with a lengthscale per input dimension) plus
// Gaussian noise; each has its own lengthscales, kernel variance and noise
// variance.
//
// On a device with engine.ExactGPDevice (package cuda's GPU) the points and
// targets are copied to the device once, and each Eval runs the whole loss
// and gradient there (kernel matrix, Cholesky, solves, gradient
// contraction), sending only the hyperparameters and bringing back only the
// results. On any other device Eval runs the program of
// MarginalLogLikelihood and its gradient, compiled for that device; that
// program is the reference the device path is tested against.
//
// An ExactLoss is not safe for concurrent use; Close releases what it holds
// on the device.
type ExactLoss struct {
	dev           engine.Device
	batch, n, dim int
	resident      engine.ExactGP // nil: prog
	prog          *engine.Program
	params        [3]*engine.Node // lengthscales, variances, noises
	out           [4]*engine.Node // loss and its gradients in params
}

// NewExactLoss prepares the loss of batch GPs with the stationary kernel
// kind (engine.StationaryRBF, StationaryMatern12, 32 or 52) on inputs x
// ([n, dim], shared by all members, or [batch, n, dim]) and targets y
// ([batch, n]), computed on dev (engine.DefaultDevice() for the
// application's choice). x and y are copied.
func NewExactLoss(dev engine.Device, kind engine.Stationary, x, y []float64, batch, n, dim int) (*ExactLoss, error) {
	if dev == nil {
		return nil, fmt.Errorf("%w: exact loss: nil device", ErrOptions)
	}
	if !kind.Valid() {
		return nil, fmt.Errorf("%w: exact loss: unknown stationary kernel %v", ErrKernel, kind)
	}
	if batch <= 0 || n <= 0 || dim <= 0 || len(y) != batch*n || (len(x) != n*dim && len(x) != batch*n*dim) {
		return nil, fmt.Errorf("%w: exact loss: x of %d and y of %d elements for batch=%d n=%d dim=%d",
			ErrData, len(x), len(y), batch, n, dim)
	}
	l := &ExactLoss{dev: dev, batch: batch, n: n, dim: dim}
	if d, ok := offCPU[engine.ExactGPDevice](dev); ok {
		r, err := d.NewExactGP(x, y, kind, batch, n, dim)
		if err != nil {
			return nil, fmt.Errorf("gp: exact loss on %s: %w", dev.Name(), err)
		}
		l.resident = r
		return l, nil
	}
	if err := l.compile(kind, x, y); err != nil {
		return nil, err
	}
	return l, nil
}

// compile builds the reference program: −log p(y) per member and the
// gradient of its sum in each hyperparameter.
func (l *ExactLoss) compile(kind engine.Stationary, x, y []float64) error {
	b, n, dim := l.batch, l.n, l.dim
	g := engine.NewGraph()
	one := func(k int) []float64 {
		v := make([]float64, k)
		for i := range v {
			v[i] = 1
		}
		return v
	}
	ls := g.Param("lengthscale", one(b*dim), b, dim)
	v := g.Param("variance", one(b), b)
	noise := g.Param("noise", one(b), b)
	l.params = [3]*engine.Node{ls, v, noise}
	var kern Kernel = RBF{Lengthscale: ls, Variance: v}
	switch kind {
	case engine.StationaryMatern12:
		kern = Matern{Nu: 0.5, Lengthscale: ls, Variance: v}
	case engine.StationaryMatern32:
		kern = Matern{Nu: 1.5, Lengthscale: ls, Variance: v}
	case engine.StationaryMatern52:
		kern = Matern{Nu: 2.5, Lengthscale: ls, Variance: v}
	}
	xShape := []int{n, dim}
	if len(x) != n*dim {
		xShape = []int{b, n, dim}
	}
	xs := g.Constant(x, xShape...)
	loss := g.Neg(MarginalLogLikelihood(g, Prior{Kernel: kern, Noise: noise}, xs, g.Constant(y, b, n)).Value)
	grads := g.Grad(g.Sum(loss), ls, v, noise)
	if err := g.Err(); err != nil {
		return fmt.Errorf("gp: exact loss: %w", err)
	}
	l.out = [4]*engine.Node{loss, grads[0], grads[1], grads[2]}
	prog, err := g.Compile(l.out[:], engine.WithDevice(l.dev))
	if err != nil {
		return fmt.Errorf("gp: exact loss on %s: %w", l.dev.Name(), err)
	}
	l.prog = prog
	return nil
}

// Eval computes, for lengthscales ls [batch, dim], kernel variances
// variance [batch] and noise variances noise [batch], each member's
// negative log marginal likelihood nll [batch],
//
//	½ yᵀK⁻¹y + ½ log|K| + (n/2) log 2π,   K = k(x, x) + noise·I,
//
// and its gradients gls [batch, dim], gvar [batch] and gnoise [batch] in
// those hyperparameters. A member whose K is not positive definite gives an
// error that wraps *engine.NotPositiveDefiniteError naming it.
func (l *ExactLoss) Eval(nll, gls, gvar, gnoise, ls, variance, noise []float64) error {
	b, dim := l.batch, l.dim
	if len(nll) != b || len(gls) != b*dim || len(gvar) != b || len(gnoise) != b ||
		len(ls) != b*dim || len(variance) != b || len(noise) != b {
		return fmt.Errorf("%w: exact loss: outputs or hyperparameters of the wrong length for batch=%d dim=%d",
			engine.ErrShape, b, dim)
	}
	for _, h := range []struct {
		name string
		v    []float64
		r    rule
	}{{"lengthscale", ls, rulePositive}, {"variance", variance, rulePositive}, {"noise", noise, ruleNonNegative}} {
		per := len(h.v) / b
		for i, v := range h.v {
			if !h.r.holds(v) {
				return fmt.Errorf("%w: exact loss: %s of member %d is %v; it must be %v", ErrHyperparameter, h.name, i/per, v, h.r)
			}
		}
	}
	if l.resident != nil {
		if err := l.resident.NLL(nll, gls, gvar, gnoise, ls, variance, noise); err != nil {
			return fmt.Errorf("gp: exact loss on %s: %w", l.dev.Name(), err)
		}
		return nil
	}
	if l.prog == nil {
		return fmt.Errorf("%w: exact loss used after Close", ErrOptions)
	}
	copy(l.prog.Value(l.params[0]), ls)
	copy(l.prog.Value(l.params[1]), variance)
	copy(l.prog.Value(l.params[2]), noise)
	if err := l.prog.Run(); err != nil {
		return fmt.Errorf("gp: exact loss on %s: %w", l.dev.Name(), err)
	}
	copy(nll, l.prog.Value(l.out[0]))
	copy(gls, l.prog.Value(l.out[1]))
	copy(gvar, l.prog.Value(l.out[2]))
	copy(gnoise, l.prog.Value(l.out[3]))
	return nil
}

// Device returns the device the loss is computed on.
func (l *ExactLoss) Device() engine.Device { return l.dev }

// Close releases the device memory that holds the data (nothing on a device
// without engine.ExactGPDevice). The loss is not usable afterwards.
func (l *ExactLoss) Close() error {
	l.prog = nil
	if l.resident == nil {
		return nil
	}
	r := l.resident
	l.resident = nil
	if err := r.Close(); err != nil {
		return fmt.Errorf("gp: exact loss on %s: %w", l.dev.Name(), err)
	}
	return nil
}
