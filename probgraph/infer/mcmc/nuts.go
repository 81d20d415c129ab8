package mcmc

import (
	"math"
	"math/rand/v2"
)

var inf = math.Inf(1)

// state is a point of phase space: position q, momentum p, the potential
// energy u at q and its gradient.
type state struct {
	q, p, grad []float64
	u          float64
}

func newState(d int) state {
	return state{q: make([]float64, d), p: make([]float64, d), grad: make([]float64, d)}
}

func (s *state) copyFrom(o *state) {
	copy(s.q, o.q)
	copy(s.p, o.p)
	copy(s.grad, o.grad)
	s.u = o.u
}

// level holds the scratch vectors of one recursion level of the tree
// builder, allocated once per chain so that a transition allocates nothing.
type level struct {
	rhoLeft, rhoRight, rhoExt []float64
	pLeftEnd, pSharpLeftEnd   []float64
	pRightBeg, pSharpRightBeg []float64
	proposeRight              state
	lswLeft, lswRight         float64
}

// transitionStats are what one transition reports.
type transitionStats struct {
	accept    float64 // mean Metropolis acceptance over the trajectory
	divergent bool
	// saturated marks a trajectory cut short by its length limit: the
	// maximum tree depth (NUTS) or MaxHMCSteps (HMC).
	saturated bool
	depth     int
	steps     int
	energy    float64
}

// sampler is one chain's HMC/NUTS machinery.
type sampler struct {
	pot      *potential
	dim      int
	rng      *rand.Rand
	metric   metric
	eps      float64
	maxDepth int
	// trajLen > 0 selects static HMC: each trajectory takes
	// ⌈trajLen/eps⌉ leapfrog steps, at most MaxHMCSteps.
	trajLen float64
	// done is the run's cancellation signal, polled at every leapfrog step
	// of a trajectory: a long trajectory (2^30 steps at the deepest tree)
	// must not outlast its context. stopped records that it was seen, and
	// the transition that saw it is discarded.
	done    <-chan struct{}
	stopped bool

	cur, z, sample, propose state
	levels                  []level
	velo                    []float64
	// top-level trajectory ends
	pFwdFwd, pFwdBck, pBckFwd, pBckBck                     []float64
	pSharpFwdFwd, pSharpFwdBck, pSharpBckFwd, pSharpBckBck []float64
	rho, rhoFwd, rhoBck, rhoExt                            []float64
	zFwd, zBck                                             state

	// per-transition accumulators
	nLeapfrog    int
	sumMetroProb float64
	divergent    bool
	h0           float64
}

const maxDeltaH = 1000

func newSampler(pot *potential, dim int, rng *rand.Rand, dense bool, maxDepth int) *sampler {
	vec := func() []float64 { return make([]float64, dim) }
	s := &sampler{pot: pot, dim: dim, rng: rng, metric: newMetric(dim, dense), maxDepth: maxDepth,
		cur: newState(dim), z: newState(dim), sample: newState(dim), propose: newState(dim),
		zFwd: newState(dim), zBck: newState(dim), velo: vec(),
		pFwdFwd: vec(), pFwdBck: vec(), pBckFwd: vec(), pBckBck: vec(),
		pSharpFwdFwd: vec(), pSharpFwdBck: vec(), pSharpBckFwd: vec(), pSharpBckBck: vec(),
		rho: vec(), rhoFwd: vec(), rhoBck: vec(), rhoExt: vec()}
	s.levels = make([]level, maxDepth+1)
	for i := range s.levels {
		s.levels[i] = level{rhoLeft: vec(), rhoRight: vec(), rhoExt: vec(), pLeftEnd: vec(), pSharpLeftEnd: vec(),
			pRightBeg: vec(), pSharpRightBeg: vec(), proposeRight: newState(dim)}
	}
	return s
}

