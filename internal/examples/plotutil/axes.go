package plotutil

import (
	"math"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
)

// padFraction is the share of the data range left free at each end of an
// axis, so that no point, line or error bar sits on the frame.
const padFraction = 0.04

// span is a closed range of data values; the zero value is empty.
type span struct {
	lo, hi float64
	ok     bool
}

func (s *span) add(v float64) {
	if !s.ok {
		s.lo, s.hi, s.ok = v, v, true
		return
	}
	s.lo, s.hi = min(s.lo, v), max(s.hi, v)
}

// padded widens the range by padFraction at both ends (in log space when
// log is set); a range of one value is widened around it.
func (s span) padded(log bool) (lo, hi float64) {
	lo, hi = s.lo, s.hi
	if !s.ok {
		return 0, 1
	}
	if log {
		lo, hi = math.Log10(lo), math.Log10(hi)
	}
	if d := hi - lo; d > 0 {
		lo, hi = lo-padFraction*d, hi+padFraction*d
	} else {
		w := max(math.Abs(lo)*0.1, 0.5)
		lo, hi = lo-w, hi+w
	}
	if log {
		return math.Pow(10, lo), math.Pow(10, hi)
	}
	return lo, hi
}

// niceTicks labels an axis at round values (1, 2 or 5 times a power of
// ten) with about five to eight marks, all labelled in one format. With
// integer set, no step is below one (for indices).
type niceTicks struct{ integer bool }

func (t niceTicks) Ticks(lo, hi float64) []plot.Tick {
	step := niceStep(lo, hi, 7)
	if t.integer {
		// Every index while there are few of them.
		step = max(step, 1)
		if hi-lo <= 13 {
			step = 1
		}
	}
	var vals []float64
	for k := math.Ceil(lo/step - 1e-9); k*step <= hi+1e-9*step; k++ {
		v := k * step
		if math.Abs(v) < 1e-9*step {
			v = 0 // not −0
		}
		vals = append(vals, v)
	}
	labels := formatTicks(vals, step)
	ticks := make([]plot.Tick, len(vals))
	for i, v := range vals {
		ticks[i] = plot.Tick{Value: v, Label: labels[i]}
	}
	return ticks
}

// niceStep is the smallest of 1, 2 and 5 times a power of ten that puts no
// more than most ticks in [lo, hi].
func niceStep(lo, hi float64, most int) float64 {
	if !(hi > lo) {
		return 1
	}
	count := func(step float64) int {
		return int(math.Floor(hi/step+1e-9) - math.Ceil(lo/step-1e-9) + 1)
	}
	mag := math.Pow(10, math.Floor(math.Log10((hi-lo)/float64(most))))
	for {
		for _, m := range []float64{1, 2, 5} {
			if count(m*mag) <= most {
				return m * mag
			}
		}
		mag *= 10
	}
}

// logTicks labels a logarithmic axis at the powers of ten inside it, and
// at 2 and 5 times them as well when fewer than three powers fit.
type logTicks struct{}

func (logTicks) Ticks(lo, hi float64) []plot.Tick {
	var vals []float64
	first, last := int(math.Floor(math.Log10(lo))), int(math.Ceil(math.Log10(hi)))
	for e := first; e <= last; e++ {
		if v := math.Pow(10, float64(e)); v >= lo && v <= hi {
			vals = append(vals, v)
		}
	}
	if len(vals) < 3 {
		vals = vals[:0]
		for e := first; e <= last; e++ {
			for _, m := range []float64{1, 2, 5} {
				if v := m * math.Pow(10, float64(e)); v >= lo && v <= hi {
					vals = append(vals, v)
				}
			}
		}
	}
	labels := formatTicks(vals, 0)
	ticks := make([]plot.Tick, len(vals))
	for i, v := range vals {
		ticks[i] = plot.Tick{Value: v, Label: labels[i]}
	}
	return ticks
}

// formatTicks writes tick values in one format for the whole axis: fixed
// point with as many decimals as the step needs (none for a step of 1 or
// more), or, when the values are very large or the step very small,
// scientific notation with one exponent for the whole axis (2.5e5). A step
// of 0 (a log axis, whose values are 1, 2 or 5 times a power of ten) gives
// each value its own decimals or exponent, still in one notation.
func formatTicks(vals []float64, step float64) []string {
	out := make([]string, len(vals))
	big, small := 0.0, math.Inf(1)
	for _, v := range vals {
		big = max(big, math.Abs(v))
		if v != 0 {
			small = min(small, math.Abs(v))
		}
	}
	scientific := big >= 1e5 || (step > 0 && step < 1e-3) || (step == 0 && small < 1e-3)
	exp := 0
	if big > 0 {
		exp = int(math.Floor(math.Log10(big) + 1e-9))
	}
	for i, v := range vals {
		switch {
		case scientific && step > 0:
			dec := max(0, exp-decade(step))
			out[i] = strconv.FormatFloat(v/math.Pow(10, float64(exp)), 'f', dec, 64) + "e" + strconv.Itoa(exp)
		case scientific:
			e := decade(v)
			out[i] = strconv.FormatFloat(v/math.Pow(10, float64(e)), 'f', 0, 64) + "e" + strconv.Itoa(e)
		case step > 0:
			out[i] = strconv.FormatFloat(v, 'f', max(0, -decade(step)), 64)
		default:
			out[i] = strconv.FormatFloat(v, 'f', -1, 64)
		}
		if strings.Trim(out[i], "-0.") == "" {
			out[i] = strings.TrimPrefix(out[i], "-") // no "-0.00"
		}
	}
	return out
}

// decade is the exponent of the power of ten at or below |v|.
func decade(v float64) int { return int(math.Floor(math.Log10(math.Abs(v)) + 1e-9)) }
