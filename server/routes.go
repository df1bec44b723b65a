package server

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// routes is the whole API surface: the Graph function, how Graph answers
// what it does not have, and the control API under /_mock/.
func (s *Server) routes() *echo.Echo {
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = s.handleError
	e.Pre(s.stripPrefix, canonicalPath)
	// CORS comes before the Host check, so that error too reaches a browser
	// (cors.go); a preflight stops there.
	e.Use(requestIDs, s.logRequests, s.recoverPanics, s.cors, s.validHost)

	// Everything a client of Graph can reach is journaled and can be made to
	// fail on cue.
	api := e.Group("", s.record, s.injectFaults)

	// Graph (docs/contract.md#the-function). Names are case-insensitive: canonicalPath routes any
	// spelling of the prefix here; the handlers parse the segment as sent.
	// The dial-out report is beta-only; the call log, getPstnCalls
	// (docs/contract.md#call-log), is in beta and v1.0, with the same rules,
	// auth and throttling family.
	api.GET(graphPrefix+":function", s.handleFunction, s.authorize, s.applyThrottle, s.resolveTenant)
	api.Match(otherMethods, graphPrefix+":function", methodNotAllowed)
	api.GET(v1Prefix+":function", s.handleV1, s.authorize, s.applyThrottle)
	api.Match(otherMethods, v1Prefix+":function", s.v1MethodNotAllowed)
	api.Any("/beta/*", s.handleUnknownSegment)
	api.Any("/v1.0/*", s.handleUnknownSegment)
	api.RouteNotFound("/*", notFound)

	// Identity (docs/contract.md#identity-and-https): the mock is its own token authority
	// (package identity), answering failures in the identity platform's
	// shape. Journaled like Graph calls and never throttled; faulted only by
	// faults whose path names them, and then in that shape too.
	// (Per route, not a group: a group's middleware would also wrap every
	// unknown path.)
	e.GET("/:tenant/v2.0/.well-known/openid-configuration", identityHandler(s.identity.OpenIDConfiguration()), s.record, s.injectIdentityFaults)
	e.GET("/:tenant/discovery/v2.0/keys", identityHandler(s.identity.Keys()), s.record, s.injectIdentityFaults)
	e.Match(tokenMethods, "/:tenant/oauth2/v2.0/token", identityHandler(s.identity.Token()), s.record, s.injectIdentityFaults)

	// The dashboard's files (docs/contract.md#dashboard) hold no data: open,
	// like /_mock/health; the page sends the admin key on its API calls.
	e.GET("/_mock/ui", redirectDashboard)
	e.GET("/_mock/ui/*", handleDashboard)

	// Control API (docs/contract.md#control-api): never under /beta or /v1.0.
	m := e.Group("/_mock", s.requireAdminKey)
	m.GET("/health", s.handleHealth)
	m.GET("/dataset", s.handleDatasetSummary)
	m.PUT("/dataset", s.handlePutDataset)
	m.POST("/reset", s.handleReset)
	m.GET("/calls", s.handleCalls)
	m.GET("/daily", s.handleDaily)
	m.GET("/requests", s.handleRequests)
	m.DELETE("/requests", s.handleClearRequests)
	m.GET("/faults", s.handleListFaults)
	m.POST("/faults", s.handleQueueFault)
	m.DELETE("/faults", s.handleClearFaults)
	if s.multi() { // docs/contract.md#many-tenants
		m.GET("/tenants", s.handleTenants)
		t := m.Group("/tenants/:tid", s.tenantPath)
		t.GET("/dataset", s.handleDatasetSummary)
		t.PUT("/dataset", s.handlePutDataset)
		t.POST("/reset", s.handleTenantReset)
		t.GET("/calls", s.handleCalls)
		t.GET("/daily", s.handleDaily)
	}
	if s.cfg.Debug != nil {
		m.Any("/debug/*", echo.WrapHandler(s.cfg.Debug))
	}
	m.RouteNotFound("/*", notFound)
	return e
}

// tokenMethods are the methods the token endpoint answers: POST, and those
// it refuses in Entra's words.
var tokenMethods = []string{http.MethodPost, http.MethodGet, http.MethodHead, http.MethodPut, http.MethodPatch, http.MethodDelete}

// identityHandler mounts an endpoint of package identity, which reads the
// tenant segment as net/http's ServeMux would set it.
func identityHandler(h http.Handler) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		r.SetPathValue("tenant", c.Param("tenant"))
		h.ServeHTTP(c.Response(), r)
		return nil
	}
}

// otherMethods are refused on the function; OPTIONS never gets here, since
// cors answers it on every Graph path.
var otherMethods = []string{http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
	http.MethodDelete, http.MethodConnect, http.MethodTrace}

func methodNotAllowed(echo.Context) error { return echo.ErrMethodNotAllowed }

func notFound(echo.Context) error { return echo.ErrNotFound }
