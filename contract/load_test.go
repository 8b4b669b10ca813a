package contract_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/oms-contract/stoptask/contract"
	"github.com/oms-contract/stoptask/contract/mock"
	"github.com/oms-contract/stoptask/gen"
)

// mockState is the whole state of a mock: every task of every project,
// keyed by project ID. Comparing two of them with cmp.Diff proves that a run
// changed exactly what it should have.
type mockState map[string][]mock.Task

// snapshotMock reads the state of every project of m through the mock's Go
// API.
func snapshotMock(m *mock.Mock) mockState {
	s := mockState{}
	for _, p := range m.Projects() {
		s[p] = m.Tasks(p)
	}
	return s
}

// servedMock is a mock served by mock.Serve, the mock's own server helper
// (mock.NewServer's ReadHeaderTimeout, MaxHeaderBytes and timeouts), on a
// real loopback listener.
type servedMock struct {
	m    *mock.Mock
	addr string // host:port
	url  string // http://host:port
	stop func() error
}

// serveMock starts m with mock.Serve on 127.0.0.1:0. stop cancels Serve and
// waits for it to return; it is also registered as a cleanup, and calling it
// twice is harmless.
func serveMock(t *testing.T, m *mock.Mock) *servedMock {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- mock.Serve(ctx, ln, m) }()
	var once sync.Once
	var serveErr error
	stop := func() error {
		once.Do(func() {
			cancel()
			serveErr = <-done
		})
		return serveErr
	}
	t.Cleanup(func() {
		if err := stop(); err != nil {
			t.Errorf("mock.Serve: %v", err)
		}
	})
	addr := ln.Addr().String()
	return &servedMock{m: m, addr: addr, url: "http://" + addr, stop: stop}
}

// Load test shape: loadWorkers goroutines send loadPerWorker StopTask calls
// each.
const (
	loadWorkers   = 64
	loadPerWorker = 500
)

// loadTarget is a task the load test aims at and what every answer about it
// may be.
type loadTarget struct {
	project string
	id      int64
	// migrating tasks must be stopped exactly once: one 200, then OMS.0066.
	migrating bool
	// code is the error code of every answer about a task that is not
	// migrating.
	code string

	ok, notMigrating, refused, unexpected atomic.Int64
}

