//go:build !amd64 || purego

package cpu

// asmBuild is false: this build has no assembly paths.
const asmBuild = false

func detectAVX2FMA() bool { return false }
