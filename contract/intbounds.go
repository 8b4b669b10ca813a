package contract

import (
	"fmt"
	"math"
	"math/big"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"go.yaml.in/yaml/v3"
)

// kin-openapi keeps minimum and maximum as float64 (kin-openapi #280): above
// 2^53 a bound and its neighbours are one float64 and look equal. The exact bounds of the integer
// parameters are read from the spec's text instead, where each schema's
// origin points, and checked after kin-openapi (exactViolations).

// exactParam is an integer path or query parameter with a bound float64
// cannot hold: kin-openapi's check of it is not exact.
type exactParam struct {
	name, in, code string
	min, max       *big.Int
}

// compileExact keeps the bounds of every integer parameter schema as
// written, and lists per operation the parameters kin-openapi cannot check
// exactly.
func (f *facts) compileExact(raw []byte) {
	lits := boundLiterals(raw)
	f.bounds, f.exact = map[*openapi3.Schema][2]*big.Int{}, map[*openapi3.Operation][]exactParam{}
	for _, op := range f.ops {
		for _, p := range op.Params {
			if p.Schema == nil || p.Schema.Value == nil || !p.Schema.Value.Type.Is(openapi3.TypeInteger) {
				continue
			}
			s := p.Schema.Value
			f.bounds[s] = [2]*big.Int{written(s, s.Min, "minimum", lits), written(s, s.Max, "maximum", lits)}
			min, max := f.IntBounds(s)
			if (p.In == openapi3.ParameterInPath || p.In == openapi3.ParameterInQuery) && (!floatExact(min) || !floatExact(max)) {
				f.exact[op.Operation] = append(f.exact[op.Operation], exactParam{p.Name, p.In, ErrorCode(p.Extensions), min, max})
			}
		}
	}
}

// IntBounds is the inclusive range an integer parameter's schema allows,
// exact even past 2^53 when the spec's text was loaded (not WithSpec); nil
// for a side without a bound.
func (f *facts) IntBounds(s *openapi3.Schema) (min, max *big.Int) {
	b, ok := f.bounds[s]
	if !ok {
		b = [2]*big.Int{written(s, s.Min, "minimum", nil), written(s, s.Max, "maximum", nil)}
	}
	if b[0] != nil && s.ExclusiveMin.IsTrue() {
		b[0] = new(big.Int).Add(b[0], big.NewInt(1))
	}
	if b[1] != nil && s.ExclusiveMax.IsTrue() {
		b[1] = new(big.Int).Sub(b[1], big.NewInt(1))
	}
	return b[0], b[1]
}

// written is a bound as the spec writes it when the schema's origin leads
// to an integer literal, else kin-openapi's float64 (truncated).
func written(s *openapi3.Schema, f *float64, key string, lits map[[2]int]string) *big.Int {
	if f == nil || math.IsNaN(*f) || math.IsInf(*f, 0) {
		return nil
	}
	if s.Origin != nil {
		if loc, ok := s.Origin.Fields.Lookup(key); ok {
			if n, ok := new(big.Int).SetString(lits[[2]int{loc.Line, loc.Column}], 10); ok {
				return n
			}
		}
	}
	n, _ := new(big.Float).SetFloat64(math.Trunc(*f)).Int(nil)
	return n
}

// reason is kin-openapi's reason for se with a minimum or maximum written
// as an integer when it is one: kin-openapi prints a bound of 15 digits in
// exponent notation (and one past 2^53 rounded, so the spec's literal is
// used where it is known).
func (f *facts) reason(se *openapi3.SchemaError) string {
	i := map[string]int{"minimum": 1, "exclusiveMinimum": 1, "maximum": 2, "exclusiveMaximum": 2}[se.SchemaField]
	b := [3]*float64{nil, se.Schema.Min, se.Schema.Max}[i]
	if b == nil {
		return se.Reason
	}
	lit := strconv.FormatFloat(*b, 'f', -1, 64)
	if n := f.bounds[se.Schema][i-1]; n != nil {
		lit = n.String()
	}
	return strings.Replace(se.Reason, fmt.Sprintf("%g", *b), lit, 1)
}

// boundLiterals maps the line and column of every minimum and maximum key
// in the spec's text to its value as written.
func boundLiterals(raw []byte) map[[2]int]string {
	var root yaml.Node
	if yaml.Unmarshal(raw, &root) != nil {
		return nil // kin-openapi loaded it; the float64 bounds stand
	}
	lits := map[[2]int]string{}
	var walk func(n *yaml.Node)
	walk = func(n *yaml.Node) {
		for i := 0; n.Kind == yaml.MappingNode && i+1 < len(n.Content); i += 2 {
			if k, v := n.Content[i], n.Content[i+1]; (k.Value == "minimum" || k.Value == "maximum") && v.Kind == yaml.ScalarNode {
				lits[[2]int{k.Line, k.Column}] = v.Value
			}
		}
		for _, c := range n.Content {
			walk(c)
		}
	}
	walk(&root)
	return lits
}

// floatExact reports whether float64 holds n and its neighbours exactly.
func floatExact(n *big.Int) bool {
	return n == nil || n.CmpAbs(big.NewInt(1<<53-1)) < 0
}

// exactViolations checks the operation's parameters kin-openapi cannot
// check exactly, unless it already found them invalid.
func (v *Validator) exactViolations(op *openapi3.Operation, path map[string]string, u *url.URL, found Violations) Violations {
	var vs Violations
	for _, p := range v.exact[op] {
		raw := path[p.name]
		if p.in == openapi3.ParameterInQuery {
			raw = u.Query().Get(p.name)
		}
		n, ok := new(big.Int).SetString(raw, 10)
		if !ok || slices.ContainsFunc(found, func(vi Violation) bool { return vi.Name == p.name }) {
			continue // absent, or not an integer: kin-openapi said so
		}
		reason := ""
		switch {
		case p.min != nil && n.Cmp(p.min) < 0:
			reason = "number must be at least " + p.min.String()
		case p.max != nil && n.Cmp(p.max) > 0:
			reason = "number must be at most " + p.max.String()
		default:
			continue
		}
		vs = append(vs, Violation{Operation: op.OperationID, Direction: DirectionRequest, Kind: KindParameter, Name: p.name, code: p.code,
			Reason: fmt.Sprintf("parameter %q in %s has an error: %s", p.name, p.in, reason)})
	}
	return vs
}
