// Command fakemock stands in for dialoutmock in binarytest's own tests: it
// prints its base URL alone on the first line, answers /_mock/health, and
// echoes any other request's method, Authorization header and body. With
// -exit it prints a line to stderr and exits 3 before listening.
package main

import (
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
)

func main() {
	exit := flag.Bool("exit", false, "exit 3 at once")
	flag.Parse()
	if *exit {
		fmt.Fprintln(os.Stderr, "fakemock: told to exit")
		os.Exit(3)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Printf("http://%s\n", ln.Addr())
	http.HandleFunc("/_mock/health", func(w http.ResponseWriter, r *http.Request) {})
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		w.Header().Set("X-Method", r.Method)
		if r.URL.Path == "/missing" {
			w.WriteHeader(http.StatusNotFound)
		}
		fmt.Fprintf(w, "%s %s %s", r.Method, r.Header.Get("Authorization"), b)
	})
	fmt.Fprintln(os.Stderr, http.Serve(ln, nil))
	os.Exit(1)
}
