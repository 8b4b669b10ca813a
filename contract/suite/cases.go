package suite

import (
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"math/big"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/oms-contract/stoptask/contract"
	"github.com/oms-contract/stoptask/gen"
)

// Case is one request the suite sends and what it expects of the answer.
type Case struct {
	// Name identifies the case: operation, then what is probed.
	Name string
	// Operation is the operationId probed ("" for a method no operation has).
	Operation string
	// Rule says which schema keyword or rule of the spec produced the case,
	// e.g. "task_id: maximum + 1" or "IAMToken: missing".
	Rule string
	// Expectation says what the answer must be, in words.
	Expectation string

	method string
	path   []string // path segments, each sent as is (already escaped)
	body   []byte   // sent as application/json when not nil
	auth   auth
	expect func(a answer) bool
	// poll, when set, resends the request with backoff while the answer
	// satisfies it and expect does not, within the run's timeout: a
	// workflow waiting for a task to leave a transient status.
	poll func(a answer) bool
}

// answer is what a case's expectation looks at.
type answer struct {
	status     int
	code       string   // as gen.DecodeError reads it
	taskStatus int64    // a 2xx JSON body's "status", or -1
	secrets    []string // the request's credentials, to scrub from what is reported
}

// auth is how a case authenticates.
type auth struct {
	kind   string // "", "none", "empty", "wrong", "stale", "long"
	scheme contract.Credential
}

// is expects exactly status and code.
func is(status int, code string) func(answer) bool {
	return func(a answer) bool { return a.status == status && a.code == code }
}

// builder derives one operation's cases.
type builder struct {
	v     *contract.Validator
	cfg   *Config
	op    contract.Operation
	base  map[string]string
	codes []string // the codes OMS refuses an invalid request of op with
}

func (b *builder) mk(name, rule, expectation string, values map[string]string, body []byte, a auth, expect func(answer) bool) Case {
	vals := maps.Clone(b.base)
	maps.Copy(vals, values)
	if body == nil && b.op.BodyRequired {
		body = b.body()
	}
	return Case{Name: b.op.OperationID + " " + name, Operation: b.op.OperationID, Rule: rule, Expectation: expectation,
		method: b.op.Method, path: fillPath(b.op.Path, vals), body: body, auth: a, expect: expect}
}

// body is the operation's example body, the one its valid cases send.
func (b *builder) body() []byte {
	if b.op.BodyExample == nil {
		return []byte("{}")
	}
	out, _ := json.Marshal(b.op.BodyExample)
	return out
}

// accepted: the request got past the gateway and OMS's validation. It may
// still be refused for the task (400 with another code, e.g. no such task).
func (b *builder) accepted() (string, func(answer) bool) {
	return fmt.Sprintf("accepted: %d, or 400 other than %s", b.op.Success, strings.Join(b.codes, "/")),
		func(a answer) bool {
			return a.status == b.op.Success || a.status == http.StatusBadRequest && a.code != "" && !slices.Contains(b.codes, a.code)
		}
}

// refused: 400 with code, the only answer the spec documents for it.
func refused(code string) (string, func(answer) bool) {
	return "refused: 400 " + code, is(http.StatusBadRequest, code)
}

