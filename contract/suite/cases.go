package suite

import (
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
	auth   auth
	expect func(a answer) bool
}

// answer is what a case's expectation looks at.
type answer struct {
	status int
	code   string // as gen.DecodeError reads it
}

// auth is how a case authenticates.
type auth struct {
	kind   string // "", "none", "empty", "wrong", "stale", "long"
	scheme contract.Credential
}

// expectations shared by the cases, built from the spec.
type expectations struct {
	authCodes []string // codes documented under 401: an authentication failure
	notFound  string   // the code of the gateway's 404
}

func (e expectations) authFailure(a answer) bool {
	return a.status == http.StatusUnauthorized || (a.status == http.StatusForbidden && slices.Contains(e.authCodes, a.code))
}

// accepted: the request got past the gateway and parameter validation. It
// may still be refused for the task (400 with a task code, 403): only a
// refusal of the valid value itself, an authentication failure or "no such
// API" fail it.
func (e expectations) accepted(codes []string) func(a answer) bool {
	return func(a answer) bool {
		switch {
		case e.authFailure(a), a.status == http.StatusNotFound:
			return false
		case a.status == http.StatusBadRequest:
			return !slices.Contains(codes, a.code)
		}
		return a.status == http.StatusOK || a.status == http.StatusForbidden
	}
}

// newExpectations reads from the spec what the cases share.
func newExpectations(v *contract.Validator) expectations {
	e := expectations{notFound: v.StatusCode(http.StatusNotFound)}
	for _, op := range contract.Operations(v.Spec()) {
		if ref := op.Responses.Status(http.StatusUnauthorized); ref != nil {
			e.authCodes = appendExampleCodes(e.authCodes, ref.Value)
		}
	}
	return e
}

// buildCases derives the cases for every operation of the spec: each path
// parameter at and past its schema's bounds, each credential scheme missing,
// empty and wrong, each undeclared method on each path.
func buildCases(v *contract.Validator, cfg *Config) []Case {
	doc := v.Spec()
	e := newExpectations(v)
	var cases []Case
	paths := map[string][]string{}
	for _, op := range contract.Operations(doc) {
		paths[op.Path] = append(paths[op.Path], op.Method)
		base := map[string]string{}
		var allCodes []string
		for _, p := range op.Params {
			base[p.Name] = baseValue(p, cfg)
			allCodes = append(allCodes, contract.ErrorCode(p.Extensions))
		}
		allCodes = append(allCodes, contract.ErrorCode(op.Extensions))
		slices.Sort(allCodes)
		allCodes = slices.Compact(slices.DeleteFunc(allCodes, func(c string) bool { return c == "" }))
		mk := func(name, rule, expectation string, values map[string]string, a auth, expect func(answer) bool) Case {
			vals := maps.Clone(base)
			maps.Copy(vals, values)
			return Case{Name: op.OperationID + " " + name, Operation: op.OperationID, Rule: rule, Expectation: expectation,
				method: op.Method, path: fillPath(op.Path, vals), auth: a, expect: expect}
		}
		for _, p := range op.Params {
			if p.In != openapi3.ParameterInPath || p.Schema == nil {
				continue
			}
			code := contract.ErrorCode(p.Extensions)
			_, scoped := cfg.Params[p.Name]
			for _, pr := range probes(v, p.Schema.Value) {
				if pr.valid {
					if cfg.NoBoundaryProbes && !scoped {
						continue
					}
					cases = append(cases, mk(p.Name+"="+short(pr.value), p.Name+": "+pr.rule,
						fmt.Sprintf("accepted: 200, 403, or 400 other than %s", strings.Join(allCodes, "/")),
						map[string]string{p.Name: pr.value}, auth{}, e.accepted(allCodes)))
					continue
				}
				want := fmt.Sprintf("refused: 400 %s", code)
				expect := func(a answer) bool {
					return (a.status == http.StatusBadRequest && a.code == code) ||
						(a.status == http.StatusForbidden && scoped) ||
						(a.status == http.StatusNotFound && pr.value == "") ||
						(a.status == http.StatusRequestURITooLong && pr.long)
				}
				if scoped {
					want += ", or 403 (the credentials are scoped to it)"
				}
				if pr.value == "" {
					want += ", or 404 " + e.notFound + " (no route)"
				}
				cases = append(cases, mk(p.Name+"="+short(pr.value), p.Name+": "+pr.rule, want,
					map[string]string{p.Name: pr.value}, auth{}, expect))
			}
		}
		refused := "refused: 401, or 403 " + strings.Join(e.authCodes, "/")
		cases = append(cases, mk("no credentials", "security: none sent", refused, nil, auth{kind: "none"}, e.authFailure))
		for _, name := range schemeNames(op, doc) {
			c := v.Credentials()[name]
			if isSignature(c) && cfg.AKSK.AK != "" || !isSignature(c) && cfg.Token != "" {
				cases = append(cases, mk(name+" valid", name+": the configured credential",
					fmt.Sprintf("accepted: 200, 403, or 400 other than %s", strings.Join(allCodes, "/")),
					nil, auth{kind: "valid", scheme: c}, e.accepted(allCodes)))
			}
			for _, kind := range []string{"empty", "wrong", "stale", "long"} {
				rule := name + ": " + map[string]string{"empty": "empty " + c.Header, "wrong": "unknown credential",
					"stale": "signature date past x-oms-max-skew", "long": c.Header + " past x-oms-value maxLength"}[kind]
				if kind == "stale" && !isSignature(c) || kind == "long" && (c.Value == nil || c.Value.MaxLength == nil) {
					continue
				}
				cases = append(cases, mk(name+" "+kind, rule, refused, nil, auth{kind: kind, scheme: c}, e.authFailure))
			}
		}
	}
	for _, path := range slices.Sorted(maps.Keys(paths)) {
		declared := paths[path]
		for _, m := range []string{http.MethodGet, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodPost} {
			if slices.Contains(declared, m) {
				continue
			}
			vals := map[string]string{}
			for _, op := range contract.Operations(doc) {
				if op.Path == path {
					for _, p := range op.Params {
						vals[p.Name] = baseValue(p, cfg)
					}
				}
			}
			cases = append(cases, Case{Name: m + " " + path, Rule: "method " + m + " not declared on the path",
				Expectation: "404 " + e.notFound + " (the gateway has no such API)", method: m, path: fillPath(path, vals),
				expect: func(a answer) bool { return a.status == http.StatusNotFound && a.code == e.notFound }})
		}
	}
	return cases
}

