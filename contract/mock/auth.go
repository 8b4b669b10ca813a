package mock

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/oms-contract/stoptask/gen"
)

// MaxClockSkew is how far X-Sdk-Date may be from the mock's clock, the
// window Huawei's API gateway enforces.
const MaxClockSkew = 15 * time.Minute

// CodeGatewayAuthFailed is the code of every 401 the mock sends. Huawei's API
// gateway documents APIGW.0301 ("Incorrect IAM authentication information")
// for all IAM authentication failures: a bad or expired token ("decrypt
// token fail"), an unknown AK ("Get secretKey failed ... ak not exist") and a
// wrong signature ("verify aksk signature fail"). APIGW.0303 is the code of
// the gateway's separate APP authentication, which OMS does not use, so the
// mock does not send it; the messages below tell the causes apart.
const CodeGatewayAuthFailed = gen.CodeGatewayAuthFailed

// Messages of the 401 answers. They name the cause but never echo a
// credential, an AK or a signature.
const (
	msgNoCredentials    = "Incorrect IAM authentication information: the request carries neither X-Auth-Token nor an Authorization signature."
	msgBadToken         = "Incorrect IAM authentication information: decrypt token fail."
	msgMalformedAuth    = "Incorrect IAM authentication information: malformed SDK-HMAC-SHA256 Authorization header."
	msgUnknownAK        = "Incorrect IAM authentication information: Get secretKey failed, err: ak not exist."
	msgBadDate          = "Incorrect IAM authentication information: X-Sdk-Date is missing, malformed or not signed."
	msgSkewedDate       = "Incorrect IAM authentication information: X-Sdk-Date is more than 15 minutes away from the server time."
	msgBadSignature     = "Incorrect IAM authentication information: verify aksk signature fail."
	msgMultipleTokens   = "Incorrect IAM authentication information: more than one X-Auth-Token header."
	msgMultipleAuthHdrs = "Incorrect IAM authentication information: more than one Authorization header."
)

// wildcardProject in a credential's project list covers every project.
const wildcardProject = "*"

// scope is the set of projects a credential may act on.
type scope struct {
	all      bool
	projects map[string]struct{}
}

func (s scope) covers(project string) bool {
	if s.all {
		return true
	}
	_, ok := s.projects[project]
	return ok
}

func newScope(projects []string) (scope, error) {
	if len(projects) == 0 {
		return scope{}, errors.New("covers no project (list project IDs, or \"*\" for all)")
	}
	s := scope{projects: make(map[string]struct{}, len(projects))}
	for i, p := range projects {
		switch {
		case p == wildcardProject:
			s.all = true
		case p == "":
			return scope{}, fmt.Errorf("project %d is empty", i+1)
		case len(p) > MaxProjectIDLength:
			return scope{}, fmt.Errorf("project %d is %d bytes, the contract allows at most %d", i+1, len(p), MaxProjectIDLength)
		default:
			s.projects[p] = struct{}{}
		}
	}
	return s, nil
}

type tokenSeed struct {
	token    string
	projects []string
	origin   string
}

type akskSeed struct {
	ak, sk   string
	projects []string
	origin   string
}

// tokenEntry keeps only a digest of the token: comparing fixed-size digests
// in constant time hides the token's length as well as its content, and the
// token itself is not kept in memory longer than New.
type tokenEntry struct {
	digest [sha256.Size]byte
	scope  scope
}

type akskEntry struct {
	sk    string
	scope scope
}

// credentials is immutable once built, so lookups need no lock.
type credentials struct {
	tokens []tokenEntry
	aksk   map[string]akskEntry
}

