//go:build !gpu

package cuda

// Enabled reports whether this binary was built with the gpu flavor and so
// holds the CUDA backend.
const Enabled = false
