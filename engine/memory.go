package engine

import (
	"fmt"
	"sync"
	"sync/atomic"
)

// MemoryBudgetError reports a program whose buffers would not fit in the
// memory budget it was compiled under (see SetMemoryBudget). Compile returns
// it before allocating the buffers, instead of an allocation that ends the
// process.
type MemoryBudgetError struct {
	// Need is the number of bytes the program's values (leaves, the results
	// of the ops it stores, gradients included) take.
	Need int64
	// Budget is the budget in bytes it was compiled under.
	Budget int64
}

func (e *MemoryBudgetError) Error() string {
	return fmt.Sprintf("engine: compile: the program's values need %d bytes (%s), over the memory budget of %d bytes (%s)",
		e.Need, byteSize(e.Need), e.Budget, byteSize(e.Budget))
}

// Unwrap lets errors.Is(err, ErrMemory) match.
func (e *MemoryBudgetError) Unwrap() error { return ErrMemory }

// byteSize formats n bytes in binary units for a reader.
func byteSize(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit && exp < 5; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

// memoryBudget is the default budget of programs compiled without
// WithMemoryBudget; negative (until SetMemoryBudget) means the physical
// memory. It is package-level state like the device registry, written by the
// application and read by Compile.
var memoryBudget = func() *atomic.Int64 {
	var b atomic.Int64
	b.Store(-1)
	return &b
}()

// physicalMemory is the machine's physical memory in bytes, read once; 0
// where the platform does not tell (no limit then).
var physicalMemory = sync.OnceValue(totalMemory)

// MemoryBudget returns the number of bytes a program compiled without
// WithMemoryBudget may allocate for its values: the machine's physical
// memory unless the application set another budget with SetMemoryBudget. Zero
// means no limit (the platform does not report its memory).
func MemoryBudget() int64 {
	if b := memoryBudget.Load(); b >= 0 {
		return b
	}
	return physicalMemory()
}

// SetMemoryBudget sets the budget, in bytes, of programs compiled from now
// on without WithMemoryBudget, and returns the previous one. A program whose
// values (its leaves, the results of the ops it stores, gradients included)
// take more is an error at Compile wrapping ErrMemory, before anything is
// allocated. A budget of zero or less removes the limit. The default is the
// machine's physical memory: a graph too large for the machine is reported,
// not killed by the operating system halfway through allocating. Like
// SetDefaultDevice, it is the application's choice and belongs in its main.
func SetMemoryBudget(bytes int64) int64 {
	if old := memoryBudget.Swap(max(bytes, 0)); old >= 0 {
		return old
	}
	return physicalMemory()
}

// WithMemoryBudget compiles the program under a budget of the given number
// of bytes instead of MemoryBudget(); zero or less means no limit.
func WithMemoryBudget(bytes int64) CompileOption {
	return func(c *compileConfig) { c.budget, c.budgetSet = max(bytes, 0), true }
}

// reserve accounts for a buffer of elems float64 values; it fails when the
// program's values would exceed the budget.
func (c *compiler) reserve(elems int) error {
	need := c.used + 8*int64(elems)
	if c.budget > 0 && need > c.budget {
		return &MemoryBudgetError{Need: need, Budget: c.budget}
	}
	c.used = need
	return nil
}
