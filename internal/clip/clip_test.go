package clip

import (
	"strings"
	"testing"

	_ "github.com/dialoutkit/dialoutkit/internal/golden" // -update
)

func TestPrintable(t *testing.T) {
	tests := []struct {
		name string
		in   string
		max  int
		want string
	}{
		{"plain", "fromDateTime", 100, "fromDateTime"},
		{"empty", "", 100, ""},
		{"control bytes", "a\x00b\nc\x7f", 100, "a\uFFFDb\uFFFDc\uFFFD"},
		{"invalid UTF-8", "a\xffb", 100, "a\uFFFDb"},
		{"non-ASCII kept", "São Paulo", 100, "São Paulo"},
		{"cut at max runes", strings.Repeat("é", 5), 3, "ééé…"},
		{"exactly max", "abc", 3, "abc"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Printable(tt.in, tt.max); got != tt.want {
				t.Errorf("Printable(%q, %d) = %q, want %q", tt.in, tt.max, got, tt.want)
			}
		})
	}
}
