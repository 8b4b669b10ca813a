package suite

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestErrorCodeReadsExactlyErrorCode: the code is the member named exactly
// "error_code" of the first JSON value, after any JSON white space, as
// gen.CheckResponse reads it from a body of the Error shape; a repeated
// member is reported rather than resolved.
func TestErrorCodeReadsExactlyErrorCode(t *testing.T) {
	tests := []struct {
		name, body   string
		wantCode     string
		wantRepeated []string
	}{
		{"plain", `{"error_code":"OMS.0054","error_msg":"m"}`, "OMS.0054", nil},
		{"leading newline", "\n" + `{"error_code":"OMS.0054","error_msg":"m"}`, "OMS.0054", nil},
		{"all JSON white space", " \t\r\n{ \"error_code\" :\n\t\"OMS.0054\" , \"error_msg\":\"m\" }\n", "OMS.0054", nil},
		{"escaped name and value", `{"error\u005fcode":"OMS\u002e0054","error_msg":"m"}`, "OMS.0054", nil},
		{"code after nested members", `{"x":{"error_code":"OMS.1009"},"y":[1,{"a":null}],"error_code":"OMS.0054"}`, "OMS.0054", nil},
		// Member names are case-sensitive: a struct decode would read
		// OMS.0054 here, gen.CheckResponse reads OMS.1009.
		{"case variant ignored", `{"error_code":"OMS.1009","error_msg":"m","Error_Code":"OMS.0054"}`, "OMS.1009", nil},
		{"only a case variant", `{"ERROR_CODE":"OMS.0054","error_msg":"m"}`, "", nil},
		{"repeated, different", `{"error_code":"OMS.1009","error_msg":"m","error_code":"OMS.0054"}`, "", []string{`"OMS.1009"`, `"OMS.0054"`}},
		{"repeated, same", `{"error_code":"OMS.0054","error_code":"OMS.0054"}`, "OMS.0054", []string{`"OMS.0054"`, `"OMS.0054"`}},
		{"repeated, one not a string", `{"error_code":"OMS.0054","error_code":54}`, "", []string{`"OMS.0054"`, `54`}},
		{"number", `{"error_code":1009,"error_msg":"m"}`, "", nil},
		{"null", `{"error_code":null,"error_msg":"m"}`, "", nil},
		{"too long", `{"error_code":"` + fmt.Sprintf("%065d", 0) + `"}`, "", nil},
		{"control character", `{"error_code":"OMS.\u00010054"}`, "", nil},
		{"empty body", ``, "", nil},
		{"white space only", " \n", "", nil},
		{"array", `[{"error_code":"OMS.0054"}]`, "", nil},
		{"byte order mark", "\ufeff" + `{"error_code":"OMS.0054"}`, "", nil},
		{"unterminated", `{"error_code":"OMS.0054","error_msg":`, "", nil},
		{"not JSON", `<html>502</html>`, "", nil},
		// Like gen.CheckResponse, only the first value counts; the
		// validator fails what follows it.
		{"trailing data", `{"error_code":"OMS.0054","error_msg":"m"}<html>`, "OMS.0054", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, repeated := errorCode([]byte(tt.body))
			if code != tt.wantCode {
				t.Errorf("code = %q, want %q", code, tt.wantCode)
			}
			if diff := cmp.Diff(tt.wantRepeated, repeated); diff != "" {
				t.Errorf("repeated (-want +got):\n%s", diff)
			}
		})
	}
}

// TestBrokenOff: only a server that was sent the whole request and then
// failed is held to account; everything short of that stays without a
// verdict.
func TestBrokenOff(t *testing.T) {
	dial := &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connect: connection refused")}
	timeout := &net.OpError{Op: "read", Net: "tcp", Err: timeoutError{}}
	tests := []struct {
		name                    string
		err                     error
		wrote, reused, answered bool
		want                    bool
	}{
		{"closed after the request", io.EOF, true, false, false, true},
		{"body cut short", io.ErrUnexpectedEOF, true, false, true, true},
		{"malformed answer", errors.New("malformed MIME header line"), true, false, true, true},
		{"request not written", io.EOF, false, false, false, false},
		{"dial", dial, false, false, false, false},
		{"own deadline", fmt.Errorf("x: %w", context.DeadlineExceeded), true, false, false, false},
		{"network timeout", timeout, true, false, false, false},
		{"cancelled", context.Canceled, true, false, false, false},
		// An idle connection closing under the request may be the
		// server's keep-alive timeout, not this request.
		{"reused connection, no answer", io.EOF, true, true, false, false},
		{"reused connection, malformed answer", errors.New("malformed"), true, true, true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var tr exchangeTrace
			tr.wrote.Store(tt.wrote)
			tr.reused.Store(tt.reused)
			tr.answered.Store(tt.answered)
			if got := tr.brokenOff(tt.err); got != tt.want {
				t.Errorf("brokenOff(%v) = %v, want %v", tt.err, got, tt.want)
			}
		})
	}
}

type timeoutError struct{}

func (timeoutError) Error() string   { return "i/o timeout" }
func (timeoutError) Timeout() bool   { return true }
func (timeoutError) Temporary() bool { return true }
