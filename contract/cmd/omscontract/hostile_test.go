package main

// Tests with hostile servers and clients of the commands.

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/oms-contract/stoptask/contract/mock"
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
		deadline := time.After(10 * time.Second) // a deadline, not a measure: the report may come after the answer
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
