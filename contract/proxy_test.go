package contract_test

import (
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/oms-contract/stoptask/contract"
	"github.com/oms-contract/stoptask/contract/mock"
	"github.com/oms-contract/stoptask/contract/suite"
	"github.com/oms-contract/stoptask/gen"
	"github.com/oms-contract/stoptask/gen/signer"
)

// proxyTo starts a proxy to upstream on loopback, logging to the returned
// lines.
func proxyTo(t testing.TB, upstream string, opts ...contract.ProxyOption) (*httptest.Server, *logLines) {
	t.Helper()
	log := &logLines{}
	p, err := contract.NewProxy(validatorFor(t, upstream), upstream, log, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return serve(t, p), log
}

// hijack is an upstream handler that takes over the connection and does
// what fn does with it, then closes it.
func hijack(t testing.TB, fn func(net.Conn)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, _, err := w.(http.Hijacker).Hijack()
		if err != nil {
			t.Error(err)
			return
		}
		defer conn.Close()
		fn(conn)
	})
}

// hijacking serves hijack(fn) on loopback.
func hijacking(t testing.TB, fn func(net.Conn)) *httptest.Server { return serve(t, hijack(t, fn)) }

func TestProxyNeverFailsSilently(t *testing.T) {
	h := setup(t)
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	unreachable := "http://" + closed.Addr().String()
	closed.Close()
	slowTransport := contract.NewUpstreamTransport(4)
	slowTransport.ResponseHeaderTimeout = 50 * time.Millisecond // not an assertion: how long the proxy waits
	tests := []struct {
		name     string
		upstream string
		opts     []contract.ProxyOption
		status   int
	}{
		{"answer cut short", hijacking(t, func(c net.Conn) {
			fmt.Fprintf(c, "HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\n%s: up-1\r\nContent-Length: 200\r\n\r\n{\"error_code\":", h.spec.requestID)
		}).URL, nil, http.StatusBadGateway},
		{"connection reset", hijacking(t, func(c net.Conn) {
			c.(*net.TCPConn).SetLinger(0) // close with RST
		}).URL, nil, http.StatusBadGateway},
		{"closed without an answer", hijacking(t, func(net.Conn) {}).URL, nil, http.StatusBadGateway},
		{"unreachable", unreachable, nil, http.StatusBadGateway},
		{"no answer in time", serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			<-r.Context().Done()
		})).URL, []contract.ProxyOption{contract.WithProxyTransport(slowTransport)}, http.StatusGatewayTimeout},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, log := proxyTo(t, tt.upstream, tt.opts...)
			got, resp := h.ask(t, srv.URL, http.MethodPost, h.validPath(), token)
			want := middlewareAnswer{Status: tt.status, Code: h.spec.statusCode(t, tt.status), RequestID: 1}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("the client's answer (-want +got):\n%s", diff)
			}
			records := log.records(t)
			if len(records) != 1 {
				t.Fatalf("%d log lines, want 1:\n%s", len(records), log.text())
			}
			r := records[0]
			if diff := cmp.Diff([]string{"transport"}, kindNames(r.Violations)); diff != "" {
				t.Errorf("logged violations (-want +got):\n%s", diff)
			}
			if id := resp.Header.Get(h.spec.requestID); r.RequestID != id {
				t.Errorf("the log line's request ID %q, the client's %q", r.RequestID, id)
			}
		})
	}
}

