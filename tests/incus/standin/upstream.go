package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// upstream is a real incusd reached over its unix socket. With -upstream the stand-in serves the
// instance endpoints (this host cannot run VMs) and forwards everything else to it, so one
// endpoint offers real projects, pools, networks and volumes plus stand-in VMs.
type upstream struct {
	proxy  *httputil.ReverseProxy
	client *http.Client
}

// newUpstream takes "unix:///path/unix.socket" (or a bare socket path).
func newUpstream(target string) (*upstream, error) {
	socket := strings.TrimPrefix(target, "unix://")
	if socket == "" || !strings.HasPrefix(socket, "/") {
		return nil, fmt.Errorf("-upstream %q: want unix:///path/unix.socket", target)
	}
	transport := &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, "unix", socket)
		},
		MaxIdleConns:    16,
		IdleConnTimeout: 30 * time.Second,
	}
	proxy := &httputil.ReverseProxy{
		Director: func(r *http.Request) {
			r.URL.Scheme, r.URL.Host, r.Host = "http", "incus", "incus"
		},
		Transport: transport,
		// Operation waits send their header at once and the body later: pass both through as
		// they come.
		FlushInterval: -1,
		ErrorLog:      log.New(os.Stderr, "incus-standin upstream: ", 0),
		ErrorHandler: func(w http.ResponseWriter, _ *http.Request, err error) {
			errorReply(w, http.StatusBadGateway, "incus-standin: upstream incusd: "+err.Error())
		},
	}
	return &upstream{proxy: proxy, client: &http.Client{Transport: transport, Timeout: 30 * time.Second}}, nil
}

