package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/oms-contract/stoptask/contract"
	"github.com/oms-contract/stoptask/contract/mock"
)

// The load BenchmarkPeers puts on each peer.
const (
	peerClients  = 16                     // concurrent loopback clients, each on a kept-alive connection
	peerWarmUp   = 500 * time.Millisecond // not counted: lets V8 compile Prism's hot paths
	peerDuration = 4 * time.Second        // counted
)

// prismBin is Prism, installed by npm ci from package-lock.json.
const prismBin = "../../../node_modules/.bin/prism"

// BenchmarkPeers measures side by side, in one run on one machine, the
// requests/s of the mock (omscontract mock), omscontract proxy in front of
// it, Stoplight Prism's validating proxy in front of the same mock, and
// Prism's mock, with a plain httputil.ReverseProxy as the floor of any
// proxy, each under the same load: peerClients clients sending the
// same valid, authenticated StopTask on a pausing task, which the mock
// refuses with 400 OMS.0066, so that its state never changes. It reports
// the ratios and the upstream sockets each proxy left in TIME-WAIT. Run it
// with `make perf`; it runs once whatever b.N is.
func BenchmarkPeers(b *testing.B) {
	prism, err := filepath.Abs(prismBin)
	if err == nil {
		_, err = os.Stat(prism)
	}
	if err != nil {
		b.Fatalf("Prism is not installed (%v): run `npm ci` in the repository root (make perf does)", err)
	}
	spec, err := filepath.Abs(specPath)
	if err != nil {
		b.Fatal(err)
	}
	mockURL, _ := serveCLI(b, "mock", "--listen", "127.0.0.1:0")
	proxyURL, _ := serveCLI(b, "proxy", "--listen", "127.0.0.1:0", "--upstream", mockURL,
		"--log", filepath.Join(b.TempDir(), "violations.jsonl"))
	// The floor of any proxy: httputil.ReverseProxy with the same upstream
	// transport, validating nothing.
	plain := httptest.NewServer(&httputil.ReverseProxy{
		Rewrite:   func(pr *httputil.ProxyRequest) { pr.SetURL(mustParse(b, mockURL)) },
		Transport: contract.NewUpstreamTransport(64),
	})
	b.Cleanup(plain.Close)
	prismProxyURL := startPrism(b, prism, "proxy", spec, mockURL)
	prismMockURL := startPrism(b, prism, "mock", spec)
	mockPort := portOf(b, mockURL)

	refused := func(status int) bool { return status == http.StatusBadRequest }
	anything := func(status int) bool { return status > 0 && status < http.StatusInternalServerError }
	b.ResetTimer()
	mockRate := load(b, mockURL, refused)
	plainRate := load(b, plain.URL, refused)
	before := timeWait(b, mockPort)
	proxyRate := load(b, proxyURL, refused)
	proxyTW := timeWait(b, mockPort) - before
	before = timeWait(b, mockPort)
	prismProxyRate := load(b, prismProxyURL, refused)
	prismProxyTW := timeWait(b, mockPort) - before
	prismMockRate := load(b, prismMockURL, anything)
	b.StopTimer()

	b.ReportMetric(0, "ns/op") // one run: only the rates mean anything
	b.ReportMetric(mockRate, "mock-req/s")
	b.ReportMetric(plainRate, "plain-proxy-req/s")
	b.ReportMetric(proxyRate, "proxy-req/s")
	b.ReportMetric(prismProxyRate, "prism-proxy-req/s")
	b.ReportMetric(prismMockRate, "prism-mock-req/s")
	b.ReportMetric(proxyRate/mockRate, "proxy/mock")
	b.ReportMetric(plainRate/mockRate, "plain-proxy/mock")
	b.ReportMetric(proxyRate/prismProxyRate, "proxy/prism-proxy")
	b.ReportMetric(mockRate/prismMockRate, "mock/prism-mock")
	b.ReportMetric(float64(proxyTW), "proxy-time-wait")
	b.ReportMetric(float64(prismProxyTW), "prism-proxy-time-wait")
	for _, g := range []struct {
		name      string
		got, goal float64
		atMost    bool
	}{
		{"proxy/mock", proxyRate / mockRate, 0.40, false},
		{"proxy/prism-proxy", proxyRate / prismProxyRate, 10, false},
		{"mock/prism-mock", mockRate / prismMockRate, 10, false},
		{"proxy-time-wait", float64(proxyTW), 999, true},
	} {
		met := g.got >= g.goal
		if g.atMost {
			met = g.got <= g.goal
		}
		b.Logf("%-18s %10.2f  goal %s %g: met %v", g.name, g.got, map[bool]string{false: "≥", true: "≤"}[g.atMost], g.goal, met)
	}
}

