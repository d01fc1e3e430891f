// Change journals: the data behind QueryChangedDiskAreas.
//
// Each disk has a JSON-lines journal. The tests' disk writer appends one line per write:
//
//	{"offset": 1048576, "length": 65536}
//
// and the simulator appends a mark each time the disk's change-tracking state is captured
// (change tracking enabled, snapshot taken):
//
//	{"changeId": "52 1f ... 9c/3"}
//
// The areas changed since changeId X as of snapshot S are the writes between the mark of X and
// the mark S carries for the disk. Marks are matched by their whole changeId string, so marks
// left by earlier runs of the simulator (other disk UUIDs) are ignored.
package main

import (
	"bufio"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"syscall"
)

// extent is a half-open byte range [Start, Start+Length).
type extent struct {
	Start  int64
	Length int64
}

func (e extent) end() int64 { return e.Start + e.Length }

type journalLine struct {
	Offset   *int64 `json:"offset"`
	Length   *int64 `json:"length"`
	ChangeID string `json:"changeId"`
}

// newDiskUUID returns a disk change-tracking UUID in VMware's changeId spelling:
// "52 xx xx xx xx xx xx xx-xx xx xx xx xx xx xx xx".
func newDiskUUID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err)
	}
	b[0] = 0x52
	var sb strings.Builder
	for i, x := range b {
		if i == 8 {
			sb.WriteByte('-')
		} else if i > 0 {
			sb.WriteByte(' ')
		}
		fmt.Fprintf(&sb, "%02x", x)
	}
	return sb.String()
}

// appendMark appends a changeId mark to a journal, creating the journal if needed.
func appendMark(path, changeID string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return err
	}
	line, _ := json.Marshal(map[string]string{"changeId": changeID})
	line = append(line, '\n')
	_, werr := f.Write(line) // one write(2) of one line: atomic with O_APPEND against the writer
	cerr := f.Close()
	if werr != nil {
		return werr
	}
	return cerr
}

// readJournal returns the writes recorded after the mark `from` and up to the mark `to`
// ("" for `to` means up to the end of the journal). A journal that does not exist is empty.
// An unfinished last line (no newline yet) is ignored: the writer is still appending it.
func readJournal(path, from, to string) ([]extent, error) {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			if from == "" {
				return nil, nil
			}
			return nil, errMarkNotFound
		}
		return nil, err
	}
	defer f.Close()

	var out []extent
	collecting := from == ""
	foundFrom := from == ""
	r := bufio.NewReaderSize(f, 1<<16)
	lineNo := 0
	for {
		line, err := r.ReadString('\n')
		if err == io.EOF {
			break // an unterminated tail is a write in progress
		}
		if err != nil {
			return nil, err
		}
		lineNo++
		text := strings.TrimSpace(line)
		if text == "" {
			continue
		}
		var jl journalLine
		if err := json.Unmarshal([]byte(text), &jl); err != nil {
			return nil, fmt.Errorf("%s:%d: %v", path, lineNo, err)
		}
		if jl.ChangeID != "" {
			if !foundFrom && jl.ChangeID == from {
				foundFrom, collecting = true, true
				if to == from {
					return out, nil
				}
				continue
			}
			if to != "" && jl.ChangeID == to {
				if !foundFrom {
					return nil, errMarkOrder
				}
				return out, nil
			}
			continue
		}
		if jl.Offset == nil || jl.Length == nil || *jl.Offset < 0 || *jl.Length < 0 {
			return nil, fmt.Errorf("%s:%d: a write needs a non-negative offset and length", path, lineNo)
		}
		if collecting && *jl.Length > 0 {
			out = append(out, extent{*jl.Offset, *jl.Length})
		}
	}
	if !foundFrom {
		return nil, errMarkNotFound
	}
	if to != "" {
		return nil, errSnapshotMarkNotFound
	}
	return out, nil
}

var (
	errMarkNotFound         = errors.New("changeId not found in the disk's change journal")
	errMarkOrder            = errors.New("changeId is newer than the snapshot")
	errSnapshotMarkNotFound = errors.New("the snapshot's changeId is not in the disk's change journal")
)

// allocatedExtents returns the data (non-hole) ranges of a sparse image file, below capacity.
// A missing image counts as fully allocated (as CBT on non-VMFS storage reports the whole disk).
func allocatedExtents(path string, capacity int64) ([]extent, error) {
	if path == "" {
		return []extent{{0, capacity}}, nil
	}
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return []extent{{0, capacity}}, nil
		}
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	limit := st.Size()
	if limit > capacity {
		limit = capacity
	}
	const seekData, seekHole = 3, 4
	var out []extent
	fd := int(f.Fd())
	for off := int64(0); off < limit; {
		data, err := syscall.Seek(fd, off, seekData)
		if err != nil {
			if errors.Is(err, syscall.ENXIO) {
				break
			}
			if errors.Is(err, syscall.EINVAL) { // file system without SEEK_DATA: all data
				return []extent{{0, limit}}, nil
			}
			return nil, err
		}
		if data >= limit {
			break
		}
		hole, err := syscall.Seek(fd, data, seekHole)
		if err != nil {
			return nil, err
		}
		if hole > limit {
			hole = limit
		}
		out = append(out, extent{data, hole - data})
		off = hole
	}
	return out, nil
}

// normalize clips extents to [0, capacity), widens them to the granularity and merges
// overlapping or touching ones, returning them sorted.
func normalize(in []extent, capacity, granularity int64) []extent {
	if granularity <= 0 {
		granularity = 1
	}
	tmp := make([]extent, 0, len(in))
	for _, e := range in {
		s, t := e.Start, e.end()
		if t > capacity {
			t = capacity
		}
		if s < 0 {
			s = 0
		}
		if t <= s {
			continue
		}
		s = s / granularity * granularity
		t = (t + granularity - 1) / granularity * granularity
		if t > capacity {
			t = capacity
		}
		tmp = append(tmp, extent{s, t - s})
	}
	sort.Slice(tmp, func(i, j int) bool { return tmp[i].Start < tmp[j].Start })
	var out []extent
	for _, e := range tmp {
		if n := len(out); n > 0 && e.Start <= out[n-1].end() {
			if e.end() > out[n-1].end() {
				out[n-1].Length = e.end() - out[n-1].Start
			}
			continue
		}
		out = append(out, e)
	}
	return out
}

// page answers one QueryChangedDiskAreas call the way ESXi does: the areas at or after
// startOffset, at most maxAreas of them. When areas remain, the reply's window ends just after
// the last area returned; otherwise it runs to the end of the disk. The client continues with
// startOffset = reply.startOffset + reply.length until the capacity.
func page(areas []extent, capacity, startOffset int64, maxAreas int) (length int64, out []extent) {
	i := sort.Search(len(areas), func(i int) bool { return areas[i].end() > startOffset })
	for ; i < len(areas); i++ {
		if maxAreas > 0 && len(out) == maxAreas {
			last := out[len(out)-1]
			return last.end() - startOffset, out
		}
		e := areas[i]
		if e.Start < startOffset {
			e = extent{startOffset, e.end() - startOffset}
		}
		out = append(out, e)
	}
	return capacity - startOffset, out
}
