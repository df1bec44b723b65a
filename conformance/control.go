package conformance

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
)

// The mock's control API (docs/contract.md#control-api), as the checks use it.

// healthResult is what GET /_mock/health said.
type healthResult struct {
	rsp     *response
	absent  bool // 404: the server has no control API
	ok      bool
	problem string
	version string
}

func (s *session) mockURL(path string) string { return s.root + path }

// mockDo sends r, whose url is a path under /_mock/, to the control API. The error is the kit's: no
// answer, or a control API that wants an admin key the kit does not have. Anything but a GET counts
// as a change of the server's state, to be put back after the run.
func (s *session) mockDo(ctx context.Context, r request) (*response, error) {
	r.url = s.mockURL(r.url)
	if r.method != "" && r.method != http.MethodGet {
		s.changed = true
	}
	rsp, err := s.c.do(ctx, r)
	if err != nil {
		return nil, err
	}
	if err := mockDenied(rsp); err != nil {
		return nil, err
	}
	return rsp, nil
}

// healthNow asks /_mock/health, past the cache.
func (s *session) healthNow(ctx context.Context) (*healthResult, error) {
	rsp, err := s.mockDo(ctx, request{url: "/_mock/health", fresh: true})
	if err != nil {
		return nil, err
	}
	h := &healthResult{rsp: rsp}
	if rsp.status == http.StatusNotFound {
		h.absent = true
		return h, nil
	}
	if rsp.status != http.StatusOK {
		h.problem = fmt.Sprintf("GET /_mock/health answered HTTP %d, want 200", rsp.status)
		return h, nil
	}
	var body struct {
		Status         string `json:"status"`
		DatasetVersion any    `json:"datasetVersion"`
	}
	if err := json.Unmarshal(rsp.body, &body); err != nil {
		h.problem = "GET /_mock/health: the body is not JSON: " + firstBytes(rsp.body)
		return h, nil
	}
	v, isString := body.DatasetVersion.(string)
	switch {
	case body.Status != "ok":
		h.problem = `GET /_mock/health: "status" is ` + quote(body.Status) + `, want "ok"`
	case !isString || v == "":
		h.problem = `GET /_mock/health: "datasetVersion" is not a non-empty string`
	default:
		h.ok, h.version = true, v
	}
	return h, nil
}

func quote(s string) string { b, _ := json.Marshal(s); return string(b) }

func (s *session) healthFirst(ctx context.Context) (*healthResult, error) {
	return s.health.get(func() (*healthResult, error) { return s.healthNow(ctx) })
}

// controlAPI returns the dataset version before a scenario check, or marks the probe skipped.
func controlAPI(ctx context.Context, s *session, p *probe) (string, bool) {
	h, err := s.healthNow(ctx)
	if err != nil {
		p.errorf(err)
		return "", false
	}
	if h.absent {
		p.skipf("the server has no control API: GET /_mock/health answered 404")
		return "", false
	}
	if !h.ok {
		p.skipf("the control API is not healthy (%s): DR-ENV-012 judges that", h.problem)
		return "", false
	}
	return h.version, true
}

// putDataset loads a scenario. It returns nil after marking the probe when the server has no PUT.
func putDataset(ctx context.Context, s *session, p *probe, body []byte) *response {
	rsp, ok := p.got(s.mockDo(ctx, request{method: http.MethodPut, url: "/_mock/dataset", body: body}))
	if !ok {
		return nil
	}
	if rsp.status == http.StatusNotFound || rsp.status == http.StatusMethodNotAllowed {
		p.skipf("the server cannot load scenarios: PUT /_mock/dataset answered HTTP %d", rsp.status)
		return nil
	}
	return rsp
}

// mockDenied is the kit's error for a control API that wants an admin key the kit does not have:
// the check could not run, which is not the server's fault.
func mockDenied(rsp *response) error {
	if rsp.status != http.StatusUnauthorized && rsp.status != http.StatusForbidden {
		return nil
	}
	return &answerError{rsp: rsp, err: fmt.Errorf("%s %s answered HTTP %d: the control API wants an admin key (Config.AdminKey, dialoutconform --admin-key-env)", rsp.ex.Method, rsp.ex.URL, rsp.status)}
}

// resetDataset goes back to the startup dataset and returns its version; a failure is the server's.
func resetDataset(ctx context.Context, s *session, p *probe) (string, bool) {
	rsp, ok := p.got(s.mockDo(ctx, request{method: http.MethodPost, url: "/_mock/reset"}))
	if !ok {
		return "", false
	}
	if rsp.status < 200 || rsp.status > 299 {
		p.failf(rsp, "POST /_mock/reset answered HTTP %d, want 2xx", rsp.status)
		return "", false
	}
	h, err := s.healthNow(ctx)
	if err != nil {
		p.errorf(err)
		return "", false
	}
	if !h.ok {
		p.skipf("after POST /_mock/reset the control API is not healthy (%s): DR-ENV-012 judges that", h.problem)
		return "", false
	}
	s.startup = h.version
	return h.version, true
}

// withScenario loads body and runs f if the server took it. The dataset the run found is put back
// after the last check (session.restore).
func withScenario(ctx context.Context, s *session, p *probe, body []byte, f func(rsp *response)) {
	if _, ok := controlAPI(ctx, s, p); !ok {
		return
	}
	rsp := putDataset(ctx, s, p, body)
	if rsp == nil {
		return
	}
	f(rsp)
}
