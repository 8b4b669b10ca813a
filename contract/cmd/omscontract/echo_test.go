package main

import (
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/oms-contract/stoptask/contract/mock"
	"github.com/oms-contract/stoptask/gen/signer"
)

// TestCheckAgainstAnEchoingServer: a server that echoes every credential
// of the request (the token, the access key, the signature, the security
// token), raw and encoded, as its error code, in its message and in its
// headers, gets none of them, nor a fragment, into the table, the JSON and
// JUnit reports, the coverage file or stderr.
func TestCheckAgainstAnEchoingServer(t *testing.T) {
	var signatures []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var creds []string
		if tok := r.Header.Get("X-Auth-Token"); tok != "" {
			creds = append(creds, tok)
		}
		if a, err := signer.ParseAuthorization(r.Header.Get("Authorization")); err == nil {
			creds = append(creds, a.Access, a.Signature)
			signatures = append(signatures, a.Signature)
		}
		if st := r.Header.Get(signer.HeaderSecurityToken); st != "" {
			creds = append(creds, st)
		}
		var echoed []string
		for _, c := range creds {
			echoed = append(echoed, c, base64.StdEncoding.EncodeToString([]byte(c)), hex.EncodeToString([]byte(c)), url.QueryEscape(c))
		}
		code := strings.Join(echoed, "|")
		w.Header().Set("X-Request-Id", code)
		w.Header().Set("X-Echo", code)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		json.NewEncoder(w).Encode(map[string]string{"error_code": code, "error_msg": "echo " + code})
	}))
	defer srv.Close()
	for _, creds := range [][]string{{"--token", secretToken}, {"--ak", testAK, "--sk", secretSK, "--security-token", secretToken}} {
		signatures = nil
		dir := t.TempDir()
		js, junit, cov := filepath.Join(dir, "report.json"), filepath.Join(dir, "junit.xml"), filepath.Join(dir, "coverage.json")
		args := append([]string{"check", "--endpoint", srv.URL, "--project", mock.DefaultProjectID, "--wide",
			"--json", js, "--junit", junit, "--coverage", cov}, creds...)
		r := runCLI(t, nil, args...)
		files := readFiles(t, js, junit, cov)
		files["stdout"], files["stderr"] = r.stdout, r.stderr
		secrets := append([]string{secretToken, secretSK, testAK}, signatures...)
		for where, text := range files {
			for _, s := range secrets {
				for _, form := range []string{s, base64.StdEncoding.EncodeToString([]byte(s)), hex.EncodeToString([]byte(s))} {
					for i := 0; i+12 <= len(form); i += 4 {
						if strings.Contains(text, form[i:i+12]) {
							t.Errorf("%s %v: %s holds %q, a piece of a secret", creds[0], where, where, form[i:i+12])
							break
						}
					}
				}
			}
		}
		if len(signatures) == 0 && creds[0] == "--ak" {
			t.Error("no signed request reached the server: the test proves nothing")
		}
	}
}
