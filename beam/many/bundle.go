package many

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/ignis-ppl/ignis/engine"
	"github.com/ignis-ppl/ignis/gp"
)

// Bundle is a group of series with the same N and Dim that are fitted
// together as one batched exact GP.
type Bundle struct {
	Name    string
	Members []Series
}

// bucket is the grouping key of a series: its size and its shard.
func bucket(s Series, shards int) string {
	return fmt.Sprintf("n=%d/d=%d/s=%d", s.N(), s.Dim, keyHash(s.Key)%uint64(shards))
}

// chunk sorts the members of one bucket by key and cuts them into bundles
// of at most size members, so that the bundles depend only on the set of
// series in the bucket, not on the order a runner delivers them in.
func chunk(name string, members []Series, size int) []Bundle {
	slices.SortStableFunc(members, func(a, b Series) int { return cmp.Compare(a.Key, b.Key) })
	var out []Bundle
	for i := 0; i < len(members); i += size {
		j := min(i+size, len(members))
		out = append(out, Bundle{Name: fmt.Sprintf("%s/#%d", name, i/size), Members: members[i:j:j]})
	}
	return out
}

// Bundles groups valid series exactly as FitGPs does (by N, Dim and shard,
// sorted by key, BundleSize at a time) and returns the invalid ones as
// dead letters. Calling FitBundle on each bundle gives, bit for bit, the
// results FitGPs gives for the same series and options.
func Bundles(series []Series, o GPOptions) ([]Bundle, []DeadLetter) {
	o = o.WithDefaults()
	byBucket := map[string][]Series{}
	var dead []DeadLetter
	for _, s := range series {
		if err := s.Validate(); err != nil {
			dead = append(dead, deadLetter(s.Key, stageFitGPs, err))
			continue
		}
		k := bucket(s, o.Shards)
		byBucket[k] = append(byBucket[k], s)
	}
	var out []Bundle
	for _, k := range slices.Sorted(mapKeys(byBucket)) {
		out = append(out, chunk(k, byBucket[k], o.BundleSize)...)
	}
	return out, dead
}

func mapKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

const stageFitGPs = "FitGPs"

// memberError is a failure of one member of a bundle; the others are
// refitted without it.
type memberError struct {
	member int
	err    error
}

func (e *memberError) Error() string { return fmt.Sprintf("member %d: %v", e.member, e.err) }
func (e *memberError) Unwrap() error { return e.err }

// FitBundle fits the members of one bundle (same N and Dim) by MAP: Adam on
// the log hyperparameters, minimizing each member's negative log marginal
// likelihood (gp.ExactLoss) minus its log prior. Members whose covariance
// stays not positive definite after the bounded jitter, or whose fit
// stops being finite, come back as dead letters, and the bundle is refitted
// without them; since members never mix (every operation is per member),
// the others' results do not depend on which series share their bundle.
// The error is for options or bundles that cannot be fitted at all.
//
// FitBundle is the one place FitGPs calls into package gp.
func FitBundle(b Bundle, o GPOptions) ([]GPFit, []DeadLetter, error) {
	o = o.WithDefaults()
	if err := o.Validate(); err != nil {
		return nil, nil, err
	}
	var dead []DeadLetter
	members := make([]Series, 0, len(b.Members))
	for _, s := range b.Members {
		if err := s.Validate(); err != nil {
			dead = append(dead, deadLetter(s.Key, stageFitGPs, err))
			continue
		}
		if len(members) > 0 && (s.N() != members[0].N() || s.Dim != members[0].Dim) {
			return nil, nil, fmt.Errorf("%w: bundle %s mixes n=%d/d=%d with n=%d/d=%d (series %q)",
				ErrData, b.Name, members[0].N(), members[0].Dim, s.N(), s.Dim, s.Key)
		}
		members = append(members, s)
	}
	for len(members) > 0 {
		fits, err := fitMembers(members, o)
		var me *memberError
		if errors.As(err, &me) {
			s := members[me.member]
			dead = append(dead, deadLetter(s.Key, stageFitGPs, fmt.Errorf("bundle %s: %w", b.Name, me.err)))
			members = slices.Delete(members, me.member, me.member+1)
			continue
		}
		if err != nil {
			return nil, nil, fmt.Errorf("many: bundle %s: %w", b.Name, err)
		}
		for i := range fits {
			fits[i].Bundle, fits[i].BundleSize = b.Name, len(members)
		}
		return fits, dead, nil
	}
	return nil, dead, nil
}

