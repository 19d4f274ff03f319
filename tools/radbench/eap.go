package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"flag"
	"fmt"
	"io"
	"math/big"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	layeh "layeh.com/radius"

	"github.com/pushauth/pushauth/protocol/eap"
	"github.com/pushauth/pushauth/protocol/eap/eaptest"
	"github.com/pushauth/pushauth/protocol/radius/radclient"
)

// eapSource is the source address of the generated config's eap client
// (kind eap, policy bench-pw).
const eapSource = "127.0.0.5"

// eapServerName is the name in the benchmark's EAP certificate.
const eapServerName = "radius.radbench.test"

// runEAPThroughput measures EAP-TTLS/PAP logins with push beside PAP push
// logins, on one server in one run: for each concurrency level, first the
// PAP logins (ddl client, password+token), then the EAP ones (eap client,
// the project's Go supplicant over RADIUS); the phones approve at once.
func runEAPThroughput(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("radbench eap-throughput", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var so serverOptions
	so.register(fs)
	var lf levelFlags
	lf.register(fs, "1,16", 10*time.Second, 2*time.Second)
	users := fs.Int("users", 0, "users with a password and an activated phone each (default 4 x the highest concurrency)")
	fragment := fs.Int("fragment-size", 1024, "eap.fragment_size")
	tls13 := fs.Bool("tls13", false, "the supplicant offers TLS 1.3 only (default: TLS 1.2 only)")
	provWorkers := fs.Int("provision-workers", 16, "parallel provisioning calls")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	conc, err := lf.concurrency()
	if err != nil {
		return err
	}
	maxC := 0
	for _, c := range conc {
		maxC = max(maxC, c)
	}
	if *users == 0 {
		*users = 4 * maxC
	}
	certDir, err := os.MkdirTemp(so.workDir, "radbench-eap-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(certDir)
	clientTLS, err := writeEAPCerts(certDir)
	if err != nil {
		return err
	}
	version := "TLS 1.2"
	clientTLS.MaxVersion = tls.VersionTLS12
	if *tls13 {
		version, clientTLS.MinVersion, clientTLS.MaxVersion = "TLS 1.3", tls.VersionTLS13, tls.VersionTLS13
	}
	so.extraYAML += fmt.Sprintf("eap: {cert_file: %s, key_file: %s, methods: [ttls, peap], fragment_size: %d}\n",
		strconv.Quote(filepath.Join(certDir, "eap.crt")), strconv.Quote(filepath.Join(certDir, "eap.key")), *fragment)
	srv, err := startServer(ctx, so, stderr)
	if err != nil {
		return err
	}
	defer srv.Stop()
	if err := setBenchPolicies(ctx, srv.Admin); err != nil {
		return err
	}
	fl := newFleet(max(*provWorkers, 2*maxC))
	defer fl.close()
	began := time.Now()
	phones, err := provisionPhones(ctx, srv.Admin, *users, true, *provWorkers, fl, stderr)
	if err != nil {
		return fmt.Errorf("provision: %w", err)
	}
	pool := make(chan *phone, len(phones))
	for _, p := range phones {
		pool <- p
	}
	header(stdout, "eap-throughput", so,
		"login", fmt.Sprintf("pap: ddl client, User-Password (%s) → push; eap: EAP-TTLS/PAP (%s, ECDSA P-256 certificate, fragment size %d) from the Go supplicant (protocol/eap/eaptest) → same password check → push; the poll-mode phone approves at once → Access-Accept (eap: EAP-Success + MS-MPPE keys, checked)", so.argonLabel(), version, *fragment),
		"latency", "pap: Access-Request to Access-Accept; eap: first Access-Request (EAP-Response/Identity) to Access-Accept, every round included",
		"users", fmt.Sprintf("%d with one activated phone each (provisioned in %v)", *users, time.Since(began).Round(time.Millisecond)),
		"per level", lf.perLevel())
	var tb table
	tb.add("method", "concurrency", "logins", "logins/s", "p50 ms", "p90 ms", "p99 ms", "max ms", "server CPU/login", "server CPUs busy", "RADIUS rounds/login", "retransmits", "failures")
	for _, c := range conc {
		for _, method := range []string{"pap", "eap"} {
			row, err := eapLevel(ctx, srv, fl, pool, lf, c, method, clientTLS, stderr)
			if err != nil {
				return err
			}
			tb.add(row...)
			if ctx.Err() != nil {
				return ctx.Err()
			}
		}
	}
	tb.print(stdout)
	srv.printFooter(ctx, stdout)
	return nil
}

// eapLevel runs one level of PAP or EAP push logins and returns its row.
func eapLevel(ctx context.Context, srv *serverProc, fl *fleet, pool chan *phone, lf levelFlags, c int, method string,
	clientTLS *tls.Config, stderr io.Writer) ([]string, error) {
	source := ddlPushSource
	if method == "eap" {
		source = eapSource
	}
	rp, err := dialPool(srv.Radius, source, (c+127)/128, lf.retry)
	if err != nil {
		return nil, err
	}
	defer rp.Close()
	var rounds roundCounter
	sw := &serverWindow{srv: srv, window: lf.duration, profile: fmt.Sprintf("eap-throughput-%s-c%d.pprof", method, c)}
	res := level{concurrency: c, warmup: lf.warmup, measure: lf.duration, windowStart: sw.start, windowEnd: sw.end,
		login: func(ctx context.Context, w int) (time.Duration, string) {
			p := <-pool
			defer func() { pool <- p }()
			if method == "pap" {
				return pushLogin(ctx, rp.get(w), fl, p, lf.timeout)
			}
			return eapPushLogin(ctx, rp.get(w), fl, p, lf.timeout, clientTLS, &rounds)
		}}.run(ctx)
	s := Summarize(res.latencies)
	perLogin := "1"
	if method == "eap" {
		perLogin = rounds.mean()
	}
	fmt.Fprintf(stderr, "%s concurrency %d: %d logins, %.1f/s, p50 %s ms, p99 %s ms\n", method, c, s.N, res.rate(), ms(s.P50), ms(s.P99))
	return []string{method, fmt.Sprint(c), fmt.Sprint(s.N), fmt.Sprintf("%.1f", res.rate()), ms(s.P50), ms(s.P90), ms(s.P99), ms(s.Max),
		sw.cpuPerLogin(s.N), sw.cpuShare(res.window), perLogin, sw.retransmits(), res.failures.String()}, nil
}

// roundCounter averages the RADIUS rounds of successful EAP logins.
type roundCounter struct {
	mu             sync.Mutex
	logins, rounds int
}

func (r *roundCounter) add(n int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.logins++
	r.rounds += n
}

func (r *roundCounter) mean() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.logins == 0 {
		return "-"
	}
	return fmt.Sprintf("%.1f", float64(r.rounds)/float64(r.logins))
}

// eapPushLogin runs one EAP-TTLS/PAP conversation while the phone
// approves its push, and checks the MPPE keys against the supplicant's.
func eapPushLogin(ctx context.Context, client *radclient.Client, fl *fleet, p *phone, timeout time.Duration,
	clientTLS *tls.Config, rounds *roundCounter) (time.Duration, string) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	peer := eaptest.New(eaptest.Config{Method: eap.TypeTTLS, Inner: eaptest.PAP, Identity: "anonymous",
		InnerIdentity: p.name, Password: p.password, TLS: clientTLS})
	defer peer.Close()
	actx, stopAnswer := context.WithCancel(ctx)
	defer stopAnswer()
	answered := make(chan error, 1)
	go func() { answered <- fl.approve(actx, p, timeout) }()
	t0 := time.Now()
	res, err := eaptest.Login(ctx, client, []byte(radiusSecret), peer, "anonymous", "")
	lat := time.Since(t0)
	if err != nil || res.Code != layeh.CodeAccessAccept {
		stopAnswer()
	}
	answerErr := <-answered
	switch {
	case err != nil:
		return 0, radiusErrorKind(err)
	case res.Code != layeh.CodeAccessAccept:
		if answerErr != nil {
			return 0, res.Code.String() + " (" + errorKind(answerErr) + ")"
		}
		return 0, res.Code.String()
	case string(res.Keys.MSK) != string(peer.MSK()):
		return 0, "mppe keys differ"
	}
	rounds.add(res.Round)
	return lat, ""
}