// TestLoadConcurrentStops hammers the mock over loopback with 64 goroutines
// sending 500 StopTask calls each, half with an IAM token and half signed
// with AK/SK, all aimed at a small set of tasks so that many calls race for
// each migrating task. Every migrating task must be stopped exactly once
// (one 200, every other call OMS.0066), every answer must conform to the
// contract (checked on the client by a recording Transport and on the server
// by the mock's strict middleware), the mock's final state must be exactly
// what the successful calls imply, and no goroutine may outlive the run.
//
// The mock runs on a fixed clock, so an accepted stop leaves its task
// pausing (7) for good and signatures made for that instant stay valid.
func TestLoadConcurrentStops(t *testing.T) {
	before := runtime.NumGoroutine()

	const (
		projA = "0a1b2c3d4e5f60718293a4b5c6d7e8f9"
		projB = "f9e8d7c6b5a4938271605f4e3d2c1b0a"
		tok   = "MIIloadTestTokenNotASecret-0123456789abcdefghijklmnopqrstuvwxyz"
		ak    = "LOADTESTAK0123456789"
		sk    = "loadTestSecretKeyNotASecret0123456789abc"
	)
	now := time.Date(2026, 3, 14, 15, 9, 26, 0, time.UTC)
	clock := func() time.Time { return now }

	var targets []*loadTarget
	opts := []mock.Option{
		mock.WithClock(clock),
		mock.WithToken(tok, projA, projB),
		mock.WithAKSK(ak, sk, projA, projB),
	}
	addTask := func(project string, id int64, status mock.Status, code string) {
		opts = append(opts, mock.WithTask(project, mock.Task{ID: id, Status: status}))
		targets = append(targets, &loadTarget{project: project, id: id, migrating: status == mock.StatusMigrating, code: code})
	}
	for i := range int64(24) {
		addTask(projA, 100000+i, mock.StatusMigrating, "")
	}
	for i := range int64(8) {
		addTask(projB, 200000+i, mock.StatusMigrating, "")
	}
	addTask(projA, 300000, mock.StatusSucceeded, gen.CodeAlreadyFinished)
	addTask(projA, 300001, mock.StatusStopped, gen.CodeNotMigrating)
	addTask(projB, 300002, mock.StatusWaiting, gen.CodeNotMigrating)
	// Unknown: no task has this ID.
	targets = append(targets, &loadTarget{project: projA, id: 999999, code: gen.CodeTaskNotFound})

	m, err := mock.New(opts...)
	if err != nil {
		t.Fatalf("mock.New: %v", err)
	}
	want := snapshotMock(m)
	for _, tg := range targets {
		if !tg.migrating {
			continue
		}
		tasks := want[tg.project]
		for i := range tasks {
			if tasks[i].ID == tg.id {
				tasks[i].Status = mock.StatusPausing
			}
		}
	}

	srv := serveMock(t, m)

	// Client side: one shared transport with an idle connection per worker,
	// wrapped in a recording validating transport, so that every answer is
	// held to the contract without failing the call.
	base := &http.Transport{
		MaxIdleConns:        2 * loadWorkers,
		MaxIdleConnsPerHost: 2 * loadWorkers,
		IdleConnTimeout:     time.Minute,
	}
	v, err := contract.New(contract.WithServer(srv.url))
	if err != nil {
		t.Fatalf("contract.New: %v", err)
	}
	var rec contract.Recorder
	httpClient := &http.Client{Transport: contract.NewTransport(v, base, contract.WithRecorder(&rec)), Timeout: 30 * time.Second}
	tokenClient, err := gen.NewClient(srv.url, gen.WithHTTPClient(httpClient), gen.WithRequestEditorFn(gen.WithToken(tok)))
	if err != nil {
		t.Fatalf("gen.NewClient: %v", err)
	}
	akskClient, err := gen.NewClient(srv.url, gen.WithHTTPClient(httpClient),
		gen.WithRequestEditorFn(gen.WithAKSK(gen.Credentials{AK: ak, SK: sk}, gen.WithClock(clock))))
	if err != nil {
		t.Fatalf("gen.NewClient: %v", err)
	}

	var (
		transportErrs atomic.Int64
		missingIDs    atomic.Int64
		mu            sync.Mutex
		problems      []string
	)
	problem := func(format string, a ...any) {
		mu.Lock()
		defer mu.Unlock()
		if len(problems) < 20 {
			problems = append(problems, fmt.Sprintf(format, a...))
		}
	}

	start := make(chan struct{})
	var wg sync.WaitGroup
	for w := range loadWorkers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := tokenClient
			if w%2 == 1 {
				c = akskClient
			}
			<-start
			for i := range loadPerWorker {
				// Consecutive workers start at different targets, so every
				// target is hit by many goroutines at once.
				tg := targets[(w*7+i)%len(targets)]
				resp, err := c.StopTask(context.Background(), tg.project, tg.id)
				if err != nil {
					transportErrs.Add(1)
					problem("worker %d call %d: %v", w, i, err)
					continue
				}
				if resp.Header.Get(gen.HeaderRequestID) == "" {
					missingIDs.Add(1)
				}
				apiErr := gen.CheckResponse(resp)
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				var ae *gen.APIError
				switch {
				case apiErr == nil && resp.StatusCode == http.StatusOK:
					tg.ok.Add(1)
				case errors.As(apiErr, &ae) && ae.StatusCode == http.StatusBadRequest && ae.Code == gen.CodeNotMigrating:
					tg.notMigrating.Add(1)
				case errors.As(apiErr, &ae) && ae.StatusCode == http.StatusBadRequest && ae.Code == tg.code:
					tg.refused.Add(1)
				default:
					tg.unexpected.Add(1)
					problem("%s/%d: status %d, %v", tg.project, tg.id, resp.StatusCode, apiErr)
				}
			}
		}()
	}
	began := time.Now()
	close(start)
	wg.Wait()
	t.Logf("%d requests from %d goroutines in %v", loadWorkers*loadPerWorker, loadWorkers, time.Since(began).Round(time.Millisecond))

	for _, p := range problems {
		t.Error(p)
	}
	if n := transportErrs.Load(); n != 0 {
		t.Errorf("%d calls failed without an answer", n)
	}
	if n := missingIDs.Load(); n != 0 {
		t.Errorf("%d answers without X-Request-Id", n)
	}

	type tally struct{ OK, NotMigrating, Refused, Unexpected, Total int64 }
	wantTally := map[string]tally{}
	gotTally := map[string]tally{}
	stops := 0
	for _, tg := range targets {
		key := fmt.Sprintf("%s/%d", tg.project, tg.id)
		got := tally{OK: tg.ok.Load(), NotMigrating: tg.notMigrating.Load(), Refused: tg.refused.Load(), Unexpected: tg.unexpected.Load()}
		got.Total = got.OK + got.NotMigrating + got.Refused + got.Unexpected
		gotTally[key] = got
		// Every target gets the same share of calls, give or take one.
		w := tally{Total: got.Total}
		switch {
		case tg.migrating:
			w.OK, w.NotMigrating = 1, got.Total-1
			stops++
		case tg.code == gen.CodeNotMigrating:
			w.NotMigrating = got.Total
		default:
			w.Refused = got.Total
		}
		wantTally[key] = w
	}
	if diff := cmp.Diff(wantTally, gotTally); diff != "" {
		t.Errorf("answers per task (-want +got):\n%s", diff)
	}
	var total int64
	for _, g := range gotTally {
		total += g.Total
	}
	if total != loadWorkers*loadPerWorker {
		t.Errorf("tallied %d answers, want %d", total, loadWorkers*loadPerWorker)
	}

	if vs := rec.Violations(); len(vs) != 0 {
		t.Errorf("client-side validator found %d violations, first: %v", len(vs), vs[0])
	}
	if vs := m.Violations(); len(vs) != 0 {
		t.Errorf("mock's strict middleware found %d violations, first: %v", len(vs), vs[0])
	}
	wantStats := mock.Stats{Requests: loadWorkers * loadPerWorker, Stops: stops, Refused: loadWorkers*loadPerWorker - stops}
	if diff := cmp.Diff(wantStats, m.Stats()); diff != "" {
		t.Errorf("mock stats (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(want, snapshotMock(m)); diff != "" {
		t.Errorf("mock state after the load (-want +got):\n%s", diff)
	}

	// Nothing may be left running: shut the server down, drop the client's
	// idle connections and wait (boundedly) for their goroutines to exit.
	if err := srv.stop(); err != nil {
		t.Errorf("mock.Serve: %v", err)
	}
	base.CloseIdleConnections()
	if after, ok := settleGoroutines(before, 10*time.Second); !ok {
		t.Errorf("goroutines: %d before the test, %d after it; still running:\n%s", before, after, goroutineDump())
	}
}

