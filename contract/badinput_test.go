package contract_test

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/oms-contract/stoptask/contract/mock"
	"github.com/oms-contract/stoptask/gen"
)

// badEnv is what a bad-input case needs to build its request.
type badEnv struct {
	host string
	now  time.Time
}

// Paths of the bad-input cases. badTarget names a migrating task, so that a
// request the mock wrongly accepted would change its state and be caught.
var (
	badProject = mock.DefaultProjectID
	badTaskID  = strconv.FormatInt(mock.DefaultMigratingTaskID, 10)
	badTarget  = "/v2/" + badProject + "/tasks/" + badTaskID + "/stop"
	// badOtherProject holds a migrating task that the default credentials
	// do not cover.
	badOtherProject = "00000000000000000000000000000001"
)

// badPath is the StopTask path with the given raw (already escaped)
// project_id and task_id segments.
func badPath(project, task string) string {
	return "/v2/" + project + "/tasks/" + task + "/stop"
}

// raw writes a request by hand, byte for byte, so that nothing (net/http's
// client, url.URL) cleans it up on the way: dot segments, bad methods,
// malformed escapes and headers reach the server as written. Host and
// Connection: close come first; extra is a block of "Name: value\r\n" lines.
func raw(method, target, extra, body string) func(badEnv) []byte {
	return func(e badEnv) []byte {
		return []byte(method + " " + target + " HTTP/1.1\r\nHost: " + e.host + "\r\nConnection: close\r\n" + extra + "\r\n" + body)
	}
}

// withToken is an X-Auth-Token header line with the default token.
const withToken = "X-Auth-Token: " + mock.DefaultToken + "\r\n"

// rawToken is raw with the default token.
func rawToken(method, target string) func(badEnv) []byte {
	return raw(method, target, withToken, "")
}

// signed builds a POST to target signed with creds at the given offset from
// the mock's clock, lets edit spoil it, and serializes it with
// http.Request.Write. path, when not empty, is the path the signature is
// computed for, if it differs from target.
func signed(creds gen.Credentials, skew time.Duration, signFor string, edit func(*http.Request)) func(badEnv) []byte {
	return func(e badEnv) []byte {
		target := badTarget
		if signFor == "" {
			signFor = target
		}
		req, err := http.NewRequest(http.MethodPost, "http://"+e.host+signFor, nil)
		if err != nil {
			panic(err)
		}
		req.Header.Set("Content-Type", "application/json")
		s := gen.NewSigner(creds, gen.WithClock(func() time.Time { return e.now.Add(skew) }))
		if err := s.Sign(req, nil); err != nil {
			panic(err)
		}
		req.URL.Path, req.URL.RawPath = target, ""
		req.Close = true
		if edit != nil {
			edit(req)
		}
		var buf bytes.Buffer
		if err := req.Write(&buf); err != nil {
			panic(err)
		}
		return buf.Bytes()
	}
}

// defaultCreds are the AK/SK the default fixtures accept.
var defaultCreds = gen.Credentials{AK: mock.DefaultAK, SK: mock.DefaultSK, ProjectID: mock.DefaultProjectID}

// badCase is one bad request and the answer the contract wants for it.
type badCase struct {
	name    string
	request func(badEnv) []byte
	// method is the request's method, which reading the answer needs
	// (a HEAD answer has no body).
	method string
	status int
	code   string
	// msg, when set, must appear in error_msg: the answer names the problem.
	msg string
}

// Problems the mock's server names for requests net/http refuses itself
// (see mock.WrapListener).
const (
	msgMalformed   = "malformed request line, target or header"
	msgNoQuery     = "StopTask takes no query parameters"
	msgHeaderLarge = "request header fields too large"
)

