package gen

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"regexp"
	"time"
)

// ErrInvalidRegion is returned, wrapped, for a region name that cannot be
// part of an OMS endpoint host name.
var ErrInvalidRegion = errors.New("invalid region")

// regionPattern accepts Huawei Cloud region IDs such as cn-north-4,
// ap-southeast-1 or my-kualalumpur-1: lower-case letters and digits in at
// least two hyphen-separated parts, starting with a letter. Anything else
// (upper case, dots, slashes, spaces) could change the host the client
// talks to, so it is refused rather than escaped.
var regionPattern = regexp.MustCompile(`^[a-z][a-z0-9]*(-[a-z0-9]+)+$`)

// maxRegionLen is the longest DNS label, which the region must fit in.
const maxRegionLen = 63

// RegionEndpoint returns the OMS endpoint of a region, for example
// https://oms.cn-north-4.myhuaweicloud.com for cn-north-4. It checks the
// shape of the name only; whether OMS runs in that region is for DNS to say.
func RegionEndpoint(region string) (string, error) {
	if len(region) > maxRegionLen || !regionPattern.MatchString(region) {
		return "", fmt.Errorf("oms: %w %q: want a region ID such as cn-north-4", ErrInvalidRegion, printable(region, maxRegionLen+1))
	}
	return "https://oms." + region + ".myhuaweicloud.com", nil
}

// Timeouts of NewHTTPClient. A StopTask call is one small request, so a
// minute end to end is generous, and a server that accepts the connection
// but never answers is given up on well before that.
const (
	httpTotalTimeout    = 60 * time.Second
	httpDialTimeout     = 10 * time.Second
	httpTLSTimeout      = 10 * time.Second
	httpHeaderTimeout   = 30 * time.Second
	httpIdleConnTimeout = 90 * time.Second
)

// NewHTTPClient returns an *http.Client for talking to OMS. Unlike
// http.DefaultClient it cannot hang forever: it bounds the whole exchange,
// dialing, the TLS handshake, the wait for response headers and how long an
// idle connection is kept. It honours the proxy environment variables and
// requires TLS 1.2 or later.
func NewHTTPClient() *http.Client {
	dialer := &net.Dialer{Timeout: httpDialTimeout, KeepAlive: 30 * time.Second}
	transport := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           dialer.DialContext,
		ForceAttemptHTTP2:     true,
		TLSClientConfig:       &tls.Config{MinVersion: tls.VersionTLS12},
		TLSHandshakeTimeout:   httpTLSTimeout,
		ResponseHeaderTimeout: httpHeaderTimeout,
		ExpectContinueTimeout: time.Second,
		IdleConnTimeout:       httpIdleConnTimeout,
		MaxIdleConns:          100,
		MaxIdleConnsPerHost:   10,
	}
	return &http.Client{Transport: transport, Timeout: httpTotalTimeout}
}

// NewRegionClient returns a client for the OMS endpoint of region (see
// RegionEndpoint) that uses NewHTTPClient, unless opts carry their own
// WithHTTPClient. Authentication is up to the caller, through
// WithRequestEditorFn.
func NewRegionClient(region string, opts ...ClientOption) (*ClientWithResponses, error) {
	endpoint, err := RegionEndpoint(region)
	if err != nil {
		return nil, err
	}
	// Options run in order, so a WithHTTPClient in opts replaces this one.
	all := append([]ClientOption{WithHTTPClient(NewHTTPClient())}, opts...)
	return NewClientWithResponses(endpoint, all...)
}
