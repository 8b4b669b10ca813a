package contract

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"sync"
	"time"
)

// ProxyOption configures a Proxy.
type ProxyOption func(*Proxy)

// WithProxyTransport sets the transport to the upstream, for custom TLS
// (NewUpstreamTransport by default).
func WithProxyTransport(rt http.RoundTripper) ProxyOption {
	return func(p *Proxy) { p.base = rt }
}

// WithProxyTimeout bounds each exchange, from the request's arrival to the
// answer's last byte, both sides included (DefaultProxyTimeout by default).
func WithProxyTimeout(d time.Duration) ProxyOption {
	return func(p *Proxy) { p.timeout = d }
}

// DefaultProxyTimeout bounds an exchange through a Proxy.
const DefaultProxyTimeout = 30 * time.Second

// answerGrace is how long past the deadline the client has to take the
// 504 that says so.
const answerGrace = 5 * time.Second

// WithProxyCoverage counts every exchange in c.
func WithProxyCoverage(c *Coverage) ProxyOption {
	return func(p *Proxy) { p.cov = c }
}

// NewUpstreamTransport is the proxy's default transport to its upstream:
// it keeps up to idle connections open per host, so that concurrent
// clients reuse connections instead of leaving one in TIME-WAIT per
// exchange (http.DefaultTransport keeps 2), with timeouts on each step. It
// asks for no compression the client did not ask for, so that the client's
// Accept-Encoding reaches the upstream unchanged.
func NewUpstreamTransport(idle int) *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns, t.MaxIdleConnsPerHost, t.DisableCompression = idle, idle, true
	t.ResponseHeaderTimeout = 60 * time.Second
	t.DialContext = (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext
	return t
}

// Proxy is a validating reverse proxy. It forwards every request and answer
// unchanged and writes one JSON line (a Record) per exchange that broke the
// contract. When the upstream gives no complete answer (unreachable, reset,
// cut short, timed out) the client gets the gateway's documented answer,
// 502 or 504 in the Error shape with a request ID, and the log a line. A
// request body past the validator's body limit is answered 413, unsent.
type Proxy struct {
	v       *Validator
	base    http.RoundTripper
	cov     *Coverage
	timeout time.Duration
	rp      *httputil.ReverseProxy
	mu      sync.Mutex
	enc     *json.Encoder
}

// NewProxy returns a proxy to upstream that validates with v and logs to
// log. v must match the upstream: build it with WithServer(upstream) unless
// the upstream is a host the spec declares.
func NewProxy(v *Validator, upstream string, log io.Writer, opts ...ProxyOption) (*Proxy, error) {
	u, err := url.Parse(upstream)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
		return nil, fmt.Errorf("contract: upstream %q must be an http or https URL with a host and no user info", RedactURL(upstream))
	}
	p := &Proxy{v: v, base: NewUpstreamTransport(64), enc: json.NewEncoder(log), timeout: DefaultProxyTimeout}
	for _, o := range opts {
		o(p)
	}
	if p.timeout <= 0 {
		return nil, fmt.Errorf("contract: proxy timeout %v must be positive", p.timeout)
	}
	p.rp = &httputil.ReverseProxy{
		Rewrite:      func(pr *httputil.ProxyRequest) { pr.SetURL(u) },
		Transport:    NewTransport(v, p.base, WithReport(p.log), WithCoverage(p.cov)),
		ErrorHandler: p.upstreamFailed,
		BufferPool:   &bufferPool{sync.Pool{New: func() any { return make([]byte, 32<<10) }}},
	}
	return p, nil
}

// ServeHTTP forwards the request and validates the exchange. The request
// ID it gives the request answers and logs an upstream failure.
func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	deadline := time.Now().Add(p.timeout)
	ctx, cancel := context.WithDeadline(context.WithValue(r.Context(), exchangeKey{}, &exchangeValues{id: newRequestID()}), deadline)
	defer cancel()
	// The context bounds the upstream; the connection's deadlines bound the
	// client, whose request body may drip and who may not read the answer
	// (net/http clears them before the next request; a server that cannot
	// set them has its own). No read deadline without a body: net/http
	// is then reading ahead, and would take its expiry for a client gone.
	rc := http.NewResponseController(w)
	_ = rc.SetWriteDeadline(deadline.Add(answerGrace))
	if r.Body != nil && r.Body != http.NoBody {
		_ = rc.SetReadDeadline(deadline)
		r.Body = http.MaxBytesReader(w, r.Body, p.v.maxBody)
	}
	p.rp.ServeHTTP(w, r.WithContext(ctx))
}

// upstreamFailed answers a request the upstream gave no complete answer to,
// with the request ID of the line the transport has already logged.
func (p *Proxy) upstreamFailed(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(r.Context().Err(), context.Canceled) {
		return // the client went away; there is no one to answer
	}
	status := http.StatusBadGateway
	var ne net.Error
	if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
		status = http.StatusRequestEntityTooLarge
	} else if r.Context().Err() != nil || errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) && ne.Timeout() {
		status = http.StatusGatewayTimeout
	}
	id := RequestID(r.Context())
	if xe, ok := errors.AsType[*ExchangeError](err); ok && xe.RequestID != "" {
		id = xe.RequestID // the upstream's, sent before it broke off
	}
	if h := p.v.requestID; h != "" {
		w.Header().Set(h, id)
	}
	detail := "the upstream gave no complete answer"
	if status == http.StatusRequestEntityTooLarge {
		detail = fmt.Sprintf("the request body exceeds %d bytes", p.v.maxBody)
	}
	p.v.WriteError(w, status, p.v.StatusCode(status), detail)
}

// bufferPool reuses the ReverseProxy's 32 KiB copy buffers, one per
// request otherwise and then most of the proxy's garbage.
type bufferPool struct{ sync.Pool }

func (b *bufferPool) Get() []byte    { return b.Pool.Get().([]byte) }
func (b *bufferPool) Put(buf []byte) { b.Pool.Put(buf) }

func (p *Proxy) log(rec Record) {
	p.mu.Lock()
	defer p.mu.Unlock()
	_ = p.enc.Encode(rec) // a failing log must not fail the traffic
}
