package contract_test

import (
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestJSONAnswerInAnotherCharsetIsAViolation: JSON exchanged between
// systems is UTF-8 (RFC 8259 §8.1), and kin-openapi looks at the media type
// only, so the validator checks the charset itself.
func TestJSONAnswerInAnotherCharsetIsAViolation(t *testing.T) {
	h := setup(t)
	tests := []struct {
		contentType string
		want        []string
	}{
		{"application/json", nil},
		{"application/json; charset=utf-8", nil},
		{"application/json;charset=UTF-8", nil},
		{`application/json; charset="utf-8"`, nil},
		{"application/json; charset=latin1", []string{"response"}},
		{"application/json; charset=ISO-8859-1", []string{"response"}},
		{"application/json; charset=utf-16", []string{"response"}},
	}
	for _, tt := range tests {
		t.Run(tt.contentType, func(t *testing.T) {
			a := errorAnswer(http.StatusBadRequest, h.spec.taskIDCode)
			a.header = a.header.Clone()
			a.header.Set("Content-Type", tt.contentType)
			if diff := cmp.Diff(tt.want, h.recordAnswer(t, a)); diff != "" {
				t.Errorf("violations (-want +got):\n%s", diff)
			}
		})
	}
}
