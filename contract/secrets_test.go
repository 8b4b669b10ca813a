package contract_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/oms-contract/stoptask/contract"
	"github.com/oms-contract/stoptask/contract/mock"
	"github.com/oms-contract/stoptask/contract/suite"
	"github.com/oms-contract/stoptask/gen"
)

// lockedBuffer is a bytes.Buffer safe for concurrent writers, for logs
// written from request goroutines and child processes.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

// Write appends p.
func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String returns everything written so far.
func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// leakSecrets are real-looking credentials: what an IAM token, an AK/SK
// pair and a temporary security token look like, generated from a fixed
// seed so that a failure is reproducible.
type leakSecrets struct {
	project, token, ak, sk, securityToken string
}

func newLeakSecrets() leakSecrets {
	r := rand.New(rand.NewChaCha8([32]byte{'o', 'm', 's', '-', 'l', 'e', 'a', 'k'}))
	pick := func(n int, alphabet string) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = alphabet[r.IntN(len(alphabet))]
		}
		return string(b)
	}
	const (
		b64url = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
		upper  = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
		alnum  = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
		hex    = "0123456789abcdef"
	)
	return leakSecrets{
		project:       pick(32, hex),
		token:         "MIIZ" + pick(6000, b64url),
		ak:            pick(20, upper),
		sk:            pick(40, alnum),
		securityToken: "gQpjbi1ub3J0aC00" + pick(1200, b64url),
	}
}

// credentials returns the secrets as gen.Credentials.
func (s leakSecrets) credentials() gen.Credentials {
	return gen.Credentials{AK: s.ak, SK: s.sk, SecurityToken: s.securityToken, ProjectID: s.project}
}

// secretSet is every value that must never be printed, by name, and every
// window of leakWindow characters of each, so that a partial leak (a
// prefix, a cut-off line) is caught as well as a whole one.
type secretSet struct {
	mu      sync.Mutex
	whole   map[string]string // value -> name
	windows map[string]string // window -> name
}

// leakWindow is the shortest run of a secret that counts as a leak. It is
// longer than the 4-character token prefix the mock command prints on
// purpose, and long enough (96 bits for hex) not to match anything by
// chance.
const leakWindow = 24

// add records value under name, in clear and in the hex forms fmt's %x,
// %X, "% x" and "% X" give a string: a value printed with those verbs
// leaks just as much, and a scan for the clear text alone would miss it.
func (s *secretSet) add(name, value string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.whole == nil {
		s.whole, s.windows = map[string]string{}, map[string]string{}
	}
	s.whole[value] = name
	for _, enc := range []string{
		value,
		fmt.Sprintf("%x", value), fmt.Sprintf("%X", value),
		fmt.Sprintf("% x", value), fmt.Sprintf("% X", value),
	} {
		for i := 0; i+leakWindow <= len(enc); i++ {
			s.windows[enc[i:i+leakWindow]] = name
		}
	}
}

// addSignature records the signature of an Authorization header value.
func (s *secretSet) addSignature(auth string) {
	if auth == "" {
		return
	}
	if h, err := gen.ParseAuthorization(auth); err == nil {
		s.add("signature", h.Signature)
		return
	}
	// A spoiled header still carries the signature it was made with.
	if m := signatureValue.FindStringSubmatch(auth); m != nil {
		s.add("signature", m[1])
	}
}

// signatureValue finds the hex signature in an Authorization value that
// gen.ParseAuthorization refuses.
var signatureValue = regexp.MustCompile(`Signature=([0-9a-fA-F]{32,})`)

// count returns how many distinct values of the given name are held.
func (s *secretSet) count(name string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, v := range s.whole {
		if v == name {
			n++
		}
	}
	return n
}

// leaks lists, sorted, the names of the secrets whose leakWindow-long runs
// occur in text.
func (s *secretSet) leaks(text string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	found := map[string]bool{}
	for i := 0; i+leakWindow <= len(text); i++ {
		if name, ok := s.windows[text[i:i+leakWindow]]; ok {
			found[name] = true
		}
	}
	for v, name := range s.whole {
		if len(v) < leakWindow && strings.Contains(text, v) {
			found[name] = true
		}
	}
	var out []string
	for name := range found {
		out = append(out, name)
	}
	sort.Strings(out)
	return out
}

