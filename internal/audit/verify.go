package audit

import (
	"bytes"
	"fmt"
	"iter"
)

// VerifyResult says whether a log is intact. FirstBad is nil when it is.
type VerifyResult struct {
	Checked  int    // records read
	FirstBad *int64 // the lowest seq found missing, altered or forged
	Reason   string // why FirstBad is bad
	Problems int    // every problem found; later ones may follow from the first
	Last     Head   // the last record read, as stored
}

// OK reports an intact log.
func (v VerifyResult) OK() bool { return v.FirstBad == nil }

// Verifier checks records fed in seq order. It keeps going after a problem,
// linking on the stored hashes, so one altered record is reported once.
type Verifier struct {
	res VerifyResult
}

// NewVerifier starts at the genesis head.
func NewVerifier() *Verifier { return &Verifier{res: VerifyResult{Last: Genesis()}} }

func (v *Verifier) problem(seq int64, format string, args ...any) {
	v.res.Problems++
	if v.res.FirstBad == nil || seq < *v.res.FirstBad {
		v.res.FirstBad = &seq
		v.res.Reason = fmt.Sprintf(format, args...)
	}
}

// Add checks the next record: its seq follows the last one (a gap means
// deleted records), its PrevHash is the last record's hash (else the last
// record was replaced with a recomputed hash, or this one was edited), and
// its Hash matches its content (else it was edited).
func (v *Verifier) Add(r Record) {
	v.res.Checked++
	last := v.res.Last
	switch want := last.Seq + 1; {
	case r.Seq > want:
		v.problem(want, "%s missing (deleted)", span(want, r.Seq-1))
	case r.Seq < want:
		v.problem(r.Seq, "record %d is out of order or duplicated after %d", r.Seq, last.Seq)
	case !bytes.Equal(r.PrevHash, last.Hash):
		bad := last.Seq
		if bad == 0 { // the genesis has no record to blame
			bad = r.Seq
		}
		v.problem(bad, "record %d's prev_hash is not record %d's hash: one of them was replaced", r.Seq, last.Seq)
	}
	if !bytes.Equal(ComputeHash(r), r.Hash) {
		v.problem(r.Seq, "record %d's hash does not match its content: it was altered", r.Seq)
	}
	v.res.Last = Head{Seq: r.Seq, Hash: r.Hash}
}

// CheckHead compares the end of the log with a head kept apart from it (the
// database's chain head, or one published elsewhere). Records deleted from
// the end, or forged after it, leave no gap in the chain; only this finds them.
func (v *Verifier) CheckHead(h Head) {
	last := v.res.Last
	switch {
	case h.Seq > last.Seq:
		v.problem(last.Seq+1, "the chain head is at %d but the log ends at %d: records were deleted from the end", h.Seq, last.Seq)
	case h.Seq < last.Seq:
		v.problem(h.Seq+1, "%s beyond the chain head: added around the chain", span(h.Seq+1, last.Seq))
	case !bytes.Equal(h.Hash, last.Hash):
		v.problem(h.Seq, "record %d's hash is not the chain head's: it was replaced", h.Seq)
	}
}

func span(from, to int64) string {
	if from == to {
		return fmt.Sprintf("record %d is", from)
	}
	return fmt.Sprintf("records %d to %d are", from, to)
}

// Result is the verdict so far.
func (v *Verifier) Result() VerifyResult { return v.res }

// Verify checks records in seq order; it stops only at an error of the
// iterator, which it returns.
func Verify(records iter.Seq2[Record, error]) (VerifyResult, error) {
	v := NewVerifier()
	for r, err := range records {
		if err != nil {
			return v.Result(), err
		}
		v.Add(r)
	}
	return v.Result(), nil
}
