package gen

import (
	"net/http"
	"testing"
	"time"
)

// TestBackoff checks the waits without sleeping: Retry-After is honoured up
// to the cap, and otherwise the full-jitter wait stays under a ceiling that
// doubles with each retry.
func TestBackoff(t *testing.T) {
	tests := []struct {
		name          string
		retryAfter    string
		attempt       int
		base, maxWait time.Duration
		want          time.Duration // exact, for Retry-After
		ceiling       time.Duration // the bound of a jittered wait
	}{
		{name: "Retry-After 0", retryAfter: "0", attempt: 1, base: time.Hour, maxWait: time.Hour, want: 0},
		{name: "Retry-After in seconds", retryAfter: "2", attempt: 1, base: 0, maxWait: time.Hour, want: 2 * time.Second},
		{name: "Retry-After capped", retryAfter: "3600", attempt: 1, base: 0, maxWait: 300 * time.Millisecond, want: 300 * time.Millisecond},
		{name: "Retry-After as an HTTP date, capped", retryAfter: time.Now().Add(time.Hour).UTC().Format(http.TimeFormat), attempt: 1,
			base: 0, maxWait: 200 * time.Millisecond, want: 200 * time.Millisecond},
		{name: "invalid Retry-After: jitter", retryAfter: "soon", attempt: 1, base: 10 * time.Millisecond, maxWait: time.Hour, ceiling: 10 * time.Millisecond},
		{name: "third attempt: ceiling doubled twice", attempt: 3, base: 10 * time.Millisecond, maxWait: time.Hour, ceiling: 40 * time.Millisecond},
		{name: "ceiling capped", attempt: 30, base: 10 * time.Millisecond, maxWait: 50 * time.Millisecond, ceiling: 50 * time.Millisecond},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := NewRetryingDoer(nil, WithBackoff(tc.base, tc.maxWait))
			resp := &http.Response{Header: http.Header{}}
			if tc.retryAfter != "" {
				resp.Header.Set("Retry-After", tc.retryAfter)
			}
			if tc.ceiling == 0 {
				if got := d.backoff(tc.attempt, resp); got != tc.want {
					t.Errorf("backoff = %v, want %v", got, tc.want)
				}
				return
			}
			var most time.Duration
			for range 2000 {
				got := d.backoff(tc.attempt, resp)
				if got < 0 || got > tc.ceiling {
					t.Fatalf("backoff = %v, want within [0, %v]", got, tc.ceiling)
				}
				most = max(most, got)
			}
			if most <= tc.ceiling/2 {
				t.Errorf("the largest of 2000 waits is %v: the ceiling %v is not reached, the jitter is too narrow", most, tc.ceiling)
			}
		})
	}
}
