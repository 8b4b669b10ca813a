package gen

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"unicode"

	"github.com/oms-contract/stoptask/gen/signer"
)

// HeaderAuthToken carries the IAM token of token authentication.
const HeaderAuthToken = "X-Auth-Token"

// WithToken authenticates requests with an IAM token. An empty token or one
// with control characters fails the call before anything is sent; its
// length is for the server to judge.
func WithToken(token string) RequestEditorFn {
	return func(_ context.Context, req *http.Request) error {
		if token == "" || strings.ContainsFunc(token, unicode.IsControl) {
			return errors.New("oms: the IAM token is empty or contains control characters")
		}
		setJSONContentType(req)
		req.Header.Set(HeaderAuthToken, token)
		return nil
	}
}

// WithAKSK signs requests with AK/SK credentials (SDK-HMAC-SHA256, see
// package signer). Register it after every editor that adds headers:
// headers added later are not signed. A request body is read through
// req.GetBody to hash it; StopTask has none.
func WithAKSK(c signer.Credentials, opts ...signer.Option) RequestEditorFn {
	s := signer.New(c, opts...)
	return func(_ context.Context, req *http.Request) error {
		var body []byte
		if req.GetBody != nil {
			rc, err := req.GetBody()
			if err != nil {
				return err
			}
			defer rc.Close()
			if body, err = io.ReadAll(rc); err != nil {
				return err
			}
		} else if req.Body != nil && req.Body != http.NoBody {
			return errors.New("oms: cannot sign a request body that has no GetBody")
		}
		setJSONContentType(req)
		return s.Sign(req, body)
	}
}

// setJSONContentType sends Content-Type: application/json, as the SDK does
// even for StopTask's empty body, unless the request has a Content-Type.
func setJSONContentType(req *http.Request) {
	if req.Header.Get("Content-Type") == "" {
		req.Header.Set("Content-Type", "application/json")
	}
}