// hyper holds the log hyperparameters of a bundle and their values:
// lengthscales [B, Dim], variances and noises [B]; jitter [B] is added to
// the noise.
type hyper struct {
	u, theta [3][]float64
	jitter   []float64
	tries    []int
}

func fitMembers(ms []Series, o GPOptions) ([]GPFit, error) {
	b, n, dim := len(ms), ms[0].N(), ms[0].Dim
	x := make([]float64, 0, b*n*dim)
	y := make([]float64, 0, b*n)
	for _, s := range ms {
		x, y = append(x, s.X...), append(y, s.Y...)
	}
	loss, err := gp.NewExactLoss(engine.DefaultDevice(), o.Kernel, x, y, b, n, dim)
	if err != nil {
		return nil, err
	}
	defer loss.Close()
	h := hyper{jitter: make([]float64, b), tries: make([]int, b)}
	for i, k := range []struct {
		size int
		init float64
	}{{b * dim, o.InitLengthscale}, {b, o.InitVariance}, {b, o.InitNoise}} {
		h.u[i] = make([]float64, k.size)
		h.theta[i] = make([]float64, k.size)
		for j := range h.u[i] {
			h.u[i][j] = math.Log(k.init)
		}
	}
	nll := make([]float64, b)
	grad := [3][]float64{make([]float64, b*dim), make([]float64, b), make([]float64, b)}
	opt, err := engine.NewAdam(engine.AdamOptions{LR: o.LR})
	if err != nil {
		return nil, err
	}
	priors := [3]*Gamma{o.Lengthscale, o.Variance, o.Noise}
	for step := range o.Steps {
		if err := evalMembers(loss, &h, nll, grad, o.Jitter, dim); err != nil {
			return nil, err
		}
		// Chain to u = log θ and subtract the log prior's derivative.
		for i := range grad {
			for j := range grad[i] {
				g := grad[i][j] * h.theta[i][j]
				if priors[i] != nil {
					_, d := priors[i].logProb(h.theta[i][j])
					g -= d
				}
				grad[i][j] = g
			}
		}
		if err := notFinite(ms, nll, grad, dim, step); err != nil {
			return nil, err
		}
		if err := opt.Step(h.u[:], grad[:]); err != nil {
			return nil, err
		}
	}
	if err := evalMembers(loss, &h, nll, grad, o.Jitter, dim); err != nil {
		return nil, err
	}
	if err := notFinite(ms, nll, grad, dim, o.Steps); err != nil {
		return nil, err
	}
	fits := make([]GPFit, b)
	for m, s := range ms {
		f := GPFit{
			Key:         s.Key,
			Lengthscale: slices.Clone(h.theta[0][m*dim : (m+1)*dim]),
			Variance:    h.theta[1][m],
			Noise:       h.theta[2][m],
			Jitter:      h.jitter[m],
			LogMarginal: -nll[m],
		}
		for i, p := range priors {
			if p == nil {
				continue
			}
			for _, t := range h.theta[i][m*len(h.theta[i])/b : (m+1)*len(h.theta[i])/b] {
				lp, _ := p.logProb(t)
				f.LogPrior += lp
			}
		}
		fits[m] = f
	}
	if len(o.At) > 0 && len(o.At)%dim == 0 {
		if err := predictMembers(fits, o, x, y, b, n, dim); err != nil {
			return nil, err
		}
	}
	return fits, nil
}

// evalMembers sets θ = exp(u) and evaluates the loss, retrying with more
// jitter on a member whose covariance is not positive definite, as the
// jitter policy allows.
func evalMembers(loss *gp.ExactLoss, h *hyper, nll []float64, grad [3][]float64, pol gp.JitterPolicy, dim int) error {
	for i := range h.u {
		for j, u := range h.u[i] {
			h.theta[i][j] = math.Exp(u)
		}
	}
	noise := make([]float64, len(h.jitter))
	for {
		for m := range noise {
			noise[m] = h.theta[2][m] + h.jitter[m]
		}
		err := loss.Eval(nll, grad[0], grad[1], grad[2], h.theta[0], h.theta[1], noise)
		var npd *engine.NotPositiveDefiniteError
		if err == nil || !errors.As(err, &npd) || npd.Batch < 0 || npd.Batch >= len(noise) {
			return err
		}
		m := npd.Batch
		if pol.MaxTries < 0 || h.tries[m] >= pol.MaxTries {
			return &memberError{m, &gp.NotPositiveDefiniteError{Batch: m, Jitter: h.jitter[m], Tries: h.tries[m], Err: err}}
		}
		if h.tries[m] == 0 {
			h.jitter[m] = pol.Initial
		} else {
			h.jitter[m] *= pol.Factor
		}
		h.tries[m]++
	}
}