// captured collects named outputs to scan.
type capturedOutput struct {
	mu   sync.Mutex
	outs []struct{ name, text string }
}

func (c *capturedOutput) add(name, text string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.outs = append(c.outs, struct{ name, text string }{name, text})
}

// errorVerbs are the verbs errors get printed with.
var errorVerbs = []string{"%v", "%+v", "%#v", "%s", "%q"}

// addf records an error (or any value) printed with the verbs errors get
// printed with.
func (c *capturedOutput) addf(name string, v any) {
	c.addVerbs(name, v, errorVerbs...)
}

// addVerbs records v printed with each of verbs.
func (c *capturedOutput) addVerbs(name string, v any, verbs ...string) {
	for _, verb := range verbs {
		c.add(name+" "+verb, fmt.Sprintf(verb, v))
	}
}

// allVerbs is every fmt verb, with the flags and widths that change how a
// value is rendered, and a bad verb: a type that holds a secret must hide
// it from all of them, since fmt prints a struct's fields raw for any verb
// its methods do not serve (%d, %o, %t, %e, ... print a string field as
// "%!d(string=<the secret>)").
//
// %p is the one verb left out. fmt handles it before consulting any
// method (Format included) and prints a non-pointer's fields raw, so no
// type can hide a secret from it; go vet's printf check reports %p on a
// non-pointer, which is where that mistake is caught.
var allVerbs = []string{
	"%v", "%+v", "%#v", "%T",
	"%s", "%q", "%+q", "%#q", "%x", "%X", "% x", "% X", "%#x",
	"%d", "%+d", "%o", "%O", "%b", "%c", "%U", "%#U",
	"%e", "%E", "%f", "%F", "%g", "%G", "%t",
	"%10.4s", "%-12v", "%08d", "%!", "%z",
}

// addFormatted records v printed with every verb and logged with slog's
// JSON and text handlers.
func (c *capturedOutput) addFormatted(name string, v any) {
	c.addVerbs(name, v, allVerbs...)
	var sb strings.Builder
	slog.New(slog.NewJSONHandler(&sb, nil)).Info("value", "v", v)
	slog.New(slog.NewTextHandler(&sb, nil)).Info("value", "v", v)
	c.add(name+" slog", sb.String())
}

// addEverywhere records a credential-holding value printed with every
// verb, marshalled to JSON and logged with slog: the types that hold
// secrets promise that none of these shows them.
func (c *capturedOutput) addEverywhere(name string, v any) {
	c.addFormatted(name, v)
	if b, err := json.Marshal(v); err == nil {
		c.add(name+" json", string(b))
	}
}

