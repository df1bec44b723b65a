package identity

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"math"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// forge signs claims as the authority would, edited, with key (nil: the
// authority's).
func forge(tb testing.TB, a *Authority, key *rsa.PrivateKey, edit func(*Claims)) string {
	tb.Helper()
	cl, err := a.Claims(readerApp, "contoso.onmicrosoft.com")
	if err != nil {
		tb.Fatal(err)
	}
	edit(&cl)
	k, err := a.key()
	if key != nil {
		k, err = newSigningKey(key)
	}
	if err != nil {
		tb.Fatal(err)
	}
	tok, err := k.sign(cl)
	if err != nil {
		tb.Fatal(err)
	}
	return tok
}

// unsigned builds a token with the given claims and a junk signature
// (lenient mode never checks signatures).
func unsigned(claims map[string]any) string {
	return rawJWT(map[string]string{"alg": "RS256", "typ": "JWT"}, claims, "c2ln")
}

func at(d time.Duration) *NumericDate { return NewNumericDate(identityNow.Add(d)) }

func seconds(f float64) *NumericDate { d := NumericDate(f); return &d }

func TestVerify(t *testing.T) {
	a := newTestAuthority(t)
	valid := func(*Claims) {}
	k, err := a.key()
	if err != nil {
		t.Fatal(err)
	}
	good := forge(t, a, nil, valid)
	goodParts := strings.Split(good, ".")
	tid, _ := tenantID("contoso.onmicrosoft.com")
	claimsOK := a.claimsFor(readerApp, tid, GraphAudience)
	minted, err := a.Mint("CallRecords.Read.All")
	if err != nil {
		t.Fatal(err)
	}
	mintedNoRole, err := a.Mint()
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name  string
		token string
		want  error
	}{
		{"valid", good, nil},
		{"minted by Mint", minted, nil},
		{"older role", forge(t, a, nil, func(c *Claims) { c.Roles = []string{"CallRecord-PstnCalls.Read.All"} }), nil},
		{"Graph's app id as audience", forge(t, a, nil, func(c *Claims) { c.Aud = Audience{graphAppID} }), nil},
		{"audience among others", forge(t, a, nil, func(c *Claims) { c.Aud = Audience{"api://x", GraphAudience} }), nil},
		{"expired within the skew", forge(t, a, nil, func(c *Claims) { c.Exp = at(-4 * time.Minute) }), nil},
		{"not yet valid within the skew", forge(t, a, nil, func(c *Claims) { c.Nbf = at(4 * time.Minute) }), nil},

		{"opaque token", "opaque-token-without-dots", ErrTokenNotJWS},
		{"two segments", goodParts[0] + "." + goodParts[1], ErrTokenMalformed},
		{"four segments", good + ".x", ErrTokenMalformed},
		{"header not JSON", "bm90LWpzb24." + goodParts[1] + "." + goodParts[2], ErrTokenMalformed},
		{"header over 16 KiB", strings.Repeat("e", 17<<10) + "." + goodParts[1] + "." + goodParts[2], ErrTokenMalformed},
		{"unsigned, alg none", rawJWT(map[string]string{"alg": "none", "typ": "JWT"}, claimsOK, ""), ErrTokenSignature},
		{"RS256 with an empty signature", goodParts[0] + "." + goodParts[1] + ".", ErrTokenSignature},
		{"RS256 with a signature that is not base64", goodParts[0] + "." + goodParts[1] + ".!!", ErrTokenSignature},
		{"lenient-style unsigned token", unsigned(map[string]any{"roles": []string{"CallRecords.Read.All"}, "exp": float64(identityNow.Add(time.Hour).Unix())}), ErrTokenSignature},
		{"HS256", rawJWT(map[string]string{"alg": "HS256", "typ": "JWT", "kid": k.kid}, claimsOK, goodParts[2]), ErrTokenSignature},
		{"an algorithm nobody knows", rawJWT(map[string]string{"alg": "XS999", "typ": "JWT", "kid": k.kid}, claimsOK, goodParts[2]), ErrTokenSignature},
		{"another key", forge(t, a, testKeys()[1], valid), ErrTokenSignature},
		{"another key under the authority's kid", func() string {
			other, _ := newSigningKey(testKeys()[1])
			other.kid = k.kid
			tok, _ := other.sign(claimsOK)
			return tok
		}(), ErrTokenSignature},
		{"claims altered after signing", func() string {
			c := claimsOK
			c.Roles = []string{"CallRecords.Read.All", "Directory.ReadWrite.All"}
			return rawJWT(map[string]string{"typ": "JWT", "alg": "RS256", "kid": k.kid}, c, goodParts[2])
		}(), ErrTokenSignature},
		{"expired", forge(t, a, nil, func(c *Claims) { c.Iat, c.Nbf, c.Exp = at(-2*time.Hour), at(-2*time.Hour), at(-time.Hour) }), ErrTokenExpired},
		{"not yet valid", forge(t, a, nil, func(c *Claims) { c.Nbf = at(10 * time.Minute) }), ErrTokenNotYetValid},
		{"no exp", forge(t, a, nil, func(c *Claims) { c.Exp = nil }), ErrTokenNotYetValid},
		{"no nbf, and expired", forge(t, a, nil, func(c *Claims) { c.Nbf, c.Exp = nil, at(-time.Hour) }), ErrTokenNotYetValid},
		{"wrong audience", forge(t, a, nil, func(c *Claims) { c.Aud = Audience{"https://management.azure.com"} }), ErrTokenAudience},
		{"no audience", forge(t, a, nil, func(c *Claims) { c.Aud = nil }), ErrTokenAudience},
		{"v2 issuer", forge(t, a, nil, func(c *Claims) { c.Iss = "https://login.microsoftonline.com/" + tid + "/v2.0" }), ErrTokenIssuer},
		{"another tenant's issuer", forge(t, a, nil, func(c *Claims) { c.Iss = issuerOf("72f988bf-86f1-41af-91ab-2d7cd011db47") }), ErrTokenIssuer},
		{"delegated (scp)", forge(t, a, nil, func(c *Claims) { c.Scp = "CallRecords.Read.All"; c.Roles = nil; c.Idtyp = "user" }), ErrForbidden},
		{"delegated with roles too", forge(t, a, nil, func(c *Claims) { c.Scp = "User.Read" }), ErrForbidden},
		{"no accepted role", forge(t, a, nil, func(c *Claims) { c.Roles = []string{"User.Read.All", "CallRecords.ReadWrite"} }), ErrForbidden},
		{"no roles claim", mintedNoRole, ErrForbidden},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cl, err := a.Verify(c.token, identityNow)
			if !errors.Is(err, c.want) || (c.want == nil) != (err == nil) {
				t.Fatalf("Verify = %v, want %v", err, c.want)
			}
			if err == nil && cl.Tid != tid {
				t.Errorf("Verify claims tid = %q, want %q", cl.Tid, tid)
			}
		})
	}
}

