package main

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/oms-contract/stoptask/contract"
	"github.com/oms-contract/stoptask/contract/mock"
	"github.com/oms-contract/stoptask/gen"
)

// The load BenchmarkPeers puts on each peer, with wrk (whole seconds).
const (
	peerClients  = 16              // concurrent loopback connections, kept alive
	peerThreads  = 2               // wrk's threads, one per core of a 2-core machine
	peerWarmUp   = 1 * time.Second // not counted: lets V8 compile Prism's hot paths
	peerDuration = 2 * time.Second // counted, per round
	peerRounds   = 3               // rounds of the Go peers, interleaved; Prism's peers get one of peerRounds*peerDuration
)

// prismBin is Prism, installed by npm ci from package-lock.json.
const prismBin = "../../../node_modules/.bin/prism"

// BenchmarkPeers measures side by side, in one run on one machine, the
// requests/s of a bare net/http handler that writes the mock's answers
// (bareHandler: the same status, headers and body, validating nothing), the
// mock (omscontract mock), a plain httputil.ReverseProxy in front of the
// mock (the floor of any proxy), omscontract proxy in front of it, Stoplight
// Prism's validating proxy in front of it, and Prism's mock, each under the
// same load from wrk, a separate process that leaves the peers the CPU that
// an in-process load generator would take: peerClients connections cycling
// through peerMix, one request of each operation, none of which changes the
// mock's state.
//
// The four Go peers, which run in this process, are measured in peerRounds
// interleaved rounds (forward, then backward, ...) so that a change in the
// load of a shared machine falls on all of them alike; their rate is the
// mean of their rounds', and their CPU per request (this process's user and
// system time over the answers wrk counted, the mock's included behind a
// proxy) does not depend on how much CPU the machine gave them. It reports
// the ratios, as a table too, and the upstream sockets each proxy left in
// TIME-WAIT: wrk stops with requests in flight, whose upstream connections a
// proxy may close (up to peerClients per wrk run), while a proxy that did
// not pool would leave one per exchange, thousands. Run it with `make perf`;
// it runs once whatever b.N is.
func BenchmarkPeers(b *testing.B) {
	defer tuneGC(os.Getenv)() // every peer runs as the omscontract commands do
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
	mix := peerMix()
	mockURL, _ := serveCLI(b, "mock", "--listen", "127.0.0.1:0")
	bareURL := serveBare(b, mockURL, mix)
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
	for _, base := range []string{bareURL, mockURL, plain.URL, proxyURL, prismProxyURL} {
		checkMix(b, base, mix)
	}
	script := writeMixScript(b, mix)
	bare := &peer{name: "bare handler", url: bareURL, exact: true, inProcess: true}
	mck := &peer{name: "mock", url: mockURL, exact: true, inProcess: true}
	plainProxy := &peer{name: "plain ReverseProxy → mock", url: plain.URL, exact: true, inProcess: true}
	proxy := &peer{name: "omscontract proxy → mock", url: proxyURL, exact: true, inProcess: true, upstreamPort: mockPort}
	prismProxy := &peer{name: "Prism proxy → mock", url: prismProxyURL, exact: true, upstreamPort: mockPort}
	prismMock := &peer{name: "Prism mock", url: prismMockURL}

	b.ResetTimer()
	// Each Go peer beside the one it is compared with.
	goPeers := []*peer{bare, mck, plainProxy, proxy}
	for _, p := range goPeers {
		p.run(b, script, peerWarmUp, false)
	}
	for round := range peerRounds {
		for i := range goPeers {
			if round%2 == 1 {
				i = len(goPeers) - 1 - i
			}
			goPeers[i].run(b, script, peerDuration, true)
		}
	}
	for _, p := range []*peer{prismProxy, prismMock} {
		p.run(b, script, peerWarmUp, false)
		p.run(b, script, peerRounds*peerDuration, true)
	}
	b.StopTimer()

	b.ReportMetric(0, "ns/op") // one run: only the rates mean anything
	for _, m := range []struct {
		p    *peer
		unit string
	}{{bare, "bare"}, {mck, "mock"}, {plainProxy, "plain-proxy"}, {proxy, "proxy"}, {prismProxy, "prism-proxy"}, {prismMock, "prism-mock"}} {
		b.ReportMetric(m.p.rate(), m.unit+"-req/s")
		if m.p.cpu > 0 {
			b.ReportMetric(m.p.cpuPerRequest(), m.unit+"-cpu-µs/req")
		}
	}
	ratios := []struct {
		name        string
		of, base    *peer
		goal        float64
		aim, cpuToo bool
	}{
		{"mock/bare", mck, bare, 0.6, true, true},
		{"proxy/plain-proxy", proxy, plainProxy, 0.85, false, true},
		{"proxy/prism-proxy", proxy, prismProxy, 10, false, false},
		{"mock/prism-mock", mck, prismMock, 10, false, false},
	}
	for _, r := range ratios {
		b.ReportMetric(r.of.rate()/r.base.rate(), r.name)
		if r.cpuToo {
			b.ReportMetric(r.base.cpuPerRequest()/r.of.cpuPerRequest(), r.name+"-cpu")
		}
	}
	b.ReportMetric(float64(proxy.timeWait), "proxy-time-wait")
	b.ReportMetric(float64(prismProxy.timeWait), "prism-proxy-time-wait")

	var table strings.Builder
	fmt.Fprintf(&table, "\n%-26s %7s %7s  %-42s %s\n", "peer", "req/s", "µs/req", "ratio of req/s (rounds; of µs/req)", "goal")
	for _, row := range []struct {
		p     *peer
		ratio int // index in ratios of the ratio shown on p's row, or -1
	}{{bare, -1}, {mck, 0}, {plainProxy, -1}, {proxy, 1}, {prismProxy, 2}, {prismMock, 3}} {
		cpu, ratio, goal := "", "", ""
		if row.p.cpu > 0 {
			cpu = fmt.Sprintf("%.1f", row.p.cpuPerRequest())
		}
		if row.ratio >= 0 {
			r := ratios[row.ratio]
			got := r.of.rate() / r.base.rate()
			ratio = fmt.Sprintf("%s %.2f", r.name, got)
			if r.cpuToo {
				lo, hi := r.of.roundRatios(r.base)
				ratio += fmt.Sprintf(" (%.2f–%.2f; %.2f)", lo, hi, r.base.cpuPerRequest()/r.of.cpuPerRequest())
			}
			goal = fmt.Sprintf("≥ %g: %s", r.goal, map[bool]string{true: "met", false: "missed"}[got >= r.goal])
			if r.aim {
				goal += ", aim 0.8"
			}
		}
		fmt.Fprintf(&table, "%-26s %7.0f %7s  %-42s %s\n", row.p.name, row.p.rate(), cpu, ratio, goal)
	}
	fmt.Fprintf(&table, "upstream sockets left in TIME-WAIT: proxy %d, Prism proxy %d (goal ≤ 999)", proxy.timeWait, prismProxy.timeWait)
	b.Log(table.String())
}