func TestTransportRecordsAFailedRead(t *testing.T) {
	h := setup(t)
	srv := hijacking(t, func(c net.Conn) {
		fmt.Fprintf(c, "HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n{")
	})
	for _, mode := range []string{"strict", "record"} {
		t.Run(mode, func(t *testing.T) {
			rec, cov := &contract.Recorder{}, contract.NewCoverage(h.v)
			opts := []contract.TransportOption{contract.WithCoverage(cov)}
			if mode == "record" {
				opts = append(opts, contract.WithRecorder(rec))
			}
			client := &http.Client{Transport: contract.NewTransport(validatorFor(t, srv.URL), nil, opts...)}
			resp, err := client.Do(request(t, http.MethodPost, srv.URL+h.validPath(), token))
			if err == nil {
				resp.Body.Close()
				t.Fatal("a cut answer gave no error")
			}
			xe, ok := errors.AsType[*contract.ExchangeError](err)
			if !ok {
				t.Fatalf("err = %v, want an *ExchangeError", err)
			}
			if diff := cmp.Diff([]string{"transport"}, kindNames(xe.Violations)); diff != "" {
				t.Errorf("violations (-want +got):\n%s", diff)
			}
			if xe.Status != http.StatusBadRequest {
				t.Errorf("recorded status %d, want 400", xe.Status)
			}
			wantRecords := map[string]int{"strict": 0, "record": 1}[mode]
			if got := len(rec.Records()); got != wantRecords {
				t.Errorf("%d records, want %d", got, wantRecords)
			}
		})
	}
}

// compressing is an upstream in front of h that encodes its answers with
// enc when the client accepts it; label sends enc in Content-Encoding
// without encoding anything.
func compressing(enc string, label bool, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.Contains(r.Header.Get("Accept-Encoding"), enc) {
			h.ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		body := rec.Body.Bytes()
		if !label {
			var buf bytes.Buffer
			var zw io.WriteCloser = gzip.NewWriter(&buf)
			if enc == "deflate" {
				zw = zlib.NewWriter(&buf)
			}
			zw.Write(body)
			zw.Close()
			body = buf.Bytes()
		}
		for k, vs := range rec.Header() {
			w.Header()[k] = vs
		}
		w.Header().Set("Content-Encoding", enc)
		w.Header().Del("Content-Length")
		w.WriteHeader(rec.Code)
		w.Write(body)
	})
}

func TestProxyRaisesNoFalseAlarm(t *testing.T) {
	h := setup(t)
	tests := []struct {
		name, enc string
		label     bool
		reason    string // what each exchange's log line says; "" for none
	}{
		{"gzip", "gzip", false, ""},
		{"deflate", "deflate", false, ""},
		{"unknown encoding", "br", true, `Content-Encoding "br" cannot be decoded`},
		{"gzip label on a plain body", "gzip", true, "not valid gzip"},
	}
	tasks := []int64{mock.DefaultMigratingTaskID, mock.DefaultUnknownTaskID} // a 200 and a 400
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := mock.New(nil)
			if err != nil {
				t.Fatal(err)
			}
			up := serve(t, compressing(tt.enc, tt.label, m.Handler()))
			srv, log := proxyTo(t, up.URL)
			var want []string
			for _, task := range tasks {
				req := request(t, http.MethodPost, srv.URL+h.path(mock.DefaultProjectID, strconv.FormatInt(task, 10)), token)
				req.Header.Set("Accept-Encoding", tt.enc)
				resp, _ := do(t, srv.Client(), req)
				if got := resp.Header.Get("Content-Encoding"); got != tt.enc {
					t.Fatalf("the upstream answered with Content-Encoding %q, want %q: the test proves nothing", got, tt.enc)
				}
				if tt.reason != "" && task != mock.DefaultMigratingTaskID { // the 200 has no body: nothing to decode
					want = append(want, "response: "+tt.reason)
				}
			}
			var got []string
			for _, r := range log.records(t) {
				for _, v := range r.Violations {
					reason := v.Reason
					if tt.reason != "" && strings.Contains(reason, tt.reason) {
						reason = tt.reason
					}
					got = append(got, string(v.Kind)+": "+reason)
				}
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("violations logged (-want +got):\n%s", diff)
			}
		})
	}
}