// TestVerifyTimesAtTheEdges: exp and nbf anywhere a JSON number can put them
// (issue 11, item 9: 2^63 seconds once wrapped to the past).
func TestVerifyTimesAtTheEdges(t *testing.T) {
	a := newTestAuthority(t)
	k, err := a.key()
	if err != nil {
		t.Fatal(err)
	}
	// raw signs the claims of a token with exp and nbf written as given.
	raw := func(exp, nbf string) string {
		b, _ := json.Marshal(a.claimsFor(readerApp, derivedGUID("tenant", "contoso.com"), GraphAudience))
		var m map[string]json.RawMessage
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		m["exp"], m["nbf"] = json.RawMessage(exp), json.RawMessage(nbf)
		body, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		enc := base64.RawURLEncoding
		input := enc.EncodeToString([]byte(`{"alg":"RS256","kid":"`+k.kid+`","typ":"JWT"}`)) + "." + enc.EncodeToString(body)
		sig, err := jwt.SigningMethodRS256.Sign(input, k.priv)
		if err != nil {
			t.Fatal(err)
		}
		return input + "." + enc.EncodeToString(sig)
	}
	now := fmtSeconds(identityNow.Unix())
	later := fmtSeconds(identityNow.Add(time.Hour).Unix())
	cases := []struct {
		name, exp, nbf string
		want           error
	}{
		{"exp 2^63-1 is far future", "9223372036854775807", now, nil},
		{"exp 2^64", "18446744073709551616", now, nil},
		{"exp 1e300", "1e300", now, nil},
		{"exp 1e400, beyond float64", "1e400", now, nil},
		{"exp fractional, within the skew", fmtSeconds(identityNow.Add(-TokenSkew).Unix()) + ".5", now, nil},
		{"exp fractional, past the skew", fmtSeconds(identityNow.Add(-TokenSkew).Unix()-1) + ".5", now, ErrTokenExpired},
		{"exp negative", "-1", now, ErrTokenExpired},
		{"exp -2^63", "-9223372036854775808", now, ErrTokenExpired},
		{"exp -1e400", "-1e400", now, ErrTokenExpired},
		{"nbf 2^63-300", later, "9223372036854775508", ErrTokenNotYetValid},
		{"nbf 2^63-1", later, "9223372036854775807", ErrTokenNotYetValid},
		{"nbf 1e300", later, "1e300", ErrTokenNotYetValid},
		{"nbf -2^63", later, "-9223372036854775808", nil},
		{"nbf -1e400", later, "-1e400", nil},
		{"nbf fractional, within the skew", later, fmtSeconds(identityNow.Add(TokenSkew).Unix()) + ".0", nil},
		{"nbf fractional, past the skew", later, fmtSeconds(identityNow.Add(TokenSkew).Unix()) + ".5", ErrTokenNotYetValid},
		{"exp a string", `"` + later + `"`, now, ErrTokenMalformed},
		{"nbf true", later, "true", ErrTokenMalformed},
		{"exp an object", `{"s":1}`, now, ErrTokenMalformed},
		{"exp null", "null", now, ErrTokenNotYetValid},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if _, err := a.Verify(raw(c.exp, c.nbf), identityNow); !errors.Is(err, c.want) || (c.want == nil) != (err == nil) {
				t.Errorf("Verify(exp %s, nbf %s) = %v, want %v", c.exp, c.nbf, err, c.want)
			}
		})
	}
}

