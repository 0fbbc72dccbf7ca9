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
	n                   int
	nsPerOp, bytesPerOp float64
	allocsPerOp         float64
}

// results keeps every round of every benchmark, by full benchmark name.
var results = struct {
	sync.Mutex
	byName map[string][]result
	order  []string
}{byName: map[string][]result{}}

func record(name string, r result) {
	results.Lock()
	defer results.Unlock()
	if _, ok := results.byName[name]; !ok {
		results.order = append(results.order, name)
	}
	results.byName[name] = append(results.byName[name], r)
}

// final returns the figures of a benchmark: the last round of each run
// (a run starts again with b.N = 1 under -count), the median of the runs.
func final(name string) (result, int, bool) {
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
		return result{}, 0, false
	}
	slices.SortFunc(runs, func(a, b result) int {
		switch {
		case a.nsPerOp < b.nsPerOp:
			return -1
		case a.nsPerOp > b.nsPerOp:
			return 1
		}
		return 0
	})
	return runs[len(runs)/2], len(runs), true
}

// printSummary prints a Markdown table of the benchmarks that ran: per
// library and concurrency, first sight and repeat side by side, each with
// its ratio to the floor's first sight at the same concurrency.
func printSummary(w io.Writer) {
	results.Lock()
	ran := len(results.order) > 0
	results.Unlock()
	if !ran {
		return
	}
	fmt.Fprintln(w, "\nSide by side (median of runs; x-floor = ns/op ÷ the floor's first sight at the same concurrency)")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| library | concurrency | first sight ns/op | B/op | allocs/op | x-floor | repeat ns/op | B/op | allocs/op | x-floor |")
	fmt.Fprintln(w, "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|")
	for _, mode := range []struct{ label, suffix string }{{"serial", ""}, {"parallel", "Parallel"}} {
		floor, _, haveFloor := final("BenchmarkFirstSight" + mode.suffix + "/" + floorName)
		for _, lib := range benchNames() {
			first, runs, ok1 := final("BenchmarkFirstSight" + mode.suffix + "/" + lib)
			repeat, _, ok2 := final("BenchmarkRepeat" + mode.suffix + "/" + lib)
			if !ok1 && !ok2 {
				continue
			}
			var row strings.Builder
			fmt.Fprintf(&row, "| %s | %s |", lib, mode.label)
			for _, c := range []struct {
				r  result
				ok bool
			}{{first, ok1}, {repeat, ok2}} {
				if !c.ok {
					row.WriteString(" – | – | – | – |")
					continue
				}
				ratio := "–"
				if haveFloor {
					ratio = fmt.Sprintf("%.2f", c.r.nsPerOp/floor.nsPerOp)
				}
				fmt.Fprintf(&row, " %s | %.0f | %.0f | %s |", formatNs(c.r.nsPerOp), c.r.bytesPerOp, c.r.allocsPerOp, ratio)
			}
			if runs > 1 {
				fmt.Fprintf(&row, " <!-- %d runs -->", runs)
			}
			fmt.Fprintln(w, row.String())
		}
	}
}

func formatNs(ns float64) string {
	if ns >= 100 {
		return fmt.Sprintf("%.0f", ns)
	}
	return fmt.Sprintf("%.1f", ns)
}
