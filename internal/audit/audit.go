// Package audit is the tamper-evident audit trail: who did what to which
// object, when, with the state before and after, each record hash-chained to
// the one before. It is pure; audit/auditdb appends and scans. docs/audit.md
// defines the canonical encoding that the hash covers.
package audit

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/cadena-finance/cadena/internal/validation"
)

// HashSize is the length of a record hash (SHA-256).
const HashSize = sha256.Size

// MaxStateBytes bounds Before and After after canonicalisation.
const MaxStateBytes = 1 << 20

// Actor is who acted: a person or client (Subject) of a party in a role.
// Jobs of the platform itself use Subject "system:<job>" and no party.
type Actor struct {
	Subject string
	PartyID uuid.UUID // uuid.Nil when the actor acts for no party
	Role    string
}

// Object is what was acted on.
type Object struct {
	Type string // e.g. "invoice", "financing", "reference_rate"
	ID   string
}

// Record is one audit log row. The caller fills At, Actor, Action, Object,
// Before and After; Chain fills Seq, PrevHash and Hash.
type Record struct {
	Seq      int64
	At       time.Time
	Actor    Actor
	Action   string          // e.g. "invoice.cancelled", "calendar.override_set"
	Object   Object          //
	Before   json.RawMessage // canonical JSON, or nil when there was nothing before
	After    json.RawMessage // canonical JSON, or nil when nothing is left after
	PrevHash []byte
	Hash     []byte
}

// Head is the end of the chain: the last record's seq and hash.
type Head struct {
	Seq  int64
	Hash []byte
}

// Genesis is the head of an empty log: seq 0 and a zero hash, which the
// first record carries as its PrevHash.
func Genesis() Head { return Head{Seq: 0, Hash: make([]byte, HashSize)} }

// ErrMalformedJSON marks Before or After that is not one JSON value.
var ErrMalformedJSON = errors.New("audit: malformed JSON")

// Canonical rewrites a JSON value so that semantically equal texts are
// equal bytes: object keys sorted (by UTF-8 bytes), no insignificant
// whitespace, strings re-escaped the one way encoding/json does without
// HTML escaping, numbers kept exactly as written. Duplicate keys keep the
// last value. Empty input and JSON null both mean "absent" and give nil.
func Canonical(raw json.RawMessage) (json.RawMessage, error) {
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil, nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, errors.Join(ErrMalformedJSON, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, ErrMalformedJSON
	}
	if v == nil {
		return nil, nil
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, errors.Join(ErrMalformedJSON, err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// Chain validates r, canonicalises its states and links it after prev:
// Seq = prev.Seq + 1, PrevHash = prev.Hash, Hash computed. At is kept in UTC
// to the microsecond, the database's precision.
func Chain(prev Head, r Record) (Record, error) {
	var errs validation.Errors
	r.At = r.At.UTC().Truncate(time.Microsecond)
	if r.At.IsZero() {
		errs.Add("at", "required", "a record needs a time")
	}
	text := func(field, v string, maxLen int) {
		switch {
		case v == "":
			errs.Add(field, "required", "%s is required", field)
		case len(v) > maxLen:
			errs.Add(field, "too_long", "%s has at most %d bytes", field, maxLen)
		case !utf8.ValidString(v) || strings.ContainsRune(v, 0):
			errs.Add(field, "invalid", "%s must be UTF-8 text without NUL", field)
		}
	}
	text("actor.subject", r.Actor.Subject, 200)
	text("actor.role", r.Actor.Role, 50)
	text("action", r.Action, 100)
	text("object.type", r.Object.Type, 100)
	text("object.id", r.Object.ID, 200)
	var err error
	for _, s := range []struct {
		field string
		v     *json.RawMessage
	}{{"before", &r.Before}, {"after", &r.After}} {
		if *s.v, err = Canonical(*s.v); err != nil {
			errs.Add(s.field, "invalid_json", "%s is not one JSON value", s.field)
		} else if len(*s.v) > MaxStateBytes {
			errs.Add(s.field, "too_long", "%s has at most %d bytes", s.field, MaxStateBytes)
		}
	}
	if len(prev.Hash) != HashSize {
		errs.Add("prev_hash", "invalid", "the chain head hash must be %d bytes", HashSize)
	}
	if err := errs.Err(); err != nil {
		return Record{}, err
	}
	r.Seq = prev.Seq + 1
	r.PrevHash = bytes.Clone(prev.Hash)
	r.Hash = ComputeHash(r)
	return r, nil
}

// hashDomain opens every hashed message, so the encoding can be versioned.
const hashDomain = "cadena.audit.v1"

// TimeLayout is how At enters the hash: UTC, always six fractional digits.
const TimeLayout = "2006-01-02T15:04:05.000000Z"

// ComputeHash is SHA-256 over the canonical encoding of docs/audit.md: the
// domain tag and each field as a 4-byte big-endian length and its bytes,
// then the 32 bytes of PrevHash. Before and After enter exactly as stored.
func ComputeHash(r Record) []byte {
	h := sha256.New()
	field := func(s []byte) {
		var n [4]byte
		binary.BigEndian.PutUint32(n[:], uint32(len(s)))
		h.Write(n[:])
		h.Write(s)
	}
	party := ""
	if r.Actor.PartyID != uuid.Nil {
		party = r.Actor.PartyID.String()
	}
	field([]byte(hashDomain))
	field([]byte(strconv.FormatInt(r.Seq, 10)))
	field([]byte(r.At.UTC().Format(TimeLayout)))
	field([]byte(r.Actor.Subject))
	field([]byte(party))
	field([]byte(r.Actor.Role))
	field([]byte(r.Action))
	field([]byte(r.Object.Type))
	field([]byte(r.Object.ID))
	field(r.Before)
	field(r.After)
	h.Write(r.PrevHash)
	return h.Sum(nil)
}