// behaviourCases are StopTask's own layer: its state machine, against tasks
// the caller named. A spec without StopTask has none.
func behaviourCases(v *contract.Validator, cfg *Config) []Case {
	i := slices.IndexFunc(contract.Operations(v.Spec()), func(op contract.Operation) bool { return op.OperationID == "StopTask" })
	if i < 0 {
		return nil
	}
	op := contract.Operations(v.Spec())[i]
	stop := func(name, rule string, id int64, expectation string, expect func(answer) bool) Case {
		vals := map[string]string{"project_id": cfg.Params["project_id"], "task_id": strconv.FormatInt(id, 10)}
		return Case{Name: "StopTask " + name, Operation: op.OperationID, Rule: rule, Expectation: expectation, method: op.Method,
			path: fillPath(op.Path, vals), expect: expect}
	}
	code := func(status int, c string) func(answer) bool {
		return func(a answer) bool { return a.status == status && a.code == c }
	}
	var cases []Case
	if b := cfg.Behaviour; b != nil {
		cases = append(cases,
			stop("migrating", "behaviour: a migrating task is paused", b.Migrating, "200", code(http.StatusOK, "")),
			stop("migrating again", "behaviour: a pausing task is not migrating", b.Migrating, "400 "+gen.CodeNotMigrating, code(http.StatusBadRequest, gen.CodeNotMigrating)),
			stop("finished", "behaviour: a finished task", b.Finished, "400 "+gen.CodeAlreadyFinished, code(http.StatusBadRequest, gen.CodeAlreadyFinished)),
			stop("unknown", "behaviour: no such task", b.Unknown, "400 "+gen.CodeTaskNotFound, code(http.StatusBadRequest, gen.CodeTaskNotFound)))
	}
	if cfg.StopTaskID != nil {
		cases = append(cases, stop("--stop-task", "behaviour: the named task is paused", *cfg.StopTaskID, "200, or 400 "+gen.CodeNotMigrating+" (already paused)",
			func(a answer) bool {
				return a.status == http.StatusOK || code(http.StatusBadRequest, gen.CodeNotMigrating)(a)
			}))
	}
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

func appendExampleCodes(codes []string, r *openapi3.Response) []string {
	for _, mt := range r.Content {
		for _, ex := range mt.Examples {
			if m, ok := ex.Value.Value.(map[string]any); ok {
				if c, ok := m["error_code"].(string); ok && !slices.Contains(codes, c) {
					codes = append(codes, c)
				}
			}
		}
	}
	slices.Sort(codes)
	return codes
}

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
