package mock

import "github.com/oms-contract/stoptask/gen"

// WithResponder replaces StopTask's answer, so that tests can make the mock
// break the contract on purpose and prove the strict middleware catches it.
// It exists only in tests: no build of the mock can misbehave this way.
func WithResponder(f func(req gen.StopTaskRequestObject, requestID string) gen.StopTaskResponseObject) Option {
	return func(c *config) error {
		c.respond = f
		return nil
	}
}
