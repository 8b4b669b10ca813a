package main

import (
	"bufio"
	"fmt"
	"net"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/oms-contract/stoptask/contract"
	"github.com/oms-contract/stoptask/contract/mock"
)

// The load BenchmarkPeers puts on each peer, with wrk (whole seconds).
const (
	peerClients  = 16              // concurrent loopback connections, kept alive
	peerThreads  = 2               // wrk's threads, one per core of a 2-core machine
	peerWarmUp   = 1 * time.Second // not counted: lets V8 compile Prism's hot paths
	peerDuration = 4 * time.Second // counted
)

// prismBin is Prism, installed by npm ci from package-lock.json.
const prismBin = "../../../node_modules/.bin/prism"

// BenchmarkPeers measures side by side, in one run on one machine, the
// requests/s of the mock (omscontract mock), omscontract proxy in front of
// it, Stoplight Prism's validating proxy in front of the same mock, and
// Prism's mock, with a plain httputil.ReverseProxy as the floor of any
// proxy, each under the same load from wrk, a separate process that leaves
// the peers the CPU that an in-process load generator would take:
// peerClients connections sending the same valid, authenticated StopTask on
// a pausing task, which the mock refuses with 400 OMS.0066, so that its
// state never changes. It reports the ratios and the upstream sockets each
// proxy left in TIME-WAIT: wrk stops with requests in flight, whose upstream
// connections a proxy may close (up to peerClients per wrk run), while a
// proxy that did not pool would leave one per exchange, thousands. Run it
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
	// transport and reused copy buffers, validating nothing.
	plain := httptest.NewServer(&httputil.ReverseProxy{
		Rewrite:    func(pr *httputil.ProxyRequest) { pr.SetURL(mustParse(b, mockURL)) },
		Transport:  contract.NewUpstreamTransport(64),
		BufferPool: &bufferPool{sync.Pool{New: func() any { return make([]byte, 32<<10) }}},
	})
	b.Cleanup(plain.Close)
	prismProxyURL := startPrism(b, prism, "proxy", spec, mockURL)
	prismMockURL := startPrism(b, prism, "mock", spec)
	mockPort := portOf(b, mockURL)

	refused, anything := "status == 400", "status < 500"
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

// wrkScript is the Lua script wrk runs: StopTask with the mock's token, and
// a tally of the answers whose status is not ok (a Lua expression of status),
// which done prints.
const wrkScript = `wrk.method = "POST"
wrk.headers["X-Auth-Token"] = %q
wrk.headers["Content-Type"] = "application/json"
local threads = {}
function setup(t) table.insert(threads, t) end
function init() bad, last = 0, 0 end
function response(status) if not (%s) then bad, last = bad + 1, status end end
function done()
  local n, last = 0, 0
  for _, t in ipairs(threads) do
    n = n + t:get("bad")
    if t:get("bad") > 0 then last = t:get("last") end
  end
  io.write(string.format("not ok: %%d (status %%d)\n", n, last))
end
`

// load runs wrk with peerClients connections on peerThreads threads against
// base's StopTask for peerWarmUp, then for peerDuration, and returns the
// Requests/sec of the second run. Every answer must be complete (no socket
// error) and its status ok, a Lua expression of status.
func load(b *testing.B, base, ok string) float64 {
	b.Helper()
	bin, err := exec.LookPath("wrk")
	if err != nil {
		b.Fatalf("wrk, the load generator, is not installed: run `apt-get install wrk` (make perf does)")
	}
	script := filepath.Join(b.TempDir(), "stoptask.lua")
	if err := os.WriteFile(script, fmt.Appendf(nil, wrkScript, mock.DefaultToken, ok), 0o644); err != nil {
		b.Fatal(err)
	}
	target := stopTaskURL(base, mock.DefaultTaskID(mock.StatusPausing))
	rate := 0.0
	for _, d := range []time.Duration{peerWarmUp, peerDuration} {
		out, err := exec.Command(bin, fmt.Sprintf("-t%d", peerThreads), fmt.Sprintf("-c%d", peerClients),
			fmt.Sprintf("-d%ds", int(d.Seconds())), "-s", script, target).CombinedOutput()
		if err != nil || !strings.Contains(string(out), "not ok: 0 ") || strings.Contains(string(out), "Socket errors") {
			b.Fatalf("wrk %s (%v):\n%s", base, err, out)
		}
		m := regexp.MustCompile(`Requests/sec:\s*([0-9.]+)`).FindSubmatch(out)
		if m == nil {
			b.Fatalf("wrk %s: no Requests/sec line:\n%s", base, out)
		}
		rate, _ = strconv.ParseFloat(string(m[1]), 64)
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

// bufferPool reuses ReverseProxy's 32 KiB copy buffers, as omscontract
// proxy does.
type bufferPool struct{ sync.Pool }

func (p *bufferPool) Get() []byte    { return p.Pool.Get().([]byte) }
func (p *bufferPool) Put(buf []byte) { p.Pool.Put(buf) }

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
