// Package clip makes a client's text fit to repeat in a message or a log:
// bounded in length, with control bytes and invalid UTF-8 replaced.
package clip

import "strings"

// Printable returns s cut to at most max runes (an ellipsis marks the cut),
// with control characters, DEL and invalid UTF-8 replaced by U+FFFD.
func Printable(s string, max int) string {
	if len(s) <= max && isPlainASCII(s) {
		return s // the common case costs nothing
	}
	var b strings.Builder
	n := 0
	for _, r := range s {
		if n == max {
			b.WriteString("…")
			break
		}
		if r < 0x20 || r == 0x7f || r == '\uFFFD' {
			r = '\uFFFD'
		}
		b.WriteRune(r)
		n++
	}
	return b.String()
}

func isPlainASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] >= 0x7f {
			return false
		}
	}
	return true
}
