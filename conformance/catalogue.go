package conformance

// graphDoc is the Graph page the function's contract comes from.
const graphDoc = "learn.microsoft.com/graph/api/callrecords-callrecord-getpstnonlinemeetingdialoutreport (beta)"

// logDoc is the Graph page of the call log, getPstnCalls.
const logDoc = "learn.microsoft.com/graph/api/callrecords-callrecord-getpstncalls"

// mockMustGraphShould makes a check a MUST in the mock profile and a SHOULD in the graph profile.
func mockMustGraphShould(d checkDef) checkDef {
	d.Level, d.GraphLevel = Must, Should
	return d
}

// catalogue is the list of checks in catalogue order. IDs are stable: a check that goes away leaves
// its ID unused, and a new one takes the next number of its area.
func catalogue() []checkDef {
	both := []Profile{ProfileGraph, ProfileMock}
	mockOnly := []Profile{ProfileMock}
	return []checkDef{
		// ENV: status, headers, content type, @odata.context.
		{Check{ID: "DR-ENV-001", Title: "The function answers 200 with a report page", Level: Must,
			Statement: "GET /beta/communications/callRecords/getPstnOnlineMeetingDialoutReport(fromDateTime=..,toDateTime=..) returns 200 OK and a collection of pstnOnlineMeetingDialoutReport in the body. (" + graphDoc + "; docs/contract.md#request, #response)", Profiles: both}, checkAnswers200},
		{Check{ID: "DR-ENV-002", Title: "Content-Type is application/json with odata.metadata=minimal", Level: Must,
			Statement: "Content-Type: application/json;odata.metadata=minimal;...; decimals are numbers unless the request asked IEEE754Compatible=true. (docs/contract.md#response; OData JSON Format 4.01 §3)", Profiles: both}, checkContentType},
		{Check{ID: "DR-ENV-003", Title: "Content-Type carries the full documented parameter set", Level: Should,
			Statement: "Content-Type: application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8. (docs/contract.md#response)", Profiles: both}, checkContentTypeFull},
		{Check{ID: "DR-ENV-004", Title: "request-id is a GUID, new on every answer", Level: Must,
			Statement: "Every answer carries request-id: <uuid>, new per request. (docs/contract.md#response; learn.microsoft.com/graph/errors)", Profiles: both}, checkRequestID},
		{Check{ID: "DR-ENV-005", Title: "client-request-id echoes the request's", Level: Must,
			Statement: "client-request-id: <echo of the request header>. (docs/contract.md#response)", Profiles: both}, checkCRIDEcho},
		{Check{ID: "DR-ENV-006", Title: "Without client-request-id, the answer's equals its request-id", Level: Should,
			Statement: "client-request-id: <echo of the request header, or = request-id when absent>. (docs/contract.md#response)", Profiles: both}, checkCRIDDefault},
		{Check{ID: "DR-ENV-007", Title: "OData-Version is 4.0", Level: Must,
			Statement: "OData-Version: 4.0. (docs/contract.md#response; OData Protocol 4.01 §8.1.5)", Profiles: both}, checkODataVersion},
		{Check{ID: "DR-ENV-008", Title: "@odata.context names the beta metadata of the report collection", Level: Must,
			Statement: `"@odata.context": "{public-base}/beta/$metadata#Collection(microsoft.graph.callRecords.pstnOnlineMeetingDialoutReport)". (docs/contract.md#response)`, Profiles: both}, checkContext},
		{Check{ID: "DR-ENV-009", Title: "@odata.context is the first key of the page", Level: Must,
			Statement: "The context URL is the first property of a response. (OData JSON Format 4.01 §4.5.1; docs/contract.md#response \"keys in this order\")", Profiles: both}, checkContextFirst},
		{Check{ID: "DR-ENV-010", Title: "Page keys come in the documented order", Level: Should,
			Statement: "Body, keys in this order: @odata.context, @odata.count, @odata.nextLink, value. (docs/contract.md#response)", Profiles: both}, checkKeyOrder},
		{Check{ID: "DR-ENV-011", Title: "IEEE754Compatible=true is honoured with string decimals", Level: Should,
			Statement: "Only when the request's Accept carries IEEE754Compatible=true are decimals written as strings, and then the Content-Type says IEEE754Compatible=true. (docs/contract.md#response; OData JSON Format 4.01 §3.2)", Profiles: both}, checkIEEE754},
		{Check{ID: "DR-ENV-012", Title: "GET /_mock/health answers ok with a dataset version", Level: Must,
			Statement: `GET /_mock/health answers 200 {"status":"ok","datasetVersion":"..."} (liveness + dataset version). Skipped when the server has no control API (404). (docs/contract.md#control-api)`, Profiles: mockOnly}, checkHealth},

		// SCHEMA: every page and every entry against schemas/.
		{Check{ID: "DR-SCHEMA-001", Title: "Every page matches page.schema.json", Level: Must,
			Statement: "A page holds @odata.context, @odata.count (entries in this page) and value, plus @odata.nextLink when another page exists. (docs/contract.md#response; schemas/page.schema.json)", Profiles: both}, checkPageSchema},
		{Check{ID: "DR-SCHEMA-002", Title: "Every entry matches entry.schema.json", Level: Must,
			Statement: "userId: GUID (lower-case, hyphenated); usageLocation: ISO 3166-1 alpha-2; currency: ISO 4217; destinationContext: Domestic or International; totals within Int32. (docs/contract.md#response; schemas/entry.schema.json)", Profiles: both}, checkEntrySchema},

		// PAGE: size, count, nextLink, disjoint pages, stable union.
		{Check{ID: "DR-PAGE-001", Title: "A page holds at most 1000 entries", Level: Must,
			Statement: "Paging: at most 1000 entries a page. (docs/contract.md#response; " + graphDoc + ")", Profiles: both}, checkPageSize},
		{Check{ID: "DR-PAGE-002", Title: "@odata.count equals the entries in its page", Level: Must,
			Statement: `"@odata.count": <number of entries IN THIS PAGE>; never a grand total. (docs/contract.md#response, decision D1)`, Profiles: both}, checkPageCount},
		{Check{ID: "DR-PAGE-003", Title: "@odata.nextLink is an absolute URL", Level: Must,
			Statement: "The next page's URL is absolute; clients follow it verbatim, and a relative nextLink breaks the Go SDK (\"unsupported protocol scheme\"). (docs/contract.md#response)", Profiles: both}, checkNextLinkAbsolute},
		{Check{ID: "DR-PAGE-004", Title: "@odata.nextLink stays on the base URL's scheme and host", Level: Must,
			Statement: "nextLink is built from the public base URL, so SDKs keep sending the token: they attach it only for allowed host names. (docs/contract.md#response)", Profiles: both}, checkNextLinkHost},
		{Check{ID: "DR-PAGE-005", Title: "Every @odata.nextLink is followable", Level: Must,
			Statement: "Clients follow @odata.nextLink verbatim; it answers 200 with the next page. (docs/contract.md#response; learn.microsoft.com/graph/paging)", Profiles: both}, checkNextLinkFollowable},
		{Check{ID: "DR-PAGE-006", Title: "The last page has no @odata.nextLink", Level: Must,
			Statement: "The last page has no @odata.nextLink: a nextLink never leads to an empty page or back to a page already read. (docs/contract.md#response)", Profiles: both}, checkLastPage},
		{Check{ID: "DR-PAGE-007", Title: "Pages are disjoint", Level: Must,
			Statement: "One entry per distinct key; paging splits the collection, so no key appears on two pages. (docs/contract.md#response)", Profiles: both}, checkPagesDisjoint},
		{Check{ID: "DR-PAGE-008", Title: "The union of the pages is stable on a re-read", Level: Must,
			Statement: "The report is computed from the ledger for the asked range; reading the same range again gives the same entries. (docs/contract.md#data, #scaling-out)", Profiles: both}, checkUnionStable},
		{Check{ID: "DR-PAGE-009", Title: "@odata.nextLink keeps the request's spelling and adds $skip", Level: Should,
			Statement: "The next page's URL is the request URL as the client spelled it (function spelling, parameter text) plus $skip=<n>. (docs/contract.md#response)", Profiles: both}, checkNextLinkSpelling},
		{Check{ID: "DR-PAGE-010", Title: "An empty range answers 200 with @odata.count 0 and no entries", Level: Must,
			Statement: `An empty range answers 200 with "@odata.count": 0, "value": []. Checked on a range the ledger shows empty. (docs/contract.md#response)`, Profiles: mockOnly}, checkEmptyRange},

		// PARAM: date forms, spellings, and the parameter errors.
		{Check{ID: "DR-PARAM-001", Title: "A date-only value is midnight UTC", Level: Must,
			Statement: "Parameter values are OData DateTimeOffset literals, unquoted; date only (2022-11-01, every doc example) = midnight UTC of that day. (docs/contract.md#request, decision D2)", Profiles: both}, checkDateOnly},
		{Check{ID: "DR-PARAM-002", Title: "Fractional seconds of 0 to 7 digits are accepted", Level: Must,
			Statement: "Full values such as 2022-11-01T00:00:00.7950838Z (0-7+ fractional digits); Kiota TypeScript sends .000Z. (docs/contract.md#request, #what-clients-send)", Profiles: both}, checkFractions},
		{Check{ID: "DR-PARAM-003", Title: "UTC offsets are honoured, a raw + included", Level: Must,
			Statement: "2022-11-01T02:00:00+02:00 is accepted; the classic JS client sends the + raw: never turn it into a space. (docs/contract.md#request, #what-clients-send)", Profiles: both}, checkOffsets},
		{Check{ID: "DR-PARAM-004", Title: "Percent-encoded values are decoded", Level: Must,
			Statement: "Kiota SDKs percent-encode inside the path: 2022-11-01T00%3A00%3A00Z, %2B02%3A00. Decode before parsing. (docs/contract.md#request, #what-clients-send)", Profiles: both}, checkPercentEncoded},
		{Check{ID: "DR-PARAM-005", Title: "Parameter order may be swapped", Level: Must,
			Statement: "Parameter order may be swapped. (docs/contract.md#request; OData URL Conventions 4.01 §4.7)", Profiles: both}, checkSwapped},
		{Check{ID: "DR-PARAM-006", Title: "All three function spellings work", Level: Must,
			Statement: "{fn} comes in three spellings, all of which must work: getPstnOnlineMeetingDialoutReport, microsoft.graph.callRecords.getPstnOnlineMeetingDialoutReport, callRecords.getPstnOnlineMeetingDialoutReport. (docs/contract.md#request)", Profiles: both}, checkSpellings},
		{Check{ID: "DR-PARAM-007", Title: "Segment names are case-insensitive", Level: Must,
			Statement: "Graph path segments are case-insensitive for names (callrecords, GETPSTNONLINEMEETINGDIALOUTREPORT): accept them. (docs/contract.md#request)", Profiles: both}, checkCaseInsensitive},
		{Check{ID: "DR-PARAM-008", Title: "A missing parameter answers 400 BadRequest", Level: Must,
			Statement: "Both parameters are required. Missing → 400 BadRequest. (docs/contract.md#parameters)", Profiles: both}, checkMissingParams},
		{Check{ID: "DR-PARAM-009", Title: "An empty parameter answers 400 BadRequest", Level: Must,
			Statement: "Empty (fromDateTime=,toDateTime=) → 400 BadRequest. (docs/contract.md#parameters)", Profiles: both}, checkEmptyParams},
		{Check{ID: "DR-PARAM-010", Title: "A malformed value answers 400 BadRequest", Level: Must,
			Statement: "Malformed → 400 BadRequest. (docs/contract.md#parameters)", Profiles: both}, checkMalformedParams},
		{Check{ID: "DR-PARAM-011", Title: "from after to answers 400 BadRequest", Level: Must,
			Statement: "from > to → 400. (docs/contract.md#parameters)", Profiles: both}, checkReversed},
		{Check{ID: "DR-PARAM-012", Title: "A range over 90 days answers 400 (or 406)", Level: Must,
			Statement: "The range may not exceed 90 days (to − from ≤ 90 × 24 h); over → 400 BadRequest, and 406 is accepted as real Graph answered it for a sibling. (" + graphDoc + "; docs/contract.md#parameters, decision D3)", Profiles: both}, checkOver90},
		{Check{ID: "DR-PARAM-013", Title: "A range of exactly 90 days answers 200", Level: Must,
			Statement: "The range may not exceed 90 days (to − from ≤ 90 × 24 h): exactly 90 days is allowed. (docs/contract.md#parameters)", Profiles: both}, checkExactly90},
		{Check{ID: "DR-PARAM-014", Title: "$top limits the total number of entries", Level: Must,
			Statement: "$top limits the total number of entries returned (OData); page size stays ≤ 1000. (docs/contract.md#decisions, D6)", Profiles: mockOnly}, checkTop},
		{Check{ID: "DR-PARAM-015", Title: "$skip=n skips the first n entries", Level: Must,
			Statement: "Rows are sorted so that $skip paging is stable; the next page's URL is the request plus $skip=<n>. (docs/contract.md#response, decision D5)", Profiles: mockOnly}, checkSkip},
		{Check{ID: "DR-PARAM-016", Title: "An invalid $skip answers 400 BadRequest", Level: Must,
			Statement: "Invalid $skip (negative, not a number) → 400 BadRequest. (docs/contract.md#decisions, D8)", Profiles: mockOnly}, checkBadSkip},
		{Check{ID: "DR-PARAM-017", Title: "$count, $filter and $search are accepted and ignored, also as %24", Level: Must,
			Statement: "Query options on the wire: $skip, $top, $count, $filter, $search, the $ possibly as %24; $filter, $search and $count are accepted and ignored. (docs/contract.md#request, decision D7)", Profiles: mockOnly}, checkIgnoredOptions},
		{Check{ID: "DR-PARAM-018", Title: "/v1.0 answers 400 BadRequest naming the segment", Level: Must,
			Statement: "The function exists in beta only: /v1.0/... with this function name answers like Graph answers an unknown segment (400, code BadRequest, message naming the segment). (docs/contract.md#request)", Profiles: both}, checkV1},

		// AUTH.
		{Check{ID: "DR-AUTH-001", Title: "No token answers 401 InvalidAuthenticationToken", Level: Must,
			Statement: "Known real shape: 401 InvalidAuthenticationToken / \"Access token is empty.\". (docs/contract.md#errors, #auth-modes; learn.microsoft.com/graph/errors)", Profiles: both}, checkNoToken},
		{Check{ID: "DR-AUTH-002", Title: "An empty bearer token answers 401 InvalidAuthenticationToken", Level: Should,
			Statement: "Auth: Authorization: Bearer <token>; an empty token is no token (401 InvalidAuthenticationToken). (docs/contract.md#request, #errors)", Profiles: both}, checkEmptyToken},
		{Check{ID: "DR-AUTH-003", Title: "A delegated token is refused", Level: Should,
			Statement: "Application permissions only; delegated tokens are not supported: a JWT with scp → 403 (lenient auth), 401 when the signature is checked (strict). (" + graphDoc + "; docs/contract.md#request, #auth-modes)", Profiles: mockOnly}, checkDelegated},
		{Check{ID: "DR-AUTH-004", Title: "An expired token answers 401", Level: Should,
			Statement: "A JWT whose exp is in the past → 401. (docs/contract.md#auth-modes)", Profiles: mockOnly}, checkExpired},

		// AGG: aggregation invariants that need no ground truth.
		{Check{ID: "DR-AGG-001", Title: "Keys are unique within each page", Level: Must,
			Statement: "One entry per distinct key (organizer userId, usageLocation, destinationContext, currency). (docs/contract.md#response)", Profiles: both}, checkUniqueInPage},
		{Check{ID: "DR-AGG-002", Title: "Identity fields are stable per userId", Level: Must,
			Statement: "All dial-out calls are counted under a meeting organizer; userPrincipalName and userDisplayName are the organizer's, the same on every entry of a userId. (" + graphDoc + "; docs/contract.md#response)", Profiles: both}, checkIdentityStable},
		{Check{ID: "DR-AGG-003", Title: "Totals are JSON integers within Int32, calls at least 1", Level: Must,
			Statement: "totalCalls, totalCallSeconds: JSON integers within Int32; the Go SDK fails a page on a string number, a fraction in an integer, or a value past int32. An entry exists because calls were made. (docs/contract.md#response, #what-clients-send, decision D10)", Profiles: both}, checkTotalsRange},
		{Check{ID: "DR-AGG-004", Title: "totalCallCharge is an exact decimal JSON number", Level: Must,
			Statement: "totalCallCharge: Edm.Decimal written as a JSON number with its exact decimal digits (12.83, never 12.829999999); the Go beta SDK's JSON parser rejects strings. Checked on the raw text: a string, more than 4 fractional digits, or a literal float64 cannot hold exactly all fail. (docs/contract.md#response, #what-clients-send)", Profiles: both}, checkDecimalExact},
		{Check{ID: "DR-AGG-005", Title: "A sub-range never reports more than its enclosing range", Level: Must,
			Statement: "A call belongs to the range when from <= startDateTime <= to, and rows are sums over calls: every key of a sub-range exists in the range, with totals no larger. (docs/contract.md#parameters, §2)", Profiles: both}, checkMonotonic},
		{Check{ID: "DR-AGG-006", Title: "Splitting a range at an instant adds up exactly", Level: Must,
			Statement: "Rows are exact sums over the calls of the range, both ends inclusive: rows of [a,m] plus rows of (m,b] (from = m + 100 ns, the finest DateTimeOffset) equal the rows of [a,b], key by key, exact decimals. (docs/contract.md#parameters, §2, decision D4)", Profiles: both}, checkAdditive},
		{Check{ID: "DR-AGG-007", Title: "Rows are sorted by (userPrincipalName, userId, usageLocation, destinationContext, currency)", Level: Should,
			Statement: "Row order: sorted by (userPrincipalName, userId, usageLocation, destinationContext, currency) so $skip paging is stable (ordinal comparison). (docs/contract.md#decisions, D5)", Profiles: mockOnly}, checkOrder},

		// ERR: every error body.
		{Check{ID: "DR-ERR-001", Title: "Every error body matches error.schema.json", Level: Must,
			Statement: `Every non-2xx body is Graph's envelope {"error":{"code","message","innerError":{"date","request-id","client-request-id"}}}. (docs/contract.md#errors; learn.microsoft.com/graph/errors)`, Profiles: both}, checkErrorSchema},
		{Check{ID: "DR-ERR-002", Title: "Every error has a message", Level: Must,
			Statement: "message is ALWAYS present (may be \"\"): the Go SDK panics on a missing message. (docs/contract.md#errors)", Profiles: both}, checkErrorMessage},
		{Check{ID: "DR-ERR-003", Title: "Error bodies are application/json", Level: Must,
			Statement: "Every non-2xx body is Graph's envelope, Content-Type: application/json. (docs/contract.md#errors)", Profiles: both}, checkErrorContentType},
		{Check{ID: "DR-ERR-004", Title: "innerError repeats the request ids", Level: Should,
			Statement: "innerError carries the answer's request-id and the request's client-request-id. (docs/contract.md#response, #errors)", Profiles: both}, checkErrorInnerIDs},
		{Check{ID: "DR-ERR-005", Title: "Error answers carry request-id and client-request-id headers", Level: Should,
			Statement: "Every answer carries request-id and client-request-id headers, errors included. (docs/contract.md#response, #errors)", Profiles: both}, checkErrorHeaders},

		// TENANT: many tenants, when /_mock/health reports "tenancy":"multi"; the kit acts as tenants of
		// its own with unsigned tokens carrying a tid (lenient auth).
		{Check{ID: "DR-TENANT-001", Title: "Two tenants see different data", Level: Must,
			Statement: "Each request belongs to the tenant of its token's tid claim, and each tenant has its own data: no user of one tenant's report is in another's. Skipped unless /_mock/health reports tenancy multi. (docs/contract.md#many-tenants, decision D13)", Profiles: mockOnly}, checkTenantsDiffer},
		{Check{ID: "DR-TENANT-002", Title: "A tenant sees the same data on a re-read", Level: Must,
			Statement: "Same tid, same data, on any replica: reading a tenant's report again gives the same entries. (docs/contract.md#many-tenants)", Profiles: mockOnly}, checkTenantStable},
		{Check{ID: "DR-TENANT-003", Title: "Another tenant's nextLink is refused", Level: Must,
			Statement: "A nextLink carries the tenant's dataset version; followed with another tenant's token it is refused like a stale link (400). (docs/contract.md#many-tenants)", Profiles: mockOnly}, checkTenantNextLink},
		{Check{ID: "DR-TENANT-004", Title: "An evicted tenant is rebuilt identically", Level: Must,
			Statement: "Generated tenants are kept in a bounded cache; an evicted tenant is rebuilt identically when asked again. Judged when GET /_mock/tenants lists one of the kit's tenants as not cached. (docs/contract.md#many-tenants)", Profiles: mockOnly}, checkTenantAfterEviction},
		{Check{ID: "DR-TENANT-005", Title: "Throttling counts per tenant", Level: Should,
			Statement: "Throttling counts per tenant and per app per tenant: one tenant at its limit (429 with Retry-After) leaves the same app in another tenant served. Judged when a tenant meets a limit within 120 requests. (docs/contract.md#many-tenants, #throttling)", Profiles: mockOnly}, checkTenantThrottling},

		// PSTN: the call log, getPstnCalls, over the week before To (the week the date forms spell).
		{Check{ID: "DR-PSTN-001", Title: "The call log answers 200 with pages of pstnCallLogRow", Level: Must,
			Statement: "GET /beta/communications/callRecords/getPstnCalls(fromDateTime=..,toDateTime=..) returns 200 OK, application/json, and a collection of pstnCallLogRow: @odata.context names {base}/beta/$metadata#Collection(microsoft.graph.callRecords.pstnCallLogRow). (" + logDoc + "; docs/contract.md#call-log)", Profiles: both}, checkLogAnswers},
		{Check{ID: "DR-PSTN-002", Title: "Every call log page matches calllog-page.schema.json", Level: Must,
			Statement: "A page holds @odata.context, @odata.count (rows in this page) and value, plus an absolute @odata.nextLink when another page exists. (" + logDoc + "; docs/contract.md#call-log; schemas/calllog-page.schema.json)", Profiles: both}, checkLogPageSchema},
		{Check{ID: "DR-PSTN-003", Title: "Every call log row matches calllog-entry.schema.json", Level: Must,
			Statement: "Entries are pstnCallLogRow with every property of the type (null where the call has none); userId, userPrincipalName and userDisplayName are null or empty for ucap_in and ucap_out only; destinationContext is set on conf_in and conf_out. (learn.microsoft.com/graph/api/resources/callrecords-pstncalllogrow; docs/contract.md#call-log; schemas/calllog-entry.schema.json)", Profiles: both}, checkLogEntrySchema},
		mockMustGraphShould(checkDef{Check{ID: "DR-PSTN-004", Title: "Beta rows carry otherPartyCountryCode and administrativeUnitInfos", Level: Must,
			Statement: "In beta the entries also carry otherPartyCountryCode and administrativeUnitInfos. MUST in the mock profile, SHOULD in the graph profile. (learn.microsoft.com/graph/api/resources/callrecords-pstncalllogrow?view=graph-rest-beta; docs/contract.md#call-log)", Profiles: both}, checkLogBetaProperties}),
		{Check{ID: "DR-PSTN-005", Title: "charge and connectionCharge are exact JSON numbers", Level: Must,
			Statement: "Decimals (Edm.Decimal) are written as numbers, strings only with IEEE754Compatible=true; a call's charge has two places, so more fractional digits are a float artefact. (docs/contract.md#call-log, #what-clients-send)", Profiles: both}, checkLogDecimals},
		mockMustGraphShould(checkDef{Check{ID: "DR-PSTN-006", Title: "charge and connectionCharge have exactly two decimal places", Level: Must,
			Statement: "Decimals written with exactly two places (0.00, as the documentation's example). MUST in the mock profile, SHOULD in the graph profile. (" + logDoc + "; docs/contract.md#call-log)", Profiles: both}, checkLogTwoPlaces}),
		{Check{ID: "DR-PSTN-007", Title: "A call log page holds at most 1000 rows, and @odata.count counts them", Level: Must,
			Statement: "If there are more than 1000 entries in the date range, the body also includes an @odata.nextLink; @odata.count enumerates the records in this response (1000 on a full first page). (" + logDoc + "; docs/contract.md#call-log)", Profiles: both}, checkLogPaging},
		{Check{ID: "DR-PSTN-008", Title: "The call log's nextLinks are absolute, followable, and the last page has none", Level: Must,
			Statement: "The next page's URL is absolute and on the base URL's host, clients follow it verbatim, and the last page in the date range does not have @odata.nextLink. (" + logDoc + "; docs/contract.md#call-log, #response)", Profiles: both}, checkLogNextLinks},
		mockMustGraphShould(checkDef{Check{ID: "DR-PSTN-009", Title: "The call log's nextLink keeps the request's spelling and parameter names", Level: Must,
			Statement: "A nextLink keeps the request's function spelling and parameter names and adds $skip. MUST in the mock profile, SHOULD in the graph profile, as the documentation's own example nextLink renames them from/to. (" + logDoc + "; docs/contract.md#call-log)", Profiles: both}, checkLogNextLinkSpelling}),
		{Check{ID: "DR-PSTN-010", Title: "Every row starts inside the range, both ends inclusive, once", Level: Must,
			Statement: "fromDateTime and toDateTime are UTC, inclusive, based on the call start time; each row maps to one call. (" + logDoc + "; docs/contract.md#call-log, decision D4)", Profiles: both}, checkLogInRange},
		{Check{ID: "DR-PSTN-011", Title: "All three spellings of getPstnCalls, in any case, list the same calls", Level: Must,
			Statement: "getPstnCalls, microsoft.graph.callRecords.getPstnCalls and callRecords.getPstnCalls all work; path segment names are case-insensitive. (docs/contract.md#call-log, #request)", Profiles: both}, checkLogSpellings},
		{Check{ID: "DR-PSTN-012", Title: "The call log takes every date form", Level: Must,
			Statement: "The same date forms as the dial-out report: date only (midnight UTC), 7 fractional digits, offsets with a raw +, percent-encoding, swapped parameters. (docs/contract.md#call-log, #request, decision D2)", Profiles: both}, checkLogDateForms},
		{Check{ID: "DR-PSTN-013", Title: "The call log is in v1.0 too, with the same calls", Level: Must,
			Statement: "getPstnCalls exists in v1.0: its @odata.context names {base}/v1.0/$metadata#Collection(microsoft.graph.callRecords.pstnCallLogRow). (learn.microsoft.com/graph/api/callrecords-callrecord-getpstncalls?view=graph-rest-1.0; docs/contract.md#call-log)", Profiles: both}, checkLogV1},
		{Check{ID: "DR-PSTN-014", Title: "The call log's parameter errors answer 400 BadRequest", Level: Must,
			Statement: "The same parameter rules as the dial-out report: missing, empty, malformed or reversed values answer 400 BadRequest; a range over 90 days 400 (or 406). (" + logDoc + "; docs/contract.md#call-log, #parameters, decision D3)", Profiles: both}, checkLogParamErrors},
		{Check{ID: "DR-PSTN-015", Title: "The call log without a token answers 401 InvalidAuthenticationToken", Level: Must,
			Statement: "Authorization: Bearer {token} is required; without it, 401 InvalidAuthenticationToken in Graph's envelope. (" + logDoc + "; docs/contract.md#call-log, #errors)", Profiles: both}, checkLogNoToken},
		{Check{ID: "DR-PSTN-016", Title: "The call log lists exactly the ledger's calls", Level: Must,
			Statement: "The call log is served from the same ledger as the report: the call log of a range lists every call GET /_mock/calls shows for it, of every type, each once. (docs/contract.md#call-log, #control-api)", Profiles: mockOnly}, checkLogLedger},
		{Check{ID: "DR-PSTN-017", Title: "Call log rows come in (startDateTime, id) order", Level: Must,
			Statement: "Rows in (startDateTime, id) order, so $skip paging is stable. (docs/contract.md#call-log)", Profiles: mockOnly}, checkLogOrder},

		// XFN: the dial-out report is the aggregation of the call log's conf_out rows.
		mockMustGraphShould(checkDef{Check{ID: "DR-XFN-001", Title: "The report of a range is the aggregation of its conf_out call log rows", Level: Must,
			Statement: "The dial-out report of a range equals, row for row, the aggregation of that range's getPstnCalls rows with callType conf_out by (userId, usageCountryCode, destinationContext, currency), totalCallCharge = Σ(charge + connectionCharge). The kit reads the report again after the call log: FAIL when the functions disagree while both report reads agree, SKIP when the report changed between its reads. MUST in the mock profile, SHOULD in the graph profile. (docs/contract.md#call-log, decisions D11, D12)", Profiles: both}, checkCrossWeek}),
		mockMustGraphShould(checkDef{Check{ID: "DR-XFN-002", Title: "The report equals the call log's aggregation on both halves of a split range", Level: Must,
			Statement: "The same rule on each half of the week split at an instant, [a, m] and [m + 100 ns, b]: both ends inclusive in both functions. MUST in the mock profile, SHOULD in the graph profile. (docs/contract.md#call-log, decisions D4, D11, D12)", Profiles: both}, checkCrossSplit}),

		// LEDGER: mock only, against the ground truth.
		{Check{ID: "DR-LEDGER-001", Title: "GET /_mock/calls returns the ledger as JSON Lines", Level: Must,
			Statement: "GET /_mock/calls?from=&to= returns the ledger in the scenario calls format, one JSON object a line, inclusive on both ends. Skipped when the server has no such endpoint (404). (docs/contract.md#control-api, #scenario-files)", Profiles: mockOnly}, checkLedgerFormat},
		{Check{ID: "DR-LEDGER-002", Title: "Every row equals the exact aggregation of the ledger", Level: Must,
			Statement: "The report is computed from the ledger: one row per (organizerId, usageLocation, destinationContext, currency), totalCalls = count, totalCallSeconds = Σ duration, totalCallCharge = Σ (charge + connectionCharge) in exact decimal arithmetic. (docs/contract.md#data)", Profiles: mockOnly}, checkLedgerRows},
		{Check{ID: "DR-LEDGER-003", Title: "Both ends of a range are inclusive", Level: Must,
			Statement: "A call belongs to the range when from <= call.startDateTime <= to (both inclusive, as getPstnCalls documents). Probed with ledger calls as the ends. (docs/contract.md#parameters, decision D4)", Profiles: mockOnly}, checkLedgerBounds},
		changesState(checkDef{Check{ID: "DR-LEDGER-010", Title: "A loaded scenario is reported exactly", Level: Must,
			Statement: "PUT /_mock/dataset loads a scenario atomically; the report then equals its exact aggregation: ends inclusive, 0.10 + 0.20 = 0.3, zero charges, Int32-edge totals, location change, multi-currency, organizer attribution, non-ASCII names. The kit puts the dataset it found back after the run. (docs/contract.md#scenario-files, #control-api)", Profiles: mockOnly}, checkScenarioExact}),
		changesState(checkDef{Check{ID: "DR-LEDGER-011", Title: "A 1001-row scenario pages correctly", Level: Must,
			Statement: "0 / 1 / 999 / 1000 / 1001 / 2500 rows: at most 1000 entries a page, every row once, last page without nextLink. The kit puts the dataset it found back after the run. (docs/contract.md#response, #scenario-files)", Profiles: mockOnly}, checkScenarioPaging}),
		changesState(checkDef{Check{ID: "DR-LEDGER-012", Title: "A scenario whose totals pass Int32 is refused", Level: Must,
			Statement: "Values past Int32 are never emitted; a scenario that would overflow is refused when loaded, and a running server keeps its old dataset. (docs/contract.md#scenario-files, decision D10)", Profiles: mockOnly}, checkScenarioOverflow}),
		changesState(checkDef{Check{ID: "DR-LEDGER-013", Title: "An invalid scenario is refused naming the field", Level: Must,
			Statement: "A bad scenario file is refused as a whole with an error naming the field and reason; a running server keeps its old dataset. (docs/contract.md#scenario-files)", Profiles: mockOnly}, checkScenarioInvalid}),
		changesState(checkDef{Check{ID: "DR-LEDGER-014", Title: "POST /_mock/reset restores the startup dataset", Level: Must,
			Statement: "POST /_mock/reset goes back to the startup dataset: after a reset, a loaded scenario and a second reset, the mock serves what it served after the first. (docs/contract.md#control-api)", Profiles: mockOnly}, checkReset}),
	}
}
