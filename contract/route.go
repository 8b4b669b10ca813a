package contract

import (
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/oms-contract/stoptask/gen"
)

// Routing is done here rather than by kin-openapi's routers because the
// servers need deliberate handling that neither router gives: gorillamux
// matches the scheme from req.TLS and so never matches the declared https
// server from behind a TLS-terminating proxy, and compiles regular
// expressions it runs on every request; the legacy router matches the
// rendered URL string and cannot tell "unknown host" from "unknown path".
// The matchers below are compiled once and allocate nothing on a miss.

// serverPattern is one server URL (declared or added), compiled.
type serverPattern struct {
	url    string    // for messages, passed through RedactURL
	scheme string    // "" matches any scheme
	host   []tplPart // nil matches any host
	prefix []tplPart // the base path, without a trailing slash
}

// tplPart is a literal or a {variable} of a server URL template.
type tplPart struct {
	lit   string
	isVar bool
	enum  []string
}

func compileServer(s *openapi3.Server) (serverPattern, error) {
	p := serverPattern{url: RedactURL(s.URL)}
	if hasUserInfo(s.URL) {
		// A host pattern holding user:password@ would match no request,
		// and the password would end up in every KindServer reason.
		return p, fmt.Errorf("contract: server %q must not carry user info (credentials); send them in headers", p.url)
	}
	raw := s.URL
	if scheme, rest, ok := strings.Cut(raw, "://"); ok {
		if !strings.Contains(scheme, "{") {
			p.scheme = strings.ToLower(scheme)
		}
		host, path, _ := strings.Cut(rest, "/")
		hostTpl, err := compileTemplate(strings.ToLower(stripDefaultPort(p.scheme, host)), s, p.url)
		if err != nil {
			return p, err
		}
		p.host = hostTpl
		if p.host == nil {
			return p, fmt.Errorf("contract: server %q has no host", p.url)
		}
		raw = "/" + path
	}
	raw = strings.TrimRight(raw, "/")
	prefix, err := compileTemplate(raw, s, p.url)
	if err != nil {
		return p, err
	}
	p.prefix = prefix
	return p, nil
}

// hasUserInfo reports whether a server URL carries user info
// (user:password@host). Any "@" counts, wherever it is: a password may hold
// characters such as "/" that hide where the authority ends, and an "@" has
// no business in the base path of an OMS server.
func hasUserInfo(raw string) bool { return strings.Contains(raw, "@") }

// RedactURL returns raw with any user info replaced by [REDACTED], so that a
// server or endpoint URL can be printed in an error, a violation, a report
// or a log line. It works on the string, not a parsed URL, so that an
// unparsable URL is redacted too. Everything from after the scheme up to
// the last "@" goes, which over-redacts rather than leaks when the password
// itself holds "@" or "/".
func RedactURL(raw string) string {
	i := strings.LastIndexByte(raw, '@')
	if i < 0 {
		return raw
	}
	start := 0
	if j := strings.Index(raw, "://"); j >= 0 && j < i {
		start = j + len("://")
	} else if strings.HasPrefix(raw, "//") {
		start = len("//")
	}
	return raw[:start] + gen.Redacted + raw[i:]
}

func compileTemplate(t string, s *openapi3.Server, name string) ([]tplPart, error) {
	var parts []tplPart
	for t != "" {
		i := strings.IndexByte(t, '{')
		if i < 0 {
			parts = append(parts, tplPart{lit: t})
			break
		}
		if i > 0 {
			parts = append(parts, tplPart{lit: t[:i]})
		}
		j := strings.IndexByte(t[i:], '}')
		if j < 0 {
			return nil, fmt.Errorf("contract: server %q has an unclosed {", name)
		}
		vname := t[i+1 : i+j]
		sv := s.Variables[vname]
		if sv == nil {
			return nil, fmt.Errorf("contract: server %q uses the undeclared variable %q", name, vname)
		}
		if len(parts) > 0 && parts[len(parts)-1].isVar {
			return nil, fmt.Errorf("contract: server %q has two adjacent variables", name)
		}
		parts = append(parts, tplPart{isVar: true, enum: sv.Enum})
		t = t[i+j+1:]
	}
	return parts, nil
}

// match reports whether a request to scheme://host/path falls under the
// server, and returns the path relative to it. An empty scheme is an
// unknown one (a request as a server receives it, see requestOrigin): it
// matches the server's scheme, and the host's default port is the one of
// the server's scheme.
func (p *serverPattern) match(scheme, host, path string) (string, bool) {
	if scheme == "" {
		scheme = p.scheme
	} else if p.scheme != "" && p.scheme != scheme {
		return "", false
	}
	if p.host != nil {
		host = stripDefaultPort(scheme, host)
		if hasUpper(host) {
			host = strings.ToLower(host)
		}
		rest, ok := matchTemplate(p.host, host, ".:/")
		if !ok || rest != "" {
			return "", false
		}
	}
	rest, ok := matchTemplate(p.prefix, path, "/")
	if !ok {
		return "", false
	}
	if rest == "" {
		return "/", true
	}
	if rest[0] != '/' {
		// "/omsx/..." is not under "/oms".
		return "", false
	}
	return rest, true
}

