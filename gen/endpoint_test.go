package gen_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/oms-contract/stoptask/gen"
)

func TestRegionEndpoint(t *testing.T) {
	tests := []struct {
		region  string
		want    string
		wantErr bool
	}{
		{region: "cn-north-4", want: "https://oms.cn-north-4.myhuaweicloud.com"},
		{region: "ap-southeast-1", want: "https://oms.ap-southeast-1.myhuaweicloud.com"},
		{region: "my-kualalumpur-1", want: "https://oms.my-kualalumpur-1.myhuaweicloud.com"},
		{region: "", wantErr: true},
		{region: "cn", wantErr: true},
		{region: "CN-NORTH-4", wantErr: true},
		{region: "cn-north-4.evil.example", wantErr: true},
		{region: "evil.example/cn-north-4", wantErr: true},
		{region: "cn-north-4@evil", wantErr: true},
		{region: "cn--north", wantErr: true},
		{region: "cn-north-", wantErr: true},
		{region: "a-" + strings.Repeat("b", 61), want: "https://oms.a-" + strings.Repeat("b", 61) + ".myhuaweicloud.com"},
		{region: "a-" + strings.Repeat("b", 62), wantErr: true}, // longer than a DNS label
	}
	for _, tc := range tests {
		t.Run(tc.region, func(t *testing.T) {
			got, err := gen.RegionEndpoint(tc.region)
			if (err != nil) != tc.wantErr {
				t.Fatalf("error = %v, want error: %v", err, tc.wantErr)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestNewRegionClient(t *testing.T) {
	own := &http.Client{}
	tests := []struct {
		name        string
		opts        []gen.ClientOption
		wantTimeout time.Duration
		wantOwn     bool
	}{
		{name: "default client has a timeout", wantTimeout: time.Minute},
		{name: "WithHTTPClient wins", opts: []gen.ClientOption{gen.WithHTTPClient(own)}, wantOwn: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := gen.NewRegionClient("cn-north-4", tc.opts...)
			if err != nil {
				t.Fatal(err)
			}
			inner := c.ClientInterface.(*gen.Client)
			if inner.Server != "https://oms.cn-north-4.myhuaweicloud.com/" {
				t.Errorf("Server = %q", inner.Server)
			}
			hc, ok := inner.Client.(*http.Client)
			if !ok || (hc == own) != tc.wantOwn || hc.Timeout != tc.wantTimeout {
				t.Errorf("Client = %#v, want own: %v, timeout %v", inner.Client, tc.wantOwn, tc.wantTimeout)
			}
		})
	}
	if _, err := gen.NewRegionClient("cn-north-4.evil.example"); err == nil {
		t.Error("NewRegionClient accepted an invalid region")
	}
}