// The upstream sees the client's Accept-Encoding as the client sent it: the
// proxy asks for no compression of its own.
func TestProxyForwardsAcceptEncodingUnchanged(t *testing.T) {
	h := setup(t)
	m, err := mock.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	seen := make(chan []string, 1)
	up := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen <- r.Header.Values("Accept-Encoding")
		m.Handler().ServeHTTP(w, r)
	}))
	srv, _ := proxyTo(t, up.URL)
	// The test's client would ask for gzip itself; this one sends what the
	// request says.
	client := &http.Client{Transport: &http.Transport{DisableCompression: true}}
	for _, enc := range []string{"", "br", "gzip, deflate"} {
		req := request(t, http.MethodPost, srv.URL+h.path(mock.DefaultProjectID, strconv.FormatInt(mock.DefaultUnknownTaskID, 10)), token)
		if enc != "" {
			req.Header.Set("Accept-Encoding", enc)
		}
		do(t, client, req)
		if got := strings.Join(<-seen, ", "); got != enc {
			t.Errorf("client sent Accept-Encoding %q, the upstream got %q", enc, got)
		}
	}
}

// labelAll sends Content-Encoding enc with every answer of h, encoding
// nothing.
func labelAll(enc string, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Encoding", enc)
		h.ServeHTTP(w, r)
	})
}

func TestProxyTransportAndSuiteAgree(t *testing.T) {
	h := setup(t)
	teapot := func(next http.Handler) http.Handler { // the mock, its 400s made 418s
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			rec := httptest.NewRecorder()
			next.ServeHTTP(rec, r)
			for k, vs := range rec.Header() {
				w.Header()[k] = vs
			}
			if rec.Code == http.StatusBadRequest {
				rec.Code = http.StatusTeapot
			}
			w.WriteHeader(rec.Code)
			w.Write(rec.Body.Bytes())
		})
	}
	tests := []struct {
		name   string
		wrap   func(http.Handler) http.Handler
		broken bool
	}{
		{"the mock", func(h http.Handler) http.Handler { return h }, false},
		{"the mock, gzip", func(h http.Handler) http.Handler { return compressing("gzip", false, h) }, false},
		{"the mock, deflate", func(h http.Handler) http.Handler { return compressing("deflate", false, h) }, false},
		{"the mock, unknown encoding", func(h http.Handler) http.Handler { return labelAll("br", h) }, true},
		{"the mock, gzip label on plain bodies", func(h http.Handler) http.Handler { return labelAll("gzip", h) }, true},
		{"the mock, 418 for 400", teapot, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := mock.New(nil)
			if err != nil {
				t.Fatal(err)
			}
			up := serve(t, tt.wrap(m.Handler()))
			cfg := func(endpoint string) suite.Config {
				return suite.Config{Endpoint: endpoint, Validator: validatorFor(t, endpoint), Token: mock.DefaultToken,
					Params: map[string]string{"project_id": mock.DefaultProjectID}}
			}
			// The suite, straight to the upstream.
			report, err := suite.Run(context.Background(), cfg(up.URL))
			if err != nil {
				t.Fatal(err)
			}
			suiteBroken := !report.Conformant()
			// The suite again, through the proxy: its log.
			srv, log := proxyTo(t, up.URL)
			if _, err := suite.Run(context.Background(), cfg(srv.URL)); err != nil {
				t.Fatal(err)
			}
			proxyBroken := false
			for _, r := range log.records(t) {
				for _, v := range r.Violations {
					proxyBroken = proxyBroken || v.Direction == contract.DirectionResponse
				}
			}
			// A record-mode Transport whose client asks for every encoding.
			rec := &contract.Recorder{}
			client := &http.Client{Transport: contract.NewTransport(validatorFor(t, up.URL), nil, contract.WithRecorder(rec))}
			for _, task := range []int64{mock.DefaultMigratingTaskID, mock.DefaultUnknownTaskID} {
				req := request(t, http.MethodPost, up.URL+h.path(mock.DefaultProjectID, strconv.FormatInt(task, 10)), token)
				req.Header.Set("Accept-Encoding", "gzip, deflate")
				do(t, client, req)
			}
			transportBroken := len(rec.Records()) > 0

			want := map[string]bool{"suite": tt.broken, "proxy": tt.broken, "transport": tt.broken}
			got := map[string]bool{"suite": suiteBroken, "proxy": proxyBroken, "transport": transportBroken}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("verdicts, true for broken (-want +got):\n%s\nproxy log:\n%s", diff, log.text())
			}
		})
	}
}

