// Package catalogue holds ignis's bad-input catalogue: a table-driven test of
// misuses of the public API across engine, dist, probgraph, infer,
// autoguide, mcmc, gp, nn, vmtl and checkpoints. Each case must end in a clear
// error (errors.Is against an exported sentinel, the message naming the site
// or parameter) or in a correct result; none may panic, hang or give a wrong
// answer silently. The package has no code of its own; see catalogue_test.go.
package catalogue