// load sends StopTask from peerClients clients for peerWarmUp, then for
// peerDuration, and returns the answers per second of the second period.
// Every answer must be complete and its status ok.
func load(b *testing.B, base string, ok func(status int) bool) float64 {
	b.Helper()
	tr := &http.Transport{MaxIdleConnsPerHost: peerClients, DisableCompression: true}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}
	target := stopTaskURL(base, mock.DefaultTaskID(mock.StatusPausing))
	var failed atomic.Value
	period := func(d time.Duration) float64 {
		var n atomic.Int64
		var wg sync.WaitGroup
		start := time.Now()
		deadline := start.Add(d)
		for range peerClients {
			wg.Go(func() {
				for time.Now().Before(deadline) && failed.Load() == nil {
					req, err := http.NewRequest(http.MethodPost, target, nil)
					if err != nil {
						failed.CompareAndSwap(nil, err)
						return
					}
					req.Header.Set("X-Auth-Token", mock.DefaultToken)
					req.Header.Set("Content-Type", "application/json")
					resp, err := client.Do(req)
					if err == nil {
						_, err = io.Copy(io.Discard, resp.Body)
						resp.Body.Close()
					}
					if err == nil && !ok(resp.StatusCode) {
						err = fmt.Errorf("answered %s", resp.Status)
					}
					if err != nil {
						failed.CompareAndSwap(nil, err)
						return
					}
					n.Add(1)
				}
			})
		}
		wg.Wait()
		return float64(n.Load()) / time.Since(start).Seconds()
	}
	period(peerWarmUp)
	rate := period(peerDuration)
	if err := failed.Load(); err != nil {
		b.Fatalf("%s: %v", base, err)
	}
	return rate
}

// startPrism runs Prism (`prism mock SPEC` or `prism proxy SPEC UPSTREAM`)
// on a free loopback port until the benchmark ends, logging errors only,
// without telemetry, and returns its URL once it accepts connections.
func startPrism(b *testing.B, bin string, args ...string) string {
	b.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	ln.Close()
	out := newSyncBuffer()
	cmd := exec.Command(bin, append(args, "--host", "127.0.0.1", "--port", port, "--verboseLevel", "error")...)
	cmd.Env = append(os.Environ(), "SCARF_ANALYTICS=false", "DO_NOT_TRACK=1")
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		b.Fatalf("prism %s: %v", args[0], err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	b.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-exited
	})
	for give := time.Now().Add(time.Minute); ; time.Sleep(50 * time.Millisecond) {
		if c, err := net.Dial("tcp", "127.0.0.1:"+port); err == nil {
			c.Close()
			return "http://127.0.0.1:" + port
		}
		select {
		case err := <-exited:
			exited <- err
			b.Fatalf("prism %s exited (%v):\n%s", args[0], err, out)
		default:
		}
		if time.Now().After(give) {
			b.Fatalf("prism %s does not listen on %s after a minute:\n%s", args[0], port, out)
		}
	}
}

func mustParse(b *testing.B, raw string) *url.URL {
	b.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		b.Fatal(err)
	}
	return u
}

func portOf(b *testing.B, raw string) int {
	b.Helper()
	p, err := strconv.Atoi(mustParse(b, raw).Port())
	if err != nil {
		b.Fatal(err)
	}
	return p
}

// timeWait counts the TCP sockets in TIME-WAIT (state 06 in /proc/net/tcp)
// with port at either end.
func timeWait(b *testing.B, port int) int {
	b.Helper()
	n := 0
	for _, f := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		file, err := os.Open(f)
		if err != nil {
			b.Fatal(err)
		}
		sc := bufio.NewScanner(file)
		for sc.Scan() {
			// sl local_address rem_address st …, addresses as HEXIP:HEXPORT
			fields := strings.Fields(sc.Text())
			if len(fields) < 4 || fields[3] != "06" {
				continue
			}
			for _, addr := range fields[1:3] {
				if p, err := strconv.ParseUint(addr[strings.LastIndexByte(addr, ':')+1:], 16, 16); err == nil && int(p) == port {
					n++
					break
				}
			}
		}
		file.Close()
		if err := sc.Err(); err != nil {
			b.Fatal(err)
		}
	}
	return n
}
