package dataset

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/dialoutkit/dialoutkit/generator"
)

// Generate builds the dataset of the tenant spec generates, named and
// versioned by the spec. progress, if not nil, is called as generation
// advances.
func Generate(ctx context.Context, spec generator.Spec, progress func(done, total int)) (Dataset, error) {
	t, err := generator.Generate(ctx, spec, progress)
	if err != nil {
		return Dataset{}, fmt.Errorf("generate: %w", err)
	}
	return Dataset{Source: t, Version: spec.Version(), Name: spec.String()}, nil
}

// Generator returns the builder of the "generator" object of PUT
// /_mock/dataset (the server's Config.Generate): the parameters given
// replace those of base, which also supplies the rest.
func Generator(base generator.Spec) func(ctx context.Context, params json.RawMessage) (Dataset, error) {
	return func(ctx context.Context, params json.RawMessage) (Dataset, error) {
		spec, err := generator.ParseSpec(params, base)
		if err != nil {
			return Dataset{}, err
		}
		return Generate(ctx, spec, nil)
	}
}