// TestBadInput sends more than 70 malformed, oversized or unauthenticated
// requests to the mock over a real loopback connection, through the mock's
// own server (mock.Serve: ReadHeaderTimeout, MaxHeaderBytes, body limit,
// and the connection wrapper that rewrites net/http's own text/plain
// refusals), and checks that each is answered with a documented status, an
// application/json Error body with a non-empty error_code and error_msg and
// an X-Request-Id, and that the mock's whole state is unchanged afterwards.
// Every case is held to all of that; none is excused.
//
// The documented statuses are those of StopTask in openapi.yaml. 404 and 405
// are accepted for requests that name no operation (an unknown path, another
// method): the contract describes operations, so it has nothing to say about
// them, and HTTP requires those statuses; 404 is documented anyway, and the
// mock answers both in the Error schema like the API gateway does.
//
// Requests are written as raw bytes on a net.Conn, because net/http's client
// would refuse or clean up most of them.
func TestBadInput(t *testing.T) {
	now := time.Date(2026, 3, 14, 15, 9, 26, 0, time.UTC)
	m, err := mock.New(
		mock.WithFixtures(mock.DefaultFixtures()),
		mock.WithTask(badOtherProject, mock.Task{ID: mock.DefaultMigratingTaskID, Status: mock.StatusMigrating}),
		mock.WithClock(func() time.Time { return now }),
	)
	if err != nil {
		t.Fatalf("mock.New: %v", err)
	}
	srv := serveMock(t, m)
	env := badEnv{host: srv.addr, now: now}

	documented := documentedStatuses(t)
	// Requests that name no operation may also get these; see above.
	unrouted := []int{http.StatusNotFound, http.StatusMethodNotAllowed}

	longDigits := strings.Repeat("9", 10000)
	cases := []badCase{
		// Malformed and oversized path parameters.
		{name: "task_id letters", request: rawToken("POST", badPath(badProject, "abc")), status: 400, code: gen.CodeInvalidTaskID},
		{name: "task_id negative", request: rawToken("POST", badPath(badProject, "-1")), status: 400, code: gen.CodeInvalidTaskID},
		{name: "task_id above maximum", request: rawToken("POST", badPath(badProject, "1000000000000000")), status: 400, code: gen.CodeInvalidTaskID},
		{name: "task_id beyond int64", request: rawToken("POST", badPath(badProject, "9223372036854775808")), status: 400, code: gen.CodeInvalidTaskID},
		{name: "task_id 10000 digits", request: rawToken("POST", badPath(badProject, longDigits)), status: 400, code: gen.CodeInvalidTaskID},
		{name: "task_id fraction", request: rawToken("POST", badPath(badProject, badTaskID+".5")), status: 400, code: gen.CodeInvalidTaskID},
		{name: "task_id exponent", request: rawToken("POST", badPath(badProject, "1e3")), status: 400, code: gen.CodeInvalidTaskID},
		{name: "task_id hex", request: rawToken("POST", badPath(badProject, "0x1F")), status: 400, code: gen.CodeInvalidTaskID},
		{name: "task_id empty segment", request: rawToken("POST", badPath(badProject, "")), status: 400, code: gen.CodeInvalidTaskID},
		{name: "task_id percent-encoded space", request: rawToken("POST", badPath(badProject, "%20"+badTaskID)), status: 400, code: gen.CodeInvalidTaskID},
		{name: "task_id percent-encoded NUL", request: rawToken("POST", badPath(badProject, badTaskID+"%00")), status: 400, code: gen.CodeInvalidTaskID},
		{name: "task_id Arabic-Indic digits", request: rawToken("POST", badPath(badProject, "%D9%A1%D9%A2%D9%A3")), status: 400, code: gen.CodeInvalidTaskID},
		{name: "task_id percent-encoded slash", request: rawToken("POST", badPath(badProject, "1%2F"+badTaskID)), status: 400, code: gen.CodeInvalidTaskID},
		{name: "project_id 1025 characters", request: rawToken("POST", badPath(strings.Repeat("p", 1025), badTaskID)), status: 400, code: gen.CodeInvalidParameters},
		{name: "project_id 60000 characters", request: rawToken("POST", badPath(strings.Repeat("p", 60000), badTaskID)), status: 400, code: gen.CodeInvalidParameters},
		{name: "project_id percent-encoded slash", request: rawToken("POST", badPath("a%2F"+badProject, badTaskID)), status: 403, code: gen.CodeInsufficientPermission},
		{name: "project_id invalid UTF-8", request: rawToken("POST", badPath("%FF%FE", badTaskID)), status: 403, code: gen.CodeInsufficientPermission},

		// Dot segments and other unclean paths name no API.
		{name: "dot-dot segment", request: rawToken("POST", "/v2/"+badProject+"/tasks/../tasks/"+badTaskID+"/stop"), status: 404, code: "APIGW.0101"},
		{name: "dot segment", request: rawToken("POST", "/v2/./"+badProject+"/tasks/"+badTaskID+"/stop"), status: 404, code: "APIGW.0101"},
		{name: "percent-encoded dot-dot segment", request: rawToken("POST", "/v2/"+badProject+"/tasks/%2e%2e/tasks/"+badTaskID+"/stop"), status: 404, code: "APIGW.0101"},
		{name: "trailing dot-dot segment", request: rawToken("POST", badTarget+"/.."), status: 404, code: "APIGW.0101"},
		{name: "double slash", request: rawToken("POST", "/v2//"+badProject+"/tasks/"+badTaskID+"/stop"), status: 404, code: "APIGW.0101"},
		{name: "trailing slash", request: rawToken("POST", badTarget+"/"), status: 404, code: "APIGW.0101"},

		// Unknown paths.
		{name: "root path", request: rawToken("POST", "/"), status: 404, code: "APIGW.0101"},
		{name: "version only", request: rawToken("POST", "/v2"), status: 404, code: "APIGW.0101"},
		{name: "other version", request: rawToken("POST", "/v1/"+badProject+"/tasks/"+badTaskID+"/stop"), status: 404, code: "APIGW.0101"},
		{name: "other operation start", request: rawToken("POST", "/v2/"+badProject+"/tasks/"+badTaskID+"/start"), status: 404, code: "APIGW.0101"},
		{name: "task path without stop", request: rawToken("POST", "/v2/"+badProject+"/tasks/"+badTaskID), status: 404, code: "APIGW.0101"},
		{name: "upper-case path", request: rawToken("POST", "/V2/"+badProject+"/TASKS/"+badTaskID+"/STOP"), status: 404, code: "APIGW.0101"},
		{name: "asterisk target", request: rawToken("POST", "*"), status: 404, code: "APIGW.0101"},

		// Every wrong method on the operation's path.
		{name: "method GET", request: rawToken("GET", badTarget), status: 405, code: "APIGW.0101"},
		{name: "method PUT", request: rawToken("PUT", badTarget), status: 405, code: "APIGW.0101"},
		{name: "method DELETE", request: rawToken("DELETE", badTarget), status: 405, code: "APIGW.0101"},
		{name: "method PATCH", request: rawToken("PATCH", badTarget), status: 405, code: "APIGW.0101"},
		// A HEAD answer never has a body (RFC 9110 §9.3.2); the rest is checked.
		{name: "method HEAD", request: rawToken("HEAD", badTarget), method: "HEAD", status: 405},
		{name: "method OPTIONS", request: rawToken("OPTIONS", badTarget), status: 405, code: "APIGW.0101"},
		{name: "method TRACE", request: rawToken("TRACE", badTarget), status: 405, code: "APIGW.0101"},
		{name: "method CONNECT", request: rawToken("CONNECT", badTarget), status: 405, code: "APIGW.0101"},
		{name: "method lower-case post", request: rawToken("post", badTarget), status: 405, code: "APIGW.0101"},
		{name: "method unknown", request: rawToken("FROB", badTarget), status: 405, code: "APIGW.0101"},

		// Query junk: StopTask declares no query parameter, and a query
		// must never let the stop through (one naming another task least
		// of all).
		{name: "query malformed escape", request: rawToken("POST", badTarget+"?a=%zz&&=;x"), status: 400, code: gen.CodeInvalidParameters, msg: msgNoQuery},
		{name: "query overriding task_id", request: rawToken("POST", badTarget+"?task_id=1&project_id=x"), status: 400, code: gen.CodeInvalidParameters, msg: msgNoQuery},
		{name: "query 20000 bytes", request: rawToken("POST", badTarget+"?junk="+strings.Repeat("j", 20000)), status: 400, code: gen.CodeInvalidParameters, msg: msgNoQuery},
		{name: "query of separators only", request: rawToken("POST", badTarget+"?&"), status: 400, code: gen.CodeInvalidParameters, msg: msgNoQuery},
		{name: "query empty pair", request: rawToken("POST", badTarget+"?="), status: 400, code: gen.CodeInvalidParameters, msg: msgNoQuery},
		{name: "query with a NUL escape", request: rawToken("POST", badTarget+"?a=%00"), status: 400, code: gen.CodeInvalidParameters, msg: msgNoQuery},
		{name: "query on a correctly signed request", request: signed(defaultCreds, 0, badTarget+"?limit=1", nil), status: 400, code: gen.CodeInvalidParameters, msg: msgNoQuery},
		// Wrong credentials are found before the query is looked at.
		{name: "query with an unknown token", request: raw("POST", badTarget+"?a=1", "X-Auth-Token: MIIunknownTokenValue\r\n", ""), status: 401, code: gen.CodeGatewayAuthFailed},
		{name: "query on another project", request: rawToken("POST", badPath(badOtherProject, badTaskID)+"?a=1"), status: 400, code: gen.CodeInvalidParameters, msg: msgNoQuery},

		// A body on StopTask, which takes none.
		{name: "JSON body", request: raw("POST", badTarget, withToken+"Content-Type: application/json\r\nContent-Length: 2\r\n", "{}"), status: 400, code: gen.CodeInvalidParameters},
		{name: "text body", request: raw("POST", badTarget, withToken+"Content-Type: text/plain\r\nContent-Length: 5\r\n", "hello"), status: 400, code: gen.CodeInvalidParameters},
		{name: "chunked body", request: raw("POST", badTarget, withToken+"Transfer-Encoding: chunked\r\n", "2\r\n{}\r\n0\r\n\r\n"), status: 400, code: gen.CodeInvalidParameters},
		{name: "body over the limit", request: raw("POST", badTarget, withToken+"Content-Type: application/json\r\nContent-Length: "+strconv.Itoa(mock.MaxRequestBodyBytes+1)+"\r\n", strings.Repeat(" ", mock.MaxRequestBodyBytes+1)), status: 400, code: gen.CodeInvalidParameters},

		// IAM tokens.
		{name: "no credentials", request: raw("POST", badTarget, "", ""), status: 401, code: gen.CodeGatewayAuthFailed},
		{name: "token of 16385 characters", request: raw("POST", badTarget, "X-Auth-Token: MII"+strings.Repeat("A", gen.MaxTokenLength+1-3)+"\r\n", ""), status: 401, code: gen.CodeGatewayAuthFailed},
		{name: "empty token", request: raw("POST", badTarget, "X-Auth-Token: \r\n", ""), status: 401, code: gen.CodeGatewayAuthFailed},
		{name: "unknown token", request: raw("POST", badTarget, "X-Auth-Token: MIIunknownTokenValue\r\n", ""), status: 401, code: gen.CodeGatewayAuthFailed},
		{name: "token twice", request: raw("POST", badTarget, withToken+withToken, ""), status: 401, code: gen.CodeGatewayAuthFailed},
		{name: "token of another project", request: rawToken("POST", badPath(badOtherProject, badTaskID)), status: 403, code: gen.CodeInsufficientPermission},

		// AK/SK signatures.
		{name: "X-Sdk-Date malformed", request: signed(defaultCreds, 0, "", func(r *http.Request) { r.Header.Set(gen.HeaderSdkDate, "2026-03-14T15:09:26Z") }), status: 401, code: gen.CodeGatewayAuthFailed},
		{name: "X-Sdk-Date expired", request: signed(defaultCreds, -20*time.Minute, "", nil), status: 401, code: gen.CodeGatewayAuthFailed},
		{name: "X-Sdk-Date in the future", request: signed(defaultCreds, 20*time.Minute, "", nil), status: 401, code: gen.CodeGatewayAuthFailed},
		{name: "X-Sdk-Date changed after signing", request: signed(defaultCreds, 0, "", func(r *http.Request) {
			r.Header.Set(gen.HeaderSdkDate, now.Add(time.Minute).Format(gen.SdkDateFormat))
		}), status: 401, code: gen.CodeGatewayAuthFailed},
		{name: "signature tampered", request: signed(defaultCreds, 0, "", func(r *http.Request) {
			a := r.Header.Get(gen.HeaderAuthorization)
			last := a[len(a)-1]
			flip := byte('0')
			if last == '0' {
				flip = '1'
			}
			r.Header.Set(gen.HeaderAuthorization, a[:len(a)-1]+string(flip))
		}), status: 401, code: gen.CodeGatewayAuthFailed},
		{name: "signature made with a wrong secret key", request: signed(gen.Credentials{AK: mock.DefaultAK, SK: "wrongSecretKeyWrongSecretKeyWrongSecret0", ProjectID: mock.DefaultProjectID}, 0, "", nil), status: 401, code: gen.CodeGatewayAuthFailed},
		{name: "unknown AK", request: signed(gen.Credentials{AK: "UNKNOWNAK00000000000", SK: mock.DefaultSK}, 0, "", nil), status: 401, code: gen.CodeGatewayAuthFailed},
		{name: "signature for another path", request: signed(defaultCreds, 0, badPath(badProject, strconv.FormatInt(mock.DefaultSpareMigratingTaskIDs, 10)), nil), status: 401, code: gen.CodeGatewayAuthFailed},
		{name: "signed header removed", request: signed(defaultCreds, 0, "", func(r *http.Request) { r.Header.Del(gen.HeaderProjectID) }), status: 401, code: gen.CodeGatewayAuthFailed},
		// The contract middleware refuses the body before the mock's
		// authentication sees the spoiled signature; 400 is as documented.
		{name: "body added after signing", request: signed(defaultCreds, 0, "", func(r *http.Request) {
			r.Body, r.ContentLength = io.NopCloser(strings.NewReader("{}")), 2
		}), status: 400, code: gen.CodeInvalidParameters},
		{name: "Authorization not SDK-HMAC-SHA256", request: raw("POST", badTarget, "Authorization: Bearer "+mock.DefaultToken+"\r\n", ""), status: 401, code: gen.CodeGatewayAuthFailed},

		// Refused by net/http before any handler runs; mock.Serve's
		// connection wrapper turns its text/plain 4xx/5xx into this 400.
		{name: "header of 1 MiB", request: raw("POST", badTarget, withToken+"X-Padding: "+strings.Repeat("p", 1<<20)+"\r\n", ""), status: 400, code: gen.CodeInvalidParameters, msg: msgHeaderLarge},
		{name: "header just over MaxHeaderBytes", request: raw("POST", badTarget, withToken+"X-Padding: "+strings.Repeat("p", mock.MaxHeaderBytes+4096)+"\r\n", ""), status: 400, code: gen.CodeInvalidParameters, msg: msgHeaderLarge},
		{name: "malformed escape in path", request: rawToken("POST", badPath(badProject, "%zz")), status: 400, code: gen.CodeInvalidParameters, msg: msgMalformed},
		{name: "Content-Length not a number", request: raw("POST", badTarget, withToken+"Content-Length: abc\r\n", ""), status: 400, code: gen.CodeInvalidParameters, msg: msgMalformed},
		{name: "Content-Length twice, differing", request: raw("POST", badTarget, withToken+"Content-Length: 0\r\nContent-Length: 2\r\n", "{}"), status: 400, code: gen.CodeInvalidParameters, msg: msgMalformed},
		{name: "invalid header name", request: raw("POST", badTarget, withToken+"Bad Header: x\r\n", ""), status: 400, code: gen.CodeInvalidParameters, msg: "invalid header name"},
		{name: "control character in a header value", request: raw("POST", badTarget, withToken+"X-Note: a\x01b\r\n", ""), status: 400, code: gen.CodeInvalidParameters, msg: msgMalformed},
		{name: "missing Host", request: func(e badEnv) []byte { return []byte("POST " + badTarget + " HTTP/1.1\r\n" + withToken + "\r\n") }, status: 400, code: gen.CodeInvalidParameters, msg: "missing required Host header"},
		{name: "malformed Host", request: func(e badEnv) []byte {
			return []byte("POST " + badTarget + " HTTP/1.1\r\nHost: a b\r\nConnection: close\r\n" + withToken + "\r\n")
		}, status: 400, code: gen.CodeInvalidParameters, msg: "malformed Host header"},
		{name: "unsupported transfer coding", request: raw("POST", badTarget, withToken+"Transfer-Encoding: gzip\r\n", ""), status: 400, code: gen.CodeInvalidParameters, msg: "unsupported transfer encoding"},
		{name: "unsupported HTTP version", request: func(e badEnv) []byte {
			return []byte("POST " + badTarget + " HTTP/2.0\r\nHost: " + e.host + "\r\n" + withToken + "\r\n")
		}, status: 400, code: gen.CodeInvalidParameters, msg: "unsupported protocol version"},
		{name: "HTTP/0.9-style request line", request: func(e badEnv) []byte { return []byte("POST " + badTarget + "\r\n\r\n") }, status: 400, code: gen.CodeInvalidParameters, msg: msgMalformed},
		{name: "garbage request line", request: func(e badEnv) []byte { return []byte("\x16\x03\x01\x00 not HTTP\r\n\r\n") }, status: 400, code: gen.CodeInvalidParameters, msg: msgMalformed},
		{name: "unknown Expect", request: raw("POST", badTarget, withToken+"Expect: teapot\r\n", ""), status: 400, code: gen.CodeInvalidParameters, msg: "unsupported Expect header"},
		// net/http answers "OPTIONS *" itself unless told not to; the
		// mock's server tells it, so the mock answers: no such API.
		{name: "OPTIONS asterisk", request: rawToken("OPTIONS", "*"), status: 404, code: "APIGW.0101"},
	}

	if len(cases) < 70 {
		t.Fatalf("only %d bad-input cases, want at least 70", len(cases))
	}

	want := snapshotMock(m)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := m.Stats()
			resp, body, err := exchangeRaw(srv.addr, c.request(env), c.method)
			if err != nil {
				t.Fatalf("no answer: %v", err)
			}
			after := m.Stats()

			var problems []string
			if resp.StatusCode != c.status {
				problems = append(problems, fmt.Sprintf("status %d, want %d", resp.StatusCode, c.status))
			}
			if !slices.Contains(documented, resp.StatusCode) && !slices.Contains(unrouted, resp.StatusCode) {
				problems = append(problems, fmt.Sprintf("status %d is neither documented %v nor 404/405", resp.StatusCode, documented))
			}
			if resp.StatusCode < 400 || resp.StatusCode > 499 {
				problems = append(problems, fmt.Sprintf("status %d is not a 4xx: bad input is the client's fault", resp.StatusCode))
			}
			if mt, _, err := mime.ParseMediaType(resp.Header.Get("Content-Type")); err != nil || mt != "application/json" {
				problems = append(problems, fmt.Sprintf("Content-Type %q, want application/json", resp.Header.Get("Content-Type")))
			}
			if resp.Header.Get(gen.HeaderRequestID) == "" {
				problems = append(problems, "no X-Request-Id")
			}
			if resp.StatusCode == http.StatusMethodNotAllowed && resp.Header.Get("Allow") != http.MethodPost {
				problems = append(problems, fmt.Sprintf("405 with Allow %q, want POST", resp.Header.Get("Allow")))
			}
			if c.method == http.MethodHead {
				if len(body) != 0 {
					problems = append(problems, fmt.Sprintf("HEAD answer with a %d-byte body", len(body)))
				}
			} else if e, err := errorBody(body); err != nil {
				problems = append(problems, err.Error())
			} else {
				if e.ErrorCode != c.code {
					problems = append(problems, fmt.Sprintf("error_code %q, want %q", e.ErrorCode, c.code))
				}
				if c.msg != "" && !strings.Contains(e.ErrorMsg, c.msg) {
					problems = append(problems, fmt.Sprintf("error_msg %q does not name the problem %q", e.ErrorMsg, c.msg))
				}
			}

			if n := after.Stops - before.Stops; n != 0 {
				problems = append(problems, fmt.Sprintf("the mock counted %d accepted stop(s)", n))
			}
			got := snapshotMock(m)
			diff := cmp.Diff(want, got)
			if diff != "" {
				problems = append(problems, fmt.Sprintf("mock state changed (-want +got):\n%s", diff))
				// Put the state back, so that later cases start clean.
				for p, tasks := range want {
					for _, task := range tasks {
						if err := m.SetTask(p, task); err != nil {
							t.Fatalf("restoring the mock: %v", err)
						}
					}
				}
			}

			for _, p := range problems {
				t.Error(p)
			}
		})
	}

	if st := m.Stats(); st.ResponseViolations != 0 {
		t.Errorf("the mock's own answers broke the contract %d times: %v", st.ResponseViolations, m.Violations())
	}
}