// buildCases derives the cases for every operation of the spec: each path
// parameter at and past its schema's bounds, each member of a JSON body,
// each credential scheme missing, empty and wrong, a positive case where
// a task is named for the operation, each undeclared method on each path.
func buildCases(v *contract.Validator, cfg *Config) []Case {
	var cases []Case
	paths := map[string][]string{}
	for _, op := range v.Operations() {
		paths[op.Path] = append(paths[op.Path], op.Method)
		if !cfg.selected(op.OperationID) {
			continue
		}
		b := &builder{v: v, cfg: cfg, op: op, base: map[string]string{}}
		for _, p := range op.Params {
			b.base[p.Name] = baseValue(p, cfg)
			b.codes = append(b.codes, contract.ErrorCode(p.Extensions))
		}
		b.codes = append(b.codes, op.Code)
		slices.Sort(b.codes)
		b.codes = slices.Compact(slices.DeleteFunc(b.codes, func(c string) bool { return c == "" }))
		cases = append(cases, b.paramCases()...)
		cases = append(cases, b.bodyCases()...)
		cases = append(cases, b.authCases()...)
		cases = append(cases, b.positiveCase()...)
	}
	notFound := v.StatusCode(http.StatusNotFound)
	for _, path := range slices.Sorted(maps.Keys(paths)) {
		declared := paths[path]
		for _, m := range []string{http.MethodGet, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodPost} {
			if slices.Contains(declared, m) {
				continue
			}
			vals := map[string]string{}
			for _, op := range v.Operations() {
				if op.Path == path {
					for _, p := range op.Params {
						vals[p.Name] = baseValue(p, cfg)
					}
				}
			}
			cases = append(cases, Case{Name: m + " " + path, Rule: "method " + m + " not declared on the path",
				Expectation: "404 " + notFound + " (the gateway has no such API)", method: m, path: fillPath(path, vals),
				expect: is(http.StatusNotFound, notFound)})
		}
	}
	return cases
}

// paramCases probe each path parameter's schema. A value outside it gets
// 400 with the parameter's x-oms-error-code; an empty segment may instead
// get the gateway's 404, for the path no longer matches.
func (b *builder) paramCases() []Case {
	var cases []Case
	notFound := b.v.StatusCode(http.StatusNotFound)
	for _, p := range b.op.Params {
		if p.In != openapi3.ParameterInPath || p.Schema == nil {
			continue
		}
		code := contract.ErrorCode(p.Extensions)
		_, scoped := b.cfg.Params[p.Name]
		for _, pr := range distinct(probes(b.v, p.Schema.Value)) {
			name, rule, vals := p.Name+"="+short(pr.value), p.Name+": "+pr.rule, map[string]string{p.Name: pr.value}
			if pr.valid {
				if !b.cfg.NoBoundaryProbes || scoped {
					want, expect := b.accepted()
					cases = append(cases, b.mk(name, rule, want, vals, nil, auth{}, expect))
				}
				continue
			}
			want, expect := refused(code)
			if pr.value == "" {
				want += ", or 404 " + notFound + " (no route)"
				expect = func(a answer) bool { return is(http.StatusBadRequest, code)(a) || is(http.StatusNotFound, notFound)(a) }
			}
			cases = append(cases, b.mk(name, rule, want, vals, nil, auth{}, expect))
		}
	}
	return cases
}

// bodyCases probe a JSON body: missing, not JSON, each required member
// missing, each member of the wrong type, each member at and past its
// length limits and outside its enum. An invalid body gets 400 with the
// operation's x-oms-error-code.
func (b *builder) bodyCases() []Case {
	s := b.op.Body
	if s == nil {
		return nil
	}
	var example map[string]any
	_ = json.Unmarshal(b.body(), &example)
	with := func(name string, v any) []byte {
		m := maps.Clone(example)
		if m == nil {
			m = map[string]any{}
		}
		if v == nil {
			delete(m, name)
		} else {
			m[name] = v
		}
		out, _ := json.Marshal(m)
		return out
	}
	want, expect := refused(b.op.Code)
	okWant, okExpect := b.accepted()
	var cases []Case
	add := func(name, rule string, body []byte, valid bool) {
		if valid {
			cases = append(cases, b.mk(name, rule, okWant, nil, body, auth{}, okExpect))
		} else {
			cases = append(cases, b.mk(name, rule, want, nil, body, auth{}, expect))
		}
	}
	if b.op.BodyRequired {
		add("body missing", "requestBody: required", []byte{}, false)
	}
	add("body not JSON", "requestBody: application/json", []byte("{not json"), false)
	for _, name := range s.Required {
		add("body without "+name, "body: required "+name, with(name, nil), false)
	}
	for _, name := range slices.Sorted(maps.Keys(s.Properties)) {
		ps := s.Properties[name].Value
		if ps == nil {
			continue
		}
		wrong := any("not-a-" + ps.Type.Slice()[0])
		if ps.Type.Is(openapi3.TypeString) {
			wrong = 12345
		}
		add("body "+name+" of the wrong type", "body: "+name+" type "+ps.Type.Slice()[0], with(name, wrong), false)
		if ps.Type.Is(openapi3.TypeString) {
			for _, pr := range distinct(probes(b.v, ps)) {
				add("body "+name+"="+short(pr.value), "body: "+name+" "+pr.rule, with(name, pr.value), pr.valid)
			}
		}
		if len(ps.Enum) > 0 {
			add("body "+name+" outside its enum", "body: "+name+" enum", with(name, "NOT_AN_ENUM_VALUE"), false)
		}
	}
	return cases
}