// TestSecretsNeverPrinted runs the whole toolkit with real-looking
// credentials and scans everything it prints for them: the mock's violation
// records, net/http's and the standard logger's output, the proxy's JSON
// lines, a full conformance run's progress lines and its table, JUnit and
// JSON reports, the omscontract command's mock, proxy and check output and
// report files, and the error values of CheckResponse, the validator, the
// strict transport, the signer and the mock's constructors in every
// formatting verb. The test fails if any IAM token, secret key, security
// token or any signature computed during the run appears in any of it.
//
// Signatures are caught on the wire: every request of the run passes a
// recording front server (or is signed by the test itself), which keeps the
// Signature of its Authorization header.
func TestSecretsNeverPrinted(t *testing.T) {
	sec := newLeakSecrets()
	var secrets secretSet
	secrets.add("IAM token", sec.token)
	secrets.add("secret key", sec.sk)
	secrets.add("security token", sec.securityToken)
	var out capturedOutput

	// Anything logged through the standard logger (net/http's server
	// errors, for one) during the run.
	var stdlog lockedBuffer
	prevOut, prevFlags := log.Writer(), log.Flags()
	log.SetOutput(&stdlog)
	t.Cleanup(func() { log.SetOutput(prevOut); log.SetFlags(prevFlags) })

	const (
		migrating int64 = 191297407830872
		finished  int64 = 191297407830875
		unknown   int64 = 191297407830999
	)
	var mockRecords lockedBuffer
	m, err := mock.New(
		mock.WithToken(sec.token, sec.project),
		mock.WithAKSK(sec.ak, sec.sk, sec.project),
		mock.WithTask(sec.project, mock.Task{ID: migrating, Status: mock.StatusMigrating}),
		mock.WithTask(sec.project, mock.Task{ID: finished, Status: mock.StatusSucceeded}),
		mock.WithViolationHandler(func(rec contract.Record) {
			b, _ := json.Marshal(rec)
			fmt.Fprintf(&mockRecords, "%s\n%v\n%+v\n%#v\n", b, rec, rec, rec)
		}),
	)
	if err != nil {
		t.Fatalf("mock.New: %v", err)
	}
	srv := serveMock(t, m)

	// The chain: front (records credentials) → validating proxy → mock.
	var proxyLog lockedBuffer
	proxy, err := contract.NewProxy(srv.url, &proxyLog)
	if err != nil {
		t.Fatalf("NewProxy: %v", err)
	}
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for _, a := range r.Header.Values(gen.HeaderAuthorization) {
			secrets.addSignature(a)
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(front.Close)

	// A full conformance run, with every report format.
	var progress strings.Builder
	rep, err := suite.Run(context.Background(), suite.Config{
		Endpoint:      front.URL,
		ProjectID:     sec.project,
		Token:         sec.token,
		AK:            sec.ak,
		SK:            sec.sk,
		SecurityToken: sec.securityToken,
		Behaviour: suite.Behaviour{
			MigratingTask: suite.TaskID(migrating),
			FinishedTask:  suite.TaskID(finished),
			UnknownTask:   suite.TaskID(unknown),
		},
		Progress: func(done, total int, r suite.CaseResult) {
			fmt.Fprintf(&progress, "[%d/%d] %+v\n", done, total, r)
		},
	})
	if err != nil {
		t.Fatalf("suite.Run: %v", err)
	}
	if !rep.Conformant() {
		t.Errorf("the suite found the mock non-conformant: %s", rep.SummaryLine())
	}
	for name, write := range map[string]func(io.Writer) error{"table": rep.WriteTable, "JUnit": rep.WriteJUnit, "JSON": rep.WriteJSON} {
		var b strings.Builder
		if err := write(&b); err != nil {
			t.Errorf("writing the %s report: %v", name, err)
		}
		out.add("suite "+name+" report", b.String())
	}
	out.add("suite progress", progress.String())
	out.add("suite report %+v", fmt.Sprintf("%+v", rep))

	// The generated client, through a strict and a recording transport.
	v, err := contract.New(contract.WithServer(front.URL))
	if err != nil {
		t.Fatalf("contract.New: %v", err)
	}
	var reported lockedBuffer
	recordTr := contract.NewTransport(v, nil, contract.WithMode(contract.ModeRecord), contract.WithReport(func(rec contract.Record) {
		fmt.Fprintf(&reported, "%v\n%+v\n%#v\n", rec, rec, rec)
	}))
	strictTr := contract.NewTransport(v, nil)
	t.Cleanup(func() { http.DefaultTransport.(*http.Transport).CloseIdleConnections() })
	signer := func(c gen.Credentials) gen.RequestEditorFn { return gen.WithAKSK(c) }
	wrongSK := sec.credentials()
	wrongSK.SK = strings.ToLower(sec.sk[:20]) + sec.sk[20:] + "x"
	secrets.add("wrong secret key", wrongSK.SK)
	calls := []struct {
		name   string
		task   int64
		editor gen.RequestEditorFn
	}{
		{"token, finished task", finished, gen.WithToken(sec.token)},
		{"AK/SK, unknown task", unknown, signer(sec.credentials())},
		{"AK/SK with a wrong secret key", finished, signer(wrongSK)},
		{"unknown token", finished, gen.WithToken(sec.token[:len(sec.token)-1] + "Q")},
	}
	for _, tr := range []http.RoundTripper{recordTr, strictTr} {
		for _, call := range calls {
			c, err := gen.NewClient(front.URL, gen.WithHTTPClient(&http.Client{Transport: tr}), gen.WithRequestEditorFn(call.editor))
			if err != nil {
				t.Fatalf("gen.NewClient: %v", err)
			}
			resp, err := c.StopTask(context.Background(), sec.project, call.task)
			if err != nil {
				out.addf("client error, "+call.name, err)
				continue
			}
			err = gen.CheckResponse(resp)
			resp.Body.Close()
			if err == nil {
				t.Errorf("%s: StopTask succeeded, want an error", call.name)
				continue
			}
			out.addf("CheckResponse error, "+call.name, err)
		}
	}

	// Requests that break the contract while carrying every credential: the
	// strict transport refuses them, the record transport sends them, the
	// proxy logs them and the mock records them.
	badRequests := []struct {
		name  string
		build func() *http.Request
	}{
		{"token with a body", func() *http.Request {
			r, _ := http.NewRequest(http.MethodPost, front.URL+badPath(sec.project, strconv.FormatInt(finished, 10)), strings.NewReader(`{"token":"`+sec.token+`"}`))
			r.Header.Set(gen.HeaderAuthToken, sec.token)
			r.Header.Set(gen.HeaderSecurityToken, sec.securityToken)
			return r
		}},
		{"signed, bad task_id", func() *http.Request {
			r, _ := http.NewRequest(http.MethodPost, front.URL+badPath(sec.project, "abc"), nil)
			if err := gen.NewSigner(sec.credentials()).Sign(r, nil); err != nil {
				t.Fatalf("Sign: %v", err)
			}
			secrets.addSignature(r.Header.Get(gen.HeaderAuthorization))
			return r
		}},
		{"signed, wrong method", func() *http.Request {
			r, _ := http.NewRequest(http.MethodDelete, front.URL+badPath(sec.project, strconv.FormatInt(finished, 10)), nil)
			if err := gen.NewSigner(sec.credentials()).Sign(r, nil); err != nil {
				t.Fatalf("Sign: %v", err)
			}
			secrets.addSignature(r.Header.Get(gen.HeaderAuthorization))
			return r
		}},
		{"token too long", func() *http.Request {
			r, _ := http.NewRequest(http.MethodPost, front.URL+badPath(sec.project, strconv.FormatInt(finished, 10)), nil)
			r.Header.Set(gen.HeaderAuthToken, sec.token+strings.Repeat(sec.token, 3))
			return r
		}},
		{"signature malformed", func() *http.Request {
			r, _ := http.NewRequest(http.MethodPost, front.URL+badPath(sec.project, strconv.FormatInt(finished, 10)), nil)
			if err := gen.NewSigner(sec.credentials()).Sign(r, nil); err != nil {
				t.Fatalf("Sign: %v", err)
			}
			a := r.Header.Get(gen.HeaderAuthorization)
			secrets.addSignature(a)
			r.Header.Set(gen.HeaderAuthorization, strings.Replace(a, ", Signature=", ",Signature=", 1)+" "+sec.sk)
			return r
		}},
	}
	for _, tr := range []http.RoundTripper{recordTr, strictTr} {
		for _, b := range badRequests {
			req := b.build()
			resp, err := (&http.Client{Transport: tr}).Do(req)
			if err != nil {
				out.addf("transport error, "+b.name, err)
				continue
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			out.add("answer body, "+b.name, string(body))
			out.addf("CheckResponse error, "+b.name, gen.CheckResponse(resp))
		}
		// The validator alone, on the same requests.
		for _, b := range badRequests {
			_, vs := v.ValidateRequest(context.Background(), b.build(), nil)
			out.addf("violations, "+b.name, vs)
			out.addf("violations error, "+b.name, vs.Err())
		}
	}
	out.add("record transport reports", reported.String())

	// Signer and token errors.
	bad, _ := http.NewRequest(http.MethodPost, front.URL+badPath(sec.project, "1"), nil)
	bad.Header["X-Bad"] = []string{sec.token + "\n" + sec.sk}
	out.addf("Sign error, bad header", gen.NewSigner(sec.credentials()).Sign(bad, nil))
	out.addf("Sign error, no AK", gen.NewSigner(gen.Credentials{SK: sec.sk, SecurityToken: sec.securityToken}).Sign(httptest.NewRequest(http.MethodPost, "/", nil), nil))
	good, _ := http.NewRequest(http.MethodPost, front.URL+badPath(sec.project, "1"), nil)
	if err := gen.NewSigner(sec.credentials()).Sign(good, nil); err != nil {
		t.Fatalf("Sign: %v", err)
	}
	secrets.addSignature(good.Header.Get(gen.HeaderAuthorization))
	out.addf("VerifyRequest error, wrong key", gen.VerifyRequest(good, nil, wrongSK.SK))
	out.addf("VerifyRequest error, tampered body", gen.VerifyRequest(good, []byte(sec.token), sec.sk))
	_, perr := gen.ParseAuthorization(good.Header.Get(gen.HeaderAuthorization) + ", Extra=" + sec.sk)
	out.addf("ParseAuthorization error", perr)
	for name, tok := range map[string]string{"control character": sec.token + "\x01", "too long": sec.token + strings.Repeat("A", gen.MaxTokenLength)} {
		out.addf("WithToken error, "+name, gen.WithToken(tok)(context.Background(), httptest.NewRequest(http.MethodPost, "/", nil)))
	}
	out.addEverywhere("Credentials", sec.credentials())
	out.addEverywhere("Credentials pointer", new(sec.credentials()))
	out.addEverywhere("Signer", *gen.NewSigner(sec.credentials()))
	out.addEverywhere("Signer pointer", gen.NewSigner(sec.credentials()))

	// The mock's constructors and fixtures.
	for name, opts := range map[string][]mock.Option{
		"token twice":          {mock.WithToken(sec.token, sec.project), mock.WithToken(sec.token, "*")},
		"token without scope":  {mock.WithToken(sec.token)},
		"AK twice":             {mock.WithAKSK(sec.ak, sec.sk, "*"), mock.WithAKSK(sec.ak, sec.securityToken, "*")},
		"token with a newline": {mock.WithToken(sec.token+"\n"+sec.sk, "*")},
	} {
		_, err := mock.New(opts...)
		if err == nil {
			t.Errorf("mock.New with %s succeeded, want an error", name)
		}
		out.addf("mock.New error, "+name, err)
	}
	fx := &mock.Fixtures{
		Tasks:  []mock.FixtureTask{{ProjectID: sec.project, ID: 1, Status: mock.StatusMigrating}},
		Tokens: []mock.FixtureToken{{Token: sec.token, Projects: []string{sec.project}}},
		AKSK:   []mock.FixtureAKSK{{AK: sec.ak, SK: sec.sk, Projects: []string{"*"}}},
	}
	// The fixture types hide their secrets from every verb and from slog,
	// as values and as pointers. JSON is not scanned: it is the fixture
	// file format, where the credentials belong in clear (see
	// mock.Fixtures), and for the same reason slog's JSON handler shows a
	// bare slice of them, which it marshals with encoding/json; the slices
	// are scanned with every verb and slog's text handler.
	for name, v := range map[string]any{
		"Fixtures": *fx, "Fixtures pointer": fx,
		"FixtureToken": fx.Tokens[0], "FixtureToken pointer": &fx.Tokens[0],
		"FixtureAKSK": fx.AKSK[0], "FixtureAKSK pointer": &fx.AKSK[0],
	} {
		out.addFormatted(name, v)
	}
	for name, v := range map[string]any{"[]FixtureToken": fx.Tokens, "[]FixtureAKSK": fx.AKSK} {
		out.addVerbs(name, v, allVerbs...)
		var sb strings.Builder
		slog.New(slog.NewTextHandler(&sb, nil)).Info("value", "v", v)
		out.add(name+" slog text", sb.String())
	}
	fxJSON := fmt.Sprintf(`{"tasks":[{"project_id":%q,"id":1,"status":9}],"tokens":[{"token":%q,"projects":["*"]}],"aksk":[{"ak":%q,"sk":%q,"projects":["*"]}]}`, sec.project, sec.token, sec.ak, sec.sk)
	_, lerr := mock.LoadFixtures(strings.NewReader(fxJSON))
	out.addf("LoadFixtures error, bad status", lerr)
	_, lerr = mock.LoadFixtures(strings.NewReader(strings.Replace(fxJSON, `"tokens"`, `"tokenz"`, 1)))
	out.addf("LoadFixtures error, unknown member", lerr)
	_, lerr = mock.LoadFixtures(strings.NewReader(fxJSON[:len(fxJSON)/2]))
	out.addf("LoadFixtures error, truncated", lerr)

	// The omscontract command: its mock, a proxy in front of it and a
	// check through the recording front, all with the secrets in the
	// environment as the documentation recommends.
	runCommand(t, &out, &secrets, sec, front.URL)

	if err := srv.stop(); err != nil {
		t.Errorf("mock.Serve: %v", err)
	}
	out.add("mock violation records", mockRecords.String())
	out.addf("mock Records", m.Records())
	out.addf("mock Violations", m.Violations())
	out.add("proxy log", proxyLog.String())
	out.add("standard logger", stdlog.String())

	// The scan is only worth something if the run produced what it scans
	// and caught what it looks for.
	if n := secrets.count("signature"); n < 10 {
		t.Errorf("only %d signatures captured; the recording front missed the signed traffic", n)
	}
	for _, want := range []struct{ name, text string }{
		{"proxy log", "[REDACTED]"},
		{"mock violation records", "[REDACTED]"},
		{"suite JUnit report", "<testsuite"},
		{"omscontract check stdout", "pass"},
		{"omscontract mock stdout", "serving StopTask"},
		{"omscontract proxy stderr", "[REDACTED]"},
	} {
		found := false
		for _, o := range out.outs {
			if strings.HasPrefix(o.name, want.name) && strings.Contains(o.text, want.text) {
				found = true
			}
		}
		if !found {
			t.Errorf("no %q output containing %q: the run did not exercise what this test scans", want.name, want.text)
		}
	}

	for _, o := range out.outs {
		if names := secrets.leaks(o.text); len(names) > 0 {
			t.Errorf("%s leaks %s:\n%s", o.name, strings.Join(names, ", "), truncate(o.text, 2000))
		}
	}
}

// runCommand builds omscontract and runs its mock (credentials from the
// environment), its proxy in front of that mock, and its check against
// frontURL with every report file, adding what they print and write to out.
// Requests it sends itself are signed here, so their signatures join
// secrets.
func runCommand(t *testing.T, out *capturedOutput, secrets *secretSet, sec leakSecrets, frontURL string) {
	t.Helper()
	bin := buildOmscontract(t)
	env := append(os.Environ(),
		"OMS_PROJECT_ID="+sec.project, "OMS_TOKEN="+sec.token, "OMS_AK="+sec.ak, "OMS_SK="+sec.sk, "OMS_SECURITY_TOKEN="+sec.securityToken)

	mockCmd := startCommand(t, bin, env, "mock", "--listen", "127.0.0.1:0")
	proxyCmd := startCommand(t, bin, env, "proxy", "--listen", "127.0.0.1:0", "--upstream", mockCmd.url)

	// Traffic through the command's proxy to the command's mock: good and
	// bad credentials, each with something the proxy logs.
	task := strconv.FormatInt(mock.DefaultSucceededTaskID, 10)
	for i, edit := range []func(*http.Request){
		func(r *http.Request) { r.Header.Set(gen.HeaderAuthToken, sec.token) },
		func(r *http.Request) { r.Header.Set(gen.HeaderAuthToken, sec.token+"x") },
		func(r *http.Request) {
			creds := sec.credentials()
			if err := gen.NewSigner(creds).Sign(r, nil); err != nil {
				t.Fatalf("Sign: %v", err)
			}
		},
		func(r *http.Request) {
			creds := sec.credentials()
			creds.SK += "x"
			if err := gen.NewSigner(creds).Sign(r, nil); err != nil {
				t.Fatalf("Sign: %v", err)
			}
		},
	} {
		for _, path := range []string{badPath(sec.project, task), badPath(sec.project, "not-a-number")} {
			r, err := http.NewRequest(http.MethodPost, proxyCmd.url+path, nil)
			if err != nil {
				t.Fatal(err)
			}
			edit(r)
			secrets.addSignature(r.Header.Get(gen.HeaderAuthorization))
			resp, err := http.DefaultClient.Do(r)
			if err != nil {
				t.Errorf("request %d through the omscontract proxy: %v", i, err)
				continue
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			out.add("omscontract mock answer", string(body))
		}
	}

	dir := t.TempDir()
	junit, jsonPath := filepath.Join(dir, "junit.xml"), filepath.Join(dir, "report.json")
	check := exec.Command(bin, "check", "--endpoint", frontURL, "--junit", junit, "--json", jsonPath)
	check.Env = append(env, "OMS_ENDPOINT=")
	var checkOut, checkErr lockedBuffer
	check.Stdout, check.Stderr = &checkOut, &checkErr
	if err := check.Run(); err != nil {
		// Exit code 1 means the migrating task was not named; 2 would
		// mean the run could not happen at all.
		t.Logf("omscontract check: %v", err)
	}
	out.add("omscontract check stdout", checkOut.String())
	out.add("omscontract check stderr", checkErr.String())
	for _, f := range []string{junit, jsonPath} {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Errorf("omscontract check report: %v", err)
		}
		out.add("omscontract check file "+filepath.Base(f), string(b))
	}

	for _, c := range []*command{proxyCmd, mockCmd} {
		c.stop(t)
		out.add("omscontract "+c.name+" stdout", c.stdout.String())
		out.add("omscontract "+c.name+" stderr", c.stderr.String())
	}
}

// buildOmscontract builds the command into a temporary directory.
func buildOmscontract(t *testing.T) string {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		goBin = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	bin := filepath.Join(t.TempDir(), "omscontract")
	build := exec.Command(goBin, "build", "-o", bin, "github.com/oms-contract/stoptask/contract/cmd/omscontract")
	if b, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build omscontract: %v\n%s", err, b)
	}
	return bin
}

// command is a running omscontract server.
type command struct {
	name           string
	cmd            *exec.Cmd
	url            string
	stdout, stderr *lockedBuffer
	done           chan struct{}
}

// serveURL finds the listening URL the commands print first.
var serveURL = regexp.MustCompile(`serving [^\n]*?on (http://127\.0\.0\.1:\d+)`)

// startCommand starts "omscontract <args>" and waits for it to print the
// URL it serves on.
func startCommand(t *testing.T, bin string, env []string, args ...string) *command {
	t.Helper()
	c := &command{name: args[0], cmd: exec.Command(bin, args...), stdout: &lockedBuffer{}, stderr: &lockedBuffer{}, done: make(chan struct{})}
	c.cmd.Env = env
	c.cmd.Stderr = c.stderr
	pipe, err := c.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := c.cmd.Start(); err != nil {
		t.Fatalf("starting omscontract %s: %v", c.name, err)
	}
	t.Cleanup(func() { c.stop(t) })
	urls := make(chan string, 1)
	go func() {
		defer close(c.done)
		sc := bufio.NewScanner(pipe)
		sent := false
		for sc.Scan() {
			fmt.Fprintln(c.stdout, sc.Text())
			if m := serveURL.FindStringSubmatch(sc.Text()); m != nil && !sent {
				urls <- m[1]
				sent = true
			}
		}
		if !sent {
			close(urls)
		}
	}()
	u, ok := <-urls
	if !ok {
		c.stop(t)
		t.Fatalf("omscontract %s printed no URL; stdout:\n%s\nstderr:\n%s", c.name, c.stdout.String(), c.stderr.String())
	}
	c.url = u
	return c
}

// stop interrupts the command, as Ctrl-C would, and waits for it to exit.
// It is safe to call more than once.
func (c *command) stop(t *testing.T) {
	t.Helper()
	if c.cmd.ProcessState != nil {
		return
	}
	_ = c.cmd.Process.Signal(os.Interrupt)
	<-c.done
	if err := c.cmd.Wait(); err != nil {
		t.Errorf("omscontract %s: %v; stderr:\n%s", c.name, err, c.stderr.String())
	}
}
