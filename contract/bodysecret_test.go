package contract_test

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/oms-contract/stoptask/contract"
	"github.com/oms-contract/stoptask/contract/mock"
	"github.com/oms-contract/stoptask/gen"
)

// TestBodySecretsNeverRecorded: the members of a request body the spec
// marks secret (format: password, StartTask's keys) are scrubbed from what
// the proxy logs and the Transport records, raw and encoded, when an
// upstream echoes them in its answer's code, message and headers and the
// answer breaks the contract (so that it is recorded at all).
func TestBodySecretsNeverRecorded(t *testing.T) {
	h := setup(t)
	start, ok := h.v.Operation("StartTask")
	if !ok || len(start.Secrets) == 0 {
		t.Fatal("the spec has no StartTask with secret body members")
	}
	random := func() string {
		b := make([]byte, 24)
		rand.Read(b)
		return base64.RawURLEncoding.EncodeToString(b)
	}
	body := map[string]string{}
	for _, name := range start.Secrets {
		body[name] = random()[:20]
	}
	raw, _ := json.Marshal(body)
	echo := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, _ := io.ReadAll(r.Body)
		var m map[string]string
		_ = json.Unmarshal(got, &m)
		var all []string
		for _, v := range m {
			all = append(all, v, base64.StdEncoding.EncodeToString([]byte(v)), hex.EncodeToString([]byte(v)))
		}
		w.Header().Set("X-Echo", strings.Join(all, ","))
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusTeapot)
		json.NewEncoder(w).Encode(map[string]string{"error_code": strings.Join(all, "|"), "error_msg": string(got)})
	})
	up := serve(t, echo)
	path := strings.NewReplacer("{project_id}", mock.DefaultProjectID, "{task_id}", "1").Replace(start.Path)
	send := func(client *http.Client, base string) {
		req := request(t, http.MethodPost, base+path, gen.WithToken("a-token-of-the-test"))
		req.Body, req.ContentLength = io.NopCloser(bytes.NewReader(raw)), int64(len(raw))
		req.Header.Set("Content-Type", "application/json;charset=UTF-8")
		do(t, client, req)
	}
	proxy, log := proxyTo(t, up.URL)
	send(proxy.Client(), proxy.URL)
	rec := &contract.Recorder{}
	send(&http.Client{Transport: contract.NewTransport(validatorFor(t, up.URL), nil, contract.WithRecorder(rec))}, up.URL)
	recorded, _ := json.Marshal(rec.Records())
	for where, text := range map[string]string{"proxy log": log.text(), "transport records": string(recorded)} {
		if !strings.Contains(text, "418") {
			t.Fatalf("%s: the exchange was not recorded, the test proves nothing:\n%s", where, text)
		}
		for name, v := range body {
			for _, form := range []string{v, base64.StdEncoding.EncodeToString([]byte(v)), hex.EncodeToString([]byte(v))} {
				for _, f := range fragments(form) {
					if strings.Contains(text, f) {
						t.Errorf("%s carries %q, a piece of %s:\n%s", where, f, name, text)
						break
					}
				}
			}
		}
	}
}
