package contract

import (
	"math"
	"net/http"
	"reflect"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
)

// Fast paths. Most exchanges a validator sees are right, and for those the
// generic machinery of kin-openapi (per-call options, decoders, a JSON
// decoder into map[string]any, schema visits that box every value) costs
// most of the time and allocations of an exchange. The checks below are
// compiled once from the spec and only ever PROVE an exchange valid: each
// accepts a request or a body only where kin-openapi, run with the options
// the validator gives it, certainly accepts it too. Anything they are not
// sure of (a failure, a schema or a value outside the simple shapes they
// know) goes to kin-openapi exactly as before, so every verdict and every
// violation is the one kin-openapi gives.

// fastParam is a path parameter whose schema the fast path can check: a
// plain string bounded by length, or a plain integer bounded by value.
type fastParam struct {
	name string
	// seg is the index of the parameter among the path's parameters.
	seg      int
	isInt    bool
	format   string // of an integer: "" or "int64"
	minLen   uint64
	maxLen   *uint64
	min, max *float64
}

// defaultInt64Format is the validator kin-openapi registers for int64.
var defaultInt64Format = openapi3.NewRangeFormatValidator(int64(math.MinInt64), int64(math.MaxInt64))

// maxFastDigits bounds the integers the fast path parses: 15 decimal
// digits are exact as float64, which is what kin-openapi compares.
const maxFastDigits = 15

// compileFastRequest prepares the fast request check of an operation, or
// returns false when some parameter or security scheme is outside what it
// knows.
func compileFastRequest(doc *openapi3.T, pr *pathRoute, item *openapi3.PathItem, op *openapi3.Operation) (params []fastParam, security [][]*openapi3.SecurityScheme, ok bool) {
	if doc.IsOpenAPI31OrLater() {
		return nil, nil, false
	}
	// The parameters kin-openapi validates: the path item's, unless the
	// operation overrides them, then the operation's.
	var all []*openapi3.Parameter
	for _, ref := range item.Parameters {
		p := ref.Value
		if p == nil {
			return nil, nil, false
		}
		if op.Parameters != nil && op.Parameters.GetByInAndName(p.In, p.Name) != nil {
			continue
		}
		all = append(all, p)
	}
	for _, ref := range op.Parameters {
		if ref.Value == nil {
			return nil, nil, false
		}
		all = append(all, ref.Value)
	}
	for _, p := range all {
		fp, ok := compileFastParam(pr, p)
		if !ok {
			return nil, nil, false
		}
		params = append(params, fp)
	}

	reqs := op.Security
	if reqs == nil {
		reqs = &doc.Security
	}
	var schemes openapi3.SecuritySchemes
	if doc.Components != nil {
		schemes = doc.Components.SecuritySchemes
	}
	for _, sr := range *reqs {
		var req []*openapi3.SecurityScheme
		for name := range sr {
			ref := schemes[name]
			if ref == nil || ref.Value == nil {
				// kin-openapi fails this requirement; the fast path never
				// accepts it either.
				req = append(req, nil)
				continue
			}
			req = append(req, ref.Value)
		}
		if req == nil {
			// An empty requirement: anonymous access is allowed.
			req = []*openapi3.SecurityScheme{}
		}
		security = append(security, req)
	}
	return params, security, true
}

