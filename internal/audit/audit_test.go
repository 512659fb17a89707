package audit

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"iter"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/cadena-finance/cadena/internal/validation"
)

var t0 = time.Date(2026, 11, 23, 16, 30, 0, 123456789, time.UTC)

func sample(i int) Record {
	return Record{
		At:     t0.Add(time.Duration(i) * time.Second),
		Actor:  Actor{Subject: "user:ana@tostadora.demo", PartyID: uuid.MustParse("01936b2e-0000-7000-8000-000000000001"), Role: "buyer"},
		Action: "invoice.cancelled",
		Object: Object{Type: "invoice", ID: "01936b2e-0000-7000-8000-0000000000aa"},
		Before: json.RawMessage(`{"status": "published", "amount": "1250.00"}`),
		After:  json.RawMessage(`{"status":"cancelled","amount":"1250.00"}`),
	}
}

func chainOf(t *testing.T, n int) []Record {
	t.Helper()
	head := Genesis()
	out := make([]Record, n)
	for i := range out {
		r, err := Chain(head, sample(i))
		if err != nil {
			t.Fatal(err)
		}
		out[i] = r
		head = Head{Seq: r.Seq, Hash: r.Hash}
	}
	return out
}

func each(rs []Record) iter.Seq2[Record, error] {
	return func(yield func(Record, error) bool) {
		for _, r := range rs {
			if !yield(r, nil) {
				return
			}
		}
	}
}

// TestGoldenHash pins the encoding documented in docs/audit.md.
func TestGoldenHash(t *testing.T) {
	r, err := Chain(Genesis(), sample(0))
	if err != nil {
		t.Fatal(err)
	}
	if string(r.Before) != `{"amount":"1250.00","status":"published"}` {
		t.Fatalf("canonical before %s", r.Before)
	}
	if got := hex.EncodeToString(r.Hash); got != goldenHash {
		t.Fatalf("hash %s, docs/audit.md says %s", got, goldenHash)
	}
}

const goldenHash = "b33d5d377d8581f21d8269faf24cfd92e0533c983c19badf1d739ed6ae7c336f"

func TestChainVerifies(t *testing.T) {
	rs := chainOf(t, 50)
	res, err := Verify(each(rs))
	if err != nil || !res.OK() || res.Checked != 50 || res.Last.Seq != 50 || res.Problems != 0 {
		t.Fatalf("%+v %v", res, err)
	}
	if rs[0].Seq != 1 || !slices.Equal(rs[0].PrevHash, make([]byte, HashSize)) || !slices.Equal(rs[1].PrevHash, rs[0].Hash) {
		t.Fatal("chain not linked from the genesis")
	}
	v := NewVerifier()
	for _, r := range rs {
		v.Add(r)
	}
	v.CheckHead(Head{Seq: 50, Hash: rs[49].Hash})
	if !v.Result().OK() {
		t.Fatalf("%+v", v.Result())
	}
	if res, _ := Verify(each(nil)); !res.OK() || res.Checked != 0 {
		t.Fatalf("empty log: %+v", res)
	}
	boom := errors.New("boom")
	_, err = Verify(func(yield func(Record, error) bool) { yield(Record{}, boom) })
	if !errors.Is(err, boom) {
		t.Fatalf("iterator error lost: %v", err)
	}
}

func TestSemanticallyEqualJSONHashesEqual(t *testing.T) {
	a := sample(0)
	b := sample(0)
	b.Before = json.RawMessage("{\n  \"status\" : \"published\",\n  \"amount\": \"1250.00\"\n}")
	b.After = json.RawMessage(`{"amount":"1250.00","status":"cancelled"}`)
	ra, _ := Chain(Genesis(), a)
	rb, _ := Chain(Genesis(), b)
	if !slices.Equal(ra.Hash, rb.Hash) {
		t.Fatal("whitespace or key order changed the hash")
	}
	b.At = t0.In(time.FixedZone("CST", -6*3600)).Add(-700 * time.Nanosecond) // same microsecond, other zone
	rb, _ = Chain(Genesis(), b)
	if !slices.Equal(ra.Hash, rb.Hash) {
		t.Fatal("time zone or sub-microsecond digits changed the hash")
	}
}

func TestCanonical(t *testing.T) {
	cases := []struct{ in, want string }{
		{`{"b":1,"a":{"d":[1,2.50,"x"],"c":null}}`, `{"a":{"c":null,"d":[1,2.50,"x"]},"b":1}`},
		{` "a<b>&" `, `"a<b>&"`},
		{`{"a":1,"a":2}`, `{"a":2}`},
		{`1e3`, `1e3`},
		{`null`, ``},
		{``, ``},
		{`  `, ``},
		{`"\u00e9\n"`, "\"é\\n\""},
	}
	for _, c := range cases {
		got, err := Canonical(json.RawMessage(c.in))
		if err != nil || string(got) != c.want {
			t.Fatalf("%q: got %q %v, want %q", c.in, got, err, c.want)
		}
	}
	for _, bad := range []string{`{`, `{} {}`, `{"a":1} x`, `nul`, `{'a':1}`} {
		if _, err := Canonical(json.RawMessage(bad)); !errors.Is(err, ErrMalformedJSON) {
			t.Fatalf("%q accepted: %v", bad, err)
		}
	}
}

