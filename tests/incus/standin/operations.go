package main

import (
	"crypto/rand"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// operation is an asynchronous task as incusd renders it (shared/api/operation.go).
type operation struct {
	id          string
	description string
	createdAt   time.Time
	updatedAt   time.Time
	status      string
	statusCode  int
	resources   map[string][]string
	err         string
	errCode     int // the HTTP status incusd gives the error (400, 404, 500)
	done        chan struct{}
}

func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

func rfc3339(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// render must be called with s.mu held (or before the operation is shared).
func (op *operation) render() map[string]interface{} {
	return map[string]interface{}{
		"id": op.id, "class": "task", "description": op.description,
		"created_at": rfc3339(op.createdAt), "updated_at": rfc3339(op.updatedAt),
		"status": op.status, "status_code": op.statusCode, "resources": op.resources,
		"metadata": nil, "may_cancel": false, "err": op.err, "location": "none",
	}
}

// opFailure is how an operation fails: incusd's message and the status its error maps to.
type opFailure struct {
	code int
	msg  string
}

// startOperation registers a running task; after `delay` it runs `work` (with s.mu held), whose
// failure (or nil) decides Failure or Success.
func (s *server) startOperation(description string, resources map[string][]string, delay time.Duration, work func() *opFailure) *operation {
	return s.startCheckedOperation(description, resources, delay, nil, work)
}

// startCheckedOperation runs `check` (without s.mu: it may call the upstream) before `work`; its
// failure fails the operation without running `work`.
func (s *server) startCheckedOperation(description string, resources map[string][]string, delay time.Duration, check, work func() *opFailure) *operation {
	now := time.Now()
	op := &operation{
		id: newUUID(), description: description, createdAt: now, updatedAt: now,
		status: "Running", statusCode: 103, resources: resources, done: make(chan struct{}),
	}
	s.mu.Lock()
	s.operations[op.id] = op
	s.mu.Unlock()
	go func() {
		time.Sleep(delay)
		var failure *opFailure
		if check != nil {
			failure = check()
		}
		s.mu.Lock()
		if failure == nil {
			failure = work()
		}
		op.updatedAt = time.Now()
		if failure == nil {
			op.status, op.statusCode = "Success", 200
		} else {
			op.status, op.statusCode, op.err, op.errCode = "Failure", 400, failure.msg, failure.code
		}
		close(op.done)
		s.mu.Unlock()
	}()
	return op
}

func (s *server) getOperation(w http.ResponseWriter, id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	op, ok := s.operations[id]
	if !ok {
		errorReply(w, http.StatusNotFound, "Operation not found")
		return
	}
	syncReply(w, op.render())
}

// listOperations groups operations by lower-cased status, omitting empty groups, as incusd does.
func (s *server) listOperations(w http.ResponseWriter, r *http.Request) {
	if s.upstream != nil {
		s.listOperationsMerged(w, r)
		return
	}
	syncReply(w, s.operationGroups(r.URL.Query().Get("recursion") == "1"))
}

func (s *server) operationGroups(recursive bool) map[string][]interface{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	groups := map[string][]interface{}{}
	for _, op := range s.operations {
		key := map[int]string{103: "running", 200: "success", 400: "failure"}[op.statusCode]
		if recursive {
			groups[key] = append(groups[key], op.render())
		} else {
			groups[key] = append(groups[key], "/1.0/operations/"+op.id)
		}
	}
	return groups
}

// ownsOperation: an id of ours (else, with an upstream, the request is incusd's).
func (s *server) ownsOperation(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.operations[id]
	return ok
}

// waitOperation mirrors incusd 6.0: the 200 header goes out at once; then the operation when it
// succeeded, or an error envelope with its error (and the status that error maps to), or 500
// "context deadline exceeded" when the wait timed out.
func (s *server) waitOperation(w http.ResponseWriter, r *http.Request, id string) {
	timeout := -1
	if t := r.URL.Query().Get("timeout"); t != "" {
		v, err := strconv.Atoi(t)
		if err != nil {
			errorReply(w, http.StatusInternalServerError, err.Error())
			return
		}
		timeout = v
	}
	s.mu.Lock()
	op, ok := s.operations[id]
	s.mu.Unlock()
	if !ok {
		errorReply(w, http.StatusNotFound, "Operation not found")
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	if f, ok := w.(http.Flusher); ok {
		f.Flush()
	}
	var expired <-chan time.Time
	if timeout > -1 {
		timer := time.NewTimer(time.Duration(timeout) * time.Second)
		defer timer.Stop()
		expired = timer.C
	}
	select {
	case <-op.done:
	case <-expired:
		writeBody(w, errorBody(500, "context deadline exceeded"))
		return
	case <-r.Context().Done():
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if op.statusCode != 200 {
		writeBody(w, errorBody(op.errCode, op.err))
		return
	}
	writeBody(w, map[string]interface{}{
		"type": "sync", "status": "Success", "status_code": 200, "operation": "",
		"error_code": 0, "error": "", "metadata": op.render(),
	})
}
