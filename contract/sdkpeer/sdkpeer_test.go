// These tests run the two official OMS workflows (示例3 pause and
// delete, 示例2 start) with the official Huawei Cloud Go SDK
// (github.com/huaweicloud/huaweicloud-sdk-go-v3, services/oms/v2) against
// the mock OMS of contract/mock, served over loopback HTTP as `omscontract
// mock` serves it. It shows that the SDK's ShowTask, StopTask, StartTask and
// DeleteTask, signed with AK/SK by the SDK's own signer, get from the mock
// only the answers and errors the workflows expect, and that the SDK decodes
// ShowTask's body in full.
//
// It is a Go module of its own (replacing the main module with ../..) so that
// the SDK, which is large and pulls in dependencies of its own (json-iterator,
// the MongoDB driver's bson, gmsm, goccy/go-yaml, ...), stays out of the main
// module's go.mod: nothing the project ships needs it. `go test ./...` at the
// repository root does not reach it; `make test` runs it, and `make verify`
// checks that its go.mod is tidy.
//
// The SDK authenticates with AK/SK signatures (or temporary AK/SK with
// X-Security-Token) only: it has no way to send an IAM token (X-Auth-Token),
// so the workflows run with AK/SK only.
package sdkpeer

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/auth/basic"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/config"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/sdkerr"
	oms "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/oms/v2"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/oms/v2/model"

	"github.com/oms-contract/stoptask/contract/mock"
	"github.com/oms-contract/stoptask/gen"
)

// stopDelay is how long the mock's tasks pause. It is long enough that the
// DeleteTask right after StopTask still finds the task pausing, even under
// the race detector on a slow machine, and short enough to keep the poll
// quick.
const stopDelay = 200 * time.Millisecond

// exchange is one request the SDK sent and the mock's answer.
type exchange struct {
	method, path, contentType, authorization, sdkDate, projectHeader string
	body                                                             []byte
	status                                                           int
	answer                                                           []byte
}

// wire records what crosses the loopback connection, as the server sees it.
type wire struct {
	mu sync.Mutex
	ex []exchange
}

func (w *wire) all() []exchange {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Clone(w.ex)
}

// serve starts the mock as `omscontract mock` does (its http.Server, on a
// loopback listener) behind rewrite, which may change its answers, and
// records every exchange.
func serve(t *testing.T, rewrite func(r *http.Request, body []byte) []byte) (*mock.Mock, string, *wire) {
	t.Helper()
	fx := mock.DefaultFixtures()
	fx.StopDelay = stopDelay.String()
	m, err := mock.New(fx)
	if err != nil {
		t.Fatal(err)
	}
	w := &wire{}
	srv := m.Server()
	inner := srv.Handler
	srv.Handler = http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		var body bytes.Buffer
		if _, err := body.ReadFrom(r.Body); err != nil {
			http.Error(rw, err.Error(), http.StatusBadRequest)
			return
		}
		r.Body.Close()
		ex := exchange{method: r.Method, path: r.URL.Path, contentType: r.Header.Get("Content-Type"),
			authorization: r.Header.Get("Authorization"), sdkDate: r.Header.Get("X-Sdk-Date"),
			projectHeader: r.Header.Get("X-Project-Id"), body: body.Bytes()}
		r.Body = io.NopCloser(&body)
		rec := httptest.NewRecorder()
		inner.ServeHTTP(rec, r)
		answer := rec.Body.Bytes()
		if rewrite != nil {
			answer = rewrite(r, answer)
		}
		maps.Copy(rw.Header(), rec.Header())
		rw.Header().Del("Content-Length")
		rw.WriteHeader(rec.Code)
		_, _ = rw.Write(answer)
		ex.status, ex.answer = rec.Code, answer
		w.mu.Lock()
		w.ex = append(w.ex, ex)
		w.mu.Unlock()
	})
	ts := httptest.NewUnstartedServer(nil)
	ts.Config = srv
	ts.Start()
	t.Cleanup(ts.Close)
	return m, ts.URL, w
}

