package main

import (
	"bytes"
	"cmp"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/dialoutkit/dialoutkit/identity"
	"github.com/dialoutkit/dialoutkit/internal/cli"
	"github.com/dialoutkit/dialoutkit/server"
)

// identityConfig is the identity platform and HTTPS part of the
// configuration (docs/contract.md#identity-and-https): --app, --apps-file, --token-key and the --tls
// flags.
type identityConfig struct {
	server     identity.Config
	defaultApp bool // no app was configured: identity.DefaultApp is served
	tls        tlsConfig
}

// identityFlags holds the raw values of the identity and TLS flags until
// they are validated.
type identityFlags struct {
	fs       *flag.FlagSet
	apps     repeated
	appsFile string
	tokenKey string
	tls      bool
	tlsCert  string
	tlsKey   string
	tlsCAOut string
	tlsNames repeated
}

// addIdentityFlags registers the identity and TLS flags on fs; config
// validates them once fs is parsed.
func addIdentityFlags(fs *flag.FlagSet) *identityFlags {
	f := &identityFlags{fs: fs}
	fs.Var(&f.apps, "app", "`CLIENT_ID:SECRET:ROLE1+ROLE2` of an application that may get tokens; roles optional (repeatable; env "+envPrefix+"APPS holds several separated by ;). Default: one app with CallRecords.Read.All, printed at start")
	fs.StringVar(&f.appsFile, "apps-file", "", `JSON `+"`file`"+` of applications: {"apps":[{"clientId":"…","clientSecret":"…","roles":["CallRecords.Read.All"],"displayName":"…"}]}`)
	fs.StringVar(&f.tokenKey, "token-key", "", "PEM `file` of the RSA key that signs tokens (default: generated at each start; share one between replicas in strict mode)")
	fs.BoolVar(&f.tls, "tls", false, "serve HTTPS with a certificate generated at start (new at each start) for 127.0.0.1, ::1, localhost and --tls-name")
	fs.Var(&f.tlsNames, "tls-name", "another `name` (DNS name or IP address) of the generated certificate (repeatable; env: comma-separated)")
	fs.StringVar(&f.tlsCAOut, "tls-ca-out", "", "write the generated certificate authority, the PEM clients trust, to `file` (default: a temporary file, removed at exit)")
	fs.StringVar(&f.tlsCert, "tls-cert", "", "serve HTTPS with this PEM certificate `file` (chain) instead of a generated one; needs --tls-key")
	fs.StringVar(&f.tlsKey, "tls-key", "", "PEM private key `file` of --tls-cert")
	return f
}

// repeated is a flag that may be given several times. cli.Parse sets it
// once from the environment before parsing the command line, so the first
// value came from the environment exactly when its variable is set; values
// on the command line replace the environment's (flag > env).
type repeated struct{ raw []string }

func (r *repeated) String() string {
	if r == nil {
		return ""
	}
	return strings.Join(r.raw, " ")
}

func (r *repeated) Set(v string) error { r.raw = append(r.raw, v); return nil }

// values returns the flag's command-line values if it was given on the
// command line, else its environment variable's values split by sep; and
// where they came from, for error messages.
func (r *repeated) values(given bool, name string, getenv func(string) string, sep string) ([]string, string) {
	env := getenv(cli.EnvName(envPrefix, name))
	switch {
	case env == "" || len(r.raw) == 0:
		return r.raw, "--" + name
	case given:
		return r.raw[1:], "--" + name
	}
	return splitList(r.raw[0], sep), cli.EnvName(envPrefix, name)
}

// given reports whether the flag name was set on the command line.
func (f *identityFlags) given(name string) bool {
	set := false
	f.fs.Visit(func(fl *flag.Flag) { set = set || fl.Name == name })
	return set
}

