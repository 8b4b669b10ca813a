package docsite

import (
	"context"
	"fmt"

	"github.com/getkin/kin-openapi/openapi3"
)

// Validate is the kin-openapi half of `make lint`: it loads the spec and
// validates it, including every example against its schema (stated
// explicitly so a change of kin-openapi's default cannot turn it off) and
// the schemas' regular expressions. The other half is `redocly lint`.
func Validate(ctx context.Context, specPath string) error {
	doc, err := openapi3.NewLoader().LoadFromFile(specPath)
	if err != nil {
		return fmt.Errorf("%s: %w", specPath, err)
	}
	err = doc.Validate(ctx,
		openapi3.EnableExamplesValidation(),
		openapi3.EnableSchemaPatternValidation(),
	)
	if err != nil {
		return fmt.Errorf("%s: %w", specPath, err)
	}
	return nil
}
