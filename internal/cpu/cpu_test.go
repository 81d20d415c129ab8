package cpu

import (
	"os"
	"slices"
	"strings"
	"testing"
)

// TestAVX2FMAAgreesWithProcCPUInfo compares the CPUID answer with the flags
// Linux reports, where it reports them: an assembly build must see AVX2 and
// FMA exactly when the kernel lists both; a purego build never does.
func TestAVX2FMAAgreesWithProcCPUInfo(t *testing.T) {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		t.Skip("no /proc/cpuinfo here")
	}
	var flags []string
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "flags") {
			flags = strings.Fields(line)
			break
		}
	}
	listed := slices.Contains(flags, "avx2") && slices.Contains(flags, "fma")
	want := asmBuild && listed
	if AVX2FMA != want {
		t.Errorf("AVX2FMA = %v; /proc/cpuinfo lists avx2 and fma: %v; assembly build: %v", AVX2FMA, listed, asmBuild)
	}
}
