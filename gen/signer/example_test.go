package signer_test

import (
	"fmt"

	"github.com/oms-contract/stoptask/gen/signer"
)

// The Authorization of the SDK's own test vector TestSigner_Sign/test1
// (GET /path?limit=1).
func ExampleParseAuthorization() {
	a, err := signer.ParseAuthorization("SDK-HMAC-SHA256 Access=AccessKey, SignedHeaders=x-sdk-date, " +
		"Signature=5a2ce64c865e0e6046321c6f3d5a77ba8413eeaf355c3166c03d58d02ac79624")
	fmt.Println(a.Access, a.SignedHeaders, err)

	_, err = signer.ParseAuthorization("SDK-HMAC-SHA256 Access=AccessKey,SignedHeaders=x-sdk-date,Signature=00")
	fmt.Println(err)
	// Output:
	// AccessKey [x-sdk-date] <nil>
	// signer: Authorization is not SDK-HMAC-SHA256 Access=…, SignedHeaders=…, Signature=…
}