// setPosition moves the chain to q and evaluates the potential there.
func (s *sampler) setPosition(q []float64) float64 {
	copy(s.cur.q, q)
	s.cur.u = s.pot.eval(s.cur.q, s.cur.grad)
	return s.cur.u
}

// hamiltonian is U(q) + ½pᵀM⁻¹p, with s.velo left holding M⁻¹p.
func (s *sampler) hamiltonian(z *state) float64 {
	s.metric.velocity(s.velo, z.p)
	h := z.u + 0.5*dot(z.p, s.velo)
	if h != h {
		return inf
	}
	return h
}

// leapfrog advances z by one step of size eps (negative: backwards).
func (s *sampler) leapfrog(z *state, eps float64) {
	half := 0.5 * eps
	for i := range z.p {
		z.p[i] -= half * z.grad[i]
	}
	s.metric.velocity(s.velo, z.p)
	for i := range z.q {
		z.q[i] += eps * s.velo[i]
	}
	z.u = s.pot.eval(z.q, z.grad)
	for i := range z.p {
		z.p[i] -= half * z.grad[i]
	}
}

// cancelled reports whether the run was cancelled: a non-blocking receive,
// negligible beside the gradient evaluation of a leapfrog step.
func (s *sampler) cancelled() bool {
	if s.stopped {
		return true
	}
	select {
	case <-s.done:
		s.stopped = true
	default:
	}
	return s.stopped
}

// findStepSize doubles or halves eps from its current value until one
// leapfrog step from the current point changes the acceptance probability
// across 0.8 (Stan's heuristic), so that dual averaging starts in range.
func (s *sampler) findStepSize() {
	if s.eps <= 0 || s.eps != s.eps || math.IsInf(s.eps, 0) {
		s.eps = 1
	}
	target := math.Log(0.8)
	dir := 0
	for range 100 {
		if s.cancelled() {
			return
		}
		s.z.copyFrom(&s.cur)
		s.metric.momentum(s.rng, s.z.p)
		h0 := s.hamiltonian(&s.z)
		s.leapfrog(&s.z, s.eps)
		dh := h0 - s.hamiltonian(&s.z)
		if dh != dh {
			dh = -inf
		}
		if dir == 0 {
			dir = 1
			if !(dh > target) {
				dir = -1
			}
		}
		if dir == 1 && !(dh > target) || dir == -1 && !(dh < target) {
			return
		}
		if dir == 1 {
			s.eps *= 2
		} else {
			s.eps /= 2
		}
		if s.eps > 1e7 || s.eps < 1e-300 {
			s.eps = min(max(s.eps, 1e-300), 1e7)
			return
		}
	}
}

// criterion is the generalized no-U-turn check between two ends of a
// trajectory with velocities vMinus, vPlus and summed momentum rho.
func criterion(vMinus, vPlus, rho []float64) bool {
	return dot(vPlus, rho) > 0 && dot(vMinus, rho) > 0
}

func addTo(dst, a, b []float64) {
	for i := range dst {
		dst[i] = a[i] + b[i]
	}
}

func logAddExp(a, b float64) float64 {
	if a == -inf {
		return b
	}
	if b == -inf {
		return a
	}
	if a > b {
		return a + math.Log1p(math.Exp(b-a))
	}
	return b + math.Log1p(math.Exp(a-b))
}

