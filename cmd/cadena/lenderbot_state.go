package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// stateKeep is how long a processed event id is remembered: the CADENA
// stream's MaxAge, after which JetStream can no longer redeliver the event.
const stateKeep = 30 * 24 * time.Hour

const stateHeader = "# cadena lender-bot state v1: <processed-at RFC 3339> <event id>\n"

// botState is the bot's durable inbox of processed event ids: a text file
// with one "<processed-at> <event-id>" line per event, appended and fsynced
// before the event is acked. It is rewritten on open, and again whenever it
// has grown to twice its live lines, without the ids older than stateKeep.
// One bot process per file.
type botState struct {
	path     string
	f        *os.File
	at       map[string]time.Time
	lines    int // in the file, including ids already expired
	dropped  int // unusable last line found on open (a crash mid-write)
	compactN int // lines that trigger the next rewrite
}

// openState loads path (creating it if missing) and compacts it. A last line
// that is cut short or unreadable is what a crash mid-append leaves: its
// event was not acked, so it is dropped and will be redelivered. An
// unreadable line anywhere else is not a crash's trace, and is refused.
func openState(path string, now time.Time) (*botState, error) {
	raw, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("lender-bot: --state: %w", err)
	}
	s := &botState{path: path, at: map[string]time.Time{}}
	lines := bytes.Split(raw, []byte("\n"))
	for i, line := range lines {
		if len(line) == 0 || line[0] == '#' {
			continue
		}
		at, id, ok := parseStateLine(string(line))
		last := i == len(lines)-1 || (i == len(lines)-2 && len(lines[i+1]) == 0)
		switch {
		case ok && i < len(lines)-1: // complete: it ends with a newline
			if now.Sub(at) < stateKeep && at.After(s.at[id]) {
				s.at[id] = at
			}
		case last:
			s.dropped++
		default:
			return nil, fmt.Errorf("lender-bot: --state %s:%d: not \"<RFC 3339 time> <event id>\"; the file is damaged, not merely cut short", path, i+1)
		}
	}
	if err := s.compact(now); err != nil {
		return nil, err
	}
	return s, nil
}

func parseStateLine(line string) (time.Time, string, bool) {
	ts, id, ok := strings.Cut(line, " ")
	if !ok || id == "" || strings.ContainsAny(id, " \t\r\x00") {
		return time.Time{}, "", false
	}
	at, err := time.Parse(time.RFC3339Nano, ts)
	return at, id, err == nil
}

// compact rewrites the file with the live ids through a temporary file and a
// rename, so a crash leaves either the old file or the new one.
func (s *botState) compact(now time.Time) error {
	var buf bytes.Buffer
	buf.WriteString(stateHeader)
	for id, at := range s.at {
		if now.Sub(at) >= stateKeep {
			delete(s.at, id)
			continue
		}
		buf.WriteString(stateLine(at, id))
	}
	if s.f != nil {
		_ = s.f.Close()
		s.f = nil
	}
	tmp := s.path + ".tmp"
	if err := writeSynced(tmp, buf.Bytes()); err != nil {
		return fmt.Errorf("lender-bot: --state: %w", err)
	}
	if err := os.Rename(tmp, s.path); err != nil {
		return fmt.Errorf("lender-bot: --state: %w", err)
	}
	if err := syncDir(filepath.Dir(s.path)); err != nil {
		return fmt.Errorf("lender-bot: --state: %w", err)
	}
	f, err := os.OpenFile(s.path, os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("lender-bot: --state: %w", err)
	}
	s.f, s.lines = f, len(s.at)
	s.compactN = max(2*len(s.at), 1024)
	return nil
}

func stateLine(at time.Time, id string) string {
	return at.UTC().Format(time.RFC3339) + " " + id + "\n"
}

func writeSynced(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		_ = f.Close() // the write error is the one to report
		return err
	}
	if err := f.Sync(); err != nil {
		_ = f.Close() // the sync error is the one to report
		return err
	}
	return f.Close()
}

// syncDir makes a rename durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer func() { _ = d.Close() }() // read-only: Sync is what can fail
	return d.Sync()
}

func (s *botState) seen(id string) bool {
	_, ok := s.at[id]
	return ok
}

// record appends id and fsyncs it; only then may its message be acked.
func (s *botState) record(id string, now time.Time) error {
	if id == "" || strings.ContainsAny(id, " \t\r\n\x00") {
		return fmt.Errorf("lender-bot: event id %q cannot be recorded", id)
	}
	if _, err := s.f.WriteString(stateLine(now, id)); err != nil {
		return fmt.Errorf("lender-bot: --state: %w", err)
	}
	if err := s.f.Sync(); err != nil {
		return fmt.Errorf("lender-bot: --state: %w", err)
	}
	s.at[id] = now
	if s.lines++; s.lines >= s.compactN {
		return s.compact(now)
	}
	return nil
}

func (s *botState) close() error { return s.f.Close() }