// matchTemplate consumes the template from the start of s. A variable
// takes a non-empty run up to a stop byte or the first byte of the literal
// after it.
func matchTemplate(parts []tplPart, s, stops string) (string, bool) {
	for i, p := range parts {
		if !p.isVar {
			if !strings.HasPrefix(s, p.lit) {
				return "", false
			}
			s = s[len(p.lit):]
			continue
		}
		end := len(s)
		if j := strings.IndexAny(s, stops); j >= 0 {
			end = j
		}
		if i+1 < len(parts) && parts[i+1].lit != "" {
			if j := strings.IndexByte(s[:end], parts[i+1].lit[0]); j >= 0 {
				end = j
			}
		}
		if end == 0 {
			return "", false
		}
		if len(p.enum) > 0 && !slices.Contains(p.enum, s[:end]) {
			return "", false
		}
		s = s[end:]
	}
	return s, true
}

func stripDefaultPort(scheme, host string) string {
	switch {
	case scheme == "https" && strings.HasSuffix(host, ":443"):
		return host[:len(host)-4]
	case scheme == "http" && strings.HasSuffix(host, ":80"):
		return host[:len(host)-3]
	}
	return host
}

func hasUpper(s string) bool {
	for i := 0; i < len(s); i++ {
		if 'A' <= s[i] && s[i] <= 'Z' {
			return true
		}
	}
	return false
}

// pathRoute is one path of the spec with its operations.
type pathRoute struct {
	path    string
	segs    []pathSeg
	names   []string // of the parameters, in path order
	methods map[string]*opRoute
	allow   []string
}

// pathSeg is a literal segment, or a whole-segment {param}.
type pathSeg struct {
	lit   string
	param string
}

func compilePath(doc *openapi3.T, path string) (*pathRoute, error) {
	item := doc.Paths.Value(path)
	pr := &pathRoute{path: path, methods: map[string]*opRoute{}}
	if !strings.HasPrefix(path, "/") {
		return nil, fmt.Errorf("contract: path %q does not start with /", path)
	}
	for _, s := range strings.Split(path[1:], "/") {
		if strings.HasPrefix(s, "{") && strings.HasSuffix(s, "}") && strings.Count(s, "{") == 1 {
			name := strings.TrimSuffix(s[1:len(s)-1], "*")
			pr.segs = append(pr.segs, pathSeg{param: name})
			pr.names = append(pr.names, name)
			continue
		}
		if strings.ContainsAny(s, "{}") {
			return nil, fmt.Errorf("contract: path %q: only whole-segment parameters are supported", path)
		}
		pr.segs = append(pr.segs, pathSeg{lit: s})
	}
	for method, op := range item.Operations() {
		pr.methods[method] = newOpRoute(doc, pr, item, method, op)
		pr.allow = append(pr.allow, method)
	}
	slices.Sort(pr.allow)
	return pr, nil
}

// pathParams holds the percent-decoded path parameters of a routed request
// in path order, without the allocations of a map.
type pathParams struct {
	names  []string // the path's parameter names, shared with its pathRoute
	inline [4]string
	extra  []string // values beyond the inline ones
}

func (p *pathParams) set(i int, v string) {
	if i < len(p.inline) {
		p.inline[i] = v
		return
	}
	p.extra = append(p.extra, v)
}

func (p *pathParams) value(i int) string {
	if i < len(p.inline) {
		return p.inline[i]
	}
	return p.extra[i-len(p.inline)]
}

// toMap returns the parameters as kin-openapi wants them, name to value.
func (p *pathParams) toMap() map[string]string {
	m := make(map[string]string, len(p.names))
	for i, name := range p.names {
		m[name] = p.value(i)
	}
	return m
}

// match matches an escaped path relative to the server. It fills out with
// the percent-decoded parameters and returns the name of a parameter that is
// not valid percent-encoding (the path still matches: the parameter is
// wrong, not the path).
func (pr *pathRoute) match(rest string, out *pathParams) (badParam string, ok bool) {
	if rest == "" || rest[0] != '/' {
		return "", false
	}
	s := rest[1:]
	last := len(pr.segs) - 1
	// First pass: nothing is recorded until the path is known to match.
	t := s
	for i, seg := range pr.segs {
		part, more := t, false
		if j := strings.IndexByte(t, '/'); j >= 0 {
			part, t, more = t[:j], t[j+1:], true
		} else {
			t = ""
		}
		if more != (i < last) {
			return "", false
		}
		if seg.param == "" && part != seg.lit {
			return "", false
		}
	}
	*out = pathParams{names: pr.names}
	n := 0
	for _, seg := range pr.segs {
		part := s
		if j := strings.IndexByte(s, '/'); j >= 0 {
			part, s = s[:j], s[j+1:]
		}
		if seg.param == "" {
			continue
		}
		if strings.IndexByte(part, '%') >= 0 {
			if u, err := url.PathUnescape(part); err == nil {
				part = u
			} else if badParam == "" {
				badParam = seg.param
			}
		}
		out.set(n, part)
		n++
	}
	return badParam, true
}
