package contract

import (
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
)

// routeIndex finds a request's route in a time that does not grow with the
// number of paths: gorillamux tries each path's regular expression in turn,
// so a spec of 300 operations cost 300 matches a request. Paths are grouped
// by shape (the number of segments and which are literal); a request's
// segments at a shape's literal positions name at most one path, whose own
// gorillamux router then matches it as the whole router would. Anything
// else (no candidate, several, or a candidate that does not match after
// all) goes to the whole router, whose answer, and error, stand.
type routeIndex struct {
	all    routers.Router
	shapes []*shape
}

type shape struct {
	segments int
	literals []int                     // positions of the literal segments
	paths    map[string]routers.Router // their values, joined by "/" → that path's router; nil when two paths share them
	// direct: a path whose other segments are whole parameters, routed off
	// the request's segments (one non-empty segment each, as gorillamux).
	direct map[string]*directPath
}

type directPath struct {
	params map[int]string // segment position → parameter name
	routes map[string]*routers.Route
}

func newRouteIndex(doc *openapi3.T) (*routeIndex, error) {
	all, err := gorillamux.NewRouter(doc)
	if err != nil {
		return nil, err
	}
	ix := &routeIndex{all: all}
	for path, item := range doc.Paths.Map() {
		segs := strings.Split(strings.TrimPrefix(path, "/"), "/")
		var lits []int
		for i, s := range segs {
			if !strings.Contains(s, "{") {
				lits = append(lits, i)
			}
		}
		var sh *shape
		for _, s := range ix.shapes {
			if s.segments == len(segs) && slices.Equal(s.literals, lits) {
				sh = s
			}
		}
		if sh == nil {
			sh = &shape{segments: len(segs), literals: lits, paths: map[string]routers.Router{}, direct: map[string]*directPath{}}
			ix.shapes = append(ix.shapes, sh)
		}
		key := sh.key(segs)
		if _, dup := sh.paths[key]; dup {
			sh.paths[key] = nil
			continue
		}
		one := *doc
		one.Paths = openapi3.NewPaths(openapi3.WithPath(path, item))
		if sh.paths[key], err = gorillamux.NewRouter(&one); err != nil {
			return nil, err
		}
		d := &directPath{params: map[int]string{}, routes: map[string]*routers.Route{}}
		for i, seg := range segs {
			if name, ok := strings.CutPrefix(seg, "{"); ok && strings.HasSuffix(name, "}") && !strings.ContainsAny(name[:len(name)-1], "{}:") {
				d.params[i] = name[:len(name)-1]
			}
		}
		if len(d.params)+len(lits) == len(segs) {
			for method, op := range item.Operations() {
				d.routes[method] = &routers.Route{Spec: &one, Path: path, PathItem: item, Method: method, Operation: op}
			}
			sh.direct[key] = d
		}
	}
	return ix, nil
}

func (s *shape) key(segs []string) string {
	vals := make([]string, len(s.literals))
	for i, p := range s.literals {
		vals[i] = segs[p]
	}
	return strings.Join(vals, "/")
}

// FindRoute is routers.Router's: the matched route and its path parameters
// (escaped, as gorillamux gives them).
func (ix *routeIndex) FindRoute(req *http.Request) (*routers.Route, map[string]string, error) {
	segs := strings.Split(strings.TrimPrefix(req.URL.EscapedPath(), "/"), "/")
	var found routers.Router
	var direct *directPath
	for _, s := range ix.shapes {
		if s.segments != len(segs) {
			continue
		}
		key := s.key(segs)
		r, ok := s.paths[key]
		if !ok {
			continue
		}
		if found != nil || r == nil {
			return ix.all.FindRoute(req)
		}
		found, direct = r, s.direct[key]
	}
	if direct != nil && !slices.Contains(segs, "") {
		route, ok := direct.routes[req.Method]
		if !ok {
			return nil, nil, routers.ErrMethodNotAllowed
		}
		params := make(map[string]string, len(direct.params))
		for i, name := range direct.params {
			params[name] = segs[i]
		}
		return route, params, nil
	}
	if found != nil {
		// Only that path can match; a wrong method is its answer too.
		if route, params, err := found.FindRoute(req); !errors.Is(err, routers.ErrPathNotFound) {
			return route, params, err
		}
	}
	return ix.all.FindRoute(req)
}
