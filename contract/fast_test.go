package contract

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/oms-contract/stoptask/gen"
)

// slowValidator is the reference: the same validator with every verdict
// coming from kin-openapi.
func slowValidator(t testing.TB) *Validator {
	t.Helper()
	v, err := NewWithoutFastPaths(WithServer("/"))
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// fastPathBodies are response bodies at the edges of what the Error fast
// path accepts: whitespace, escapes, duplicates, extra members, bad UTF-8,
// control characters, trailing data and wrong types.
var fastPathBodies = []string{
	`{"error_code":"OMS.0066","error_msg":"m"}`, `{"error_code":"a","error_msg":"b"}  `, " \n{ \"error_code\" : \"a\" , \"error_msg\":\"b\" }\r\n",
	`{"error_code":"a","error_msg":"b","x":"y"}`, `{"error_code":"a"}`, `{"error_msg":"b"}`, `{}`, `[]`, `"x"`, `1`, `null`,
	`{"error_code":"a","error_msg":"b"}x`, `{"error_code":"a","error_msg":"b"}{}`, `{"error_code":"a\"","error_msg":"b"}`,
	`{"error_code":1,"error_msg":"b"}`, `{"error_code":"a","error_msg":null}`, `{"error_code":"a","error_msg":"b",}`,
	`{"error_code":"a","error_msg":"b"`, `{"error_code":"a","error_msg":"\u00e9"}`, "{\"error_code\":\"a\",\"error_msg\":\"\xff\xfe\"}",
	"{\"error_code\":\"a\",\"error_msg\":\"\x01\"}", `{"error_code":"a","error_code":"b","error_msg":"c"}`, `{"error_code":"a","error_msg":"b","n":{"x":1}}`,
	`{"error_code":"é","error_msg":"b"}`, `{"érror_code":"a","error_msg":"b"}`, ` `, `{"error_code":"a" "error_msg":"b"}`, `{"error_code":"a","error_msg":"b"}]`,
	"{\"error_code\":\"a\",\"error_msg\":\"b\"}\x00\x00", `{"error_code":"a","error_msg":"b"}<html>502</html>`, `{"error_code":"a","error_msg":"b"}{"x":1}`,
	`{"error_code":"a","error_msg":"b","error_msg":"c"}`, "{\"error_code\":\"a\",\"error_msg\":\"caf\xe9\"}",
}

// FuzzFastPathResponseMatchesKinOpenAPI guards the response fast path: for
// any status, content type and body the verdict must be exactly the one
// kin-openapi alone gives. The seeds run with every plain go test.
func FuzzFastPathResponseMatchesKinOpenAPI(f *testing.F) {
	for _, b := range fastPathBodies {
		f.Add(400, "application/json", b)
	}
	f.Add(400, "application/json; charset=utf-8", fastPathBodies[0])
	f.Add(400, "Application/JSON", fastPathBodies[0])
	f.Add(400, "application/json;;;=x", fastPathBodies[0])
	f.Add(400, "application/json; charset=latin1", fastPathBodies[0])
	f.Add(400, "application/vnd.x+json", fastPathBodies[0])
	f.Add(400, "text/plain", fastPathBodies[0])
	f.Add(400, "", fastPathBodies[0])
	f.Add(200, "", "")
	f.Add(404, "application/problem+json", fastPathBodies[0])
	f.Add(201, "application/json", fastPathBodies[0])
	fast, err := New(WithServer("/"))
	if err != nil {
		f.Fatal(err)
	}
	slow := slowValidator(f)
	f.Fuzz(func(t *testing.T, status int, ct, body string) {
		r, _ := http.NewRequest("POST", "http://x/v2/p/tasks/1/stop", nil)
		r.Header.Set("X-Auth-Token", "tok")
		h := http.Header{"X-Request-Id": {"id"}}
		if ct != "" {
			h.Set("Content-Type", ct)
		}
		a := fast.ValidateExchange(context.Background(), r, nil, status, h, []byte(body))
		b := slow.ValidateExchange(context.Background(), r, nil, status, h, []byte(body))
		if d := cmp.Diff(b, a); d != "" {
			t.Fatalf("%d %q %q: %s", status, ct, body, d)
		}
	})
}

// FuzzFlatObjectAcceptsOnlyValidJSON guards the order of the response
// checks: ValidateResponse runs the fast path before json.Valid, to spare
// the right answer a second scan, which is sound only if every body the
// fast path accepts is exactly one JSON value (no trailing data).
func FuzzFlatObjectAcceptsOnlyValidJSON(f *testing.F) {
	for _, b := range fastPathBodies {
		f.Add(b)
	}
	fo := errorFlatObject(f)
	f.Fuzz(func(t *testing.T, body string) {
		if fo.valid([]byte(body)) && !json.Valid([]byte(body)) {
			t.Fatalf("the fast path accepts %q, which is not one JSON value", body)
		}
	})
}

// TestFlatObjectFallsBackOnRepeatedNames: encoding/json keeps the last of
// two members with one name, but kin-openapi built on encoding/json/v2
// rejects the body, so the fast path must leave it to kin-openapi rather
// than accept it.
func TestFlatObjectFallsBackOnRepeatedNames(t *testing.T) {
	fo := errorFlatObject(t)
	for body, want := range map[string]bool{
		`{"error_code":"a","error_msg":"b"}`:                  true,
		`{"error_code":"a","error_msg":"b","x":"1","y":"2"}`:  true,
		`{"error_code":"a","error_code":"b","error_msg":"c"}`: false,
		`{"error_code":"a","error_msg":"b","x":"1","x":"2"}`:  false,
		`{"x":"1","error_code":"a","error_msg":"b","x":"1"}`:  false,
		`{"error_code":"a","error_msg":"b","Error_Code":"c"}`: true, // names are case-sensitive
		// More members than the fast path remembers: left to kin-openapi.
		`{"error_code":"a","error_msg":"b","a":"","b":"","c":"","d":"","e":"","f":"","g":"","h":"","i":"","j":"","k":"","l":"","m":"","n":""}`:        true,
		`{"error_code":"a","error_msg":"b","a":"","b":"","c":"","d":"","e":"","f":"","g":"","h":"","i":"","j":"","k":"","l":"","m":"","n":"","o":""}`: false,
	} {
		if got := fo.valid([]byte(body)); got != want {
			t.Errorf("valid(%s) = %v, want %v", body, got, want)
		}
	}
}

// errorFlatObject is the fast check compiled for the Error body of
// StopTask's 400.
func errorFlatObject(t testing.TB) *flatObject {
	t.Helper()
	doc, err := gen.GetSpec()
	if err != nil {
		t.Fatal(err)
	}
	op := doc.Paths.Find("/v2/{project_id}/tasks/{task_id}/stop").Post
	fo := compileFlatObject(doc, op.Responses.Status(400).Value.Content.Get("application/json"))
	if fo == nil {
		t.Fatal("the Error body of the 400 has no fast check")
	}
	return fo
}

// FuzzFastPathRequestMatchesKinOpenAPI guards the request fast path (path
// parameters and credentials): violations, path parameters, routing and the
// verdict on an empty 200 must match kin-openapi alone.
func FuzzFastPathRequestMatchesKinOpenAPI(f *testing.F) {
	for _, s := range []string{"2c0689c860ad4728a497c91ec0844383", "p", "", "%41", "%zz", "é", strings.Repeat("a", 1024), strings.Repeat("a", 1025), strings.Repeat("é", 1024), strings.Repeat("é", 1025)} {
		for _, id := range []string{"191297407830872", "0", "007", "-1", "+1", "999999999999999", "1000000000000000", "0999999999999999", "1e3", "1.0", "", "%31", " 1", "9223372036854775807", "9223372036854775808"} {
			f.Add(s, id, "tok", "", "")
		}
	}
	f.Add("p", "1", "", "SDK-HMAC-SHA256 Access=AK, SignedHeaders=x-sdk-date, Signature=0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0", "20240101T000000Z")
	f.Add("p", "1", "", "SDK-HMAC-SHA256 Access=AK, SignedHeaders=host;x-sdk-date, Signature=0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0", "bad")
	f.Add("p", "1", strings.Repeat("t", 16385), "", "")
	f.Add("p", "1", "", "", "")
	fast, err := New(WithServer("/"))
	if err != nil {
		f.Fatal(err)
	}
	slow := slowValidator(f)
	f.Fuzz(func(t *testing.T, project, task, tok, auth, date string) {
		r, err := http.NewRequest("POST", "http://x/v2/"+project+"/tasks/"+task+"/stop", nil)
		if err != nil {
			return
		}
		if tok != "" {
			r.Header["X-Auth-Token"] = []string{tok}
		}
		if auth != "" {
			r.Header["Authorization"] = []string{auth}
		}
		if date != "" {
			r.Header["X-Sdk-Date"] = []string{date}
		}
		h := http.Header{"X-Request-Id": {"id"}}
		ea, a := fast.ValidateRequest(context.Background(), r, nil)
		eb, b := slow.ValidateRequest(context.Background(), r, nil)
		if d := cmp.Diff(b, a); d != "" {
			t.Fatalf("%q %q: %s", project, task, d)
		}
		if d := cmp.Diff(routedParams(eb), routedParams(ea)); d != "" {
			t.Fatalf("params %s", d)
		}
		if ea.Routed() != eb.Routed() || ea.Operation() != eb.Operation() || cmp.Diff(ea.Allow(), eb.Allow()) != "" {
			t.Fatal("exchange differs")
		}
		if d := cmp.Diff(eb.ValidateResponse(context.Background(), 200, h, nil), ea.ValidateResponse(context.Background(), 200, h, nil)); d != "" {
			t.Fatal(d)
		}
	})
}

// routedParams are the percent-decoded path parameters of a routed request,
// nil for an unrouted one.
func routedParams(e Exchange) map[string]string {
	if e.route == nil {
		return nil
	}
	return e.params.toMap()
}
