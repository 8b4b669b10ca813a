package docsite

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestValidate(t *testing.T) {
	spec, err := os.ReadFile(filepath.Join(repoRoot, "openapi.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		old, new string
		wantErr  string
	}{
		{name: "openapi.yaml as committed"},
		{name: "an example whose error_code is a number", old: "error_code: OMS.1009", new: "error_code: 1009", wantErr: "error_code"},
		{name: "an example missing a required member", old: "                error_msg: Insufficient permission.\n", new: "", wantErr: "error_msg"},
		{name: "a parameter example beyond its maximum", old: "example: 191297407830872", new: "example: 9999999999999999", wantErr: "maximum"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			text := string(spec)
			if tc.old != "" {
				text = strings.Replace(text, tc.old, tc.new, 1)
				if text == string(spec) {
					t.Fatalf("openapi.yaml no longer contains %q; update this test", tc.old)
				}
			}
			path := filepath.Join(t.TempDir(), "openapi.yaml")
			if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
				t.Fatal(err)
			}
			err := Validate(context.Background(), path)
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("Validate error = %v, want it to mention %q", err, tc.wantErr)
			}
		})
	}
}
