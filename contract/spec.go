package contract

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"math/big"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/oms-contract/stoptask/gen/spec"
)

// The spec extensions the tools read. openapi.yaml's description says what
// each one means.
const (
	extErrorCode = "x-oms-error-code"
	extValue     = "x-oms-value"
	extHeaders   = "x-oms-headers"
	extMaxSkew   = "x-oms-max-skew"
)

// LoadSpec reads and validates an OpenAPI document; an empty path means the
// embedded openapi.yaml (gen/spec).
func LoadSpec(ctx context.Context, path string) (*openapi3.T, error) {
	doc, _, err := loadSpec(ctx, path)
	return doc, err
}

// loadSpec is LoadSpec that also returns the spec's text, where the schemas'
// origins (kept for compileExact) point.
func loadSpec(ctx context.Context, path string) (*openapi3.T, []byte, error) {
	data := spec.YAML
	var err error
	if path != "" {
		data, err = os.ReadFile(path)
	}
	var doc *openapi3.T
	if err == nil {
		loader := openapi3.NewLoader()
		loader.Context, loader.IncludeOrigin = ctx, true
		if path == "" {
			doc, err = loader.LoadFromData(data)
		} else {
			doc, err = loader.LoadFromDataWithPath(data, &url.URL{Path: filepath.ToSlash(path)})
		}
	}
	if err != nil {
		return nil, nil, fmt.Errorf("contract: loading spec: %w", err)
	}
	if err := doc.Validate(ctx); err != nil {
		return nil, nil, fmt.Errorf("contract: invalid spec %s: %w", path, err)
	}
	return doc, data, nil
}

// ErrorCode is the x-oms-error-code of a parameter, operation or response,
// or "" when it has none.
func ErrorCode(extensions map[string]any) string {
	s, _ := extensions[extErrorCode].(string)
	return s
}

// Operation is one operation of the spec, compiled once with everything
// the tools read of it.
type Operation struct {
	Path, Method string
	*openapi3.Operation
	// Params are the path item's and the operation's parameters, resolved.
	Params []*openapi3.Parameter
	// Code is the operation's x-oms-error-code: OMS's answer to a bad
	// request that no parameter's code covers.
	Code string
	// Body is the schema of the JSON request body, nil when there is none;
	// BodyExample its example.
	Body         *openapi3.Schema
	BodyRequired bool
	BodyExample  any
	// Success is the documented 2xx status.
	Success int
	// Codes are the error codes of each documented response's examples,
	// by status ("400", "4XX", "default"), sorted.
	Codes map[string][]string
	// Secrets are the names of the body's members the spec marks as
	// secrets (format: password), at any depth.
	Secrets []string
}

// compileOperations lists the operations of doc in a stable order (path,
// then method).
func compileOperations(doc *openapi3.T) []Operation {
	var ops []Operation
	for _, path := range slices.Sorted(maps.Keys(doc.Paths.Map())) {
		item := doc.Paths.Value(path)
		for _, m := range slices.Sorted(maps.Keys(item.Operations())) {
			op := item.GetOperation(m)
			o := Operation{Path: path, Method: m, Operation: op, Code: ErrorCode(op.Extensions), Codes: map[string][]string{}}
			for _, p := range item.Parameters {
				if op.Parameters.GetByInAndName(p.Value.In, p.Value.Name) == nil {
					o.Params = append(o.Params, p.Value)
				}
			}
			for _, p := range op.Parameters {
				o.Params = append(o.Params, p.Value)
			}
			if rb := op.RequestBody; rb != nil && rb.Value != nil {
				if mt := rb.Value.Content.Get("application/json"); mt != nil && mt.Schema != nil {
					o.Body, o.BodyRequired, o.BodyExample = mt.Schema.Value, rb.Value.Required, mt.Example
					o.Secrets = secretMembers(o.Body, nil, map[*openapi3.Schema]bool{})
				}
			}
			for status, ref := range op.Responses.Map() {
				if n, _ := strconv.Atoi(status); n >= 200 && n < 300 && o.Success == 0 {
					o.Success = n
				}
				var codes []string
				for _, mt := range ref.Value.Content {
					for _, ex := range mt.Examples {
						if m, ok := ex.Value.Value.(map[string]any); ok {
							if c, ok := m["error_code"].(string); ok {
								codes = append(codes, c)
							}
						}
					}
				}
				slices.Sort(codes)
				o.Codes[status] = slices.Compact(codes)
			}
			ops = append(ops, o)
		}
	}
	return ops
}

// secretMembers lists the names of s's properties in format password.
func secretMembers(s *openapi3.Schema, out []string, seen map[*openapi3.Schema]bool) []string {
	if s == nil || seen[s] {
		return out
	}
	seen[s] = true
	for _, name := range slices.Sorted(maps.Keys(s.Properties)) {
		p := s.Properties[name].Value
		if p != nil && p.Format == "password" && !slices.Contains(out, name) {
			out = append(out, name)
		}
		out = secretMembers(p, out, seen)
	}
	if s.Items != nil {
		out = secretMembers(s.Items.Value, out, seen)
	}
	return out
}