// nuts performs one NUTS transition from s.cur (Betancourt 2017: a
// trajectory doubled in random directions, multinomial sampling of the
// next point, biased towards the newer half at the top level, and the
// no-U-turn check across each subtree and the two joints between halves).
func (s *sampler) nuts() transitionStats {
	s.z.copyFrom(&s.cur)
	s.metric.momentum(s.rng, s.z.p)
	s.h0 = s.hamiltonian(&s.z)
	s.nLeapfrog, s.sumMetroProb, s.divergent = 0, 0, false

	s.zFwd.copyFrom(&s.z)
	s.zBck.copyFrom(&s.z)
	s.sample.copyFrom(&s.z)
	for _, v := range [][]float64{s.pFwdFwd, s.pFwdBck, s.pBckFwd, s.pBckBck, s.rho} {
		copy(v, s.z.p)
	}
	s.metric.velocity(s.velo, s.z.p)
	for _, v := range [][]float64{s.pSharpFwdFwd, s.pSharpFwdBck, s.pSharpBckFwd, s.pSharpBckBck} {
		copy(v, s.velo)
	}
	lsw := 0.0
	depth := 0
	for depth < s.maxDepth {
		clear(s.rhoFwd)
		clear(s.rhoBck)
		lswSub := -inf
		var valid bool
		if s.rng.Float64() > 0.5 {
			copy(s.rhoBck, s.rho)
			copy(s.pBckFwd, s.pFwdFwd)
			copy(s.pSharpBckFwd, s.pSharpFwdFwd)
			s.z.copyFrom(&s.zFwd)
			valid = s.buildTree(depth, &s.propose, s.pSharpFwdBck, s.pSharpFwdFwd, s.rhoFwd, s.pFwdBck, s.pFwdFwd, 1, &lswSub)
			s.zFwd.copyFrom(&s.z)
		} else {
			copy(s.rhoFwd, s.rho)
			copy(s.pFwdBck, s.pBckBck)
			copy(s.pSharpFwdBck, s.pSharpBckBck)
			s.z.copyFrom(&s.zBck)
			valid = s.buildTree(depth, &s.propose, s.pSharpBckFwd, s.pSharpBckBck, s.rhoBck, s.pBckFwd, s.pBckBck, -1, &lswSub)
			s.zBck.copyFrom(&s.z)
		}
		if !valid {
			break
		}
		depth++
		if lswSub > lsw || s.rng.Float64() < math.Exp(lswSub-lsw) {
			s.sample.copyFrom(&s.propose)
		}
		lsw = logAddExp(lsw, lswSub)
		addTo(s.rho, s.rhoBck, s.rhoFwd)
		persist := criterion(s.pSharpBckBck, s.pSharpFwdFwd, s.rho)
		addTo(s.rhoExt, s.rhoBck, s.pFwdBck)
		persist = persist && criterion(s.pSharpBckBck, s.pSharpFwdBck, s.rhoExt)
		addTo(s.rhoExt, s.rhoFwd, s.pBckFwd)
		persist = persist && criterion(s.pSharpBckFwd, s.pSharpFwdFwd, s.rhoExt)
		if !persist {
			break
		}
	}
	s.cur.copyFrom(&s.sample)
	acc := 0.0
	if s.nLeapfrog > 0 {
		acc = s.sumMetroProb / float64(s.nLeapfrog)
	}
	return transitionStats{accept: acc, divergent: s.divergent, saturated: depth >= s.maxDepth, depth: depth,
		steps: s.nLeapfrog, energy: s.hamiltonian(&s.cur)}
}