func splitList(s, sep string) []string {
	var out []string
	for _, v := range strings.Split(s, sep) {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// config reads the identity and TLS flags: apps from --apps-file and --app
// (or DIALOUTMOCK_APPS when no --app is given), the default app when there
// are none, the signing key, and a consistent set of TLS flags. The identity
// package validates the apps and the key (identity.Config.Validate); config
// names the flag or file entry at fault. Errors never repeat a secret.
func (f *identityFlags) config(getenv func(string) string) (identityConfig, error) {
	var c identityConfig
	var apps []identity.App
	var origins []appOrigin // where each app came from
	if f.appsFile != "" {
		fileApps, err := readAppsFile(f.appsFile)
		if err != nil {
			return c, fmt.Errorf("--apps-file %s: %w", f.appsFile, err)
		}
		for i := range fileApps {
			origins = append(origins, appOrigin{fmt.Sprintf("--apps-file %s: apps[%d]", f.appsFile, i), true})
		}
		apps = append(apps, fileApps...)
	}
	specs, source := f.apps.values(f.given("app"), "app", getenv, ";")
	if env := getenv(envPrefix + "APPS"); env != "" && !f.given("app") {
		// DIALOUTMOCK_APPS is the documented name (docs/contract.md#identity-and-https);
		// DIALOUTMOCK_APP, the flag's own, works too.
		specs, source = append(specs, splitList(env, ";")...), envPrefix+"APPS"
	}
	for i, s := range specs {
		a, err := parseApp(s)
		if err != nil {
			return c, fmt.Errorf("%s: app %d: %w", source, i+1, err)
		}
		apps = append(apps, a)
		origins = append(origins, appOrigin{fmt.Sprintf("%s: app %d", source, i+1), false})
	}
	if len(apps) == 0 {
		apps, c.defaultApp = []identity.App{identity.DefaultApp()}, true
	}
	c.server.Apps = apps
	if f.tokenKey != "" {
		k, err := readRSAKey(f.tokenKey)
		if err != nil {
			return c, fmt.Errorf("--token-key %s: %w", f.tokenKey, err)
		}
		c.server.Key = k
	}
	if err := c.server.Validate(); err != nil {
		return c, f.identityFlagError(err, apps, origins)
	}

	names, namesFrom := f.tlsNames.values(f.given("tls-name"), "tls-name", getenv, ",")
	loaded := f.tlsCert != "" || f.tlsKey != ""
	switch {
	case f.tlsCert != "" && f.tlsKey == "":
		return c, errors.New("--tls-cert needs --tls-key")
	case f.tlsKey != "" && f.tlsCert == "":
		return c, errors.New("--tls-key needs --tls-cert")
	case len(names) > 0 && loaded:
		return c, fmt.Errorf("%s names a generated certificate: not with --tls-cert", namesFrom)
	case f.tlsCAOut != "" && loaded:
		return c, errors.New("--tls-ca-out writes a generated certificate's CA: not with --tls-cert (its CA is yours already)")
	case len(names) > 0 && !f.tls:
		return c, fmt.Errorf("%s needs --tls", namesFrom)
	case f.tlsCAOut != "" && !f.tls:
		return c, errors.New("--tls-ca-out needs --tls")
	}
	c.tls = tlsConfig{enabled: f.tls || loaded, certFile: f.tlsCert, keyFile: f.tlsKey, caOut: f.tlsCAOut, names: names}
	return c, nil
}

// appOrigin is where an app came from: a flag or variable and its place
// there, or an entry of --apps-file.
type appOrigin struct {
	where string
	file  bool
}

// identityFlagError names the flag, variable or file entry an
// identity.FieldError is about, in the user's words.
func (f *identityFlags) identityFlagError(err error, apps []identity.App, origins []appOrigin) error {
	var fe *identity.FieldError
	switch {
	case !errors.As(err, &fe):
		return err
	case fe.Field == "Key":
		return fmt.Errorf("--token-key %s: %s", f.tokenKey, fe.Reason)
	case fe.App < 0 || fe.App >= len(origins):
		return err
	case origins[fe.App].file:
		key := map[string]string{"ClientID": "clientId", "Secret": "clientSecret", "Roles": "roles"}[fe.Field]
		return fmt.Errorf("%s: %s: %s", origins[fe.App].where, cmp.Or(key, fe.Field), fe.Reason)
	case apps[fe.App].ClientID == "":
		return fmt.Errorf("%s: %s", origins[fe.App].where, fe.Reason)
	}
	return fmt.Errorf("%s: client %s: %s", origins[fe.App].where, apps[fe.App].ClientID, fe.Reason)
}

// parseApp reads CLIENT_ID:SECRET[:ROLE1+ROLE2]; identity.Config.Validate
// checks the values. The secret may not hold a colon (nor, in
// DIALOUTMOCK_APPS, a semicolon).
func parseApp(s string) (identity.App, error) {
	id, rest, ok := strings.Cut(s, ":")
	if !ok {
		return identity.App{}, errors.New("want CLIENT_ID:SECRET:ROLE1+ROLE2")
	}
	secret, roles, _ := strings.Cut(rest, ":")
	a := identity.App{ClientID: id, Secret: secret}
	if roles != "" {
		for _, r := range strings.Split(roles, "+") {
			if strings.Contains(r, ":") {
				return identity.App{}, fmt.Errorf("client %s: role %q: want ROLE1+ROLE2", id, r)
			}
			a.Roles = append(a.Roles, r)
		}
	}
	return a, nil
}

// appsFile is the format of --apps-file.
type appsFile struct {
	Apps []struct {
		ClientID     string   `json:"clientId"`
		ClientSecret string   `json:"clientSecret"`
		Roles        []string `json:"roles"`
		DisplayName  string   `json:"displayName"`
	} `json:"apps"`
}

func readAppsFile(path string) ([]identity.App, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var f appsFile
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("want {\"apps\":[{\"clientId\",\"clientSecret\",\"roles\",\"displayName\"}]}: %v", err)
	}
	var apps []identity.App
	for _, a := range f.Apps {
		apps = append(apps, identity.App{ClientID: a.ClientID, Secret: a.ClientSecret, Roles: a.Roles, Name: a.DisplayName})
	}
	return apps, nil
}

// readRSAKey reads an RSA private key in PEM, PKCS #1 or PKCS #8.
func readRSAKey(path string) (*rsa.PrivateKey, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	block, _ := pem.Decode(b)
	if block == nil {
		return nil, errors.New("no PEM block")
	}
	switch block.Type {
	case "RSA PRIVATE KEY":
		return x509.ParsePKCS1PrivateKey(block.Bytes)
	case "PRIVATE KEY":
		k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
		if err != nil {
			return nil, err
		}
		if rk, ok := k.(*rsa.PrivateKey); ok {
			return rk, nil
		}
		return nil, fmt.Errorf("a %T, want an RSA key", k)
	}
	return nil, fmt.Errorf("PEM block %q, want an RSA PRIVATE KEY or PRIVATE KEY", block.Type)
}

// printIdentity tells the user how to trust the certificate and how to get a
// token, when either matters: with HTTPS, strict auth or configured apps.
// Only the default app's secret is printed (it is fixed and documented); a
// configured app's never is.
func printIdentity(w io.Writer, base string, sec *tlsState, cfg config) {
	cacert := ""
	if sec != nil && sec.caFile != "" {
		fmt.Fprintf(w, "HTTPS with a certificate generated at start (new at each start); trust its CA, %s:\n", sec.caFile)
		fmt.Fprintf(w, "  export SSL_CERT_FILE=%s        # Go\n", sec.caFile)
		fmt.Fprintf(w, "  export NODE_EXTRA_CA_CERTS=%s  # Node\n", sec.caFile)
		cacert = "--cacert " + sec.caFile + " "
	}
	if sec == nil && cfg.auth != server.AuthStrict && cfg.identity.defaultApp {
		return
	}
	base = reachable(base)
	authority := base + "/contoso.onmicrosoft.com"
	fmt.Fprintf(w, "identity platform: authority %s (any tenant id or domain name works)\n", authority)
	for _, a := range cfg.identity.server.Apps {
		secret := "(as configured)"
		if cfg.identity.defaultApp {
			secret = a.Secret
		}
		fmt.Fprintf(w, "  app %s secret %s roles %s\n", a.ClientID, secret, strings.Join(a.Roles, "+"))
	}
	app := cfg.identity.server.Apps[0]
	secret := "$SECRET"
	if cfg.identity.defaultApp {
		secret = app.Secret
	}
	now := time.Now().UTC()
	fmt.Fprintf(w, "a token, then the report:\n")
	fmt.Fprintf(w, "  TOKEN=$(curl -s %s-d grant_type=client_credentials -d client_id=%s -d client_secret=%s -d scope=https://graph.microsoft.com/.default %s/oauth2/v2.0/token | sed 's/.*\"access_token\":\"\\([^\"]*\\)\".*/\\1/')\n",
		cacert, app.ClientID, secret, authority)
	fmt.Fprintf(w, "  curl %s-H \"Authorization: Bearer $TOKEN\" '%s/beta/communications/callRecords/getPstnOnlineMeetingDialoutReport(fromDateTime=%s,toDateTime=%s)'\n",
		cacert, base, now.AddDate(0, 0, -30).Format(time.DateOnly), now.Format(time.DateOnly))
}

// reachable turns the base URL of a wildcard listen address (0.0.0.0, [::])
// into one a local client can call, and the certificate covers.
func reachable(base string) string {
	u, err := url.Parse(base)
	if err != nil {
		return base
	}
	if ip := net.ParseIP(u.Hostname()); ip != nil && ip.IsUnspecified() {
		u.Host = net.JoinHostPort("127.0.0.1", u.Port())
	}
	return u.String()
}
