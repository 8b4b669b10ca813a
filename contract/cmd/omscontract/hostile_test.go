package main

// Tests with hostile servers and clients of the commands.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/oms-contract/stoptask/contract/mock"
	"github.com/oms-contract/stoptask/contract/suite"
)

// answersTwice serves the mock, and after each of its answers a second
// one, unasked, echoing the request's token; then it closes the connection.
func answersTwice(t *testing.T) string {
	t.Helper()
	m, err := mock.New(secretFixtures())
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		m.Handler().ServeHTTP(rec, r)
		conn, _, err := w.(http.Hijacker).Hijack()
		if err != nil {
			t.Error(err)
			return
		}
		defer conn.Close()
		var b bytes.Buffer
		resp := rec.Result()
		resp.ContentLength = int64(rec.Body.Len())
		resp.Write(&b)
		fmt.Fprintf(&b, "HTTP/1.1 200 OK\r\nX-Echo: %s\r\nContent-Length: 0\r\n\r\n", r.Header.Get("X-Auth-Token"))
		conn.Write(b.Bytes()) // one write: the second answer is there as soon as the first
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// TestUnsolicitedAnswer: a server that answers twice fails check, and
// neither check nor proxy prints the bytes of the second answer, which
// net/http's own logger would print raw, credential included.
func TestUnsolicitedAnswer(t *testing.T) {
	const said = "an answer no request asked for"
	url := answersTwice(t)
	t.Run("check", func(t *testing.T) {
		r := runCLI(t, nil, "check", "--endpoint", url, "--project", mock.DefaultProjectID, "--token", secretToken)
		if r.code != exitFail || !strings.Contains(r.stdout, "NOT conformant") || !strings.Contains(r.stderr, said) {
			t.Errorf("want NOT conformant, and the unsolicited answer reported; got %v", r)
		}
		assertNoSecrets(t, map[string]string{"stdout": r.stdout, "stderr": r.stderr})
	})
	t.Run("proxy", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		stdout, stderr := newSyncBuffer(), newSyncBuffer()
		done := make(chan int, 1)
		go func() {
			done <- run(ctx, []string{"proxy", "--listen", "127.0.0.1:0", "--upstream", url, "--log", t.TempDir() + "/log"},
				func(string) string { return "" }, stdout, stderr)
		}()
		defer func() { cancel(); <-done }()
		deadline := time.After(watchdog) // the report may come after the answer
		for posted := false; !strings.Contains(stderr.String(), said); {
			if u := servingRE.FindString(stderr.String()); u != "" && !posted {
				post(t, stopTaskURL(u, mock.DefaultMigratingTaskID), secretToken)
				posted = true
			}
			select {
			case <-stderr.changed:
			case <-deadline:
				t.Fatalf("the unsolicited answer was not reported; stderr:\n%s", stderr.String())
			}
		}
		assertNoSecrets(t, map[string]string{"stdout": stdout.String(), "stderr": stderr.String()})
	})
}

// throttling serves the mock, but answers 429 (in the contract's shape,
// with retryAfter) to every request when always is set, to every other one
// otherwise.
func throttling(t *testing.T, always bool, retryAfter string) string {
	t.Helper()
	m, err := mock.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if always || n.Add(1)%2 == 1 {
			w.Header().Set("Retry-After", retryAfter)
			w.Header().Set(m.Validator().RequestIDHeader(), "throttled")
			m.Validator().WriteError(w, http.StatusTooManyRequests, "APIGW.0308", "")
			return
		}
		m.Handler().ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// TestCheckHonoursRetryAfter: a documented 429 is no failure of the
// server: the case is sent again after Retry-After, or, throttled
// throughout or asked to wait past --timeout, has no verdict.
func TestCheckHonoursRetryAfter(t *testing.T) {
	tests := []struct {
		name       string
		always     bool
		retryAfter string
		verdict    suite.Verdict // of every case
	}{
		{"every other request throttled", false, "0", suite.VerdictPass},
		{"every request throttled", true, "0", suite.VerdictError},
		{"asked to wait past --timeout", true, "3600", suite.VerdictError},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			js := filepath.Join(t.TempDir(), "report.json")
			r := runWithin(t, "check", "--endpoint", throttling(t, tt.always, tt.retryAfter), "--project", mock.DefaultProjectID,
				"--token", mock.DefaultToken, "--timeout", "5s", "--json", js)
			var report suite.Report
			if err := json.Unmarshal([]byte(readFiles(t, js)["report.json"]), &report); err != nil {
				t.Fatal(err)
			}
			for _, c := range report.Cases {
				if c.Verdict != tt.verdict || tt.verdict == suite.VerdictError && !strings.HasPrefix(c.Error, "throttled") {
					t.Errorf("%s: %s %q %v, want %s", c.Name, c.Verdict, c.Error, c.Failures, tt.verdict)
				}
			}
			if (r.code == exitOK) != (tt.verdict == suite.VerdictPass) {
				t.Errorf("exit %d: %v", r.code, r)
			}
		})
	}
}

// runWithin is runCLI with a deadline, so that a run that waits too long
// fails instead of hanging; it runs until ctx ends otherwise.
func runWithin(t *testing.T, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var out, errb bytes.Buffer
	code := run(ctx, args, func(string) string { return "" }, &out, &errb)
	if ctx.Err() != nil {
		t.Fatalf("still running at its deadline: %s", errb.String())
	}
	return result{code, out.String(), errb.String()}
}

// TestCheckInterrupted: a run interrupted (Ctrl-C, SIGTERM) stops at once,
// has no verdict, and writes no report: the cases it cut short are not
// the server's failures.
func TestCheckInterrupted(t *testing.T) {
	reached := make(chan struct{}, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case reached <- struct{}{}:
		default:
		}
		<-r.Context().Done() // holds every request until the client goes
	}))
	t.Cleanup(srv.Close)
	js := filepath.Join(t.TempDir(), "report.json")
	ctx, cancel := context.WithCancel(context.Background())
	var out, errb bytes.Buffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"check", "--endpoint", srv.URL, "--project", mock.DefaultProjectID, "--token", secretToken,
			"--timeout", "1h", "--json", js}, func(string) string { return "" }, &out, &errb)
	}()
	<-reached
	cancel()
	select {
	case code := <-done:
		if code != exitNoVerdict || !strings.Contains(errb.String(), "interrupted") || strings.Contains(out.String(), "conformant") {
			t.Errorf("want exit 2, interrupted, no verdict; got %v", result{code, out.String(), errb.String()})
		}
	case <-time.After(watchdog):
		t.Fatal("the interrupted run went on")
	}
	if _, err := os.Stat(js); err == nil {
		t.Error("an interrupted run wrote a report")
	}
}

// watchdog is how long a test waits for what must happen at once: a
// deadline so that it fails instead of hanging, not a measure of speed.
const watchdog = 10 * time.Second
