package peers_test

import (
	"net/http"
	"net/http/httptest"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stytchmw/stytchmw/bench/internal/fixture"
	"github.com/stytchmw/stytchmw/bench/peers"
)

// The benchmarks: every library and the floor, on first sight of a token
// (a different token in every iteration) and on repeat (one token again
// and again), serial and under RunParallel.
func BenchmarkFirstSight(b *testing.B)         { benchAll(b, mode{firstSight: true}) }
func BenchmarkFirstSightParallel(b *testing.B) { benchAll(b, mode{firstSight: true, parallel: true}) }
func BenchmarkRepeat(b *testing.B)             { benchAll(b, mode{}) }
func BenchmarkRepeatParallel(b *testing.B)     { benchAll(b, mode{parallel: true}) }

// floorName names the floor's sub-benchmarks.
const floorName = "floor"

// benchNames lists the sub-benchmarks in the order they run.
func benchNames() []string {
	names := []string{floorName}
	for _, lib := range peers.Libraries {
		names = append(names, lib.Name)
	}
	return names
}

type mode struct{ firstSight, parallel bool }

func benchAll(b *testing.B, m mode) {
	b.Run(floorName, func(b *testing.B) {
		report(b, m, measureFloor(b, m))
	})
	for _, lib := range peers.Libraries {
		b.Run(lib.Name, func(b *testing.B) {
			// A new instance every round, so that no token of a first-sight
			// round was seen before by the instance measured.
			s := newSubject(b, lib)
			checkCases(b, lib.Name, serveHTTP(s.Handler), cases)
			if b.Failed() {
				b.FailNow()
			}
			if !m.firstSight {
				if status, body := serveHTTP(s.Handler)(tokenOf(repeatHeader()[0])); status != http.StatusOK {
					b.Fatalf("%s: the repeated token was refused: %d %q", lib.Name, status, body)
				}
			}
			report(b, m, measure(b, m, func(w *worker, header []string) bool {
				w.req.Header["Authorization"] = header
				w.rw.status = 0
				s.Handler.ServeHTTP(&w.rw, w.req)
				return w.rw.status == http.StatusOK
			}))
		})
	}
}

func measureFloor(b *testing.B, m mode) result {
	f := peers.NewFloor(issuer)
	return measure(b, m, func(_ *worker, header []string) bool {
		_, err := f.Verify(tokenOf(header))
		return err == nil
	})
}

// report records a round and reports its ratios to the floor.
func report(b *testing.B, m mode, r result) {
	record(b.Name(), r)
	if m.firstSight && b.Name() == benchName(m, floorName) {
		setFloor(m.parallel, r)
	}
	floor := floorOf(b, m.parallel)
	b.ReportMetric(r.nsPerOp/floor.nsPerOp, "x-floor")
	b.ReportMetric(r.cpuNsPerOp, "cpu-ns/op")
}

// worker is one goroutine's reusable request and response writer, so that
// the loop allocates nothing of its own.
type worker struct {
	req *http.Request
	rw  discardWriter
}

func newWorker() *worker {
	return &worker{
		req: httptest.NewRequest(http.MethodGet, "/", nil),
		rw:  discardWriter{header: http.Header{}},
	}
}

// discardWriter is a ResponseWriter that keeps the status and drops the body.
type discardWriter struct {
	header http.Header
	status int
}

func (w *discardWriter) Header() http.Header { return w.header }

func (w *discardWriter) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
}

func (w *discardWriter) Write(p []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	return len(p), nil
}

func (w *discardWriter) WriteString(s string) (int, error) {
	w.WriteHeader(http.StatusOK)
	return len(s), nil
}

// chunk is how many pool indices a parallel worker takes at a time.
const chunk = 16

// measure times step over b.N tokens — distinct pool tokens on first sight,
// the repeat token otherwise — and fails the benchmark if any step failed
// or if the API was asked anything while the timer ran.
func measure(b *testing.B, m mode, step func(w *worker, header []string) bool) result {
	var headers [][]string
	if m.firstSight {
		headers = poolHeaders(b, b.N+chunk*runtime.GOMAXPROCS(0))
	} else {
		headers = repeatHeader()
	}
	last := len(headers) - 1
	var failed atomic.Int64
	var ms0, ms1 runtime.MemStats
	before := api.Requests()
	runtime.ReadMemStats(&ms0)
	cpu0 := cpuTime()
	b.ReportAllocs()
	b.ResetTimer()
	if m.parallel {
		var next atomic.Int64
		b.RunParallel(func(pb *testing.PB) {
			w := newWorker()
			var i, end int64
			bad := int64(0)
			for pb.Next() {
				if i == end {
					end = next.Add(chunk)
					i = end - chunk
				}
				if !step(w, headers[min(int(i), last)]) {
					bad++
				}
				i++
			}
			failed.Add(bad)
		})
	} else {
		w := newWorker()
		bad := int64(0)
		for i := range b.N {
			if !step(w, headers[min(i, last)]) {
				bad++
			}
		}
		failed.Store(bad)
	}
	b.StopTimer()
	cpu := cpuTime() - cpu0
	runtime.ReadMemStats(&ms1)
	after := api.Requests()
	if n := failed.Load(); n > 0 {
		b.Fatalf("%d of %d requests were not answered 200", n, b.N)
	}
	if after != before {
		b.Fatalf("the API was asked while timed: %+v before, %+v after", before, after)
	}
	return result{
		n:           b.N,
		nsPerOp:     float64(b.Elapsed().Nanoseconds()) / float64(b.N),
		cpuNsPerOp:  float64(cpu.Nanoseconds()) / float64(b.N),
		bytesPerOp:  float64(ms1.TotalAlloc-ms0.TotalAlloc) / float64(b.N),
		allocsPerOp: float64(ms1.Mallocs-ms0.Mallocs) / float64(b.N),
	}
}

