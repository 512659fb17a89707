package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

func TestBotStateFile(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	path := filepath.Join(t.TempDir(), "bot.state")
	write := func(content string) {
		t.Helper()
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	line := func(at time.Time, id string) string { return stateLine(at, id) }

	t.Run("missing file starts empty", func(t *testing.T) {
		s, err := openState(filepath.Join(t.TempDir(), "new.state"), now)
		if err != nil || len(s.at) != 0 {
			t.Fatal(s, err)
		}
		if err := s.close(); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("records survive a reopen, expired ids are forgotten", func(t *testing.T) {
		write(stateHeader + line(now.Add(-stateKeep-time.Hour), "old") + line(now.Add(-time.Hour), "a"))
		s, err := openState(path, now)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.record("b", now); err != nil {
			t.Fatal(err)
		}
		if err := s.close(); err != nil {
			t.Fatal(err)
		}
		s, err = openState(path, now)
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = s.close() }() // read only from here
		if !s.seen("a") || !s.seen("b") || s.seen("old") || s.dropped != 0 {
			t.Fatalf("%v dropped=%d", s.at, s.dropped)
		}
		raw, _ := os.ReadFile(path)
		if strings.Contains(string(raw), "old") {
			t.Fatalf("not compacted:\n%s", raw)
		}
	})
	for name, tail := range map[string]string{
		"cut short":               "2026-12-04T11:59:",
		"cut short after the id":  "2026-12-04T11:59:00Z 0193-ab",
		"zeros after a crash":     "\x00\x00\x00\x00",
		"garbage with a new line": "\x00\x00garbage\n",
	} {
		t.Run("last line "+name, func(t *testing.T) {
			write(stateHeader + line(now.Add(-time.Minute), "a") + tail)
			s, err := openState(path, now)
			if err != nil {
				t.Fatal(err)
			}
			defer func() { _ = s.close() }()
			if !s.seen("a") || len(s.at) != 1 || s.dropped != 1 {
				t.Fatalf("%v dropped=%d", s.at, s.dropped)
			}
			if err := s.record("b", now); err != nil {
				t.Fatal(err)
			}
			raw, _ := os.ReadFile(path)
			if want := stateHeader + line(now.Add(-time.Minute), "a") + line(now, "b"); string(raw) != want {
				t.Fatalf("got\n%q\nwant\n%q", raw, want)
			}
		})
	}
	t.Run("a damaged line before the last is refused", func(t *testing.T) {
		write(line(now, "a") + "not a record\n" + line(now, "b"))
		if _, err := openState(path, now); err == nil || !strings.Contains(err.Error(), "bot.state:2:") {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("growth triggers a rewrite", func(t *testing.T) {
		write("")
		s, err := openState(path, now)
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = s.close() }()
		for i := range 1500 {
			// The first 1000 are recorded long ago and expire by the rewrite at 1024 lines.
			at := now.Add(-stateKeep)
			if i >= 1000 {
				at = now
			}
			if err := s.record(fmt.Sprint("e", i), at); err != nil {
				t.Fatal(err)
			}
		}
		if len(s.at) != 500 || s.lines != 500 {
			t.Fatalf("%d ids, %d lines", len(s.at), s.lines)
		}
	})
}

func TestBasketTenor(t *testing.T) {
	t.Parallel()
	inv := func(days int, payable string) basketInvoice {
		return basketInvoice{payable: decimal.RequireFromString(payable), days: days}
	}
	for _, c := range []struct {
		invs         []basketInvoice
		avg, longest int
	}{
		{[]basketInvoice{inv(45, "1000.00")}, 45, 45},
		{[]basketInvoice{inv(20, "300000.00"), inv(100, "100000.00")}, 40, 100},
		{[]basketInvoice{inv(30, "1.00"), inv(31, "2.00")}, 31, 31}, // 30.67 rounds up
		{[]basketInvoice{inv(10, "0.00"), inv(60, "0.00")}, 60, 60},
	} {
		if avg, longest := basketTenor(c.invs); avg != c.avg || longest != c.longest {
			t.Errorf("%v: got %d, %d, want %d, %d", c.invs, avg, longest, c.avg, c.longest)
		}
	}
}

// parseSpreads either refuses its input or returns buckets the platform
// would accept.
func FuzzParseSpreads(f *testing.F) {
	for _, s := range []string{"30:320,60:300,90:290,180:280", "366:0", "60:1,30:2", "1:1,", ":", "-1:5"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		bs, err := parseSpreads(s)
		if err != nil {
			return
		}
		prev := 0
		for _, b := range bs {
			if b.MaxDays <= prev || b.MaxDays > 366 || b.SpreadBps < 0 {
				t.Fatalf("%q gave %v", s, bs)
			}
			prev = b.MaxDays
		}
	})
}