// get fetches an upstream object; a non-nil error carries incusd's error text and code.
func (u *upstream) get(path string, out interface{}) *opFailure {
	resp, err := u.client.Get("http://incus" + path)
	if err != nil {
		return &opFailure{500, "incus-standin: upstream incusd: " + err.Error()}
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var env struct {
		Type      string          `json:"type"`
		ErrorCode int             `json:"error_code"`
		Error     string          `json:"error"`
		Metadata  json.RawMessage `json:"metadata"`
	}
	if err := json.Unmarshal(body, &env); err != nil {
		return &opFailure{500, "incus-standin: upstream incusd: " + err.Error()}
	}
	if env.Type == "error" {
		return &opFailure{env.ErrorCode, env.Error}
	}
	if out != nil {
		if err := json.Unmarshal(env.Metadata, out); err != nil {
			return &opFailure{500, "incus-standin: upstream incusd: " + err.Error()}
		}
	}
	return nil
}

type upstreamPool struct {
	Name   string            `json:"name"`
	Driver string            `json:"driver"`
	Config map[string]string `json:"config"`
}

func poolPath(pool string) string { return "/1.0/storage-pools/" + url.PathEscape(pool) }

func withProject(path, project string) string {
	return path + "?project=" + url.QueryEscape(project)
}

// instanceVolumeName is incusd's project.Instance(): the "<project>_" prefix only outside the
// default project (unlike custom volumes, which are always prefixed).
func instanceVolumeName(project, name string) string {
	if project == "default" {
		return name
	}
	return project + "_" + name
}

// rootDisk is the instance's own root disk device, else the one of its "default" profile.
func (s *server) rootDisk(project string, req *instancesPost) (map[string]string, *opFailure) {
	for _, dev := range req.Devices {
		if dev["type"] == "disk" && dev["path"] == "/" {
			return dev, nil
		}
	}
	for _, p := range req.Profiles {
		var profile struct {
			Devices map[string]map[string]string `json:"devices"`
		}
		if f := s.upstream.get(withProject("/1.0/profiles/"+url.PathEscape(p), project), &profile); f != nil {
			return nil, &opFailure{f.code, "Failed creating instance record: Failed initializing instance: " + f.msg}
		}
		for _, dev := range profile.Devices {
			if dev["type"] == "disk" && dev["path"] == "/" {
				return dev, nil
			}
		}
	}
	return nil, &opFailure{400, "Failed creating instance record: Failed initializing instance: Failed getting root disk: No root device could be found"}
}

// checkUpstream validates a creation against the real daemon as incusd would (pools and attached
// custom volumes must exist) and, for a VM, says where its root volume file goes. Runs without
// s.mu held (it makes HTTP calls).
func (s *server) checkUpstream(project string, req *instancesPost) (rootFile string, size int64, failure *opFailure) {
	for devName, dev := range req.Devices {
		if dev["type"] != "disk" || dev["pool"] == "" {
			continue
		}
		if f := s.upstream.get(poolPath(dev["pool"]), nil); f != nil {
			if dev["path"] == "/" {
				return "", 0, &opFailure{f.code, "Failed creating instance record: Failed initializing instance: Failed loading storage pool: " + f.msg}
			}
			return "", 0, &opFailure{f.code, fmt.Sprintf("Failed creating instance record: Failed initializing instance: Failed add validation for device %q: Failed to get storage pool %q: %s", devName, dev["pool"], f.msg)}
		}
		if dev["source"] == "" || dev["path"] == "/" {
			continue
		}
		volume := withProject(poolPath(dev["pool"])+"/volumes/custom/"+url.PathEscape(dev["source"]), project)
		if f := s.upstream.get(volume, nil); f != nil {
			if f.code == http.StatusNotFound {
				f.msg = "Storage volume not found" // incusd's words on this path (the API's differ)
			}
			return "", 0, &opFailure{f.code, fmt.Sprintf("Failed creating instance record: Failed initializing instance: Failed add validation for device %q: Failed loading custom volume: %s", devName, f.msg)}
		}
	}
	if req.Type != "virtual-machine" {
		return "", 0, nil
	}
	root, f := s.rootDisk(project, req)
	if f != nil {
		return "", 0, f
	}
	var pool upstreamPool
	if f := s.upstream.get(poolPath(root["pool"]), &pool); f != nil {
		return "", 0, &opFailure{f.code, "Failed creating instance record: Failed initializing instance: Failed loading storage pool: " + f.msg}
	}
	if pool.Driver != "dir" {
		return "", 0, &opFailure{400, fmt.Sprintf("incus-standin: storage pool %q uses the %q driver: only \"dir\" pools can hold a stand-in VM's root volume", pool.Name, pool.Driver)}
	}
	size, err := parseSize(root["size"])
	if err != nil || size <= 0 {
		return "", 0, &opFailure{400, fmt.Sprintf("incus-standin: the root disk on pool %q needs a size (its \"size\" key, e.g. \"20GiB\") to create its root.img; got %q", pool.Name, root["size"])}
	}
	source := pool.Config["source"]
	if !strings.HasPrefix(source, "/") {
		return "", 0, &opFailure{500, fmt.Sprintf("incus-standin: storage pool %q has no absolute config.source", pool.Name)}
	}
	// Where incusd's dir driver keeps a VM's root disk (storage/drivers: GetVolumeMountPath +
	// genericVolumeDiskFile).
	return filepath.Join(source, "virtual-machines", instanceVolumeName(project, req.Name), "root.img"), size, nil
}

// createRootFile makes the sparse root.img of `size` bytes, mode 0600, as incusd's dir driver does.
func createRootFile(path string, size int64) *opFailure {
	dir := filepath.Dir(path)
	if _, err := os.Stat(dir); err == nil {
		return &opFailure{500, fmt.Sprintf("Failed creating instance from empty: Volume path %q already exists", dir)}
	}
	if err := os.MkdirAll(dir, 0o100); err != nil {
		return &opFailure{500, "Failed creating instance from empty: " + err.Error()}
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err == nil {
		err = f.Truncate(size)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		_ = os.RemoveAll(dir)
		return &opFailure{500, "Failed creating instance from empty: " + err.Error()}
	}
	return nil
}

// removeRootFile deletes what createRootFile made.
func removeRootFile(path string) {
	if path != "" {
		_ = os.RemoveAll(filepath.Dir(path))
	}
}

// parseSize reads Incus's size texts: "64MiB", "20GiB", "10GB", "1073741824B", "1073741824".
func parseSize(text string) (int64, error) {
	text = strings.TrimSpace(text)
	units := []struct {
		suffix string
		factor int64
	}{
		{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"TiB", 1 << 40}, {"PiB", 1 << 50}, {"EiB", 1 << 60},
		{"kB", 1e3}, {"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"TB", 1e12}, {"PB", 1e15}, {"EB", 1e18},
		{"B", 1},
	}
	factor := int64(1)
	for _, u := range units {
		if strings.HasSuffix(text, u.suffix) {
			text, factor = strings.TrimSuffix(text, u.suffix), u.factor
			break
		}
	}
	var n int64
	if _, err := fmt.Sscanf(text, "%d", &n); err != nil || fmt.Sprint(n) != text {
		return 0, fmt.Errorf("invalid size %q", text)
	}
	if n < 0 || (n > 0 && factor > (1<<62)/n) {
		return 0, fmt.Errorf("size %q out of range", text)
	}
	return n * factor, nil
}

// listOperationsMerged is GET /1.0/operations with an upstream: incusd's groups plus ours.
func (s *server) listOperationsMerged(w http.ResponseWriter, r *http.Request) {
	groups := map[string][]json.RawMessage{}
	if f := s.upstream.get(r.URL.RequestURI(), &groups); f != nil {
		errorReply(w, f.code, f.msg)
		return
	}
	ours := s.operationGroups(r.URL.Query().Get("recursion") == "1")
	for key, list := range ours {
		for _, v := range list {
			raw, _ := json.Marshal(v)
			groups[key] = append(groups[key], raw)
		}
	}
	syncReply(w, groups)
}