// authCases send no credentials, and each scheme's credential empty,
// unknown, stale and over-long: the gateway's 401 with a code documented
// under 401.
func (b *builder) authCases() []Case {
	doc := b.v.Spec()
	codes := b.op.Codes[strconv.Itoa(http.StatusUnauthorized)]
	want := "refused: 401 " + strings.Join(codes, "/")
	refusedAuth := func(a answer) bool { return a.status == http.StatusUnauthorized && slices.Contains(codes, a.code) }
	cases := []Case{b.mk("no credentials", "security: none sent", want, nil, nil, auth{kind: "none"}, refusedAuth)}
	for _, name := range schemeNames(b.op, doc) {
		c := b.v.Credentials()[name]
		if isSignature(c) && b.cfg.AKSK.AK != "" || !isSignature(c) && b.cfg.Token != "" {
			okWant, okExpect := b.accepted()
			cases = append(cases, b.mk(name+" valid", name+": the configured credential", okWant, nil, nil, auth{kind: "valid", scheme: c}, okExpect))
		}
		for _, kind := range []string{"empty", "wrong", "stale", "long"} {
			rule := name + ": " + map[string]string{"empty": "empty " + c.Header, "wrong": "unknown credential",
				"stale": "signature date past x-oms-max-skew", "long": c.Header + " past x-oms-value maxLength"}[kind]
			if kind == "stale" && !isSignature(c) || kind == "long" && (c.Value == nil || c.Value.MaxLength == nil) {
				continue
			}
			cases = append(cases, b.mk(name+" "+kind, rule, want, nil, nil, auth{kind: kind, scheme: c}, refusedAuth))
		}
	}
	return cases
}

// positiveCase sends the operation to a task named for it (Config.Positive),
// or, for a GET all of whose path parameters are configured, as it is: the
// documented 2xx is expected, and its body validated. Other operations get
// none: the suite changes no task it was not given.
func (b *builder) positiveCase() []Case {
	vals, named := b.cfg.Positive[b.op.OperationID]
	if !named {
		for _, p := range b.op.Params {
			if _, ok := b.cfg.Params[p.Name]; !ok && p.In == openapi3.ParameterInPath {
				return nil
			}
		}
		if b.op.Method != http.MethodGet {
			return nil
		}
	}
	rule := "positive: " + b.op.OperationID + " on a task that accepts it"
	return []Case{b.mk("accepted", rule, strconv.Itoa(b.op.Success), vals, nil, auth{}, is(b.op.Success, ""))}
}

// Workflow names tasks of the project for the official workflows and
// StopTask's own state machine. Each task is used once.
type Workflow struct {
	Migrating      int64 // a migrating task: stopped, then refused as not migrating
	PauseAndDelete int64 // a migrating task: stopped, shown until stopped, deleted, gone
	Paused         int64 // a stopped task: started, shown waiting or migrating, refused as started
	Finished       int64 // a succeeded task: a stop refused as finished
	Unknown        int64 // no task: a stop refused as not found
}

