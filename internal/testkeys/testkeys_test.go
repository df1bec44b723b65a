package testkeys

import "testing"

func TestKeysAreMadeOnce(t *testing.T) {
	a, b := Keys(), Keys()
	if a[0] != b[0] || a[1] != b[1] {
		t.Error("Keys() gave other keys on its second call, want the same two")
	}
	if a[0].Equal(a[1]) {
		t.Error("Keys() gave the same key twice, want an authority's and a stranger's")
	}
	if got := a[0].N.BitLen(); got != 2048 {
		t.Errorf("key size = %d bits, want 2048", got)
	}
}
