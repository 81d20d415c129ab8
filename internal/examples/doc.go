// Package examples groups what the runnable programs under examples/ share
// and only they (and bench) use: command-line flags and the result line
// (cli), plots (plotutil), models and data sets (models), and the test that
// runs every example (examplestest). The engine's low-level numerics live
// beside it in internal/cpu, internal/dense and internal/vmath.
package examples