func compileFastParam(pr *pathRoute, p *openapi3.Parameter) (fastParam, bool) {
	fp := fastParam{name: p.Name, seg: -1}
	if p.In != openapi3.ParameterInPath || p.Schema == nil || p.Schema.Value == nil || p.Content != nil {
		return fp, false
	}
	sm, err := p.SerializationMethod()
	if err != nil || sm.Style != openapi3.SerializationSimple {
		return fp, false
	}
	for i, name := range pr.names {
		if name != p.Name {
			continue
		}
		if fp.seg >= 0 {
			// A name used twice: kin-openapi sees only one of the values.
			return fp, false
		}
		fp.seg = i
	}
	if fp.seg < 0 {
		return fp, false
	}
	s := p.Schema.Value
	if s.Always != nil || s.Type == nil || len(s.Type.Slice()) != 1 {
		return fp, false
	}
	c := *s
	c.Type, c.Description, c.Example, c.Title, c.Extensions = nil, "", nil, "", nil
	switch {
	case s.Type.Is(openapi3.TypeString):
		c.MinLength, c.MaxLength = 0, nil
		fp.minLen, fp.maxLen = s.MinLength, s.MaxLength
	case s.Type.Is(openapi3.TypeInteger):
		if s.Format != "" && s.Format != "int64" {
			return fp, false
		}
		c.Format, c.Min, c.Max = "", nil, nil
		fp.isInt, fp.format, fp.min, fp.max = true, s.Format, s.Min, s.Max
	default:
		return fp, false
	}
	if !c.IsEmpty() || c.Always != nil {
		return fp, false
	}
	return fp, true
}

// valid reports whether kin-openapi certainly accepts raw, the
// percent-decoded value of the parameter. false means "not sure".
func (fp *fastParam) valid(raw string) bool {
	if raw == "" {
		return false
	}
	if !fp.isInt {
		// kin-openapi counts runes (a Go string never yields a surrogate).
		if fp.minLen == 0 && fp.maxLen == nil {
			return true
		}
		n := uint64(0)
		for range raw {
			n++
		}
		return n >= fp.minLen && (fp.maxLen == nil || n <= *fp.maxLen)
	}
	if len(raw) > maxFastDigits {
		return false
	}
	var n int64
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if c < '0' || c > '9' {
			return false
		}
		n = n*10 + int64(c-'0')
	}
	if fp.format != "" {
		// kin-openapi's own int64 validator accepts every value here; one
		// registered by someone else in its place might not.
		if f, defined := openapi3.SchemaIntegerFormats[fp.format]; defined && f != defaultInt64Format {
			return false
		}
	}
	f := float64(n)
	return (fp.min == nil || *fp.min <= f) && (fp.max == nil || *fp.max >= f)
}

// fastSecurity reports whether some security requirement is met, in which
// case kin-openapi's ValidateSecurityRequirements returns nil.
func fastSecurity(reqs [][]*openapi3.SecurityScheme, req *http.Request) bool {
	if len(reqs) == 0 {
		return true
	}
next:
	for _, sr := range reqs {
		for _, s := range sr {
			if s == nil || checkScheme(s, "", req) != nil {
				continue next
			}
		}
		return true
	}
	return false
}

// flatObject is a body schema the fast path can check: an object whose
// declared properties are plain strings, some of them required, with any
// other member allowed.
type flatObject struct {
	required []string
}

// compileFlatObject returns the fast check of a response media type, or nil.
func compileFlatObject(doc *openapi3.T, mt *openapi3.MediaType) *flatObject {
	if doc.IsOpenAPI31OrLater() || mt == nil || mt.Schema == nil || mt.Schema.Value == nil || mt.Encoding[""] != nil {
		return nil
	}
	s := mt.Schema.Value
	if s.Always != nil || s.Type == nil || len(s.Type.Slice()) != 1 || !s.Type.Is(openapi3.TypeObject) {
		return nil
	}
	if ap := s.AdditionalProperties; ap.Schema != nil || (ap.Has != nil && !*ap.Has) {
		return nil
	}
	for _, ref := range s.Properties {
		if ref == nil || ref.Value == nil {
			return nil
		}
		p := ref.Value
		if p.Always != nil || p.Type == nil || len(p.Type.Slice()) != 1 || !p.Type.Is(openapi3.TypeString) {
			return nil
		}
		c := *p
		c.Type, c.Description, c.Example, c.Title, c.Extensions = nil, "", nil, "", nil
		if !c.IsEmpty() || c.Always != nil {
			return nil
		}
	}
	for _, name := range s.Required {
		if !isASCII(name) {
			return nil
		}
	}
	c := *s
	c.Type, c.Properties, c.Required, c.AdditionalProperties = nil, nil, nil, openapi3.AdditionalProperties{}
	c.Description, c.Example, c.Title, c.Extensions = "", nil, "", nil
	if !c.IsEmpty() || c.Always != nil {
		return nil
	}
	return &flatObject{required: s.Required}
}

