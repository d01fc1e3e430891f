package main

import (
	"crypto/tls"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// server holds the stand-in's state: instances by project and name, and operations by id.
type server struct {
	mu          sync.Mutex
	pools       map[string]bool
	opDelay     time.Duration
	trusted     map[string]bool
	fingerprint string
	certPEM     string
	instances   map[string]map[string]*instance // project -> name -> instance
	operations  map[string]*operation
	upstream    *upstream // nil: no real incusd behind (-upstream)
}

func newServer(pools []string, opDelay time.Duration, trusted map[string]bool, fingerprint string, cert tls.Certificate) *server {
	s := &server{
		pools:       map[string]bool{},
		opDelay:     opDelay,
		trusted:     trusted,
		fingerprint: fingerprint,
		certPEM:     pemCert(cert.Certificate[0]),
		instances:   map[string]map[string]*instance{},
		operations:  map[string]*operation{},
	}
	for _, p := range pools {
		if p != "" {
			s.pools[p] = true
		}
	}
	return s
}

// The three envelopes of shared/api/response.go, with every field always present as incusd
// renders them.
func writeJSON(w http.ResponseWriter, code int, v interface{}) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

// writeBody writes an envelope after the header went out (operation waits).
func writeBody(w http.ResponseWriter, v interface{}) {
	_ = json.NewEncoder(w).Encode(v)
}

func syncReply(w http.ResponseWriter, metadata interface{}) {
	writeJSON(w, http.StatusOK, map[string]interface{}{
		"type": "sync", "status": "Success", "status_code": 200, "operation": "",
		"error_code": 0, "error": "", "metadata": metadata,
	})
}

func errorBody(code int, msg string) map[string]interface{} {
	return map[string]interface{}{
		"type": "error", "status": "", "status_code": 0, "operation": "",
		"error_code": code, "error": msg, "metadata": nil,
	}
}

func errorReply(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, code, errorBody(code, msg))
}

func asyncReply(w http.ResponseWriter, op *operation) {
	writeJSON(w, http.StatusAccepted, map[string]interface{}{
		"type": "async", "status": "Operation created", "status_code": 100,
		"operation": "/1.0/operations/" + op.id, "error_code": 0, "error": "",
		"metadata": op.render(),
	})
}

func (s *server) isTrusted(r *http.Request) bool {
	if r.TLS == nil || len(r.TLS.PeerCertificates) == 0 {
		return false
	}
	return s.trusted[fingerprintOf(r.TLS.PeerCertificates[0].Raw)]
}

func projectOf(r *http.Request) string {
	if p := r.URL.Query().Get("project"); p != "" {
		return p
	}
	return "default"
}

// ServeHTTP routes by path segments, as incusd's mux does for these endpoints.
func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path := strings.TrimSuffix(r.URL.EscapedPath(), "/")
	if path == "/1.0" && r.Method == http.MethodGet {
		s.serverInfo(w, r)
		return
	}
	if !s.isTrusted(r) {
		errorReply(w, http.StatusForbidden, "not authorized")
		return
	}
	parts := strings.Split(strings.TrimPrefix(path, "/"), "/")
	for i, p := range parts {
		if u, err := url.PathUnescape(p); err == nil {
			parts[i] = u
		}
	}
	if s.upstream != nil && !s.servesItself(parts) {
		s.upstream.proxy.ServeHTTP(w, r)
		return
	}
	switch {
	case len(parts) == 2 && parts[0] == "1.0" && parts[1] == "instances":
		switch r.Method {
		case http.MethodGet:
			s.listInstances(w, r)
		case http.MethodPost:
			s.createInstance(w, r)
		default:
			errorReply(w, http.StatusMethodNotAllowed, "method not allowed")
		}
	case len(parts) == 3 && parts[0] == "1.0" && parts[1] == "instances":
		switch r.Method {
		case http.MethodGet:
			s.getInstance(w, r, parts[2])
		case http.MethodDelete:
			s.deleteInstance(w, r, parts[2])
		case http.MethodPatch:
			s.patchInstance(w, r, parts[2])
		default:
			errorReply(w, http.StatusMethodNotAllowed, "method not allowed")
		}
	case len(parts) == 4 && parts[0] == "1.0" && parts[1] == "instances" && parts[3] == "state":
		switch r.Method {
		case http.MethodGet:
			s.getInstanceState(w, r, parts[2])
		case http.MethodPut:
			s.putInstanceState(w, r, parts[2])
		default:
			errorReply(w, http.StatusMethodNotAllowed, "method not allowed")
		}
	case len(parts) == 2 && parts[0] == "1.0" && parts[1] == "operations" && r.Method == http.MethodGet:
		s.listOperations(w, r)
	case len(parts) == 3 && parts[0] == "1.0" && parts[1] == "operations" && r.Method == http.MethodGet:
		s.getOperation(w, parts[2])
	case len(parts) == 4 && parts[0] == "1.0" && parts[1] == "operations" && parts[3] == "wait" && r.Method == http.MethodGet:
		s.waitOperation(w, r, parts[2])
	default:
		errorReply(w, http.StatusNotFound, "not found")
	}
}

// servesItself: with an upstream, the instance endpoints, the operation list (merged) and our own
// operations are the stand-in's; everything else is the real incusd's.
func (s *server) servesItself(parts []string) bool {
	if len(parts) < 2 || parts[0] != "1.0" {
		return false
	}
	switch parts[1] {
	case "instances":
		return true
	case "operations":
		return len(parts) == 2 || s.ownsOperation(parts[2])
	}
	return false
}

// serverInfo answers GET /1.0 like incusd: the short form for untrusted clients, the environment
// for trusted ones (only the fields a client reads).
func (s *server) serverInfo(w http.ResponseWriter, r *http.Request) {
	info := map[string]interface{}{
		"config":         map[string]string{},
		"api_extensions": []string{"instances", "projects", "custom_block_volumes", "operation_wait"},
		"api_status":     "stable",
		"api_version":    "1.0",
		"auth":           "untrusted",
		"public":         false,
		"auth_methods":   []string{"tls"},
	}
	if !s.isTrusted(r) {
		syncReply(w, info)
		return
	}
	info["auth"] = "trusted"
	info["auth_user_name"] = fingerprintOf(r.TLS.PeerCertificates[0].Raw)
	info["auth_user_method"] = "tls"
	info["environment"] = map[string]interface{}{
		"addresses":               []string{r.Host},
		"architectures":           []string{"x86_64", "i686"},
		"certificate":             s.certPEM,
		"certificate_fingerprint": s.fingerprint,
		"driver":                  "qemu",
		"driver_version":          "7.2.0",
		"kernel":                  "Linux",
		"kernel_architecture":     "x86_64",
		"os_name":                 "incus-standin",
		"project":                 projectOf(r),
		"server":                  "incus",
		"server_clustered":        false,
		"server_name":             "standin",
		"server_version":          "6.0.4",
		"storage":                 "dir",
	}
	syncReply(w, info)
}
