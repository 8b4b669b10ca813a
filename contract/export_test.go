package contract

// NewWithoutFastPaths builds a Validator whose every verdict comes from
// kin-openapi: the fast paths of fast.go are switched off. Tests use it as
// the reference the fast paths must agree with, and the benchmarks use it
// to show what the fast paths save.
func NewWithoutFastPaths(opts ...Option) (*Validator, error) {
	v, err := New(opts...)
	if err != nil {
		return nil, err
	}
	for _, p := range v.paths {
		for _, r := range p.methods {
			r.fastReq = false
			r.bodies = nil
		}
	}
	return v, nil
}
