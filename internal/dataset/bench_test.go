package dataset

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/dialoutkit/dialoutkit/generator"
	"github.com/dialoutkit/dialoutkit/report"
)

// benchFiles writes one generated tenant of about 50,000 calls in each
// format the loader reads.
func benchFiles(tb testing.TB) (calls int, files map[string][]byte) {
	tb.Helper()
	spec := generator.DefaultSpec(time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC))
	spec.Users = 420
	tenant, err := generator.Generate(context.Background(), spec, nil)
	if err != nil {
		tb.Fatal(err)
	}
	files = map[string][]byte{}
	for name, format := range map[string]string{"calls.jsonl": "jsonl", "export.csv": "teams-csv"} {
		var b bytes.Buffer
		if err := WriteCalls(&b, format, tenant.Calls(everything), tenant.Users()); err != nil {
			tb.Fatal(err)
		}
		files[name] = b.Bytes()
	}
	var b bytes.Buffer
	if err := WriteScenario(&b, "bench", "", tenant.Users(), tenant.Calls(everything)); err != nil {
		tb.Fatal(err)
	}
	files["scenario.json"] = b.Bytes()
	return tenant.Summary().Calls, files
}

// BenchmarkLoad loads the same tenant from each format and prints calls a
// second, and the CPU time a call costs (user and system, all threads: the
// garbage collector's work included; on a shared machine it moves less than
// the wall-clock time):
//
//	go test ./internal/dataset -run '^$' -bench '^BenchmarkLoad$' -benchmem
func BenchmarkLoad(b *testing.B) {
	calls, files := benchFiles(b)
	l := newLoader(b)
	for _, name := range []string{"calls.jsonl", "scenario.json", "export.csv"} {
		b.Run(name, func(b *testing.B) {
			doc := files[name]
			b.SetBytes(int64(len(doc)))
			cpu := cpuTime()
			for b.Loop() {
				ds, err := l.Load(name, doc)
				if err != nil {
					b.Fatal(err)
				}
				if got := ds.Source.Summary().Calls; got != calls {
					b.Fatalf("loaded %d calls, want %d", got, calls)
				}
			}
			b.ReportMetric(float64(calls)*float64(b.N)/b.Elapsed().Seconds(), "calls/s")
			if cpu := cpuTime() - cpu; cpu > 0 {
				b.ReportMetric(float64(cpu.Nanoseconds())/float64(calls)/float64(b.N), "cpu-ns/call")
			}
		})
	}
}

// BenchmarkHostile loads the uploads that once cost seconds and gigabytes:
// `{"users":[{},{},...]}` of 3 MB and 20 MB, refused after 100 problems. It
// prints the time and the bytes allocated a load:
//
//	go test ./internal/dataset -run '^$' -bench '^BenchmarkHostile$' -benchmem
func BenchmarkHostile(b *testing.B) {
	l := newLoader(b)
	for _, n := range []int{1_000_000, 6_666_666} {
		doc := []byte(`{"users":[` + strings.Repeat("{},", n-1) + `{}]}`)
		b.Run(fmt.Sprintf("%dMB", len(doc)/1e6), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_, err := l.Load("users.json", doc)
				var probs report.Problems
				if !errors.As(err, &probs) || len(probs) != report.MaxProblems+1 {
					b.Fatalf("Load = %v, want %d problems and the count", err, report.MaxProblems)
				}
			}
		})
	}
}
