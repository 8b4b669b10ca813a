package mock

import (
	"net/http"

	"github.com/oms-contract/stoptask/contract"
)

// buildHandler assembles the stack described on Handler. The validator
// routes under any host ("/"): the mock cannot know the address clients use
// to reach it.
func (m *Mock) buildHandler() (http.Handler, error) {
	v, err := contract.New(contract.WithServer("/"), contract.WithMaxBodyBytes(MaxRequestBodyBytes))
	if err != nil {
		return nil, err
	}
	validate := contract.Middleware(v,
		contract.WithStrictResponses(),
		contract.WithViolationHandler(m.reportViolations),
	)
	return m.outer(validate(m.inner())), nil
}