// newClient is the SDK's OMS client for endpoint, signing with the mock's
// public test AK/SK for its project, as the SDK's README builds one. The
// endpoint is http://127.0.0.1:port: the builder keeps a scheme it is given
// (it adds https:// only to an endpoint without one), and its default
// transport uses no proxy (not even $HTTP_PROXY) and needs no TLS here.
func newClient(t *testing.T, endpoint string) *oms.OmsClient {
	t.Helper()
	cred, err := basic.NewCredentialsBuilder().WithAk(mock.DefaultAK).WithSk(mock.DefaultSK).
		WithProjectId(mock.DefaultProjectID).SafeBuild()
	if err != nil {
		t.Fatal(err)
	}
	hc, err := oms.OmsClientBuilder().WithEndpoints([]string{endpoint}).WithCredential(cred).
		WithHttpConfig(config.DefaultHttpConfig().WithTimeout(10 * time.Second)).SafeBuild()
	if err != nil {
		t.Fatal(err)
	}
	return oms.NewOmsClient(hc)
}

// serviceError checks that err is the SDK's error for an answer of status
// with error_code code.
func serviceError(err error, status int, code string) error {
	var sre *sdkerr.ServiceResponseError
	if !errors.As(err, &sre) {
		return fmt.Errorf("want the SDK's ServiceResponseError %d %s, got %T %v", status, code, err, err)
	}
	if sre.StatusCode != status || sre.ErrorCode != code {
		return fmt.Errorf("want ServiceResponseError %d %s, got %d %q (%s)", status, code, sre.StatusCode, sre.ErrorCode, sre.ErrorMessage)
	}
	if sre.RequestId == "" {
		return fmt.Errorf("ServiceResponseError %s has no RequestId (X-Request-Id)", code)
	}
	return nil
}

func showTask(c *oms.OmsClient, id int64) (*model.ShowTaskResponse, error) {
	return c.ShowTask(&model.ShowTaskRequest{TaskId: id})
}

func status(r *model.ShowTaskResponse) int32 {
	if r.Status == nil {
		return -1
	}
	return *r.Status
}

// pauseAndDelete is 示例3 with the SDK: StopTask, DeleteTask refused while
// the task is pausing (OMS.0063), ShowTask until status 3 (bounded),
// DeleteTask, and ShowTask answered OMS.1009. It returns the first step
// whose outcome is not the one the workflow expects.
func pauseAndDelete(c *oms.OmsClient, id int64) error {
	if _, err := c.StopTask(&model.StopTaskRequest{TaskId: id}); err != nil {
		return fmt.Errorf("StopTask: %w", err)
	}
	if _, err := c.DeleteTask(&model.DeleteTaskRequest{TaskId: id}); serviceError(err, http.StatusBadRequest, gen.CodeTaskInProgress) != nil {
		return fmt.Errorf("DeleteTask while pausing: %v", serviceError(err, http.StatusBadRequest, gen.CodeTaskInProgress))
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		r, err := showTask(c, id)
		if err != nil {
			return fmt.Errorf("ShowTask while stopping: %w", err)
		}
		if s := status(r); s == int32(mock.StatusStopped) {
			break
		} else if s != int32(mock.StatusPausing) {
			return fmt.Errorf("ShowTask while stopping: status %d, want 7 (pausing) or 3 (stopped)", s)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("ShowTask: still pausing after 5s (the stop delay is %s)", stopDelay)
		}
		time.Sleep(stopDelay / 10)
	}
	if _, err := c.DeleteTask(&model.DeleteTaskRequest{TaskId: id}); err != nil {
		return fmt.Errorf("DeleteTask: %w", err)
	}
	if _, err := showTask(c, id); serviceError(err, http.StatusBadRequest, gen.CodeTaskNotFound) != nil {
		return fmt.Errorf("ShowTask after DeleteTask: %v", serviceError(err, http.StatusBadRequest, gen.CodeTaskNotFound))
	}
	return nil
}

