package engine

import (
	"errors"
	"fmt"
)

// Sentinel errors. Errors returned by engine wrap one of these, so callers can
// test with errors.Is while the message names the op and the shapes involved.
var (
	// ErrShape reports operands whose shapes do not fit the op.
	ErrShape = errors.New("engine: shape mismatch")
	// ErrArgument reports an invalid non-tensor argument (an axis, a size, a bound).
	ErrArgument = errors.New("engine: invalid argument")
	// ErrDType reports a value whose element type is not float64.
	ErrDType = errors.New("engine: unsupported dtype")
	// ErrInvalidNode reports a node from another graph, a nil node, or a node
	// produced by an op that failed earlier.
	ErrInvalidNode = errors.New("engine: invalid node")
	// ErrNotFinite reports NaN or Inf where a finite value is required.
	ErrNotFinite = errors.New("engine: non-finite value")
	// ErrNotCompiled reports a node that the program does not hold.
	ErrNotCompiled = errors.New("engine: node not in program")
	// ErrNotDifferentiable reports a gradient request that cannot be met.
	ErrNotDifferentiable = errors.New("engine: not differentiable")
	// ErrBusy reports a program run from two goroutines at once: a
	// program's buffers are its own, so each goroutine needs its own
	// program (Compile the graph again).
	ErrBusy = errors.New("engine: program busy")
	// ErrMemory reports a program whose values would exceed the memory
	// budget (see SetMemoryBudget); the error is a *MemoryBudgetError.
	ErrMemory = errors.New("engine: over the memory budget")
	// ErrSingular reports a triangular matrix with a zero on its diagonal
	// given to a solve; the error is a *DiagonalError.
	ErrSingular = errors.New("engine: singular matrix")
	// ErrNotPositiveDefinite reports a matrix whose Cholesky factorization
	// failed; the error is a *NotPositiveDefiniteError.
	ErrNotPositiveDefinite = errors.New("engine: not positive definite")
)

// NotPositiveDefiniteError reports a matrix in a batch whose Cholesky
// factorization failed. Batch is the flat index of the failing matrix among the
// leading batch dimensions; Jitter is the diagonal jitter that had been added
// (zero when the factorization was attempted without jitter).
type NotPositiveDefiniteError struct {
	Op     string
	Batch  int
	Jitter float64
	// Pivot is the column at which the factorization broke down.
	Pivot int
}

func (e *NotPositiveDefiniteError) Error() string {
	return fmt.Sprintf("engine: %s: matrix %d of the batch is not positive definite (pivot %d, jitter %g)",
		e.Op, e.Batch, e.Pivot, e.Jitter)
}

// Unwrap lets errors.Is(err, ErrNotPositiveDefinite) match.
func (e *NotPositiveDefiniteError) Unwrap() error { return ErrNotPositiveDefinite }

// NotFiniteError reports a non-finite input to an op that cannot accept one,
// with the flat index of the first offending element.
type NotFiniteError struct {
	Op    string
	Index int
}

func (e *NotFiniteError) Error() string {
	return fmt.Sprintf("engine: %s: non-finite input at element %d", e.Op, e.Index)
}

// Unwrap lets errors.Is(err, ErrNotFinite) match.
func (e *NotFiniteError) Unwrap() error { return ErrNotFinite }

// DiagonalError reports a triangular matrix in a batch whose diagonal holds
// a zero or a non-finite value, which a triangular solve would divide by:
// the solution would be Inf or NaN. It wraps ErrSingular for a zero and
// ErrNotFinite otherwise.
type DiagonalError struct {
	Op string
	// Batch is the flat index of the matrix among the leading batch
	// dimensions of the op's input.
	Batch int
	// Row is the position on the diagonal: the entry (Row, Row).
	Row int
	// Index is the flat index of that entry in the op's input.
	Index int
	Value float64
}

func (e *DiagonalError) Error() string {
	return fmt.Sprintf("engine: %s: matrix %d of the batch has %v on its diagonal at (%d, %d), element %d of the input",
		e.Op, e.Batch, e.Value, e.Row, e.Row, e.Index)
}

// Unwrap lets errors.Is match ErrSingular (a zero) or ErrNotFinite.
func (e *DiagonalError) Unwrap() error {
	if e.Value == 0 {
		return ErrSingular
	}
	return ErrNotFinite
}

func shapeErr(op string, shapes ...Shape) error {
	return fmt.Errorf("%w: %s: operand shapes %v", ErrShape, op, shapes)
}