// fragments are the 8-character pieces of s.
func fragments(s string) []string {
	var out []string
	for i := 0; i+8 <= len(s); i++ {
		out = append(out, s[i:i+8])
	}
	return out
}

func TestProxyRecordsNoSecret(t *testing.T) {
	h := setup(t)
	// Random secrets: no piece of them can be in the log by chance.
	random := func(n int) string {
		b := make([]byte, n)
		rand.Read(b)
		return base64.RawURLEncoding.EncodeToString(b)
	}
	creds := signer.Credentials{AK: strings.ToUpper(hex.EncodeToString([]byte(random(8)))[:20]), SK: random(30),
		SecurityToken: random(60), ProjectID: mock.DefaultProjectID}
	tokenValue := random(40)
	// echo answers with every secret of the request: in headers (values and
	// names), the request ID, the body, and what the answer's status and
	// shape make kin-openapi or the adapters quote in a reason.
	echo := func(status int, contentType func(secret string) string, encoding bool) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			a, _ := signer.ParseAuthorization(r.Header.Get("Authorization"))
			secrets := []string{r.Header.Get(h.spec.tokenHeader), a.Signature, a.Access, r.Header.Get(signer.HeaderSecurityToken)}
			for i, s := range secrets {
				w.Header().Set("X-Echo-"+strconv.Itoa(i), "value "+s+" end")
				w.Header().Set("X-Name-"+s, "1")
				w.Header().Add("X-Fragment", s[3:15])
			}
			w.Header().Set(h.spec.requestID, secrets[0])
			w.Header().Set("Content-Type", contentType(secrets[0]))
			if encoding {
				w.Header().Set("Content-Encoding", secrets[0])
			}
			w.WriteHeader(status)
			json.NewEncoder(w).Encode(map[string]any{"error_code": secrets[0], "error_msg": strings.Join(secrets, " "), "fragment": secrets[1][10:30]})
		})
	}
	asJSON := func(string) string { return "application/json" }
	tests := []struct {
		name     string
		upstream http.Handler
		path     string
	}{
		{"undeclared status", echo(http.StatusTeapot, asJSON, false), h.validPath()},
		{"Content-Type made of a secret", echo(http.StatusBadRequest, func(s string) string { return "text/" + s }, false), h.validPath()},
		{"Content-Encoding made of a secret", echo(http.StatusBadRequest, asJSON, true), h.validPath()},
		{"secret in the path", echo(http.StatusTeapot, asJSON, false), h.path(tokenValue, "1")},
		{"secret in the query", echo(http.StatusTeapot, asJSON, false), h.validPath() + "?access_token=" + tokenValue},
		{"unknown path carrying a secret", echo(http.StatusTeapot, asJSON, false), "/v2/" + tokenValue + "/" + creds.AK},
		{"cut short after the secrets", hijack(t, func(c net.Conn) {
			fmt.Fprintf(c, "HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nX-Echo: %s\r\nContent-Length: 500\r\n\r\n{\"error_msg\":\"%s", tokenValue, creds.SecurityToken)
		}), h.validPath()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			up := serve(t, tt.upstream)
			srv, log := proxyTo(t, up.URL)
			req := request(t, http.MethodPost, srv.URL+tt.path, editors(gen.WithToken(tokenValue), gen.WithAKSK(creds)))
			do(t, srv.Client(), req)
			if len(log.records(t)) == 0 {
				t.Fatal("nothing logged: the test proves nothing")
			}
			line := log.text()
			for _, secret := range []string{tokenValue, creds.AK, creds.SK, creds.SecurityToken, signatureOf(t, req)} {
				for _, f := range fragments(secret) {
					if strings.Contains(line, f) {
						t.Errorf("the log carries %q, a piece of a secret:\n%s", f, line)
						break
					}
				}
			}
		})
	}
}