// startKeys is StartTask's body; the mock checks the keys for presence only.
func startKeys() *model.StartTaskReq {
	src, srcSK := "SRCAKTESTONLY", "srcSecretTestOnly"
	return &model.StartTaskReq{DstAk: "DSTAKTESTONLY", DstSk: "dstSecretTestOnly", SrcAk: &src, SrcSk: &srcSK}
}

// start is 示例2 with the SDK: StartTask with the keys, ShowTask waiting (1)
// or migrating (2), StartTask again answered OMS.0065.
func start(c *oms.OmsClient, id int64) error {
	if _, err := c.StartTask(&model.StartTaskRequest{TaskId: id, Body: startKeys()}); err != nil {
		return fmt.Errorf("StartTask: %w", err)
	}
	r, err := showTask(c, id)
	if err != nil {
		return fmt.Errorf("ShowTask after StartTask: %w", err)
	}
	if s := status(r); s != int32(mock.StatusWaiting) && s != int32(mock.StatusMigrating) {
		return fmt.Errorf("ShowTask after StartTask: status %d, want 1 or 2", s)
	}
	_, err = c.StartTask(&model.StartTaskRequest{TaskId: id, Body: startKeys()})
	if err := serviceError(err, http.StatusBadRequest, gen.CodeAlreadyStarted); err != nil {
		return fmt.Errorf("StartTask again: %v", err)
	}
	return nil
}

func TestWorkflows(t *testing.T) {
	m, url, w := serve(t, nil)
	c := newClient(t, url)
	paused := mock.DefaultTaskID(mock.StatusStopped)
	t.Run("示例3 pause and delete", func(t *testing.T) {
		if err := pauseAndDelete(c, mock.DefaultMigratingTaskID); err != nil {
			t.Fatal(err)
		}
		if _, ok := m.Task(mock.DefaultProjectID, mock.DefaultMigratingTaskID); ok {
			t.Error("the mock still has the task the SDK deleted")
		}
		if m.Stops() != 1 {
			t.Errorf("the mock accepted %d stops, want 1", m.Stops())
		}
	})
	t.Run("示例2 start", func(t *testing.T) {
		if err := start(c, paused); err != nil {
			t.Fatal(err)
		}
		if task, _ := m.Task(mock.DefaultProjectID, paused); task.Status != mock.StatusWaiting && task.Status != mock.StatusMigrating {
			t.Errorf("the mock has the started task in status %s", task.Status)
		}
	})
	t.Run("wire", func(t *testing.T) {
		checkWire(t, w.all())
	})
}

// checkWire checks what the SDK sent: every request signed with the test AK
// (SDK-HMAC-SHA256, X-Sdk-Date) and carrying X-Project-Id, and StartTask's
// body exactly the four keys.
func checkWire(t *testing.T, ex []exchange) {
	if len(ex) == 0 {
		t.Fatal("no request reached the mock")
	}
	seen := map[string]bool{}
	for _, e := range ex {
		t.Logf("%s %s Content-Type %q body %s → %d %s", e.method, e.path, e.contentType, e.body, e.status, bytes.TrimSpace(e.answer))
		op := e.method
		if strings.HasSuffix(e.path, "/stop") || strings.HasSuffix(e.path, "/start") {
			op += " " + e.path[strings.LastIndex(e.path, "/"):]
		}
		seen[op] = true
		if !strings.HasPrefix(e.authorization, "SDK-HMAC-SHA256 Access="+mock.DefaultAK+", SignedHeaders=") || e.sdkDate == "" {
			t.Errorf("%s %s: Authorization %q, X-Sdk-Date %q: not an SDK-HMAC-SHA256 signature of the test AK", e.method, e.path, e.authorization, e.sdkDate)
		}
		if e.projectHeader != mock.DefaultProjectID {
			t.Errorf("%s %s: X-Project-Id %q, want %s", e.method, e.path, e.projectHeader, mock.DefaultProjectID)
		}
		if e.method == http.MethodPost && strings.HasSuffix(e.path, "/start") {
			var keys map[string]string
			if err := json.Unmarshal(e.body, &keys); err != nil {
				t.Errorf("StartTask body %s: %v", e.body, err)
			}
			want := map[string]string{"dst_ak": "DSTAKTESTONLY", "dst_sk": "dstSecretTestOnly", "src_ak": "SRCAKTESTONLY", "src_sk": "srcSecretTestOnly"}
			if !maps.Equal(keys, want) {
				t.Errorf("StartTask body %s, want exactly %v", e.body, want)
			}
		}
	}
	if len(seen) != 4 {
		t.Errorf("the SDK sent %v, want DELETE, GET, POST /start and POST /stop", slices.Sorted(maps.Keys(seen)))
	}
}