// workflowCases are the behaviour layer: StopTask's state machine and the
// two official workflows (示例3 pause and delete, 示例2 start), run in
// order on the tasks cfg.Workflow names. Steps whose operation the spec
// lacks, or the run leaves out, are left out.
func workflowCases(v *contract.Validator, cfg *Config) []Case {
	w := cfg.Workflow
	if w == nil {
		return nil
	}
	var cases []Case
	step := func(opID, name, rule string, id int64, expectation string, expect func(answer) bool, poll func(answer) bool) {
		op, ok := v.Operation(opID)
		if !ok || !cfg.selected(opID) {
			return
		}
		b := &builder{v: v, cfg: cfg, op: op, base: maps.Clone(cfg.Params)}
		c := b.mk(name, rule, expectation, map[string]string{"task_id": strconv.FormatInt(id, 10)}, nil, auth{}, expect)
		c.poll = poll
		cases = append(cases, c)
	}
	status := func(want ...int64) func(answer) bool {
		return func(a answer) bool { return a.status == http.StatusOK && slices.Contains(want, a.taskStatus) }
	}
	bad := http.StatusBadRequest
	step("StopTask", "migrating", "behaviour: a migrating task is paused", w.Migrating, "200", is(http.StatusOK, ""), nil)
	step("StopTask", "migrating again", "behaviour: a pausing task is not migrating", w.Migrating, "400 "+gen.CodeNotMigrating, is(bad, gen.CodeNotMigrating), nil)
	step("StopTask", "finished", "behaviour: a finished task", w.Finished, "400 "+gen.CodeAlreadyFinished, is(bad, gen.CodeAlreadyFinished), nil)
	step("StopTask", "unknown", "behaviour: no such task", w.Unknown, "400 "+gen.CodeTaskNotFound, is(bad, gen.CodeTaskNotFound), nil)
	const pd, st = "workflow 示例3 pause and delete: ", "workflow 示例2 start: "
	step("StopTask", "pause (示例3 step 2)", pd+"stop a migrating task", w.PauseAndDelete, "200", is(http.StatusOK, ""), nil)
	step("DeleteTask", "while pausing (示例3)", pd+"a pausing task cannot be deleted", w.PauseAndDelete, "400 "+gen.CodeTaskInProgress, is(bad, gen.CodeTaskInProgress), nil)
	step("ShowTask", "until stopped (示例3 step 3)", pd+"ShowTask until status 3", w.PauseAndDelete, "200, status 3 (polled while 2 or 7)", status(3), status(2, 7))
	step("DeleteTask", "stopped (示例3 step 4)", pd+"delete the stopped task", w.PauseAndDelete, "200", is(http.StatusOK, ""), nil)
	step("ShowTask", "deleted (示例3)", pd+"a deleted task is gone", w.PauseAndDelete, "400 "+gen.CodeTaskNotFound, is(bad, gen.CodeTaskNotFound), nil)
	step("StartTask", "paused (示例2 step 2)", st+"start a paused task", w.Paused, "200", is(http.StatusOK, ""), nil)
	step("ShowTask", "started (示例2 step 3)", st+"ShowTask: waiting or migrating", w.Paused, "200, status 1 or 2", status(1, 2), nil)
	step("StartTask", "started again (示例2)", st+"a started task cannot be started", w.Paused, "400 "+gen.CodeAlreadyStarted, is(bad, gen.CodeAlreadyStarted), nil)
	return cases
}

// probe is one value derived from a schema, as the server reads it
// (unescaped).
type probe struct {
	value string
	rule  string
	valid bool
	long  bool // past maxLength: the gateway may refuse the URI as too long (414)
}

