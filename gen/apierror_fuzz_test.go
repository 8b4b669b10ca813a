package gen_test

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/oms-contract/stoptask/gen"
)

// FuzzDecodeError feeds CheckResponse and CheckStopTaskResponse any status,
// content type and body. They must never panic, must return nil exactly for
// 2xx and an *APIError for everything else, and must agree with each other.
// The committed corpus in testdata/fuzz/FuzzDecodeError runs with plain
// go test.
func FuzzDecodeError(f *testing.F) {
	f.Add(400, "application/json", []byte(`{"error_code":"OMS.0066","error_msg":"not migrating"}`))
	f.Add(404, "application/json", []byte(`{"error":{"code":"APIGW.0101","message":"no such API"}}`))
	f.Add(200, "", []byte(nil))
	f.Fuzz(func(t *testing.T, status int, contentType string, body []byte) {
		header := http.Header{}
		header.Set("Content-Type", contentType)
		header.Set("X-Request-Id", "fuzz")
		resp := &http.Response{StatusCode: status, Header: header, Body: io.NopCloser(bytes.NewReader(body))}

		err := gen.CheckResponse(resp)
		errStop := gen.CheckStopTaskResponse(&gen.StopTaskResponse{Body: body, HTTPResponse: resp})

		if status >= 200 && status <= 299 {
			if err != nil || errStop != nil {
				t.Fatalf("status %d: CheckResponse = %v, CheckStopTaskResponse = %v; want nil", status, err, errStop)
			}
			return
		}
		apiErr, ok := errors.AsType[*gen.APIError](err)
		if !ok {
			t.Fatalf("status %d: CheckResponse = %#v, want *APIError", status, err)
		}
		stopErr, ok := errors.AsType[*gen.APIError](errStop)
		if !ok {
			t.Fatalf("status %d: CheckStopTaskResponse = %#v, want *APIError", status, errStop)
		}
		if apiErr.StatusCode != status || apiErr.RequestID != "fuzz" {
			t.Errorf("status, request id = %d, %q; want %d, fuzz", apiErr.StatusCode, apiErr.RequestID, status)
		}
		if !bytes.HasPrefix(body, apiErr.Body) || len(apiErr.Body) > gen.MaxErrorBodyBytes {
			t.Errorf("Body is not a prefix of at most %d bytes of the input", gen.MaxErrorBodyBytes)
		}
		for field, s := range map[string]string{"Code": apiErr.Code, "Message": apiErr.Message, "Error()": apiErr.Error()} {
			if !utf8.ValidString(s) || strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
				t.Errorf("%s = %q is not printable", field, s)
			}
		}
		if len(apiErr.Code) > 512 || len(apiErr.Message) > 512 {
			t.Errorf("Code or Message longer than 512 bytes: %d, %d", len(apiErr.Code), len(apiErr.Message))
		}
		if apiErr.Error() != stopErr.Error() || apiErr.BodyTruncated != stopErr.BodyTruncated || !bytes.Equal(apiErr.Body, stopErr.Body) {
			t.Errorf("CheckResponse and CheckStopTaskResponse disagree: %v / %v", apiErr, stopErr)
		}
	})
}