// documentedStatuses lists the statuses StopTask documents in the spec.
func documentedStatuses(t *testing.T) []int {
	t.Helper()
	spec, err := gen.GetSpec()
	if err != nil {
		t.Fatalf("gen.GetSpec: %v", err)
	}
	op := spec.Paths.Find("/v2/{project_id}/tasks/{task_id}/stop").Post
	var out []int
	for code := range op.Responses.Map() {
		n, err := strconv.Atoi(code)
		if err != nil {
			t.Fatalf("response %q is not a status code", code)
		}
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}

// exchangeRaw writes request to a fresh connection to addr and reads one
// answer. Writing runs alongside reading because a server may answer, and
// stop reading, before a huge request is written in full (net/http does so
// for oversized headers). The deadline only keeps a broken server from
// hanging the test; no assertion depends on time.
func exchangeRaw(addr string, request []byte, method string) (*http.Response, []byte, error) {
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		return nil, nil, err
	}
	defer conn.Close()
	if err := conn.SetDeadline(time.Now().Add(time.Minute)); err != nil {
		return nil, nil, err
	}
	written := make(chan struct{})
	go func() {
		defer close(written)
		_, _ = conn.Write(request)
	}()
	defer func() { <-written }()
	if method == "" {
		method = http.MethodPost
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), &http.Request{Method: method})
	if err != nil {
		conn.Close()
		return nil, nil, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	conn.Close()
	if err != nil {
		return resp, body, fmt.Errorf("reading the body: %w", err)
	}
	return resp, body, nil
}
