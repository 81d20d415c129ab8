//go:build !linux

package engine

// totalMemory is 0 where engine does not read the physical memory: no limit.
func totalMemory() int64 { return 0 }
