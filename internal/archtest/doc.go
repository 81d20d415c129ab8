// Package archtest holds no code: its test enforces the dependency direction
// between ignis packages (engine ← cuda, engine ← probgraph ← gp, nn ← vmtl,
// and nothing imports examples or bench) and keeps gorgonia.org/cu out of the
// default build flavor.
package archtest
