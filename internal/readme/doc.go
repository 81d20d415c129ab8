// Package readme holds no code: its tests keep the Go snippet in the
// repository's README.md compiling and printing what the README says.
package readme
