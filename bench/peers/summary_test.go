package peers_test

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
)

// result is one benchmark round's figures.
type result struct {
	n                       int
	nsPerOp, cpuNsPerOp     float64
	bytesPerOp, allocsPerOp float64
}

// results keeps every round of every benchmark, by full benchmark name.
var results = struct {
	sync.Mutex
	byName map[string][]result
}{byName: map[string][]result{}}

func record(name string, r result) {
	results.Lock()
	defer results.Unlock()
	results.byName[name] = append(results.byName[name], r)
}

// final returns the figures of a benchmark: the last round of each run
// (a run starts again with b.N = 1 under -count), and of those runs the
// median of each figure.
func final(name string) (result, bool) {
	results.Lock()
	defer results.Unlock()
	rounds := results.byName[name]
	var runs []result
	for i, r := range rounds {
		if i+1 == len(rounds) || rounds[i+1].n == 1 {
			runs = append(runs, r)
		}
	}
	if len(runs) == 0 {
		return result{}, false
	}
	median := func(field func(result) float64) float64 {
		values := make([]float64, len(runs))
		for i, r := range runs {
			values[i] = field(r)
		}
		slices.Sort(values)
		return values[len(values)/2]
	}
	return result{
		n:           runs[len(runs)-1].n,
		nsPerOp:     median(func(r result) float64 { return r.nsPerOp }),
		cpuNsPerOp:  median(func(r result) float64 { return r.cpuNsPerOp }),
		bytesPerOp:  median(func(r result) float64 { return r.bytesPerOp }),
		allocsPerOp: median(func(r result) float64 { return r.allocsPerOp }),
	}, true
}

// printSummary prints a Markdown table of the benchmarks that ran: one row
// per library and case (first sight, repeat), with wall and CPU time per
// request, serial and parallel, each with its ratio to the floor's first
// sight in the same column, and the serial run's memory figures.
func printSummary(w io.Writer) {
	results.Lock()
	ran := len(results.byName) > 0
	results.Unlock()
	if !ran {
		return
	}
	fmt.Fprintln(w, "\n| library | token | serial ns/op | x-floor | parallel ns/op | x-floor | serial CPU ns/op | x-floor | B/op | allocs/op |")
	fmt.Fprintln(w, "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|")
	floorSerial, okS := floorFigures(false)
	floorParallel, okP := floorFigures(true)
	for _, lib := range benchNames() {
		for _, c := range []struct{ label, prefix string }{{"first sight", "BenchmarkFirstSight"}, {"repeat", "BenchmarkRepeat"}} {
			serial, ok1 := final(c.prefix + "/" + lib)
			parallel, ok2 := final(c.prefix + "Parallel/" + lib)
			if !ok1 && !ok2 {
				continue
			}
			var row strings.Builder
			fmt.Fprintf(&row, "| %s | %s |", lib, c.label)
			cell(&row, serial.nsPerOp, floorSerial.nsPerOp, ok1, okS)
			cell(&row, parallel.nsPerOp, floorParallel.nsPerOp, ok2, okP)
			cell(&row, serial.cpuNsPerOp, floorSerial.cpuNsPerOp, ok1, okS)
			if ok1 {
				fmt.Fprintf(&row, " %.0f | %.0f |", serial.bytesPerOp, serial.allocsPerOp)
			} else {
				row.WriteString(" – | – |")
			}
			fmt.Fprintln(w, row.String())
		}
	}
}

// floorFigures returns the floor's first-sight figures at a concurrency:
// its benchmark's, or else the measurement that stood in for it.
func floorFigures(parallel bool) (result, bool) {
	name := "BenchmarkFirstSight/" + floorName
	if parallel {
		name = "BenchmarkFirstSightParallel/" + floorName
	}
	if r, ok := final(name); ok {
		return r, true
	}
	floors.Lock()
	defer floors.Unlock()
	r, ok := floors.byParallel[parallel]
	return r, ok
}

// cell writes a figure and its ratio to the floor's.
func cell(row *strings.Builder, v, floor float64, ok, floorOK bool) {
	switch {
	case !ok:
		row.WriteString(" – | – |")
	case !floorOK || floor == 0:
		fmt.Fprintf(row, " %s | – |", formatNs(v))
	default:
		fmt.Fprintf(row, " %s | %.2f |", formatNs(v), v/floor)
	}
}

func formatNs(ns float64) string {
	if ns >= 100 {
		return fmt.Sprintf("%.0f", ns)
	}
	return fmt.Sprintf("%.1f", ns)
}