// Credential is what the spec says of one apiKey-in-header security scheme:
// the header, the schema of its value (x-oms-value) and the other headers
// that must come with it (x-oms-headers).
type Credential struct {
	Name    string // the security scheme's name, e.g. IAMToken
	Header  string // the header it is sent in, canonical, e.g. X-Auth-Token
	Value   *openapi3.Schema
	Headers map[string]*openapi3.Schema // canonical header name → schema
	// MaxSkew is how far a signature's date may be off (x-oms-max-skew),
	// zero for a scheme that is not a dated signature.
	MaxSkew time.Duration
}

// facts is everything the tools read from the spec, compiled once.
type facts struct {
	doc         *openapi3.T
	credentials map[string]Credential // by scheme name
	ops         []Operation
	opIndex     map[string]int    // operationId → index in ops
	statusCodes map[int]string    // status → x-oms-error-code of its responses
	messages    map[string]string // "status code" and "code" → an example's error_msg
	requestID   string            // the header every response requires
	// responseCodes are the error codes of each response's examples.
	responseCodes map[*openapi3.Response][]string
	notFound      *openapi3.ResponseRef // the answer to an unrouted request
	// bounds are the exact inclusive bounds of integer parameter schemas,
	// exact the parameters kin-openapi cannot check exactly (intbounds.go).
	bounds map[*openapi3.Schema][2]*big.Int
	exact  map[*openapi3.Operation][]exactParam
}

// compileFacts reads the facts from doc; raw is its text (nil when
// unknown), from which integer bounds are read exactly.
func compileFacts(doc *openapi3.T, raw []byte) (*facts, error) {
	f := &facts{doc: doc, credentials: map[string]Credential{}, statusCodes: map[int]string{}, messages: map[string]string{},
		responseCodes: map[*openapi3.Response][]string{}}
	f.ops, f.opIndex = compileOperations(doc), map[string]int{}
	for i, op := range f.ops {
		f.opIndex[op.OperationID] = i
	}
	f.compileExact(raw)
	if doc.Components != nil {
		for name, ref := range doc.Components.SecuritySchemes {
			s := ref.Value
			if s.Type != "apiKey" || s.In != "header" {
				continue
			}
			c := Credential{Name: name, Header: http.CanonicalHeaderKey(s.Name), Headers: map[string]*openapi3.Schema{}}
			var err error
			if c.Value, err = extSchema(s.Extensions[extValue]); err != nil {
				return nil, fmt.Errorf("contract: security scheme %s: %s: %w", name, extValue, err)
			}
			if hs, ok := s.Extensions[extHeaders].(map[string]any); ok {
				for h, raw := range hs {
					if c.Headers[http.CanonicalHeaderKey(h)], err = extSchema(raw); err != nil {
						return nil, fmt.Errorf("contract: security scheme %s: %s %s: %w", name, extHeaders, h, err)
					}
				}
			}
			if skew, ok := s.Extensions[extMaxSkew].(string); ok {
				if c.MaxSkew, err = time.ParseDuration(skew); err != nil || c.MaxSkew <= 0 {
					return nil, fmt.Errorf("contract: security scheme %s: %s %q is not a positive Go duration", name, extMaxSkew, skew)
				}
			}
			f.credentials[name] = c
		}
	}
	required := map[string]int{}
	responses := 0
	for _, op := range f.ops {
		for status, ref := range op.Responses.Map() {
			responses++
			code, _ := strconv.Atoi(status)
			f.responseCodes[ref.Value] = op.Codes[status]
			if c := ErrorCode(ref.Value.Extensions); c != "" && code != 0 {
				f.statusCodes[code] = c
			}
			if code == http.StatusNotFound && f.notFound == nil {
				f.notFound = ref
			}
			for h, hr := range ref.Value.Headers {
				if hr.Value.Required {
					required[http.CanonicalHeaderKey(h)]++
				}
			}
			for _, mt := range ref.Value.Content {
				for _, ex := range mt.Examples {
					if m, ok := ex.Value.Value.(map[string]any); ok {
						code, _ := m["error_code"].(string)
						msg, _ := m["error_msg"].(string)
						// The smallest message wins, so that the choice
						// does not depend on map order.
						for _, k := range []string{status + " " + code, code} {
							if old, seen := f.messages[k]; code != "" && (!seen || msg < old) {
								f.messages[k] = msg
							}
						}
					}
				}
			}
		}
	}
	for h, n := range required {
		if n == responses {
			f.requestID = h
		}
	}
	return f, nil
}

// extSchema turns an extension's raw value (decoded JSON) into a schema.
func extSchema(raw any) (*openapi3.Schema, error) {
	if raw == nil {
		return nil, nil
	}
	b, err := json.Marshal(raw)
	if err != nil {
		return nil, err
	}
	s := &openapi3.Schema{}
	if err := s.UnmarshalJSON(b); err != nil {
		return nil, err
	}
	return s, s.Validate(context.Background())
}