// settleGoroutines polls runtime.NumGoroutine until it is at most want or
// the wait is over; goroutines of closed connections take a moment to see
// the close. It reports the last count and whether it reached want.
func settleGoroutines(want int, wait time.Duration) (int, bool) {
	deadline := time.Now().Add(wait)
	for {
		n := runtime.NumGoroutine()
		if n <= want {
			return n, true
		}
		if time.Now().After(deadline) {
			return n, false
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// goroutineDump returns the stacks of every goroutine, to show which ones
// leaked.
func goroutineDump() string {
	buf := make([]byte, 1<<20)
	return string(buf[:runtime.Stack(buf, true)])
}

// errorBody decodes an Error body strictly enough for the tests: a JSON
// object whose error_code and error_msg are non-empty strings.
func errorBody(body []byte) (gen.Error, error) {
	var e gen.Error
	if err := json.Unmarshal(body, &e); err != nil {
		return e, fmt.Errorf("not the Error schema: %w (body %q)", err, truncate(string(body), 200))
	}
	if strings.TrimSpace(e.ErrorCode) == "" || strings.TrimSpace(e.ErrorMsg) == "" {
		return e, fmt.Errorf("Error body with an empty error_code or error_msg: %q", truncate(string(body), 200))
	}
	return e, nil
}

// truncate shortens s for a failure message.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + fmt.Sprintf("…(%d bytes)", len(s))
}
