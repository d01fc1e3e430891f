package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"time"
)

// instance is one VM (or container) record with the fields incusd renders (shared/api/instance.go).
type instance struct {
	name         string
	project      string
	itype        string
	architecture string
	description  string
	config       map[string]string
	devices      map[string]map[string]string
	profiles     []string
	createdAt    time.Time
	lastUsedAt   time.Time
	running      bool
	startedAt    time.Time
	rootFile     string // with -upstream: the VM's root.img on a dir pool of the real daemon
}

type instancesPost struct {
	Name         string                       `json:"name"`
	Type         string                       `json:"type"`
	Architecture string                       `json:"architecture"`
	Description  string                       `json:"description"`
	Config       map[string]string            `json:"config"`
	Devices      map[string]map[string]string `json:"devices"`
	Profiles     []string                     `json:"profiles"`
	Source       struct {
		Type string `json:"type"`
	} `json:"source"`
}

type instanceStatePut struct {
	Action   string `json:"action"`
	Timeout  int    `json:"timeout"`
	Force    bool   `json:"force"`
	Stateful bool   `json:"stateful"`
}

var validName = regexp.MustCompile(`^[a-zA-Z0-9-]+$`)

func (in *instance) status() (string, int) {
	if in.running {
		return "Running", 103
	}
	return "Stopped", 102
}

// render: expanded_* are the default profile's root disk overlaid with the instance's own.
func (s *server) render(in *instance) map[string]interface{} {
	expandedDevices := map[string]map[string]string{}
	for _, p := range in.profiles {
		if p == "default" {
			expandedDevices["root"] = map[string]string{"path": "/", "pool": "default", "type": "disk"}
		}
	}
	for k, v := range in.devices {
		expandedDevices[k] = v
	}
	status, code := in.status()
	return map[string]interface{}{
		"architecture": in.architecture, "config": in.config, "devices": in.devices,
		"ephemeral": false, "profiles": in.profiles, "stateful": false,
		"description": in.description, "created_at": rfc3339(in.createdAt),
		"expanded_config": in.config, "expanded_devices": expandedDevices,
		"name": in.name, "status": status, "status_code": code,
		"last_used_at": rfc3339(in.lastUsedAt), "location": "none", "type": in.itype,
		"project": in.project,
	}
}

func instanceURL(name, project string) string {
	if project == "default" {
		return "/1.0/instances/" + name
	}
	return "/1.0/instances/" + name + "?project=" + project
}

func notFound(w http.ResponseWriter, name, project string) {
	errorReply(w, http.StatusNotFound, fmt.Sprintf("Failed to fetch instance %q in project %q: Instance not found", name, project))
}

// delayOf: how long the creation of an instance runs ("user.standin.delay", else -op-delay).
func (s *server) delayOf(config map[string]string) time.Duration {
	if d, err := time.ParseDuration(config["user.standin.delay"]); err == nil {
		return d
	}
	return s.opDelay
}

func (s *server) lookup(project, name string) *instance {
	return s.instances[project][name]
}

func (s *server) listInstances(w http.ResponseWriter, r *http.Request) {
	project := projectOf(r)
	recursive := r.URL.Query().Get("recursion") == "1"
	s.mu.Lock()
	defer s.mu.Unlock()
	names := []string{}
	for name := range s.instances[project] {
		names = append(names, name)
	}
	sort.Strings(names)
	out := []interface{}{}
	for _, name := range names {
		if recursive {
			out = append(out, s.render(s.instances[project][name]))
		} else {
			out = append(out, instanceURL(name, project))
		}
	}
	syncReply(w, out)
}

func (s *server) getInstance(w http.ResponseWriter, r *http.Request, name string) {
	project := projectOf(r)
	s.mu.Lock()
	defer s.mu.Unlock()
	in := s.lookup(project, name)
	if in == nil {
		notFound(w, name, project)
		return
	}
	syncReply(w, s.render(in))
}

