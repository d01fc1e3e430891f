// vmware-sim: a VMware vSphere test double for migration-manager's tests.
//
// It runs govmomi's simulator library (Debian's golang-github-vmware-govmomi-dev) as an ESXi
// host or a vCenter populated from a JSON model file, serves vim25 SOAP over TLS on loopback
// with a generated certificate, and adds QueryChangedDiskAreas (see cbt.go).
//
// On start it prints one JSON line on stdout:
//
//	{"url":"https://127.0.0.1:PORT/sdk","fingerprint":"AB:CD:...","sha1":"12:34:...",
//	 "username":"...","password":"...","pid":N,"model":"vcenter","datastores":{"datastore1":"/dir"}}
//
// and serves until SIGINT or SIGTERM.
package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"flag"
	"fmt"
	"log"
	"math/big"
	"net"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/vmware/govmomi/find"
	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25"
)

func main() {
	kind := flag.String("model", "vcenter", "what to simulate: esxi or vcenter")
	config := flag.String("config", "", "JSON model file (VMs, networks, folders, datastores)")
	listen := flag.String("listen", "127.0.0.1:0", "address to listen on (port 0: any free port)")
	username := flag.String("username", "administrator@vsphere.local", "user name accepted by Login")
	password := flag.String("password", "Passw0rd!", "password accepted by Login")
	certFile := flag.String("cert", "", "PEM certificate to serve (default: generate one)")
	keyFile := flag.String("key", "", "PEM key of --cert")
	writeCert := flag.String("write-cert", "", "write the served certificate (PEM) to this file")
	infoFile := flag.String("info-file", "", "also write the start-up JSON line to this file")
	maxAreas := flag.Int("max-areas", 2000, "QueryChangedDiskAreas: areas per reply at most")
	granularity := flag.Int64("granularity", 65536, "QueryChangedDiskAreas: block size areas are widened to")
	trace := flag.Bool("trace", false, "log SOAP requests and responses on stderr")
	flag.Parse()

	if *kind != "esxi" && *kind != "vcenter" {
		log.Fatalf("--model must be esxi or vcenter, not %q", *kind)
	}
	if *maxAreas < 1 || *granularity < 1 {
		log.Fatal("--max-areas and --granularity must be positive")
	}
	cbtSettings.MaxAreas = *maxAreas
	cbtSettings.Granularity = *granularity
	if *trace {
		simulator.Trace = true
		simulator.TraceFile = os.Stderr
	}

	mf, err := loadModelFile(*config)
	if err != nil {
		log.Fatal(err)
	}

	cert, err := loadOrMakeCert(*certFile, *keyFile)
	if err != nil {
		log.Fatal(err)
	}
	if *writeCert != "" {
		p := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Certificate[0]})
		if err := os.WriteFile(*writeCert, p, 0o644); err != nil {
			log.Fatal(err)
		}
	}

	inst, err := start(options{kind: *kind, model: mf, listen: *listen,
		username: *username, password: *password, cert: cert})
	if err != nil {
		log.Fatal(err)
	}
	line, _ := json.Marshal(inst.info)
	if *infoFile != "" {
		tmp := *infoFile + ".tmp"
		if err := os.WriteFile(tmp, append(line, '\n'), 0o644); err == nil {
			err = os.Rename(tmp, *infoFile)
		}
		if err != nil {
			log.Printf("info file: %v", err)
		}
	}
	fmt.Println(string(line))

	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	<-sig
	inst.stop()
}

type options struct {
	kind               string // esxi or vcenter
	model              *modelFile
	listen             string
	username, password string
	cert               tls.Certificate
}

// instance is a running simulator. The simulator keeps its inventory in a package-level
// registry: one instance per process at a time.
type instance struct {
	server  *simulator.Server
	model   *simulator.Model
	info    map[string]interface{} // the start-up JSON line
	tmpDirs []string
}

func (i *instance) stop() {
	i.server.Close()
	i.model.Remove()
	for _, d := range i.tmpDirs {
		_ = os.RemoveAll(d)
	}
}

func start(o options) (*instance, error) {
	datastoreDirsMu.Lock()
	datastoreDirs = map[string]string{}
	datastoreDirsMu.Unlock()

	model := newModel(o.kind)
	if err := model.Create(); err != nil {
		return nil, fmt.Errorf("creating the %s model: %v", o.kind, err)
	}
	ctx := context.Background()
	c, err := vim25.NewClient(ctx, model.Service) // in process, no HTTP
	if err != nil {
		return nil, err
	}
	b := &builder{ctx: ctx, c: c, finder: find.NewFinder(c, false), vcenter: o.kind == "vcenter", m: o.model}
	inst := &instance{model: model}
	if err := b.build(); err != nil {
		inst.tmpDirs = b.tmpDirs
		model.Remove()
		for _, d := range b.tmpDirs {
			_ = os.RemoveAll(d)
		}
		return nil, fmt.Errorf("building the model: %v", err)
	}
	inst.tmpDirs = b.tmpDirs

	model.Service.Listen = &url.URL{Host: o.listen, User: url.UserPassword(o.username, o.password)}
	model.Service.TLS = &tls.Config{Certificates: []tls.Certificate{o.cert}, MinVersion: tls.VersionTLS12}
	inst.server = model.Service.NewServer()

	u := *inst.server.URL
	u.User = nil
	der := o.cert.Certificate[0]
	sum256 := sha256.Sum256(der)
	sum1 := sha1.Sum(der)
	dss := map[string]string{}
	for _, d := range o.model.Datastores {
		dss[d.Name] = d.Path
	}
	inst.info = map[string]interface{}{
		"url":         u.String(),
		"fingerprint": colonHex(sum256[:]),
		"sha1":        colonHex(sum1[:]),
		"username":    o.username,
		"password":    o.password,
		"pid":         os.Getpid(),
		"model":       o.kind,
		"datastores":  dss,
	}
	return inst, nil
}

func colonHex(b []byte) string {
	parts := make([]string, len(b))
	for i, x := range b {
		parts[i] = fmt.Sprintf("%02X", x)
	}
	return strings.Join(parts, ":")
}

func loadOrMakeCert(certFile, keyFile string) (tls.Certificate, error) {
	if certFile != "" || keyFile != "" {
		if certFile == "" || keyFile == "" {
			return tls.Certificate{}, fmt.Errorf("--cert and --key go together")
		}
		return tls.LoadX509KeyPair(certFile, keyFile)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, err
	}
	serial, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "localhost", Organization: []string{"VMware test double"}},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(10 * 365 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		DNSNames:              []string{"localhost"},
		IPAddresses:           []net.IP{net.ParseIP("127.0.0.1"), net.ParseIP("::1")},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, err
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, nil
}
