//go:build gpu

package gp

// In the gpu flavor (go build -tags gpu) package gp links the CUDA backend.
// Its init registers GPU 0 as engine's default device, so that every program
// compiled afterwards, a GP's included, runs its factorizations, solves,
// distances, kernel matrices and the inverse of the marginal likelihood's
// gradient there: building with the tag is the only change a program needs.
// Such a binary needs an NVIDIA driver and a GPU to start at all (see the
// package documentation).
import _ "github.com/ignis-ppl/ignis/cuda"
