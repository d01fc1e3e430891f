package main

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

func TestNormalizeAndPage(t *testing.T) {
	in := []extent{{100, 10}, {0, 1}, {4095, 2}, {10000, 5000}, {1 << 20, 10}}
	got := normalize(in, 12000, 4096)
	want := []extent{{0, 12000}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("normalize: %v", got)
	}
	areas := []extent{{0, 10}, {20, 10}, {40, 10}}
	n, out := page(areas, 100, 25, 1)
	if n != 5 || fmt.Sprint(out) != fmt.Sprint([]extent{{25, 5}}) {
		t.Fatalf("page 1: %d %v", n, out)
	}
	n, out = page(areas, 100, 30, 1)
	if n != 70 || fmt.Sprint(out) != fmt.Sprint([]extent{{40, 10}}) {
		t.Fatalf("page 2: %d %v", n, out)
	}
	n, out = page(areas, 100, 50, 1) // nothing left: the window runs to the end
	if n != 50 || len(out) != 0 {
		t.Fatalf("page 3: %d %v", n, out)
	}
}

func TestReadJournal(t *testing.T) {
	p := filepath.Join(t.TempDir(), "j")
	os.WriteFile(p, []byte(`{"offset":1,"length":2}
{"changeId":"A/0"}
{"offset":3,"length":4}

{"changeId":"B/1"}
{"changeId":"A/1"}
{"offset":5,"length":6}
{"offset":7,"len`), 0o644)
	check := func(from, to string, want string, wantErr error) {
		t.Helper()
		got, err := readJournal(p, from, to)
		if err != wantErr || fmt.Sprint(got) != want {
			t.Fatalf("%s..%s: %v %v", from, to, got, err)
		}
	}
	check("A/0", "A/1", "[{3 4}]", nil)
	check("A/0", "", "[{3 4} {5 6}]", nil)
	check("A/1", "", "[{5 6}]", nil)
	check("A/1", "A/0", "[]", errMarkOrder)
	check("C/0", "", "[]", errMarkNotFound)
	check("A/0", "C/1", "[]", errSnapshotMarkNotFound)
}