func fmtSeconds(s int64) string { b, _ := json.Marshal(s); return string(b) }

func TestNumericDateTime(t *testing.T) {
	cases := []struct {
		in   float64
		want time.Time
	}{
		{0, time.Unix(0, 0)},
		{1.25, time.Unix(1, 250_000_000)},
		{-1.5, time.Unix(-1, -500_000_000)},
		{math.Exp2(63), time.Unix(maxSeconds, 0)},
		{-math.Exp2(63), time.Unix(-maxSeconds, 0)},
		{math.Inf(1), time.Unix(maxSeconds, 0)},
		{math.Inf(-1), time.Unix(-maxSeconds, 0)},
	}
	for _, c := range cases {
		if got := NumericDate(c.in).Time(); !got.Equal(c.want) {
			t.Errorf("NumericDate(%v).Time() = %v, want %v", c.in, got, c.want)
		}
	}
	// Clamped times still compare and add without overflow.
	far := NumericDate(math.Inf(1)).Time()
	if !far.Add(TokenSkew).After(far) || !time.Now().Before(far) {
		t.Errorf("the clamped far future %v does not behave as a time", far)
	}
}

func TestLenient(t *testing.T) {
	now := identityNow
	later := float64(now.Add(time.Hour).Unix())
	earlier := float64(now.Add(-time.Minute).Unix())
	cases := []struct {
		name  string
		token string
		want  error
	}{
		{"opaque token", "abc.def", nil},
		{"opaque token, no dots", "abc", nil},
		{"app token with role", unsigned(map[string]any{"roles": []string{"CallRecords.Read.All"}, "exp": later}), nil},
		{"app token with older role", unsigned(map[string]any{"roles": []string{"CallRecord-PstnCalls.Read.All"}}), nil},
		{"a JWT without roles", unsigned(map[string]any{"appid": "x"}), nil},
		{"an algorithm nobody knows", rawJWT(map[string]string{"alg": "XS999"}, map[string]any{"roles": []string{"User.Read.All"}}, "c2ln"), ErrForbidden},
		{"padded segments", "eyJhbGciOiJIUzI1NiJ9==.eyJyb2xlcyI6W119==.c2ln", ErrForbidden}, // roles []
		{"app token without accepted role", unsigned(map[string]any{"roles": []string{"User.Read.All"}}), ErrForbidden},
		{"app token with no roles at all", unsigned(map[string]any{"roles": []string{}}), ErrForbidden},
		{"delegated token", unsigned(map[string]any{"scp": "CallRecords.Read.All", "exp": later}), ErrForbidden},
		{"expired token", unsigned(map[string]any{"roles": []string{"CallRecords.Read.All"}, "exp": earlier}), ErrTokenExpired},
		{"exp 2^63-1", unsigned(map[string]any{"roles": []string{"CallRecords.Read.All"}, "exp": math.Exp2(63)}), nil},
		{"exp negative", unsigned(map[string]any{"roles": []string{"CallRecords.Read.All"}, "exp": -1}), ErrTokenExpired},
		{"no alg: not a JWT", rawJWT(map[string]string{"typ": "JWT"}, map[string]any{"scp": "x"}, "c2ln"), nil},
		{"exp a string: not a JWT", unsigned(map[string]any{"scp": "x", "exp": "tomorrow"}), nil},
		{"a 17 KiB claims segment: not a JWT", "eyJhbGciOiJIUzI1NiJ9." + strings.Repeat("e", 17<<10) + ".c2ln", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if _, err := (Lenient{}).Verify(c.token, now); !errors.Is(err, c.want) || (c.want == nil) != (err == nil) {
				t.Errorf("Lenient.Verify = %v, want %v", err, c.want)
			}
		})
	}
}

