package engine

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// The worker pool runs the chunks of large fused loops and products on
// several cores. It is shared by every program in the process: chains or
// models run in parallel goroutines then share the cores instead of each
// starting its own threads. Work is split into chunks fixed by the shapes
// alone (never by the number of workers), each chunk writes its own partial
// results, and partials are combined in chunk order, so a program gives the
// same bits under every GOMAXPROCS.
//
// The goroutine that asks for the work always takes part in it: a job
// finishes even when every worker is busy elsewhere, and a job never waits
// for a worker that has not started on it.

// parJob is one parallel loop over chunks, built at compile time and reused
// on every run (a run allocates nothing).
type parJob struct {
	run   func(lane, chunk int) // the body; lane < lanes picks scratch memory
	lanes atomic.Int32          // scratch sets the body owns

	// state packs the run's generation (high 32 bits) with the next chunk
	// to hand out (low 32 bits), so a worker that arrives after its run
	// ended cannot take a chunk of the next one.
	state     atomic.Uint64
	chunks    atomic.Uint32
	remaining atomic.Int64 // chunks not yet finished in this run
	lanesUsed atomic.Int32
}

type parTask struct {
	job *parJob
	gen uint32
}

var pool struct {
	once    sync.Once
	mu      sync.Mutex
	started int
	ready   atomic.Int32 // started, readable without the lock
	tasks   chan parTask
}

// poolWorkers returns the number of goroutines that may run chunks at once,
// the caller included, starting workers up to GOMAXPROCS − 1.
func poolWorkers() int {
	pool.once.Do(func() { pool.tasks = make(chan parTask, 256) })
	p := runtime.GOMAXPROCS(0)
	if p-1 > int(pool.ready.Load()) {
		pool.mu.Lock()
		for pool.started < p-1 {
			pool.started++
			go poolWorker()
		}
		pool.ready.Store(int32(pool.started))
		pool.mu.Unlock()
	}
	return p
}

func poolWorker() {
	for t := range pool.tasks {
		t.job.help(t.gen)
	}
}

// newParJob returns a job running body over chunks, with scratch for at
// most lanes goroutines at once.
func newParJob(lanes int, body func(lane, chunk int)) *parJob {
	j := &parJob{run: body}
	j.lanes.Store(int32(max(lanes, 1)))
	return j
}

// jobs recycles the jobs of ParallelFor.
var jobs = sync.Pool{New: func() any { return new(parJob) }}

// ParallelFor calls fn(lane, i) for every i in [0, n) on up to lanes
// goroutines of the engine's worker pool, the calling goroutine included,
// and returns when every call has returned. No two calls running at the
// same time get the same lane (0 ≤ lane < lanes), so fn can keep scratch
// space per lane. Where a call runs never changes what it computes: a
// kernel whose calls write disjoint parts of its output gives the same
// result on any number of cores. Kernels of ops defined outside engine
// (gp's batched terms) use it instead of starting goroutines of their own.
func ParallelFor(n, lanes int, fn func(lane, i int)) {
	if n <= 0 {
		return
	}
	if lanes <= 1 || n == 1 {
		for i := 0; i < n; i++ {
			fn(0, i)
		}
		return
	}
	j := jobs.Get().(*parJob)
	j.run = fn
	j.lanes.Store(int32(lanes))
	j.do(n, true)
	j.run = nil
	jobs.Put(j)
}

// do runs every chunk in [0, chunks): on the calling goroutine alone when
// parallel is false, else with up to lanes − 1 pool workers helping.
func (j *parJob) do(chunks int, parallel bool) {
	if chunks <= 0 {
		return
	}
	lanes := int(j.lanes.Load())
	if !parallel || chunks == 1 || lanes == 1 {
		for c := 0; c < chunks; c++ {
			j.run(0, c)
		}
		return
	}
	workers := min(poolWorkers(), lanes, chunks)
	if workers <= 1 {
		for c := 0; c < chunks; c++ {
			j.run(0, c)
		}
		return
	}
	// Close the last run before changing anything: a worker that arrives
	// late for it must not find chunks to take while the new count is
	// already set. The new generation first hands out nothing (chunk index
	// past any count), then opens once the count is in place.
	gen := uint32(j.state.Load()>>32) + 1
	j.state.Store(uint64(gen)<<32 | 0xffffffff)
	j.chunks.Store(uint32(chunks))
	j.remaining.Store(int64(chunks))
	j.lanesUsed.Store(1) // lane 0 is the caller's
	j.state.Store(uint64(gen) << 32)
	for range workers - 1 {
		select {
		case pool.tasks <- parTask{job: j, gen: gen}:
		default: // every worker is busy and the queue is full: do more here
		}
	}
	j.work(0, gen)
	for j.remaining.Load() > 0 {
		runtime.Gosched()
	}
}

// help is a pool worker joining run gen of the job, if it is still going and
// a lane is free.
func (j *parJob) help(gen uint32) {
	if uint32(j.state.Load()>>32) != gen {
		return
	}
	lane := int(j.lanesUsed.Add(1)) - 1
	if lane >= int(j.lanes.Load()) {
		return
	}
	j.work(lane, gen)
}

// work takes chunks of run gen until none is left.
func (j *parJob) work(lane int, gen uint32) {
	for {
		s := j.state.Load()
		if uint32(s>>32) != gen {
			return
		}
		c := uint32(s)
		if c >= j.chunks.Load() {
			return
		}
		if !j.state.CompareAndSwap(s, s+1) {
			continue
		}
		j.run(lane, int(c))
		j.remaining.Add(-1)
	}
}
