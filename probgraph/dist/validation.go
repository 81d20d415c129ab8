package dist

import "sync/atomic"

// runtimeChecksOff is the switch behind SetValidation (its zero value is
// validation on). It is the one process-wide setting of the package, like
// Pyro's validate_args: it is meant to be set once, at start-up, and it
// changes only what constructors build.
var runtimeChecksOff atomic.Bool

// SetValidation turns the run-time checks of computed parameters on (the
// default) or off and returns the previous setting.
//
// Whatever the setting, a constant parameter is checked when its distribution
// is built, and observed data by the models that observe it. With validation
// on, a parameter computed on the graph (a learned scale, a network's output)
// is checked on every run by a pass-through op that fails the run naming the
// family, the parameter and the constraint it breaks; turning validation off
// leaves that op out of distributions built afterwards, which saves one pass
// over each parameter per run, and an invalid value then gives NaN densities
// instead of an error.
func SetValidation(on bool) (previous bool) { return !runtimeChecksOff.Swap(!on) }

// Validation reports whether distributions built now check their computed
// parameters on every run (see SetValidation).
func Validation() bool { return !runtimeChecksOff.Load() }
