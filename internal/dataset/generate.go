package dataset

import (
	"context"
	"encoding/json"
	"errors"
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

// MaxBuildCalls bounds the expected size (generator.Spec.ExpectedCalls) of a
// tenant built from the generator parameters of PUT /_mock/dataset. A build
// peaks at about 60 bytes a call (dialoutmock's peak RSS was 583 MiB for a
// PUT of 9.98 M calls), so one at the bound takes about 600 MiB besides the
// dataset serving; the server runs one build at a time. The startup flags may ask for more, up to
// generator.MaxCalls, since whoever starts the mock chooses its memory.
const MaxBuildCalls = 10_000_000

// ErrTooLarge is the error of generator parameters whose tenant is expected
// to have more than MaxBuildCalls calls.
var ErrTooLarge = errors.New("too large a tenant to build while serving")

// Generator returns the builder of the "generator" object of PUT
// /_mock/dataset (the server's Config.Generate): the parameters given
// replace those of base, which also supplies the rest. A tenant expected to
// have more than MaxBuildCalls calls is refused with ErrTooLarge.
func Generator(base generator.Spec) func(ctx context.Context, params json.RawMessage) (Dataset, error) {
	return func(ctx context.Context, params json.RawMessage) (Dataset, error) {
		spec, err := generator.ParseSpec(params, base)
		if err != nil {
			return Dataset{}, err
		}
		if n := spec.ExpectedCalls(); n > MaxBuildCalls {
			return Dataset{}, fmt.Errorf("%w: users × intensity × windowDays / 30 = %d × %v × %d / 30 is about %.0f calls, more than %d; start dialoutmock with these settings as flags for a larger tenant",
				ErrTooLarge, spec.Users, spec.Intensity, spec.WindowDays, n, MaxBuildCalls)
		}
		return Generate(ctx, spec, nil)
	}
}
