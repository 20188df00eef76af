// Package loadtest drives a running llavero over HTTP the way browsers and
// relying parties do, and reports throughput and latency. It is the tool
// behind the load figures of BENCHMARKS.md: every request goes through the
// real server, middleware and database, on loopback.
//
// A login needs the PIN the platform sends by SMS. The driver reads it from
// the outbox through the store (the same database the server writes, opened
// by the driver's own process), which is how a test harness stands in for a
// phone: the server must run with the outbox on, and the driver must be
// given the same --data or --database.
package loadtest

import (
	"fmt"
	"io"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// Percentile returns the nearest-rank p-th percentile (0 < p ≤ 100) of
// sorted durations: the smallest value with at least p% of the samples at
// or below it. Nearest rank, not interpolation, so every figure reported is
// a latency some request really had.
func Percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(float64(len(sorted))*p/100 + 0.999999999)
	if rank < 1 {
		rank = 1
	}
	if rank > len(sorted) {
		rank = len(sorted)
	}
	return sorted[rank-1]
}

// Summary is the distribution of one kind of latency.
type Summary struct {
	Count         int
	Mean          time.Duration
	P50, P90, P99 time.Duration
	Max           time.Duration
}

// Summarize sorts ds in place and describes it.
func Summarize(ds []time.Duration) Summary {
	if len(ds) == 0 {
		return Summary{}
	}
	slices.Sort(ds)
	var sum time.Duration
	for _, d := range ds {
		sum += d
	}
	return Summary{Count: len(ds), Mean: sum / time.Duration(len(ds)),
		P50: Percentile(ds, 50), P90: Percentile(ds, 90), P99: Percentile(ds, 99), Max: ds[len(ds)-1]}
}

// samples is one worker's record. Each worker owns its own, so the hot
// path takes no lock; they are merged when the run ends.
type samples struct {
	whole  []time.Duration
	steps  map[string][]time.Duration
	errors map[string]int
}

func newSamples() *samples {
	return &samples{steps: map[string][]time.Duration{}, errors: map[string]int{}}
}

func (s *samples) merge(o *samples) {
	s.whole = append(s.whole, o.whole...)
	for k, v := range o.steps {
		s.steps[k] = append(s.steps[k], v...)
	}
	for k, v := range o.errors {
		s.errors[k] += v
	}
}

// StepSummary is the latency of one step of a flow.
type StepSummary struct {
	Name string
	Summary
}

// Report is the outcome of a run.
type Report struct {
	Name        string
	Concurrency int
	Elapsed     time.Duration
	Completed   int
	Errors      map[string]int // by "step:status" or "step:reason"
	Whole       Summary        // one whole flow, first request to last answer
	Steps       []StepSummary  // in flow order
	MaxRSS      int64          // bytes; 0 when no server PID was given
	ServerCPU   time.Duration  // the server's user+system CPU time during the run; 0 when no PID was given
	DriverCPU   time.Duration  // the driver's own CPU time during the run
	Note        string         // why the run stopped early, if it did
}

// Rate is completed flows per second of wall time.
func (r Report) Rate() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Completed) / r.Elapsed.Seconds()
}

func build(name string, conc int, elapsed time.Duration, s *samples, order []string) Report {
	r := Report{Name: name, Concurrency: conc, Elapsed: elapsed, Completed: len(s.whole), Errors: s.errors, Whole: Summarize(s.whole)}
	for _, n := range order {
		if ds, ok := s.steps[n]; ok {
			r.Steps = append(r.Steps, StepSummary{Name: n, Summary: Summarize(ds)})
		}
	}
	return r
}

func ms(d time.Duration) string { return strconv.FormatFloat(float64(d)/1e6, 'f', 2, 64) }

