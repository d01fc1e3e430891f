// Command incus-standin serves the Incus REST endpoints for VM instances (create, get, list,
// state, delete) and their asynchronous operations, with the JSON shapes of the real incusd, over
// HTTPS with client-certificate trust. CI machines cannot run VMs (no vhost_vsock), so the
// client's instance calls are tested against this; tests/incus/contract_test.cpp checks its
// answers against the real daemon's wherever the real daemon can answer.
//
//	incus-standin -cert S.crt -key S.key -trust CLIENT.crt [-trust ...] -addr-file ADDR
//
// It listens on 127.0.0.1 (port -listen, default any free one) and writes "127.0.0.1:PORT" to
// -addr-file once it accepts connections. It knows the storage pools named by -pools; an instance
// config key "user.standin.delay" (a Go duration) makes its creation run that long.
//
// With -upstream unix:///path/unix.socket it fronts a real incusd: it serves GET /1.0, the
// instance endpoints and its own operations, and forwards every other request (projects, pools,
// networks, volumes, incusd's operations) to that daemon. Pools and attached custom volumes are
// then checked on the daemon, and a VM's root disk becomes a sparse file where incusd's dir
// driver keeps it (<pool source>/virtual-machines/<volume>/root.img), removed with the VM.
package main

import (
	"crypto/tls"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"strings"
	"time"
)

type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

func main() {
	listen := flag.String("listen", "127.0.0.1:0", "address to listen on")
	addrFile := flag.String("addr-file", "", "file to write the listening address to")
	certFile := flag.String("cert", "", "server certificate (PEM); generated with -key when missing")
	keyFile := flag.String("key", "", "server key (PEM)")
	pools := flag.String("pools", "default", "comma-separated storage pool names")
	opDelay := flag.Duration("op-delay", 50*time.Millisecond, "how long an operation runs")
	upstreamURL := flag.String("upstream", "", "unix:///path/unix.socket of a real incusd to front")
	withParent := flag.Bool("exit-with-parent", true, "exit when the process that started it is gone")
	var trust listFlag
	flag.Var(&trust, "trust", "trusted client certificate (PEM file; repeatable)")
	flag.Parse()

	if *certFile == "" || *keyFile == "" {
		log.Fatal("incus-standin: -cert and -key are required")
	}
	cert, fingerprint, err := loadOrCreateCert(*certFile, *keyFile)
	if err != nil {
		log.Fatalf("incus-standin: %v", err)
	}
	trusted := map[string]bool{}
	for _, path := range trust {
		fps, err := pemFingerprints(path)
		if err != nil {
			log.Fatalf("incus-standin: -trust %s: %v", path, err)
		}
		for _, fp := range fps {
			trusted[fp] = true
		}
	}

	if *withParent {
		// A test that crashed must not leave the stand-in behind: when the parent dies the
		// process is re-parented, and getppid changes.
		parent := os.Getppid()
		go func() {
			for range time.Tick(200 * time.Millisecond) {
				if os.Getppid() != parent {
					os.Exit(1)
				}
			}
		}()
	}

	srv := newServer(strings.Split(*pools, ","), *opDelay, trusted, fingerprint, cert)
	if *upstreamURL != "" {
		if srv.upstream, err = newUpstream(*upstreamURL); err != nil {
			log.Fatalf("incus-standin: %v", err)
		}
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		log.Fatalf("incus-standin: listen: %v", err)
	}
	tlsConfig := &tls.Config{
		Certificates: []tls.Certificate{cert},
		// Like incusd: any client certificate is accepted at the handshake; trust is decided per
		// request from its fingerprint.
		ClientAuth: tls.RequestClientCert,
		MinVersion: tls.VersionTLS12,
	}
	if *addrFile != "" {
		tmp := *addrFile + ".tmp"
		if err := os.WriteFile(tmp, []byte(ln.Addr().String()+"\n"), 0o644); err != nil {
			log.Fatalf("incus-standin: %v", err)
		}
		if err := os.Rename(tmp, *addrFile); err != nil {
			log.Fatalf("incus-standin: %v", err)
		}
	}
	fmt.Fprintf(os.Stderr, "incus-standin: listening on %s (fingerprint %s)\n", ln.Addr(), fingerprint)
	httpServer := &http.Server{Handler: srv, TLSConfig: tlsConfig, ErrorLog: log.New(os.Stderr, "", 0)}
	log.Fatal(httpServer.ServeTLS(ln, "", ""))
}