func TestInspectReadsTheCaller(t *testing.T) {
	a := newTestAuthority(t)
	tok, err := a.Mint("CallRecords.Read.All")
	if err != nil {
		t.Fatal(err)
	}
	cl, ok := Inspect(tok)
	if !ok || cl.AppID != DefaultClientID || cl.Tid != derivedGUID("tenant", MintTenant) {
		t.Errorf("Inspect(minted) = %+v, %v: want the default app in %s", cl, ok, MintTenant)
	}
	if _, ok := Inspect(strings.Repeat(".", 1<<20)); ok {
		t.Error("Inspect(a million dots) read a JWT")
	}
}

func TestConfigIsValidated(t *testing.T) {
	small, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name  string
		cfg   Config
		want  string
		field FieldError // Reason left out
	}{
		{"empty client id", Config{Apps: []App{{Secret: "s"}}}, "client id", FieldError{App: 0, Field: "ClientID"}},
		{"client id with a space", Config{Apps: []App{{ClientID: "a", Secret: "s"}, {ClientID: "a b", Secret: "s"}}}, "client id", FieldError{App: 1, Field: "ClientID"}},
		{"empty secret", Config{Apps: []App{{ClientID: "a"}}}, "empty secret", FieldError{App: 0, Field: "Secret"}},
		{"duplicate", Config{Apps: []App{{ClientID: "a", Secret: "s"}, {ClientID: "A", Secret: "t"}}}, "twice", FieldError{App: 1, Field: "ClientID"}},
		{"empty role", Config{Apps: []App{{ClientID: "a", Secret: "s", Roles: []string{""}}}}, "role", FieldError{App: 0, Field: "Roles"}},
		{"role with a space", Config{Apps: []App{{ClientID: "a", Secret: "s", Roles: []string{"R one"}}}}, "role", FieldError{App: 0, Field: "Roles"}},
		{"small key", Config{Key: small}, "1024 bits", FieldError{App: -1, Field: "Key"}},
	}
	for _, c := range cases {
		_, err := New(c.cfg)
		var fe *FieldError
		if !errors.As(err, &fe) || !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: New = %v, want a FieldError mentioning %q", c.name, err, c.want)
			continue
		}
		if fe.App != c.field.App || fe.Field != c.field.Field {
			t.Errorf("%s: FieldError app %d field %s, want app %d field %s", c.name, fe.App, fe.Field, c.field.App, c.field.Field)
		}
		if strings.Contains(err.Error(), `"s"`) || strings.Contains(err.Error(), `"t"`) {
			t.Errorf("%s: error %q repeats a secret", c.name, err)
		}
	}
	if err := (Config{Apps: []App{readerApp, otherApp}, Key: testKeys()[0]}).Validate(); err != nil {
		t.Errorf("Validate(a good config) = %v", err)
	}
}

func TestTenantID(t *testing.T) {
	a, _ := tenantID("contoso.onmicrosoft.com")
	b, _ := tenantID("CONTOSO.onmicrosoft.com")
	c, _ := tenantID("fabrikam.com")
	if a != b || a == c || !regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`).MatchString(a) {
		t.Errorf("tenantID: contoso %s, CONTOSO %s, fabrikam %s: want one stable version-8 GUID per name", a, b, c)
	}
	for _, bad := range []string{"", "-x", "a b", "a/b", strings.Repeat("a", 257)} {
		if _, ok := tenantID(bad); ok {
			t.Errorf("tenantID(%q) accepted", bad)
		}
	}
}