// buildTree extends the trajectory from s.z by 2^depth leapfrog steps in
// direction sign, writing the subtree's multinomial proposal into propose,
// its end momenta and velocities, and adding its summed momentum to rho and
// its log weight to lsw. It reports false on a divergence, a U-turn
// inside the subtree or a cancelled run. A potential that cannot be
// evaluated (a covariance that is not positive definite, say) is +Inf
// there, so the step diverges.
func (s *sampler) buildTree(depth int, propose *state, vBeg, vEnd, rho, pBeg, pEnd []float64, sign float64, lsw *float64) bool {
	if depth == 0 {
		if s.cancelled() {
			return false
		}
		s.leapfrog(&s.z, sign*s.eps)
		s.nLeapfrog++
		h := s.hamiltonian(&s.z) // leaves s.velo = M⁻¹p
		if h-s.h0 > maxDeltaH {
			s.divergent = true
		}
		*lsw = logAddExp(*lsw, s.h0-h)
		if s.h0-h > 0 {
			s.sumMetroProb++
		} else {
			s.sumMetroProb += math.Exp(s.h0 - h)
		}
		propose.copyFrom(&s.z)
		copy(vBeg, s.velo)
		copy(vEnd, s.velo)
		for i, v := range s.z.p {
			rho[i] += v
		}
		copy(pBeg, s.z.p)
		copy(pEnd, s.z.p)
		return !s.divergent
	}
	lv := &s.levels[depth]
	clear(lv.rhoLeft)
	lv.lswLeft = -inf
	if !s.buildTree(depth-1, propose, vBeg, lv.pSharpLeftEnd, lv.rhoLeft, pBeg, lv.pLeftEnd, sign, &lv.lswLeft) {
		return false
	}
	clear(lv.rhoRight)
	lv.lswRight = -inf
	if !s.buildTree(depth-1, &lv.proposeRight, lv.pSharpRightBeg, vEnd, lv.rhoRight, lv.pRightBeg, pEnd, sign, &lv.lswRight) {
		return false
	}
	lswSub := logAddExp(lv.lswLeft, lv.lswRight)
	*lsw = logAddExp(*lsw, lswSub)
	if lv.lswRight > lswSub || s.rng.Float64() < math.Exp(lv.lswRight-lswSub) {
		propose.copyFrom(&lv.proposeRight)
	}
	addTo(lv.rhoExt, lv.rhoLeft, lv.rhoRight)
	for i, v := range lv.rhoExt {
		rho[i] += v
	}
	persist := criterion(vBeg, vEnd, lv.rhoExt)
	addTo(lv.rhoExt, lv.rhoLeft, lv.pRightBeg)
	persist = persist && criterion(vBeg, lv.pSharpRightBeg, lv.rhoExt)
	addTo(lv.rhoExt, lv.rhoRight, lv.pLeftEnd)
	persist = persist && criterion(lv.pSharpLeftEnd, vEnd, lv.rhoExt)
	return persist
}

// MaxHMCSteps caps the leapfrog steps of one static HMC trajectory. A
// trajectory length over the step size that asks for more is cut there and
// counted like a NUTS trajectory stopped by the maximum tree depth
// (ChainStats.TreeDepthHits, Samples.Warnings); with a step size that is
// not adapted, Run rejects such a pair as a bad option instead.
const MaxHMCSteps = 1 << 20

// hmcSteps is the number of leapfrog steps of an HMC trajectory of length
// trajLen with step size eps, ⌈trajLen/eps⌉ at least 1, and whether it was
// capped at MaxHMCSteps. The ratio is taken in floating point, where a tiny
// step size gives +Inf rather than an overflowed integer.
func hmcSteps(trajLen, eps float64) (int, bool) {
	n := math.Ceil(trajLen / eps)
	if !(n <= MaxHMCSteps) {
		return MaxHMCSteps, true
	}
	return max(1, int(n)), false
}

// hmc performs one static HMC transition with a fixed trajectory length
// (Metropolis-corrected). A step where the potential is not finite ends the
// trajectory as a divergence, rejected.
func (s *sampler) hmc() transitionStats {
	s.z.copyFrom(&s.cur)
	s.metric.momentum(s.rng, s.z.p)
	h0 := s.hamiltonian(&s.z)
	n, capped := hmcSteps(s.trajLen, s.eps)
	st := transitionStats{saturated: capped}
	for range n {
		if s.cancelled() {
			return st
		}
		s.leapfrog(&s.z, s.eps)
		st.steps++
		if math.IsInf(s.z.u, 1) {
			break
		}
	}
	h := s.hamiltonian(&s.z)
	acc := math.Min(1, math.Exp(h0-h))
	if h != h || math.IsInf(h, 1) {
		acc = 0
	}
	st.accept, st.divergent = acc, h-h0 > maxDeltaH
	if s.rng.Float64() < acc {
		s.cur.copyFrom(&s.z)
	}
	st.energy = s.hamiltonian(&s.cur)
	return st
}