// TestShowTaskDecodes checks that the SDK's ShowTaskResponse holds every
// member of the mock's body with its value: what the SDK re-encodes equals
// what the mock sent, member by member.
func TestShowTaskDecodes(t *testing.T) {
	m, url, w := serve(t, nil)
	c := newClient(t, url)
	id := mock.DefaultTaskID(mock.StatusFailed) + 100
	r, err := showTask(c, id)
	if err != nil {
		t.Fatal(err)
	}
	task, _ := m.Task(mock.DefaultProjectID, id)
	if r.HttpStatusCode != http.StatusOK || r.Id == nil || *r.Id != id || r.Name == nil || *r.Name != task.Name ||
		status(r) != int32(mock.StatusFailed) || r.Progress == nil || *r.Progress != 0.5 ||
		r.TotalNum == nil || *r.TotalNum != 2 || r.FailedNum == nil || *r.FailedNum != 1 ||
		r.TaskType == nil || r.TaskType.Value() != "object" {
		t.Fatalf("ShowTask decoded as %s, want task %d %q in status 4, progress 0.5, total_num 2, failed_num 1, task_type object", r, id, task.Name)
	}
	ex := w.all()
	var sent, decoded map[string]any
	if err := json.Unmarshal(ex[len(ex)-1].answer, &sent); err != nil {
		t.Fatal(err)
	}
	again, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(again, &decoded); err != nil {
		t.Fatal(err)
	}
	for _, k := range slices.Sorted(maps.Keys(sent)) {
		v := sent[k]
		if v == nil { // the SDK keeps no null: an absent member reads the same
			continue
		}
		got, _ := json.Marshal(decoded[k])
		want, _ := json.Marshal(v)
		if !bytes.Equal(got, want) {
			t.Errorf("%s: the mock sent %s, the SDK decoded %s", k, want, got)
		}
	}
	t.Logf("ShowTask body %s", bytes.TrimSpace(ex[len(ex)-1].answer))
}

// TestBrokenMockFails runs the workflows against a mock whose ShowTask
// answers "status":"3" (a string) where the contract has an integer: the
// SDK must fail to decode it, so that these tests would see such a break.
func TestBrokenMockFails(t *testing.T) {
	stringStatus := func(r *http.Request, body []byte) []byte {
		if r.Method != http.MethodGet {
			return body
		}
		return bytes.Replace(body, []byte(`"status":3`), []byte(`"status":"3"`), 1)
	}
	_, url, _ := serve(t, stringStatus)
	c := newClient(t, url)
	err := pauseAndDelete(c, mock.DefaultMigratingTaskID)
	var sre *sdkerr.ServiceResponseError
	if err == nil || !errors.As(err, &sre) || sre.StatusCode != http.StatusOK || sre.ErrorCode != "" ||
		!strings.HasPrefix(err.Error(), "ShowTask while stopping: ") {
		t.Fatalf("示例3 against a mock answering \"status\":\"3\": got %v, want ShowTask's decoding error (an SDK ServiceResponseError of a 200 without error code)", err)
	}
	t.Logf("the SDK's error: %v", err)
}
