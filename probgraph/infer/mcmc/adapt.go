package mcmc

import "math"

// dualAveraging tunes the step size towards a target mean acceptance
// statistic (Hoffman and Gelman 2014, §3.2, with Stan's constants).
type dualAveraging struct {
	target, gamma, t0, kappa float64
	mu, sBar, xBar           float64
	count                    int
}

func newDualAveraging(target float64) dualAveraging {
	return dualAveraging{target: target, gamma: 0.05, t0: 10, kappa: 0.75}
}

// restart centres the search on log(10·eps).
func (d *dualAveraging) restart(eps float64) {
	d.mu, d.sBar, d.xBar, d.count = math.Log(10*eps), 0, 0, 0
}

// update takes one iteration's acceptance statistic and returns the next
// step size.
func (d *dualAveraging) update(accept float64) float64 {
	d.count++
	accept = min(accept, 1)
	if accept != accept {
		accept = 0
	}
	t := float64(d.count)
	eta := 1 / (t + d.t0)
	d.sBar = (1-eta)*d.sBar + eta*(d.target-accept)
	x := d.mu - d.sBar*math.Sqrt(t)/d.gamma
	w := math.Pow(t, -d.kappa)
	d.xBar = (1-w)*d.xBar + w*x
	return math.Exp(x)
}

// final is the step size kept after warm-up.
func (d *dualAveraging) final() float64 { return math.Exp(d.xBar) }

// windows schedules the mass-matrix adaptation of warm-up the way Stan does:
// a fast initial buffer (step size only), slow windows that double in length
// and end with a metric update, and a fast terminal buffer.
type windows struct {
	warmup, initBuf, termBuf, size, next, counter int
	active                                        bool
}

func newWindows(warmup int) windows {
	w := windows{warmup: warmup, initBuf: 75, termBuf: 50, size: 25}
	if warmup < 20 {
		return w // step size only
	}
	w.active = true
	if w.initBuf+w.termBuf+w.size > warmup {
		w.initBuf = int(0.15 * float64(warmup))
		w.termBuf = int(0.1 * float64(warmup))
		w.size = warmup - (w.initBuf + w.termBuf)
	}
	w.next = w.initBuf + w.size - 1
	return w
}

// collecting reports whether the current iteration's draw goes into the
// metric estimate.
func (w *windows) collecting() bool {
	return w.active && w.counter >= w.initBuf && w.counter < w.warmup-w.termBuf && w.counter != w.warmup
}

// step advances the counter and reports whether a window just ended (the
// metric is then updated and the step size search restarted).
func (w *windows) step() bool {
	end := w.active && w.counter == w.next && w.counter != w.warmup
	if end {
		w.advance()
	}
	w.counter++
	return end
}

func (w *windows) advance() {
	last := w.warmup - w.termBuf - 1
	if w.next == last {
		return
	}
	w.size *= 2
	w.next = w.counter + w.size
	if w.next != last && w.next+2*w.size >= w.warmup-w.termBuf {
		w.next = last
	}
}