func newCredentials(tokens []tokenSeed, aksk []akskSeed) (*credentials, error) {
	c := &credentials{aksk: make(map[string]akskEntry, len(aksk))}
	seen := make(map[[sha256.Size]byte]string, len(tokens))
	for _, t := range tokens {
		switch {
		case t.token == "":
			return nil, fmt.Errorf("%s: empty token", t.origin)
		case len(t.token) > gen.MaxTokenLength:
			return nil, fmt.Errorf("%s: token is %d bytes, the contract allows at most %d", t.origin, len(t.token), gen.MaxTokenLength)
		case !headerSafe(t.token):
			return nil, fmt.Errorf("%s: token contains characters a header cannot carry", t.origin)
		}
		d := sha256.Sum256([]byte(t.token))
		if first, dup := seen[d]; dup {
			return nil, fmt.Errorf("%s: same token as %s", t.origin, first)
		}
		seen[d] = t.origin
		s, err := newScope(t.projects)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", t.origin, err)
		}
		c.tokens = append(c.tokens, tokenEntry{digest: d, scope: s})
	}
	for _, k := range aksk {
		switch {
		case k.ak == "":
			return nil, fmt.Errorf("%s: empty AK", k.origin)
		case !gen.ValidAccessKey(k.ak):
			return nil, fmt.Errorf("%s: AK must be visible ASCII without spaces, ',', ';' or '='", k.origin)
		case k.sk == "":
			return nil, fmt.Errorf("%s: empty SK", k.origin)
		}
		if _, dup := c.aksk[k.ak]; dup {
			return nil, fmt.Errorf("%s: AK given twice", k.origin)
		}
		s, err := newScope(k.projects)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", k.origin, err)
		}
		c.aksk[k.ak] = akskEntry{sk: k.sk, scope: s}
	}
	return c, nil
}

// headerSafe rejects control characters, which no client could send in a
// header, so such a token would be a fixture mistake.
func headerSafe(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < ' ' && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}

// principal is who a request authenticated as. It travels in the request
// context from the auth middleware to StopTask, which checks the project.
type principal struct {
	// kind is "token" or "aksk".
	kind string
	// ak is the access key for kind "aksk"; tokens have no public name.
	ak    string
	scope scope
}

type principalKey struct{}

func withPrincipal(ctx context.Context, p principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

func principalFrom(ctx context.Context) (principal, bool) {
	p, ok := ctx.Value(principalKey{}).(principal)
	return p, ok
}

// authenticate identifies the caller the way the gateway does: a token when
// X-Auth-Token is present, an AK/SK signature otherwise. It returns a
// message for the 401 when it fails.
func (m *Mock) authenticate(r *http.Request, body []byte) (principal, string) {
	if tokens := r.Header.Values(gen.HeaderAuthToken); len(tokens) > 0 {
		if len(tokens) > 1 {
			return principal{}, msgMultipleTokens
		}
		return m.creds.checkToken(tokens[0])
	}
	auths := r.Header.Values(gen.HeaderAuthorization)
	switch len(auths) {
	case 0:
		return principal{}, msgNoCredentials
	case 1:
	default:
		return principal{}, msgMultipleAuthHdrs
	}
	sig, err := gen.ParseAuthorization(auths[0])
	if err != nil {
		return principal{}, msgMalformedAuth
	}
	key, ok := m.creds.aksk[sig.Access]
	if !ok {
		return principal{}, msgUnknownAK
	}
	date, err := gen.SdkDate(r)
	if err != nil {
		return principal{}, msgBadDate
	}
	if skew := m.now().Sub(date); skew > MaxClockSkew || skew < -MaxClockSkew {
		return principal{}, msgSkewedDate
	}
	if err := gen.VerifyRequest(r, body, key.sk); err != nil {
		if errors.Is(err, gen.ErrUnsignedDate) || errors.Is(err, gen.ErrMissingDate) || errors.Is(err, gen.ErrMalformedDate) {
			return principal{}, msgBadDate
		}
		return principal{}, msgBadSignature
	}
	return principal{kind: "aksk", ak: sig.Access, scope: key.scope}, ""
}

// checkToken compares the token's digest with every configured digest, in
// constant time and without stopping at a match, so that timing reveals
// neither which token matched nor how much of one did.
func (c *credentials) checkToken(token string) (principal, string) {
	d := sha256.Sum256([]byte(token))
	match := -1
	for i := range c.tokens {
		if subtle.ConstantTimeCompare(d[:], c.tokens[i].digest[:]) == 1 {
			match = i
		}
	}
	if match < 0 {
		return principal{}, msgBadToken
	}
	return principal{kind: "token", scope: c.tokens[match].scope}, ""
}
