package server

import (
	"fmt"
	"net/http"
	"strconv"
)

// ParseRangeLimitStatus reads the status of a range over 90 days: "400" (the
// default, decision D3) or "406", which a report of the live service saw
// for a sibling function (docs/contract.md#like-the-live-service).
func ParseRangeLimitStatus(s string) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil {
		n = -1
	}
	if err := checkRangeLimitStatus(n); err != nil {
		return 0, err
	}
	return n, nil
}

func checkRangeLimitStatus(n int) error {
	if n != http.StatusBadRequest && n != http.StatusNotAcceptable {
		return &FieldError{Field: "RangeLimitStatus", Reason: fmt.Sprintf("%d: want 400 or 406", n)}
	}
	return nil
}