// jsonDecoderPC identifies kin-openapi's JSON body decoder, to make sure the
// media type of a body is still decoded by it (RegisterBodyDecoder is
// global and may have been called by anyone).
var jsonDecoderPC = reflect.ValueOf(openapi3filter.JSONBodyDecoder).Pointer()

// decodedAsJSON reports whether kin-openapi decodes a body with this
// Content-Type with its JSON decoder.
func decodedAsJSON(contentType string) bool {
	mediaType, _, _ := strings.Cut(contentType, ";")
	mediaType = strings.ToLower(strings.TrimSpace(mediaType))
	d := openapi3filter.RegisteredBodyDecoder(mediaType)
	return d != nil && reflect.ValueOf(d).Pointer() == jsonDecoderPC
}

// maxFastMembers bounds the members the fast path remembers to find a
// repeated name; a bigger object goes to kin-openapi.
const maxFastMembers = 16

// valid reports whether body certainly decodes (with encoding/json, as
// kin-openapi does) to an object that the schema accepts: a single object
// of string members, without escapes or control characters, with no
// trailing data, no member name twice and every required member. false
// means "not sure".
//
// A repeated name is left to kin-openapi although today's decoder keeps
// the last value and accepts it: kin-openapi built with encoding/json/v2
// (goexperiment.jsonv2) rejects duplicate names, and the fast path must
// never accept what kin-openapi may refuse.
func (fo *flatObject) valid(body []byte) bool {
	var found [8]bool
	if len(fo.required) > len(found) {
		return false
	}
	var (
		seen  [maxFastMembers][]byte
		nseen int
	)
	i := skipSpace(body, 0)
	if i >= len(body) || body[i] != '{' {
		return false
	}
	i = skipSpace(body, i+1)
	if i < len(body) && body[i] == '}' {
		i++
	} else {
		for {
			key, j, ok := plainString(body, i)
			if !ok || !isASCII(key) || nseen == len(seen) {
				return false
			}
			for _, k := range seen[:nseen] {
				if string(k) == string(key) {
					return false
				}
			}
			seen[nseen] = key
			nseen++
			j = skipSpace(body, j)
			if j >= len(body) || body[j] != ':' {
				return false
			}
			_, j, ok = plainString(body, skipSpace(body, j+1))
			if !ok {
				return false
			}
			for k, name := range fo.required {
				if string(key) == name {
					found[k] = true
				}
			}
			j = skipSpace(body, j)
			if j >= len(body) {
				return false
			}
			if body[j] == '}' {
				i = j + 1
				break
			}
			if body[j] != ',' {
				return false
			}
			i = skipSpace(body, j+1)
		}
	}
	if skipSpace(body, i) != len(body) {
		return false
	}
	for k := range fo.required {
		if !found[k] {
			return false
		}
	}
	return true
}

// plainString scans a JSON string without escapes starting at body[i] and
// returns its contents and the index after its closing quote.
func plainString(body []byte, i int) ([]byte, int, bool) {
	if i >= len(body) || body[i] != '"' {
		return nil, i, false
	}
	for j := i + 1; j < len(body); j++ {
		switch c := body[j]; {
		case c == '"':
			return body[i+1 : j], j + 1, true
		case c == '\\' || c < 0x20:
			return nil, j, false
		}
	}
	return nil, len(body), false
}

func skipSpace(b []byte, i int) int {
	for i < len(b) {
		switch b[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

func isASCII[T string | []byte](s T) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
