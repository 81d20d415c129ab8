package engine

import (
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
)

// ParallelFor calls every index once, never gives one lane to two calls at
// the same time, and works nested and from many goroutines at once.
func TestParallelForCallsEachIndexOnceWithDistinctLanes(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(4))
	var outer sync.WaitGroup
	for g := range 6 {
		outer.Add(1)
		go func() {
			defer outer.Done()
			for rep := range 50 {
				n, lanes := 1+(g*31+rep*7)%97, 1+(g+rep)%5
				seen := make([]atomic.Int32, n)
				busy := make([]atomic.Int32, lanes)
				ParallelFor(n, lanes, func(lane, i int) {
					if lane < 0 || lane >= lanes {
						t.Errorf("lane %d outside [0, %d)", lane, lanes)
						return
					}
					if busy[lane].Add(1) != 1 {
						t.Errorf("lane %d used by two calls at once", lane)
					}
					seen[i].Add(1)
					if i%13 == 0 { // nested use from inside a call
						var sum atomic.Int64
						ParallelFor(20, 3, func(_, k int) { sum.Add(int64(k)) })
						if sum.Load() != 190 {
							t.Errorf("nested ParallelFor summed %d, want 190", sum.Load())
						}
					}
					busy[lane].Add(-1)
				})
				for i := range seen {
					if c := seen[i].Load(); c != 1 {
						t.Errorf("n = %d, lanes = %d: index %d called %d times", n, lanes, i, c)
						return
					}
				}
			}
		}()
	}
	outer.Wait()
}
