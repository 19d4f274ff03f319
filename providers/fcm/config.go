package fcm

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"regexp"
	"strings"

	"github.com/pushauth/pushauth/providers"
)

// DefaultEndpoint is the FCM HTTP v1 base URL; messages go to
// DefaultEndpoint + "/projects/{project}/messages:send".
const DefaultEndpoint = "https://fcm.googleapis.com/v1"

// Config configures the FCM provider.
type Config struct {
	// ProjectID is the Firebase project id. Required unless the credentials
	// file (or the Application Default Credentials file) names one.
	ProjectID string
	// CredentialsFile is a service-account key (JSON) of the project. Empty:
	// Application Default Credentials (GOOGLE_APPLICATION_CREDENTIALS, the
	// gcloud well-known file, or the metadata server on Google Cloud).
	CredentialsFile string
	// Endpoint overrides the FCM base URL (tests, emulators, private
	// gateways), e.g. "https://127.0.0.1:8443/v1". https, or http on a
	// loopback address only.
	Endpoint string
	// CAFile is an extra trusted CA (PEM) for Endpoint and the credentials'
	// token URI; optional. The system roots stay trusted.
	CAFile string
}

// FieldError is one configuration problem. Field is the key name in the
// provider's config section (project_id, credentials_file, endpoint,
// ca_file).
type FieldError = providers.FieldError

// Validate returns every problem in c, each a *FieldError. It reads and
// parses the credentials and CA files; it does not touch the network.
func Validate(c Config) []error {
	_, errs := load(c)
	return errs
}

// loaded is a validated Config with its files read.
type loaded struct {
	projectID string
	credsJSON []byte // nil: Application Default Credentials
	endpoint  string
	roots     *x509.CertPool // nil: system roots only
}

// serviceAccount is the part of a service-account key file we check.
type serviceAccount struct {
	Type        string `json:"type"`
	ProjectID   string `json:"project_id"`
	ClientEmail string `json:"client_email"`
	PrivateKey  string `json:"private_key"`
	TokenURI    string `json:"token_uri"`
}

var projectIDPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9.:_-]{0,99}$`)

func load(c Config) (*loaded, []error) {
	var errs []error
	bad := func(field, format string, a ...any) {
		errs = append(errs, &FieldError{Field: field, Err: fmt.Errorf(format, a...)})
	}
	l := &loaded{endpoint: DefaultEndpoint}

	fileProject := ""
	credsOK := true
	if c.CredentialsFile != "" {
		b, sa, err := readServiceAccount(c.CredentialsFile)
		if err != nil {
			bad("credentials_file", "%v", err)
			credsOK = false
		} else {
			l.credsJSON = b
			fileProject = sa.ProjectID
		}
	} else if p := os.Getenv("GOOGLE_APPLICATION_CREDENTIALS"); p != "" {
		// Application Default Credentials: only borrow the project id; the
		// file may legitimately be another kind of credential.
		if b, err := os.ReadFile(p); err == nil {
			var f struct {
				ProjectID string `json:"project_id"`
			}
			if json.Unmarshal(b, &f) == nil {
				fileProject = f.ProjectID
			}
		}
	}

	switch pid := c.ProjectID; {
	case pid != "":
		if !projectIDPattern.MatchString(pid) {
			bad("project_id", "%q is not a Firebase project id", pid)
		} else {
			l.projectID = pid
		}
	case fileProject != "":
		if !projectIDPattern.MatchString(fileProject) {
			bad("credentials_file", "%s: project_id %q is not a Firebase project id", c.CredentialsFile, fileProject)
		} else {
			l.projectID = fileProject
		}
	case os.Getenv("GOOGLE_CLOUD_PROJECT") != "" && c.CredentialsFile == "":
		if env := os.Getenv("GOOGLE_CLOUD_PROJECT"); !projectIDPattern.MatchString(env) {
			bad("project_id", "missing, and GOOGLE_CLOUD_PROJECT %q is not a Firebase project id", env)
		} else {
			l.projectID = env
		}
	case c.CredentialsFile != "" && credsOK:
		bad("project_id", "missing: set project_id (the credentials file names no project)")
	case c.CredentialsFile == "":
		bad("project_id", "missing: set project_id (Application Default Credentials name no project)")
	}

	if c.Endpoint != "" {
		if u, err := checkEndpoint(c.Endpoint); err != nil {
			bad("endpoint", "%v", err)
		} else {
			l.endpoint = u
		}
	}

	if c.CAFile != "" {
		if pool, err := providers.CertPool(c.CAFile); err != nil {
			bad("ca_file", "%v", err)
		} else {
			l.roots = pool
		}
	}
	return l, errs
}

// readServiceAccount reads and checks a service-account key file. Errors
// name the file and the JSON key, never a value of the key material.
func readServiceAccount(path string) ([]byte, *serviceAccount, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, fmt.Errorf("cannot read: %w", err)
	}
	var sa serviceAccount
	if err := json.Unmarshal(b, &sa); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return nil, nil, fmt.Errorf("%s is not JSON (offset %d): want a service-account key file", path, se.Offset)
		}
		return nil, nil, fmt.Errorf("%s is not a service-account key file: %v", path, err)
	}
	switch {
	case sa.Type == "":
		return nil, nil, fmt.Errorf("%s is not a service-account key: no \"type\" (want \"service_account\")", path)
	case sa.Type != "service_account":
		return nil, nil, fmt.Errorf("%s is not a service-account key: \"type\" is %q, want \"service_account\"", path, sa.Type)
	}
	var probs []string
	if sa.ClientEmail == "" {
		probs = append(probs, "\"client_email\" is missing")
	} else if !strings.Contains(sa.ClientEmail, "@") {
		probs = append(probs, fmt.Sprintf("\"client_email\" %q is not an email address", sa.ClientEmail))
	}
	if sa.PrivateKey == "" {
		probs = append(probs, "\"private_key\" is missing")
	} else if err := checkPrivateKey(sa.PrivateKey); err != nil {
		probs = append(probs, "\"private_key\" "+err.Error())
	}
	if sa.TokenURI == "" {
		probs = append(probs, "\"token_uri\" is missing")
	} else if err := checkHTTPSURL(sa.TokenURI); err != nil {
		probs = append(probs, fmt.Sprintf("\"token_uri\" %v", err))
	}
	if len(probs) > 0 {
		return nil, nil, fmt.Errorf("%s: %s", path, strings.Join(probs, "; "))
	}
	return b, &sa, nil
}

// checkPrivateKey requires a PEM PKCS#8 (or PKCS#1) RSA key: service
// accounts sign their token requests with RS256.
func checkPrivateKey(s string) error {
	blk, _ := pem.Decode([]byte(s))
	if blk == nil {
		return errors.New("is not PEM (want -----BEGIN PRIVATE KEY-----)")
	}
	k, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
	if err != nil {
		k, err = x509.ParsePKCS1PrivateKey(blk.Bytes)
	}
	if err != nil {
		return errors.New("does not parse as a PKCS#8 or PKCS#1 private key")
	}
	if _, ok := k.(*rsa.PrivateKey); !ok {
		return errors.New("is not an RSA key (service accounts sign with RS256)")
	}
	return nil
}

// checkHTTPSURL accepts an absolute https URL, or http on a loopback
// address (emulators).
func checkHTTPSURL(s string) error {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || u.Opaque != "" {
		return fmt.Errorf("%q is not an absolute URL", s)
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !isLoopback(u.Hostname()) {
			return fmt.Errorf("%q: scheme must be https (http only on a loopback address)", s)
		}
	default:
		return fmt.Errorf("%q: scheme must be https", s)
	}
	if u.User != nil {
		return fmt.Errorf("%q: must not carry user info", s)
	}
	return nil
}

func checkEndpoint(s string) (string, error) {
	if err := checkHTTPSURL(s); err != nil {
		return "", fmt.Errorf("%v (want a base URL like %s)", err, DefaultEndpoint)
	}
	u, _ := url.Parse(s)
	if u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("%q: no query or fragment (want a base URL like %s)", s, DefaultEndpoint)
	}
	return strings.TrimRight(s, "/"), nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