// peer is a server under load and what its counted wrk runs measured.
type peer struct {
	name, url    string
	exact        bool // its answers must be the mock's: a quarter of 200s
	inProcess    bool // it runs in this process, whose CPU time is its own
	upstreamPort int  // of a proxy: its upstream's, whose TIME-WAIT sockets are counted
	rates        []float64
	requests     int
	cpu          time.Duration // this process's, over the counted runs
	timeWait     int
}

// run loads p with wrk for d and, if counted, keeps the rate, the requests
// and, of a peer in this process, the process's CPU time.
func (p *peer) run(b *testing.B, script string, d time.Duration, counted bool) {
	b.Helper()
	before, tw := processCPU(b), 0
	if p.upstreamPort != 0 {
		tw = timeWait(b, p.upstreamPort)
	}
	rate, requests := load(b, p.url, script, d, p.exact)
	if !counted {
		return
	}
	if p.inProcess {
		p.cpu += processCPU(b) - before
	}
	p.rates, p.requests = append(p.rates, rate), p.requests+requests
	if p.upstreamPort != 0 {
		// Sockets of an earlier round may expire meanwhile: a round never
		// counts fewer than none.
		p.timeWait += max(timeWait(b, p.upstreamPort)-tw, 0)
	}
}

// rate is the mean of the counted runs' requests/s.
func (p *peer) rate() float64 {
	sum := 0.0
	for _, r := range p.rates {
		sum += r
	}
	return sum / float64(len(p.rates))
}

// cpuPerRequest is this process's CPU time per request wrk counted, in µs:
// meaningful for the peers that run in this process only.
func (p *peer) cpuPerRequest() float64 {
	return float64(p.cpu.Microseconds()) / float64(p.requests)
}

// roundRatios is the range of p's rate over base's, round by round.
func (p *peer) roundRatios(base *peer) (lo, hi float64) {
	for i := range p.rates {
		r := p.rates[i] / base.rates[i]
		if i == 0 || r < lo {
			lo = r
		}
		if i == 0 || r > hi {
			hi = r
		}
	}
	return lo, hi
}

