package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/pushauth/pushauth/config"
	"github.com/pushauth/pushauth/push"
)

// The Wi-Fi story's access point: a RADIUS client of kind eap. eapol_test
// plays both the laptop (wpa_supplicant) and the access point relaying
// EAP over RADIUS from this address.
const (
	wifiClient  = "wifi"
	wifiAddr    = "127.0.0.5"
	wifiMAC     = "02:00:00:00:00:07"
	eapCertName = "radius.pushdemo.test"
)

// configureEAP turns on EAP with a throw-away CA and certificate in the
// data dir and adds the access point, when eapol_test (Debian package
// eapoltest) is installed; without it the Wi-Fi story is left out.
func (e *env) configureEAP(cfg *config.Config) error {
	bin, err := exec.LookPath("eapol_test")
	if err != nil {
		return nil
	}
	dir := filepath.Join(e.dir, "eap")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("eap dir: %w", err)
	}
	if err := writeDemoCerts(dir); err != nil {
		return fmt.Errorf("eap certificate: %w", err)
	}
	cfg.EAP = config.EAP{CertFile: filepath.Join(dir, "eap.crt"), KeyFile: filepath.Join(dir, "eap.key"),
		Methods: []string{config.EAPMethodPEAP, config.EAPMethodTTLS}, FragmentSize: config.DefaultEAPFragmentSize,
		TLSMinVersion: "1.2"}
	cfg.Radius.Clients = append(cfg.Radius.Clients, config.Client{Name: wifiClient, Address: wifiAddr,
		Secret: radiusSecret, Kind: config.KindEAP, RequireMessageAuthenticator: true})
	e.eapol, e.eapCA = bin, filepath.Join(dir, "ca.crt")
	return nil
}

// storyEAP: a laptop joins the Wi-Fi (802.1X, EAP-TTLS with inner PAP);
// the password inside the tunnel starts the push, the phone approves, and
// the access point gets EAP-Success with the link keys.
func (d *demo) storyEAP() error {
	conf := filepath.Join(filepath.Dir(d.env.eapCA), "laptop.conf")
	body := fmt.Sprintf("network={\n  key_mgmt=WPA-EAP\n  eap=TTLS\n  identity=%q\n  anonymous_identity=\"anonymous\"\n"+
		"  password=%q\n  ca_cert=%q\n  domain_match=%q\n  phase2=\"auth=PAP\"\n}\n", user, userPassword, d.env.eapCA, eapCertName)
	if err := os.WriteFile(conf, []byte(body), 0o600); err != nil {
		return err
	}
	host, port, err := net.SplitHostPort(d.env.radius)
	if err != nil {
		return err
	}
	d.say("laptop → joins the Wi-Fi: eapol_test (wpa_supplicant) with EAP-TTLS/PAP, outer identity anonymous, inner %s password=****,", user)
	d.note("trusting only the demo CA; the access point (%s, client %q, kind eap) relays EAP in RADIUS", wifiAddr, wifiClient)
	began := time.Now()
	done := make(chan eapolOutcome, 1)
	go func() { done <- runEapol(d.ctx, d.env.eapol, conf, host, port) }()
	p, err := d.nextPush()
	if err != nil {
		return err
	}
	if p.Agent != config.KindEAP {
		return fmt.Errorf("expected the push to name agent eap, got %q", p.Agent)
	}
	if err := d.answer(p, push.Approve); err != nil {
		return err
	}
	r := <-done
	d.say("access point ← Access-Accept with EAP-Success and MS-MPPE keys after %d RADIUS round trips (after %v)",
		strings.Count(r.out, "Received RADIUS message"), time.Since(began).Round(time.Millisecond))
	if r.last != "SUCCESS" || !strings.Contains(r.out, "MPPE keys OK: 1  mismatch: 0") {
		return fmt.Errorf("expected eapol_test SUCCESS with matching MPPE keys, got %q", r.last)
	}
	d.say("eapol_test: \"MPPE keys OK: 1  mismatch: 0\", %s", r.last)
	return nil
}

type eapolOutcome struct {
	out, last string
}

// runEapol runs eapol_test once (20 s timeout) and returns its output.
func runEapol(ctx context.Context, bin, conf, host, port string) eapolOutcome {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	out, _ := exec.CommandContext(ctx, bin, "-c", conf, "-a", host, "-p", port, "-s", radiusSecret,
		"-A", wifiAddr, "-M", wifiMAC, "-t", "20").CombinedOutput() // the last line says how it ended
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	return eapolOutcome{out: string(out), last: lines[len(lines)-1]}
}

// writeDemoCerts writes ca.crt, eap.crt and eap.key (ECDSA P-256, the
// server certificate with the server-auth usage) into dir.
func writeDemoCerts(dir string) error {
	now := time.Now()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	ca := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "pushdemo CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.AddDate(1, 0, 0), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign}
	caDER, err := x509.CreateCertificate(rand.Reader, ca, ca, &caKey.PublicKey, caKey)
	if err != nil {
		return err
	}
	caCert, err := x509.ParseCertificate(caDER)
	if err != nil {
		return err
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	leaf := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: eapCertName},
		DNSNames: []string{eapCertName}, NotBefore: now.Add(-time.Hour), NotAfter: now.AddDate(1, 0, 0),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, leaf, caCert, &key.PublicKey, caKey)
	if err != nil {
		return err
	}
	kb, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return err
	}
	files := []struct {
		name string
		b    *pem.Block
	}{{"ca.crt", &pem.Block{Type: "CERTIFICATE", Bytes: caDER}}, {"eap.crt", &pem.Block{Type: "CERTIFICATE", Bytes: der}},
		{"eap.key", &pem.Block{Type: "PRIVATE KEY", Bytes: kb}}}
	for _, f := range files {
		if err := os.WriteFile(filepath.Join(dir, f.name), pem.EncodeToMemory(f.b), 0o600); err != nil {
			return err
		}
	}
	return nil
}