func benchName(m mode, sub string) string {
	name := "BenchmarkRepeat"
	if m.firstSight {
		name = "BenchmarkFirstSight"
	}
	if m.parallel {
		name += "Parallel"
	}
	return name + "/" + sub
}

// The floor's first-sight figures per concurrency, the denominators of the
// ratios.
var floors = struct {
	sync.Mutex
	byParallel map[bool]result
}{byParallel: map[bool]result{}}

func setFloor(parallel bool, r result) {
	floors.Lock()
	defer floors.Unlock()
	floors.byParallel[parallel] = r
}

// floorOf returns the floor's first-sight figures at the concurrency,
// measuring them now when -bench left BenchmarkFirstSight*/floor out.
func floorOf(tb testing.TB, parallel bool) result {
	floors.Lock()
	r, ok := floors.byParallel[parallel]
	floors.Unlock()
	if ok {
		return r
	}
	r = timeFloor(tb, parallel, time.Second)
	setFloor(parallel, r)
	return r
}

// timeFloor measures the floor on first sight for about d, with its own
// clock: testing.Benchmark cannot run inside a benchmark (both would hold
// the benchmarks' lock).
func timeFloor(tb testing.TB, parallel bool, d time.Duration) result {
	f := peers.NewFloor(issuer)
	var failed atomic.Int64
	verify := func(header []string) {
		if _, err := f.Verify(tokenOf(header)); err != nil {
			failed.Add(1)
		}
	}
	// Estimate the cost of one verification, then time enough of them.
	probe := poolHeaders(tb, 16)
	start := time.Now()
	for _, h := range probe {
		verify(h)
	}
	n := max(16, int(int64(d)/max(1, int64(time.Since(start))/int64(len(probe)))))
	workers := 1
	if parallel {
		workers = runtime.GOMAXPROCS(0)
	}
	headers := poolHeaders(tb, n)
	var next atomic.Int64
	var wg sync.WaitGroup
	cpu0 := cpuTime()
	start = time.Now()
	for range workers {
		wg.Go(func() {
			for i := next.Add(1) - 1; i < int64(n); i = next.Add(1) - 1 {
				verify(headers[i])
			}
		})
	}
	wg.Wait()
	if k := failed.Load(); k > 0 {
		tb.Fatalf("floor: %d of %d tokens refused", k, n)
	}
	return result{
		n:          n,
		nsPerOp:    float64(time.Since(start).Nanoseconds()) / float64(n),
		cpuNsPerOp: float64((cpuTime() - cpu0).Nanoseconds()) / float64(n),
	}
}

// The first-sight tokens: a pool of distinct valid tokens shared by every
// benchmark, grown (with the timer stopped) to what the largest round
// needs. Each round uses a new instance of its library, so every token of
// a round is new to it. Tokens are stored as ready header values.
var pool struct {
	sync.Mutex
	issuedAt time.Time
	headers  [][]string
}

func poolHeaders(tb testing.TB, n int) [][]string {
	tb.Helper()
	pool.Lock()
	defer pool.Unlock()
	if time.Since(pool.issuedAt) > tokenLifetime/2 {
		pool.issuedAt, pool.headers = time.Now(), nil
	}
	if have := len(pool.headers); have < n {
		issuedAt := pool.issuedAt
		tokens, err := issuer.SignEach(n-have, func(k int) fixture.Claims {
			return issuer.ValidClaims(have+k, issuedAt, tokenLifetime)
		})
		if err != nil {
			tb.Fatal(err)
		}
		for _, t := range tokens {
			pool.headers = append(pool.headers, []string{"Bearer " + t})
		}
	}
	return pool.headers[:n]
}

// tokenOf returns the token of an Authorization header value (a substring:
// no copy).
func tokenOf(header []string) string { return header[0][len("Bearer "):] }

// repeatSession numbers the repeated token's session, apart from the pool's.
const repeatSession = 1 << 29

var repeatHeader = sync.OnceValue(func() [][]string {
	token, err := issuer.Sign(issuer.ValidClaims(repeatSession, time.Now(), tokenLifetime))
	if err != nil {
		panic(err)
	}
	return [][]string{{"Bearer " + token}}
})