// processCPU is the user and system time this process has used.
func processCPU(b *testing.B) time.Duration {
	b.Helper()
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// peerRequest is one request of the load and the answer the mock gives it.
type peerRequest struct {
	op, method, path, body string
	status                 int
	code                   string // the error_code of a refusal
}

// peerMix is the load: one request of each operation, on tasks whose state
// none of them changes, so that every run gets the same answers. ShowTask
// reads a finished task (200 and the task), StopTask and StartTask (with a
// valid body) are refused on it (400 OMS.0070), DeleteTask is refused on a
// migrating task (400 OMS.0063) that nothing stops.
func peerMix() []peerRequest {
	path := func(task int64, suffix string) string {
		return "/v2/" + mock.DefaultProjectID + "/tasks/" + strconv.FormatInt(task, 10) + suffix
	}
	finished, migrating := mock.DefaultTaskID(mock.StatusSucceeded), mock.DefaultMigratingTaskID+7
	return []peerRequest{
		{"ShowTask", http.MethodGet, path(finished, ""), "", http.StatusOK, ""},
		{"StopTask", http.MethodPost, path(finished, "/stop"), "", http.StatusBadRequest, gen.CodeAlreadyFinished},
		{"StartTask", http.MethodPost, path(finished, "/start"),
			`{"dst_ak":"destination_ak","dst_sk":"destination_sk","src_ak":"source_ak","src_sk":"source_sk"}`,
			http.StatusBadRequest, gen.CodeAlreadyFinished},
		{"DeleteTask", http.MethodDelete, path(migrating, ""), "", http.StatusBadRequest, gen.CodeTaskInProgress},
	}
}

// header is the request's headers: the mock's token, and a JSON Content-Type
// on a POST.
func (p peerRequest) header() http.Header {
	h := http.Header{"X-Auth-Token": {mock.DefaultToken}}
	if p.method == http.MethodPost {
		h.Set("Content-Type", "application/json")
	}
	return h
}

// send sends p to base and returns the answer, its body read.
func (p peerRequest) send(t testing.TB, base string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(p.method, base+p.path, strings.NewReader(p.body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header = p.header()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", p.op, base, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: %v", p.op, base, err)
	}
	return resp, body
}

// checkMix fails unless base answers every request of mix as the mock does
// (status and error code).
func checkMix(t testing.TB, base string, mix []peerRequest) {
	t.Helper()
	for _, p := range mix {
		resp, body := p.send(t, base)
		var e struct {
			Code string `json:"error_code"`
		}
		_ = json.Unmarshal(body, &e)
		if resp.StatusCode != p.status || e.Code != p.code {
			t.Fatalf("%s %s: got %d %q, want %d %q: %s", p.op, base, resp.StatusCode, e.Code, p.status, p.code, body)
		}
	}
}

// bareHandler answers each request it knows, by method and path, with the
// status, headers and body the mock gave it, and a fresh request ID as the
// mock makes one, validating nothing: what the mock would cost if its
// validation and state machine were free.
type bareHandler struct {
	requestID string // the request ID header
	answers   map[string]bareAnswer
}

type bareAnswer struct {
	status int
	header http.Header
	body   []byte
}

// newBareHandler asks the mock at mockURL each request of mix and keeps its
// answers, without the Date that net/http adds and the request ID that
// bareHandler makes.
func newBareHandler(t testing.TB, mockURL string, mix []peerRequest) *bareHandler {
	t.Helper()
	h := &bareHandler{requestID: gen.HeaderRequestID, answers: map[string]bareAnswer{}}
	for _, p := range mix {
		resp, body := p.send(t, mockURL)
		header := resp.Header.Clone()
		header.Del("Date")
		header.Del(h.requestID)
		h.answers[p.method+" "+p.path] = bareAnswer{resp.StatusCode, header, body}
	}
	return h
}

func (h *bareHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	_, _ = io.Copy(io.Discard, r.Body)
	a, ok := h.answers[r.Method+" "+r.URL.Path]
	if !ok {
		w.WriteHeader(http.StatusNotFound)
		return
	}
	for k, v := range a.header {
		w.Header()[k] = v
	}
	var id [16]byte
	_, _ = rand.Read(id[:])
	w.Header().Set(h.requestID, hex.EncodeToString(id[:]))
	w.WriteHeader(a.status)
	_, _ = w.Write(a.body)
}

// serveBare serves newBareHandler(mockURL, mix) on a free loopback port,
// with the mock's server settings, until the test ends, and returns its URL.
func serveBare(t testing.TB, mockURL string, mix []peerRequest) string {
	t.Helper()
	m, err := mock.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	srv := m.Server()
	srv.Handler = newBareHandler(t, mockURL, mix)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return "http://" + ln.Addr().String()
}

// TestBareHandlerAnswersAsTheMock checks that BenchmarkPeers compares the
// mock with a handler that writes the same bytes: the same status, the same
// headers (a Date, and a request ID of the same form, whose values differ by
// nature) and the same body, for every request of the load.
func TestBareHandlerAnswersAsTheMock(t *testing.T) {
	mix := peerMix()
	mockURL, _ := serveCLI(t, "mock", "--listen", "127.0.0.1:0")
	bareURL := serveBare(t, mockURL, mix)
	checkMix(t, mockURL, mix)
	id := regexp.MustCompile(`^[0-9a-f]{32}$`)
	for _, p := range mix {
		want, wantBody := p.send(t, mockURL)
		got, gotBody := p.send(t, bareURL)
		if got.StatusCode != want.StatusCode || !bytes.Equal(gotBody, wantBody) {
			t.Errorf("%s: bare %d %s, mock %d %s", p.op, got.StatusCode, gotBody, want.StatusCode, wantBody)
		}
		for _, name := range []string{"Date", "X-Request-Id"} {
			if g, w := got.Header.Values(name), want.Header.Values(name); len(g) != 1 || len(w) != 1 || name == "X-Request-Id" && (!id.MatchString(g[0]) || !id.MatchString(w[0])) {
				t.Errorf("%s: %s: bare %q, mock %q", p.op, name, g, w)
			}
			got.Header.Del(name)
			want.Header.Del(name)
		}
		if !reflect.DeepEqual(got.Header, want.Header) {
			t.Errorf("%s: headers: bare %v, mock %v", p.op, got.Header, want.Header)
		}
	}
}

// wrkScript is the Lua script wrk runs: each connection of a thread takes
// the next of the requests (%s, wrk.format calls) in turn; the answers
// whose status is not 200 or 400 are tallied, and the 200s, which done
// prints.
const wrkScript = `local threads = {}
function setup(t) table.insert(threads, t) end
function init()
  bad, last, ok200, i = 0, 0, 0, 0
  reqs = {
%s  }
end
function request() i = i %% #reqs + 1 return reqs[i] end
function response(status)
  if status == 200 then ok200 = ok200 + 1 elseif status ~= 400 then bad, last = bad + 1, status end
end
function done(summary)
  local n, last, ok = 0, 0, 0
  for _, t in ipairs(threads) do
    n, ok = n + t:get("bad"), ok + t:get("ok200")
    if t:get("bad") > 0 then last = t:get("last") end
  end
  io.write(string.format("not ok: %%d (status %%d)\n200: %%d of %%d\n", n, last, ok, summary.requests))
end
`

// writeMixScript writes wrkScript for mix and returns its path.
func writeMixScript(t testing.TB, mix []peerRequest) string {
	t.Helper()
	var reqs strings.Builder
	for _, p := range mix {
		fmt.Fprintf(&reqs, "    wrk.format(%q, %q, {", p.method, p.path)
		for _, k := range slices.Sorted(maps.Keys(p.header())) {
			fmt.Fprintf(&reqs, "[%q] = %q, ", k, p.header().Get(k))
		}
		body := "nil"
		if p.body != "" {
			body = strconv.Quote(p.body)
		}
		fmt.Fprintf(&reqs, "}, %s),\n", body)
	}
	script := filepath.Join(t.TempDir(), "mix.lua")
	if err := os.WriteFile(script, fmt.Appendf(nil, wrkScript, reqs.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return script
}

var (
	requestsRE = regexp.MustCompile(`Requests/sec:\s*([0-9.]+)`)
	tallyRE    = regexp.MustCompile(`not ok: 0 \(status 0\)\n200: ([0-9]+) of ([0-9]+)\n`)
)

// load runs wrk with script, peerClients connections on peerThreads
// threads, against base for d, and returns the Requests/sec and the
// requests it counted. Every answer must be complete (no socket error) and
// a 200 or 400; with exact, a quarter of them (±5%) 200s, as the mix's one
// ShowTask in four requests gets.
func load(b *testing.B, base, script string, d time.Duration, exact bool) (float64, int) {
	b.Helper()
	bin, err := exec.LookPath("wrk")
	if err != nil {
		b.Fatalf("wrk, the load generator, is not installed: run `apt-get install wrk` (make perf does)")
	}
	out, err := exec.Command(bin, fmt.Sprintf("-t%d", peerThreads), fmt.Sprintf("-c%d", peerClients),
		fmt.Sprintf("-d%ds", int(d.Seconds())), "-s", script, base).CombinedOutput()
	tally := tallyRE.FindSubmatch(out)
	if err != nil || tally == nil || strings.Contains(string(out), "Socket errors") {
		b.Fatalf("wrk %s (%v):\n%s", base, err, out)
	}
	ok, n := atof(tally[1]), atof(tally[2])
	if exact && (ok < 0.20*n || ok > 0.30*n) {
		b.Fatalf("wrk %s: %g of %g answers are 200s, not a quarter:\n%s", base, ok, n, out)
	}
	m := requestsRE.FindSubmatch(out)
	if m == nil {
		b.Fatalf("wrk %s: no Requests/sec line:\n%s", base, out)
	}
	return atof(m[1]), int(n)
}

func atof(b []byte) float64 {
	f, _ := strconv.ParseFloat(string(b), 64)
	return f
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
