package contract_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/oms-contract/stoptask/contract"
)

// BenchmarkValidateExchange measures one routed exchange with bodies
// already read, as the transport and middleware run it.
func BenchmarkValidateExchange(b *testing.B) {
	v, err := contract.New()
	if err != nil {
		b.Fatal(err)
	}
	r, err := http.NewRequest(http.MethodPost, "https://oms.cn-north-4.myhuaweicloud.com"+stopPath, nil)
	if err != nil {
		b.Fatal(err)
	}
	r.Header.Set("X-Auth-Token", token)
	r.Header.Set("Content-Type", "application/json")
	cases := []struct {
		name   string
		status int
		header http.Header
		body   []byte
	}{
		{"200", 200, http.Header{"X-Request-Id": {requestID}}, nil},
		{"400", 400, http.Header{"X-Request-Id": {requestID}, "Content-Type": {"application/json"}}, []byte(`{"error_code":"OMS.0066","error_msg":"Failed to pause the task."}`)},
	}
	ctx := context.Background()
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if vs := v.ValidateExchange(ctx, r, nil, c.status, c.header, c.body); len(vs) != 0 {
					b.Fatal(vs)
				}
			}
		})
	}
}
