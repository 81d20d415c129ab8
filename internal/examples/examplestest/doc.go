// Package examplestest holds no code: its test builds and runs every
// examples/NAME program with -quick and checks that it keeps the examples
// contract (a JSON result as its last line, at least one PNG written).
package examplestest