// probes derives boundary and type probes from a path parameter's schema;
// integer bounds are v's exact ones (kin-openapi's float64 rounds them past
// 2^53).
func probes(v *contract.Validator, s *openapi3.Schema) []probe {
	var ps []probe
	switch {
	case s.Type.Is(openapi3.TypeInteger):
		bound := func(b *big.Int, name string, step int64) {
			if b != nil {
				ps = append(ps, probe{b.String(), name, true, false}, probe{new(big.Int).Add(b, big.NewInt(step)).String(), fmt.Sprintf("%s %+d", name, step), false, false})
			}
		}
		min, max := v.IntBounds(s)
		bound(min, "minimum", -1)
		bound(max, "maximum", +1)
		if s.Format == "int64" {
			ps = append(ps, probe{"9223372036854775808", "format int64 overflow", false, false})
		}
		ps = append(ps, probe{"abc", "type integer: not a number", false, false}, probe{"1.5", "type integer: a fraction", false, false},
			probe{"1e3", "type integer: exponent notation", false, false}, probe{"", "type integer: empty", false, false})
	case s.Type.Is(openapi3.TypeString):
		if s.MinLength > 0 {
			ps = append(ps, probe{strings.Repeat("a", int(s.MinLength)), "minLength", true, false},
				probe{strings.Repeat("a", int(s.MinLength)-1), "minLength - 1", false, false})
		}
		if s.MaxLength != nil && *s.MaxLength < math.MaxInt32 {
			n := int(*s.MaxLength)
			ps = append(ps, probe{strings.Repeat("a", n), "maxLength", true, false},
				// Lengths count characters, not bytes: n two-byte characters are valid.
				probe{strings.Repeat("é", n), "maxLength in two-byte characters", true, false},
				probe{strings.Repeat("a", n+1), "maxLength + 1", false, true})
		}
	}
	return ps
}

// distinct drops a probe whose value an earlier one has (minLength and
// maxLength may be equal).
func distinct(ps []probe) []probe {
	seen := map[string]bool{}
	return slices.DeleteFunc(ps, func(p probe) bool {
		dup := seen[p.value]
		seen[p.value] = true
		return dup
	})
}

// baseValue is a parameter's value in cases that probe something else: the
// configured value (the project), else the schema's minimum (a task ID that
// is assumed not to exist), else the example.
func baseValue(p *openapi3.Parameter, cfg *Config) string {
	if v, ok := cfg.Params[p.Name]; ok {
		return v
	}
	if s := p.Schema; s != nil && s.Value.Type.Is(openapi3.TypeInteger) {
		if min, _ := cfg.Validator.IntBounds(s.Value); min != nil {
			return min.String() // exact: float64 rounds past 2^53
		}
	}
	if s := p.Schema; s != nil && s.Value.Min != nil {
		return strconv.FormatFloat(*s.Value.Min, 'f', -1, 64)
	}
	if p.Example != nil {
		return fmt.Sprint(p.Example)
	}
	return "x"
}

// fillPath is template's segments with each parameter's value escaped.
func fillPath(template string, vals map[string]string) []string {
	segs := strings.Split(strings.TrimPrefix(template, "/"), "/")
	for i, s := range segs {
		if strings.HasPrefix(s, "{") && strings.HasSuffix(s, "}") {
			segs[i] = url.PathEscape(vals[s[1:len(s)-1]])
		}
	}
	return segs
}

func schemeNames(op contract.Operation, doc *openapi3.T) []string {
	reqs := doc.Security
	if op.Security != nil {
		reqs = *op.Security
	}
	var names []string
	for _, r := range reqs {
		for name := range r {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	return slices.Compact(names)
}

// isSignature: a scheme with a date skew is a signature the suite signs.
func isSignature(c contract.Credential) bool { return c.MaxSkew > 0 }

// short is a probe's value for a case name: a long run of one character
// as "a×1024", counted in characters as the spec's lengths are.
func short(s string) string {
	r := []rune(s)
	switch {
	case s == "":
		return `""`
	case len(r) > 24 && strings.Count(s, string(r[0])) == len(r):
		return fmt.Sprintf("%c×%d", r[0], len(r))
	case len(r) > 24:
		return fmt.Sprintf("%s…(%d characters)", string(r[:12]), len(r))
	}
	return s
}