// patchInstance merges the body's config keys into the instance's (PATCH /1.0/instances/NAME, as
// the cold migration sets the firmware it inspected); answered synchronously.
func (s *server) patchInstance(w http.ResponseWriter, r *http.Request, name string) {
	project := projectOf(r)
	var req struct {
		Config map[string]string `json:"config"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		errorReply(w, http.StatusBadRequest, "bad request body: "+err.Error())
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	in := s.lookup(project, name)
	if in == nil {
		notFound(w, name, project)
		return
	}
	if in.config == nil {
		in.config = map[string]string{}
	}
	for k, v := range req.Config {
		in.config[k] = v
	}
	syncReply(w, map[string]interface{}{})
}

func (s *server) createInstance(w http.ResponseWriter, r *http.Request) {
	project := projectOf(r)
	var req instancesPost
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		errorReply(w, http.StatusBadRequest, err.Error())
		return
	}
	if req.Name != "" && !validName.MatchString(req.Name) {
		errorReply(w, http.StatusBadRequest, "Invalid instance name: Name can only contain alphanumeric and hyphen characters")
		return
	}
	if req.Name == "" {
		errorReply(w, http.StatusBadRequest, "Instance name is required")
		return
	}
	if req.Type == "" {
		req.Type = "container"
	}
	if req.Type != "container" && req.Type != "virtual-machine" {
		errorReply(w, http.StatusBadRequest, "Invalid instance type")
		return
	}
	if req.Source.Type != "none" {
		errorReply(w, http.StatusBadRequest, fmt.Sprintf("Unknown source type %s", req.Source.Type))
		return
	}
	if req.Profiles == nil {
		req.Profiles = []string{"default"}
	}
	if req.Architecture == "" {
		req.Architecture = "x86_64"
	}
	config := map[string]string{}
	for k, v := range req.Config {
		config[k] = v
	}
	id := newUUID()
	config["volatile.uuid"] = id
	config["volatile.uuid.generation"] = id
	config["volatile.cloud-init.instance-id"] = newUUID()
	devices := req.Devices
	if devices == nil {
		devices = map[string]map[string]string{}
	}
	in := &instance{
		name: req.Name, project: project, itype: req.Type, architecture: req.Architecture,
		description: req.Description, config: config, devices: devices, profiles: req.Profiles,
		createdAt: time.Now(), lastUsedAt: time.Unix(0, 0),
	}
	resources := map[string][]string{"instances": {instanceURL(req.Name, project)}}
	// With an upstream, the real daemon decides which pools and volumes exist (checked without
	// s.mu held), and a VM gets its root volume file on the pool.
	var check func() *opFailure
	var rootFile string
	var rootSize int64
	if s.upstream != nil {
		check = func() *opFailure {
			var f *opFailure
			rootFile, rootSize, f = s.checkUpstream(project, &req)
			return f
		}
	}
	op := s.startCheckedOperation("Creating instance", resources, s.delayOf(config), check, func() *opFailure {
		for _, dev := range devices {
			if s.upstream == nil && dev["type"] == "disk" && dev["pool"] != "" && !s.pools[dev["pool"]] {
				return &opFailure{404, "Failed creating instance record: Failed initializing instance: Failed loading storage pool: Storage pool not found"}
			}
		}
		if s.lookup(project, req.Name) != nil {
			return &opFailure{500, "Failed creating instance record: Add instance info to the database: Failed to create \"instances\" entry: UNIQUE constraint failed: instances.project_id, instances.name"}
		}
		if rootFile != "" {
			if f := createRootFile(rootFile, rootSize); f != nil {
				return f
			}
			in.rootFile = rootFile
		}
		if s.instances[project] == nil {
			s.instances[project] = map[string]*instance{}
		}
		s.instances[project][req.Name] = in
		return nil
	})
	s.mu.Lock()
	defer s.mu.Unlock()
	asyncReply(w, op)
}

func (s *server) getInstanceState(w http.ResponseWriter, r *http.Request, name string) {
	project := projectOf(r)
	s.mu.Lock()
	defer s.mu.Unlock()
	in := s.lookup(project, name)
	if in == nil {
		notFound(w, name, project)
		return
	}
	status, code := in.status()
	pid, started := 0, time.Time{}
	if in.running {
		pid, started = 4242, in.startedAt
	}
	syncReply(w, map[string]interface{}{
		"status": status, "status_code": code, "disk": map[string]interface{}{},
		"memory":  map[string]int{"usage": 0, "usage_peak": 0, "total": 0, "swap_usage": 0, "swap_usage_peak": 0},
		"network": nil, "pid": pid, "processes": 0,
		"cpu":        map[string]int{"usage": 0, "allocated_time": 0},
		"started_at": started.UTC().Format(time.RFC3339Nano), "os_info": nil,
	})
}

func (s *server) putInstanceState(w http.ResponseWriter, r *http.Request, name string) {
	project := projectOf(r)
	var req instanceStatePut
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		errorReply(w, http.StatusBadRequest, err.Error())
		return
	}
	s.mu.Lock()
	in := s.lookup(project, name)
	s.mu.Unlock()
	if in == nil {
		notFound(w, name, project)
		return
	}
	var description string
	var work func() *opFailure
	switch req.Action {
	case "start":
		description = "Starting instance"
		work = func() *opFailure {
			if in.running {
				return &opFailure{400, "The instance is already running"}
			}
			in.running, in.startedAt, in.lastUsedAt = true, time.Now(), time.Now()
			return nil
		}
	case "stop":
		description = "Stopping instance"
		work = func() *opFailure {
			if !in.running {
				return &opFailure{400, "The instance is already stopped"}
			}
			in.running = false
			return nil
		}
	default:
		errorReply(w, http.StatusBadRequest, fmt.Sprintf("Unknown action: '%s'", req.Action))
		return
	}
	resources := map[string][]string{"instances": {instanceURL(name, project)}}
	op := s.startOperation(description, resources, s.opDelay, work)
	s.mu.Lock()
	defer s.mu.Unlock()
	asyncReply(w, op)
}

func (s *server) deleteInstance(w http.ResponseWriter, r *http.Request, name string) {
	project := projectOf(r)
	s.mu.Lock()
	in := s.lookup(project, name)
	running := in != nil && in.running
	s.mu.Unlock()
	if in == nil {
		notFound(w, name, project)
		return
	}
	if running {
		errorReply(w, http.StatusBadRequest, "Instance is running")
		return
	}
	resources := map[string][]string{"instances": {instanceURL(name, project)}}
	op := s.startOperation("Deleting instance", resources, s.opDelay, func() *opFailure {
		removeRootFile(in.rootFile)
		delete(s.instances[project], name)
		return nil
	})
	s.mu.Lock()
	defer s.mu.Unlock()
	asyncReply(w, op)
}