// signatureOf is the signature req was sent with.
func signatureOf(t testing.TB, req *http.Request) string {
	t.Helper()
	a, err := signer.ParseAuthorization(req.Header.Get("Authorization"))
	if err != nil {
		t.Fatal(err)
	}
	return a.Signature
}

func TestNewUpstreamTransportKeepsIdleConnections(t *testing.T) {
	for _, n := range []int{1, 16, 64} {
		t.Run(strconv.Itoa(n), func(t *testing.T) {
			tr := contract.NewUpstreamTransport(n)
			if tr.MaxIdleConnsPerHost != n || tr.MaxIdleConns < n {
				t.Errorf("MaxIdleConnsPerHost %d, MaxIdleConns %d; want %d, at least %d", tr.MaxIdleConnsPerHost, tr.MaxIdleConns, n, n)
			}
		})
	}
}

func TestProxyReusesUpstreamConnections(t *testing.T) {
	h := setup(t)
	const clients, each = 16, 20
	var dialled atomic.Int64
	up := httptest.NewUnstartedServer(h.mock.Handler())
	up.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			dialled.Add(1)
		}
	}
	up.Start()
	t.Cleanup(up.Close)
	srv, log := proxyTo(t, up.URL)
	path := h.path(mock.DefaultProjectID, strconv.FormatInt(mock.DefaultUnknownTaskID, 10))
	var wg sync.WaitGroup
	statuses := make(chan int, clients*each)
	for range clients {
		wg.Go(func() {
			for range each {
				resp, err := srv.Client().Do(request(t, http.MethodPost, srv.URL+path, token))
				if err != nil {
					t.Error(err)
					return
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				statuses <- resp.StatusCode
			}
		})
	}
	wg.Wait()
	close(statuses)
	n := 0
	for s := range statuses {
		n++
		if s != http.StatusBadRequest {
			t.Errorf("status %d, want the mock's 400", s)
		}
	}
	if n != clients*each || log.text() != "" {
		t.Fatalf("%d of %d requests answered; log:\n%s", n, clients*each, log.text())
	}
	t.Logf("%d upstream connections for %d requests", dialled.Load(), n)
	if got := dialled.Load(); got > 2*clients {
		t.Errorf("%d upstream connections for %d requests from %d clients, want at most %d", got, n, clients, 2*clients)
	}
}

// TestDecodedBodyIsBounded guards against a small compressed answer that
// decodes to far more than the validator reads: it is reported, and not
// inflated in memory.
func TestDecodedBodyIsBounded(t *testing.T) {
	h := setup(t)
	const inflated = 32 << 20
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(make([]byte, inflated))
	zw.Close()
	v := validatorFor(t, "http://127.0.0.1") // for its limit
	if int64(buf.Len()) > v.MaxBodyBytes() {
		t.Fatalf("the compressed body is %d bytes, over the limit: the test proves nothing", buf.Len())
	}
	up := upstream(t, canned{status: http.StatusOK, header: http.Header{"Content-Encoding": {"gzip"}, "X-Request-Id": {"r"}}, body: buf.String()})
	rec := &contract.Recorder{}
	client := &http.Client{Transport: contract.NewTransport(validatorFor(t, up.URL), nil, contract.WithRecorder(rec))}
	req := request(t, http.MethodPost, up.URL+h.validPath(), token)
	req.Header.Set("Accept-Encoding", "gzip")
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	do(t, client, req)
	runtime.ReadMemStats(&after)
	if allocated := after.TotalAlloc - before.TotalAlloc; allocated > inflated/4 {
		t.Errorf("validating the answer allocated %d MiB: the body was inflated past the limit", allocated>>20)
	}
	var reasons []string
	for _, r := range rec.Records() {
		for _, vi := range r.Violations {
			reasons = append(reasons, vi.Reason)
		}
	}
	if want := fmt.Sprintf("the decoded body exceeds %d bytes and was not validated", v.MaxBodyBytes()); !slices.Contains(reasons, want) {
		t.Errorf("violations %q, want %q", reasons, want)
	}
}