func TestChainRefuses(t *testing.T) {
	for name, mut := range map[string]func(*Record){
		"at":            func(r *Record) { r.At = time.Time{} },
		"actor.subject": func(r *Record) { r.Actor.Subject = "" },
		"actor.role":    func(r *Record) { r.Actor.Role = "a\x00b" },
		"action":        func(r *Record) { r.Action = string(make([]byte, 101)) },
		"object.type":   func(r *Record) { r.Object.Type = "" },
		"object.id":     func(r *Record) { r.Object.ID = "\xff" },
		"before":        func(r *Record) { r.Before = json.RawMessage(`{"a":`) },
		"after":         func(r *Record) { r.After = json.RawMessage(`[1] 2`) },
	} {
		r := sample(0)
		mut(&r)
		_, err := Chain(Genesis(), r)
		var ve validation.Errors
		if !errors.As(err, &ve) || ve[0].Field != name {
			t.Fatalf("%s: %v", name, err)
		}
	}
	if _, err := Chain(Head{Seq: 3, Hash: []byte{1}}, sample(0)); err == nil {
		t.Fatal("short head hash accepted")
	}
}

// Every field is covered by the hash, and the length prefixes keep
// neighbouring fields from trading bytes.
func TestHashCoversEveryField(t *testing.T) {
	base, _ := Chain(Genesis(), sample(0))
	muts := map[string]func(*Record){
		"seq":      func(r *Record) { r.Seq++ },
		"at":       func(r *Record) { r.At = r.At.Add(time.Microsecond) },
		"subject":  func(r *Record) { r.Actor.Subject += "x" },
		"party":    func(r *Record) { r.Actor.PartyID = uuid.Nil },
		"role":     func(r *Record) { r.Actor.Role = "lender" },
		"action":   func(r *Record) { r.Action = "invoice.published" },
		"type":     func(r *Record) { r.Object.Type = "offer" },
		"id":       func(r *Record) { r.Object.ID += "0" },
		"before":   func(r *Record) { r.Before = nil },
		"after":    func(r *Record) { r.After = json.RawMessage(`{"status":"financed","amount":"1250.00"}`) },
		"prev":     func(r *Record) { r.PrevHash = slices.Clone(r.Hash) },
		"boundary": func(r *Record) { r.Object.Type, r.Object.ID = r.Object.Type+r.Object.ID[:1], r.Object.ID[1:] },
		"swap":     func(r *Record) { r.Before, r.After = r.After, r.Before },
	}
	for name, mut := range muts {
		r := base
		mut(&r)
		if slices.Equal(ComputeHash(r), base.Hash) {
			t.Fatalf("%s: hash unchanged", name)
		}
	}
}

func TestVerifyFindsTampering(t *testing.T) {
	rehash := func(r Record) Record { r.Hash = ComputeHash(r); return r }
	cases := []struct {
		name   string
		tamper func([]Record) []Record
		head   bool // also compare with the untouched head
		bad    int64
	}{
		{"edited", func(rs []Record) []Record { rs[4].After = json.RawMessage(`{"status":"paid"}`); return rs }, false, 5},
		{"edited and rehashed", func(rs []Record) []Record {
			rs[4].Actor.Subject = "user:mallory"
			rs[4] = rehash(rs[4])
			return rs
		}, false, 5},
		{"first edited and rehashed", func(rs []Record) []Record {
			rs[0].Action = "noop"
			rs[0] = rehash(rs[0])
			return rs
		}, false, 1},
		{"deleted", func(rs []Record) []Record { return slices.Delete(rs, 2, 3) }, false, 3},
		{"deleted from the end", func(rs []Record) []Record { return rs[:8] }, true, 9},
		{"forged at the end", func(rs []Record) []Record {
			f, _ := Chain(Head{Seq: 10, Hash: rs[9].Hash}, sample(99))
			return append(rs, f)
		}, true, 11},
		{"forged in the middle", func(rs []Record) []Record {
			f := sample(77)
			f.Seq, f.At, f.PrevHash = 6, rs[5].At, rs[4].Hash
			rs[5] = rehash(f)
			return rs
		}, false, 6},
		{"bogus hash at the end", func(rs []Record) []Record {
			f, _ := Chain(Head{Seq: 10, Hash: rs[9].Hash}, sample(99))
			f.Hash[0] ^= 1
			return append(rs, f)
		}, false, 11},
		{"reordered", func(rs []Record) []Record { rs[3], rs[4] = rs[4], rs[3]; return rs }, false, 4},
	}
	for _, c := range cases {
		rs := chainOf(t, 10)
		head := Head{Seq: 10, Hash: rs[9].Hash}
		v := NewVerifier()
		for _, r := range c.tamper(rs) {
			v.Add(r)
		}
		if c.head {
			v.CheckHead(head)
		}
		res := v.Result()
		if res.OK() || *res.FirstBad != c.bad {
			t.Fatalf("%s: %+v (first bad %v), want %d", c.name, res, res.FirstBad, c.bad)
		}
		t.Logf("%s: %s", c.name, res.Reason)
	}
}

func FuzzCanonical(f *testing.F) {
	for _, s := range []string{`{"b":1,"a":[true,false,null]}`, `"x"`, `1.50`, `{"a":{"b":{"c":"\u2028"}}}`, `[]`, `{`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		c, err := Canonical(in)
		if err != nil {
			if json.Valid(in) {
				t.Fatalf("valid JSON refused: %q: %v", in, err)
			}
			return
		}
		if c != nil && !json.Valid(c) {
			t.Fatalf("canonical form %q of %q is not JSON", c, in)
		}
		again, err := Canonical(c)
		if err != nil || string(again) != string(c) {
			t.Fatalf("not idempotent: %q -> %q -> %q (%v)", in, c, again, err)
		}
	})
}
