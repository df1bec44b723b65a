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
	e.Use(requestIDs, s.logRequests, s.recoverPanics, s.validHost)

	// Everything a client of Graph can reach is journaled and can be made to
	// fail on cue.
	api := e.Group("", s.record, s.injectFaults)

	// Graph (docs/contract.md#the-function). Names are case-insensitive: canonicalPath routes any
	// spelling of the prefix here; the handlers parse the segment as sent.
	api.GET(graphPrefix+":function", s.handleReport, s.authorize, s.applyThrottle)
	api.Match(otherMethods, graphPrefix+":function", methodNotAllowed)
	api.Any("/beta/*", s.handleUnknownSegment)
	api.Any("/v1.0/*", s.handleUnknownSegment) // the function is beta-only
	api.RouteNotFound("/*", notFound)

	// Identity (docs/contract.md#identity-and-https): the mock is its own token authority, answering
	// failures in the identity platform's shape. Journaled like Graph calls,
	// never faulted or throttled: faults stand for Graph's, not Entra's.
	e.GET("/:tenant/v2.0/.well-known/openid-configuration", s.handleOpenIDConfig, s.record, s.identityErrors)
	e.GET("/:tenant/discovery/v2.0/keys", s.handleJWKS, s.record, s.identityErrors)
	e.POST("/:tenant/oauth2/v2.0/token", s.handleToken, s.record, s.identityErrors)
	e.Match(tokenMethods, "/:tenant/oauth2/v2.0/token", handleTokenMethod, s.record, s.identityErrors)

	// Control API (docs/contract.md#control-api): never under /beta or /v1.0.
	m := e.Group("/_mock", s.requireAdminKey)
	m.GET("/health", s.handleHealth)
	m.GET("/dataset", s.handleDatasetSummary)
	m.PUT("/dataset", s.handlePutDataset)
	m.POST("/reset", s.handleReset)
	m.GET("/calls", s.handleCalls)
	m.GET("/requests", s.handleRequests)
	m.DELETE("/requests", s.handleClearRequests)
	m.GET("/faults", s.handleListFaults)
	m.POST("/faults", s.handleQueueFault)
	m.DELETE("/faults", s.handleClearFaults)
	if s.cfg.Debug != nil {
		m.Any("/debug/*", echo.WrapHandler(s.cfg.Debug))
	}
	m.RouteNotFound("/*", notFound)
	return e
}

var otherMethods = []string{http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
	http.MethodDelete, http.MethodOptions, http.MethodConnect, http.MethodTrace}

func methodNotAllowed(echo.Context) error { return echo.ErrMethodNotAllowed }

func notFound(echo.Context) error { return echo.ErrNotFound }