// Write prints the report as a small table, Markdown-friendly so figures
// can be pasted into BENCHMARKS.md as they are.
func (r Report) Write(w io.Writer) {
	fmt.Fprintf(w, "%s: %d completed in %.1f s with %d concurrent: %.0f/s\n", r.Name, r.Completed, r.Elapsed.Seconds(), r.Concurrency, r.Rate())
	errs := 0
	keys := make([]string, 0, len(r.Errors))
	for k, n := range r.Errors {
		keys = append(keys, k)
		errs += n
	}
	sort.Strings(keys)
	if errs == 0 {
		fmt.Fprintln(w, "errors: none")
	} else {
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = fmt.Sprintf("%s ×%d", k, r.Errors[k])
		}
		fmt.Fprintf(w, "errors: %d (%s)\n", errs, strings.Join(parts, ", "))
	}
	if r.MaxRSS > 0 {
		fmt.Fprintf(w, "server max RSS: %.1f MiB\n", float64(r.MaxRSS)/(1<<20))
	}
	// CPU per completed flow tells what a run would reach with the cores to
	// itself, whatever else shared the machine.
	if r.Completed > 0 && (r.ServerCPU > 0 || r.DriverCPU > 0) {
		per := func(d time.Duration) string { return ms(d / time.Duration(r.Completed)) }
		fmt.Fprintf(w, "CPU: server %.1f s (%s ms per flow), driver %.1f s (%s ms per flow)\n",
			r.ServerCPU.Seconds(), per(r.ServerCPU), r.DriverCPU.Seconds(), per(r.DriverCPU))
	}
	if r.Note != "" {
		fmt.Fprintf(w, "note: %s\n", r.Note)
	}
	fmt.Fprintln(w, "| step | count | mean ms | p50 ms | p90 ms | p99 ms | max ms |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|---|")
	row := func(n string, s Summary) {
		fmt.Fprintf(w, "| %s | %d | %s | %s | %s | %s | %s |\n", n, s.Count, ms(s.Mean), ms(s.P50), ms(s.P90), ms(s.P99), ms(s.Max))
	}
	for _, s := range r.Steps {
		row(s.Name, s.Summary)
	}
	row("whole", r.Whole)
}

// RSSSampler follows a process's resident memory from /proc (Linux only).
type RSSSampler struct {
	max  atomic.Int64
	stop chan struct{}
	done chan struct{}
}

// SampleRSS reads /proc/pid/status every interval until Stop. The first
// read happens at once, so a bad PID is reported before the run starts.
func SampleRSS(pid int, every time.Duration) (*RSSSampler, error) {
	first, err := readRSS(pid)
	if err != nil {
		return nil, err
	}
	s := &RSSSampler{stop: make(chan struct{}), done: make(chan struct{})}
	s.max.Store(first)
	go func() {
		defer close(s.done)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-s.stop:
				return
			case <-t.C:
				if v, err := readRSS(pid); err == nil && v > s.max.Load() {
					s.max.Store(v)
				}
			}
		}
	}()
	return s, nil
}

// Stop ends the sampling and returns the largest RSS seen, in bytes.
func (s *RSSSampler) Stop() int64 {
	close(s.stop)
	<-s.done
	return s.max.Load()
}

// ProcessCPU is the user plus system CPU time a process has used so far,
// from /proc/pid/stat (Linux only).
func ProcessCPU(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, fmt.Errorf("process CPU: %w", err)
	}
	return parseStatCPU(string(b))
}

// clockTicks is USER_HZ, which Linux fixes at 100 for /proc on every
// architecture Go runs on.
const clockTicks = 100

func parseStatCPU(stat string) (time.Duration, error) {
	// The command name (field 2) may hold spaces and parentheses: the
	// fields to count start after its last ')'.
	i := strings.LastIndexByte(stat, ')')
	if i < 0 {
		return 0, fmt.Errorf("process CPU: unreadable stat line")
	}
	f := strings.Fields(stat[i+1:])
	// After the name: state(3) ppid(4) … utime(14) stime(15).
	if len(f) < 13 {
		return 0, fmt.Errorf("process CPU: short stat line")
	}
	ut, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("process CPU: bad utime/stime")
	}
	return time.Duration(ut+st) * time.Second / clockTicks, nil
}

func readRSS(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, fmt.Errorf("server RSS: %w", err)
	}
	return parseVmRSS(string(b))
}

func parseVmRSS(status string) (int64, error) {
	for _, line := range strings.Split(status, "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			f := strings.Fields(rest)
			if len(f) == 2 && f[1] == "kB" {
				kb, err := strconv.ParseInt(f[0], 10, 64)
				if err == nil {
					return kb << 10, nil
				}
			}
		}
	}
	return 0, fmt.Errorf("server RSS: no VmRSS line in /proc status")
}
