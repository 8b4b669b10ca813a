package gen

import (
	"fmt"
	"net/http"
	"regexp"
	"time"
)

// RegionEndpoint returns the OMS endpoint of a region, for example
// https://oms.cn-north-4.myhuaweicloud.com for cn-north-4, from the spec's
// server through oapi-codegen's generated helper. It refuses anything but a
// region ID (lower-case letters and digits in hyphenated parts), which the
// helper does not: other characters could change the host the client talks
// to. Whether OMS runs in the region is for DNS to say.
func RegionEndpoint(region string) (string, error) {
	if !regionID.MatchString(region) || len(region) > 63 {
		return "", fmt.Errorf("oms: invalid region %q: want a region ID such as cn-north-4", region)
	}
	return NewServerUrlOMSRegionalEndpoint(ServerUrlOMSRegionalEndpointRegionVariable(region))
}

var regionID = regexp.MustCompile(`^[a-z][a-z0-9]*(-[a-z0-9]+)+$`)

// NewRegionClient returns a client for the OMS endpoint of region whose
// http.Client gives up on a call after a minute (http.DefaultClient never
// does), unless opts carry their own WithHTTPClient. Authentication is up to
// the caller, through WithRequestEditorFn.
func NewRegionClient(region string, opts ...ClientOption) (*ClientWithResponses, error) {
	endpoint, err := RegionEndpoint(region)
	if err != nil {
		return nil, err
	}
	// Options apply in order, so a WithHTTPClient in opts wins.
	opts = append([]ClientOption{WithHTTPClient(&http.Client{Timeout: time.Minute})}, opts...)
	return NewClientWithResponses(endpoint, opts...)
}