// writeEAPCerts writes a throw-away CA and an ECDSA server certificate
// (server-auth) into dir as eap.crt / eap.key and returns the
// supplicant's TLS config trusting that CA.
func writeEAPCerts(dir string) (*tls.Config, error) {
	now := time.Now()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	ca := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "radbench eap ca"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(365 * 24 * time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign}
	caDER, err := x509.CreateCertificate(rand.Reader, ca, ca, &caKey.PublicKey, caKey)
	if err != nil {
		return nil, err
	}
	caCert, err := x509.ParseCertificate(caDER)
	if err != nil {
		return nil, err
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	leaf := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: eapServerName},
		DNSNames: []string{eapServerName}, NotBefore: now.Add(-time.Hour), NotAfter: now.Add(365 * 24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, leaf, caCert, &key.PublicKey, caKey)
	if err != nil {
		return nil, err
	}
	kb, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, err
	}
	for name, block := range map[string]*pem.Block{
		"eap.crt": {Type: "CERTIFICATE", Bytes: der},
		"eap.key": {Type: "PRIVATE KEY", Bytes: kb},
	} {
		if err := os.WriteFile(filepath.Join(dir, name), pem.EncodeToMemory(block), 0o600); err != nil {
			return nil, err
		}
	}
	roots := x509.NewCertPool()
	roots.AddCert(caCert)
	return &tls.Config{RootCAs: roots, ServerName: eapServerName, MinVersion: tls.VersionTLS12}, nil
}