// notFinite names the first member whose loss or gradient is NaN or Inf.
func notFinite(ms []Series, nll []float64, grad [3][]float64, dim, step int) error {
	for m, s := range ms {
		bad := math.IsNaN(nll[m]) || math.IsInf(nll[m], 0) ||
			firstNotFinite(grad[0][m*dim:(m+1)*dim]) >= 0 || firstNotFinite(grad[1][m:m+1]) >= 0 || firstNotFinite(grad[2][m:m+1]) >= 0
		if bad {
			return &memberError{m, fmt.Errorf("%w: series %q: loss %v at step %d", ErrDiverged, s.Key, nll[m], step)}
		}
	}
	return nil
}

// kernel is the stationary kernel kind with hyperparameter nodes.
func kernel(kind engine.Stationary, ls, v *engine.Node) gp.Kernel {
	switch kind {
	case engine.StationaryMatern12:
		return gp.Matern{Nu: 0.5, Lengthscale: ls, Variance: v}
	case engine.StationaryMatern32:
		return gp.Matern{Nu: 1.5, Lengthscale: ls, Variance: v}
	case engine.StationaryMatern52:
		return gp.Matern{Nu: 2.5, Lengthscale: ls, Variance: v}
	}
	return gp.RBF{Lengthscale: ls, Variance: v}
}

// predictMembers fills each fit's Mean and Var at o.At.
func predictMembers(fits []GPFit, o GPOptions, x, y []float64, b, n, dim int) error {
	ls := make([]float64, 0, b*dim)
	v, noise := make([]float64, b), make([]float64, b)
	for m, f := range fits {
		ls = append(ls, f.Lengthscale...)
		v[m], noise[m] = f.Variance, f.Noise+f.Jitter
	}
	post, prog, err := posterior(o.Kernel, ls, v, noise, x, y, o.At, b, n, dim)
	if err != nil {
		return err
	}
	mean, vr := prog.Value(post.Mean), prog.Value(post.Var)
	m := len(o.At) / dim
	for i := range fits {
		fits[i].Mean = slices.Clone(mean[i*m : (i+1)*m])
		fits[i].Var = slices.Clone(vr[i*m : (i+1)*m])
	}
	return nil
}

// posterior compiles and runs gp.Predict for b members with hyperparameters
// (ls [b, dim], v [b], noise [b]) and training data x [b, n, dim], y [b, n]
// at points xs [M, dim]; a member whose covariance is not positive
// definite is reported as a *memberError.
func posterior(kind engine.Stationary, ls, v, noise, x, y, xs []float64, b, n, dim int) (*gp.Posterior, *engine.Program, error) {
	g := engine.NewGraph()
	prior := gp.Prior{Kernel: kernel(kind, g.Constant(ls, b, dim), g.Constant(v, b)), Noise: g.Constant(noise, b)}
	post := gp.Predict(g, prior, g.Constant(x, b, n, dim), g.Constant(y, b, n), g.Constant(xs, len(xs)/dim, dim))
	if err := g.Err(); err != nil {
		return nil, nil, err
	}
	prog, err := g.Compile([]*engine.Node{post.Mean, post.Var})
	if err != nil {
		return nil, nil, err
	}
	// The fitted noise already holds the fit's jitter: no more is added.
	err = (gp.JitterPolicy{MaxTries: -1}).Run(prog, post.Jitter)
	var npd *gp.NotPositiveDefiniteError
	if errors.As(err, &npd) && npd.Batch >= 0 && npd.Batch < b {
		return nil, nil, &memberError{npd.Batch, err}
	}
	if err != nil {
		return nil, nil, err
	}
	return post, prog, nil
}
