package contract

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httputil"
	"net/url"
	"sync"
)

// ProxyOption configures a Proxy.
type ProxyOption func(*proxyConfig) error

type proxyConfig struct {
	v    *Validator
	base http.RoundTripper
}

// WithProxyValidator sets the validator. It must route the upstream: build it
// with WithServer(upstream) unless the upstream is a host the spec declares.
// The default is New(WithServer(upstream)).
func WithProxyValidator(v *Validator) ProxyOption {
	return func(c *proxyConfig) error {
		if v == nil {
			return fmt.Errorf("contract: nil validator")
		}
		c.v = v
		return nil
	}
}

// WithProxyTransport sets the transport to the upstream
// (http.DefaultTransport by default), for custom TLS or timeouts.
func WithProxyTransport(rt http.RoundTripper) ProxyOption {
	return func(c *proxyConfig) error {
		if rt == nil {
			return fmt.Errorf("contract: nil transport")
		}
		c.base = rt
		return nil
	}
}

// Proxy is a validating reverse proxy. Put it between any client, in any
// language, and an OMS endpoint: it forwards every request and response
// unchanged (apart from the Host header and hop-by-hop headers, as any
// proxy must) and writes one JSON line per exchange that broke the
// contract. Lines are Records: time, method, path, status, request_id,
// violations and the redacted headers. Tokens, keys and signatures never
// reach the log.
//
// A client that signs the Host header with AK/SK must sign the upstream's
// host, not the proxy's; the SDKs do not sign Host by default.
type Proxy struct {
	rp *httputil.ReverseProxy
}

// NewProxy returns a proxy to upstream (e.g. https://oms.cn-north-4.myhuaweicloud.com
// or http://127.0.0.1:8080/prefix) that logs violations to log. Writes to
// log are serialized.
//
// upstream must not carry user info (http://user:password@host): OMS takes
// credentials in headers, which the proxy forwards as the client sent them,
// and a URL is printed in errors and logs. The error for one does not
// repeat the user info.
func NewProxy(upstream string, log io.Writer, opts ...ProxyOption) (*Proxy, error) {
	if hasUserInfo(upstream) {
		return nil, fmt.Errorf("contract: upstream %q must not carry user info (credentials); send them in headers", RedactURL(upstream))
	}
	u, err := url.Parse(upstream)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			// url.Error quotes the URL; say it once, through the same
			// redaction as every other server URL.
			err = ue.Err
		}
		return nil, fmt.Errorf("contract: upstream %q: %w", RedactURL(upstream), err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("contract: upstream %q must be an http or https URL with a host", RedactURL(upstream))
	}
	if log == nil {
		return nil, fmt.Errorf("contract: nil log writer")
	}
	c := proxyConfig{base: http.DefaultTransport}
	for _, o := range opts {
		if err := o(&c); err != nil {
			return nil, err
		}
	}
	if c.v == nil {
		if c.v, err = New(WithServer(upstream)); err != nil {
			return nil, err
		}
	}
	lw := &lineWriter{enc: json.NewEncoder(log)}
	t := NewTransport(c.v, c.base, WithMode(ModeRecord), WithReport(lw.write))
	rp := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			// SetURL also points the Host header at the upstream, which
			// a virtual-hosted endpoint needs. No X-Forwarded-* are
			// added: the traffic is forwarded as the client sent it.
			pr.SetURL(u)
		},
		Transport: t,
	}
	return &Proxy{rp: rp}, nil
}

// ServeHTTP forwards the request and validates the exchange.
func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) { p.rp.ServeHTTP(w, r) }

// lineWriter writes Records as JSON lines, one at a time.
type lineWriter struct {
	mu  sync.Mutex
	enc *json.Encoder
}

func (l *lineWriter) write(rec Record) {
	l.mu.Lock()
	defer l.mu.Unlock()
	// A failing log writer must not fail the traffic; the proxy has no
	// better place to report it.
	_ = l.enc.Encode(rec)
}
