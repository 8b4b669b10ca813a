package gen

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"
)

// MaxTokenLength is the longest X-Auth-Token OMS documents (1..16384),
// counted in bytes. The spec says "1 to 16384 characters"; IAM tokens are
// ASCII, where the two are the same, and bytes are what a header carries.
// WithToken, the contract validator, the mock and the suite all count
// bytes, so none of them admits a token another refuses.
const MaxTokenLength = 16384

// ErrInvalidToken is returned (wrapped) by the WithToken editor for a token
// that OMS would reject anyway; the message never includes the token.
var ErrInvalidToken = errors.New("invalid IAM token")

// SignerOption configures a Signer built by NewSigner or WithAKSK.
type SignerOption func(*Signer)

// WithClock makes the signer read the time from now instead of time.Now, so
// tests and examples produce reproducible signatures.
func WithClock(now func() time.Time) SignerOption {
	return func(s *Signer) { s.Now = now }
}

// setJSONContentType mirrors the SDK, which sends Content-Type:
// application/json even for StopTask's empty body, and which OMS lists as a
// required header. An existing Content-Type is left alone.
func setJSONContentType(req *http.Request) {
	if req.Header == nil {
		req.Header = make(http.Header)
	}
	if _, ok := headerLookup(req.Header, "content-type"); !ok {
		req.Header.Set("Content-Type", "application/json")
	}
}

// WithToken authenticates requests with an IAM token (X-Auth-Token). The
// token is checked when the request is edited: an empty token, one longer
// than MaxTokenLength bytes or one with control characters fails the call
// before anything is sent.
func WithToken(token string) RequestEditorFn {
	return func(_ context.Context, req *http.Request) error {
		switch {
		case token == "":
			return fmt.Errorf("%w: token is empty", ErrInvalidToken)
		case len(token) > MaxTokenLength:
			return fmt.Errorf("%w: token is %d bytes, the limit is %d", ErrInvalidToken, len(token), MaxTokenLength)
		case !validHeaderValue(token):
			return fmt.Errorf("%w: token contains control characters", ErrInvalidToken)
		}
		setJSONContentType(req)
		req.Header.Set(HeaderAuthToken, token)
		return nil
	}
}

// WithAKSK signs every request with the credentials (SDK-HMAC-SHA256).
// Register it after any editor that adds headers: headers added later are
// not signed, and signed headers changed later fail verification. The body
// is read to hash it and then restored, so any request (not only StopTask,
// which has none) is signed correctly.
func WithAKSK(c Credentials, opts ...SignerOption) RequestEditorFn {
	s := NewSigner(c, opts...)
	return func(_ context.Context, req *http.Request) error {
		body, err := readAndRestoreBody(req)
		if err != nil {
			return err
		}
		setJSONContentType(req)
		return s.Sign(req, body)
	}
}

// readAndRestoreBody returns the body bytes while leaving req sendable (and
// re-sendable through GetBody, which retries and redirects need).
func readAndRestoreBody(req *http.Request) ([]byte, error) {
	if req.Body == nil || req.Body == http.NoBody {
		return nil, nil
	}
	if req.GetBody != nil {
		rc, err := req.GetBody()
		if err == nil {
			defer rc.Close()
			return io.ReadAll(rc)
		}
	}
	body, err := io.ReadAll(req.Body)
	closeErr := req.Body.Close()
	if err != nil {
		return nil, fmt.Errorf("reading request body to sign it: %w", err)
	}
	if closeErr != nil {
		return nil, fmt.Errorf("closing request body after reading it: %w", closeErr)
	}
	req.Body = io.NopCloser(bytes.NewReader(body))
	req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	req.ContentLength = int64(len(body))
	return body, nil
}
