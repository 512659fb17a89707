package invoice

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// CSV upload errors: the whole file is refused, with no partial write.
var (
	ErrCSVEncoding = errors.New("the file is not valid UTF-8")
	ErrCSVHeader   = errors.New("the header row is missing or names unknown columns")
	ErrCSVSyntax   = errors.New("the file is not valid CSV")
)

// Columns are the CSV header names, in the order exports use.
var Columns = []string{"kind", "supplier", "document_number", "einvoice_id", "issue_date", "due_date",
	"currency", "amount", "credit_note_for", "reference1", "reference2"}

var required = []string{"supplier", "document_number", "einvoice_id", "issue_date", "amount"}

// DetectComma picks ';' when the header line has more semicolons than commas
// (Excel in Spanish locales), ',' otherwise.
func DetectComma(header []byte) rune {
	if i := bytes.IndexByte(header, '\n'); i >= 0 {
		header = header[:i]
	}
	if bytes.Count(header, []byte{';'}) > bytes.Count(header, []byte{','}) {
		return ';'
	}
	return ','
}

// RowError is a CSV row that could not be read as a document.
type RowError struct {
	Row int
	Err string
}

// ReadCSV reads a UTF-8 CSV upload (a BOM is skipped) with a header row. Each
// data row becomes a draft at index row-1; a ragged row becomes a RowError
// instead, so the rest of the file still counts. Encoding (invalid UTF-8 or
// a NUL byte), header and quoting errors refuse the whole file.
func ReadCSV(data []byte, maxRows int) ([]Draft, []RowError, error) {
	data = bytes.TrimPrefix(data, []byte("\uFEFF"))
	if !utf8.Valid(data) {
		return nil, nil, ErrCSVEncoding
	}
	if bytes.IndexByte(data, 0) >= 0 { // a UTF-16 export ("Unicode text") is full of them
		return nil, nil, fmt.Errorf("%w: the file holds NUL bytes; save it as CSV UTF-8", ErrCSVEncoding)
	}
	r := csv.NewReader(bytes.NewReader(data))
	r.Comma = DetectComma(data)
	r.FieldsPerRecord = -1
	head, err := r.Read()
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %v", ErrCSVHeader, err)
	}
	idx := make([]int, len(Columns)) // column position of each known name, -1 if absent
	for i := range idx {
		idx[i] = -1
	}
	width := len(head)
	for pos, name := range head {
		name = strings.ToLower(strings.TrimSpace(name))
		k := indexOf(Columns, name)
		if k < 0 || idx[k] >= 0 {
			return nil, nil, fmt.Errorf("%w: column %q", ErrCSVHeader, name)
		}
		idx[k] = pos
	}
	for _, name := range required {
		if idx[indexOf(Columns, name)] < 0 {
			return nil, nil, fmt.Errorf("%w: column %q is required", ErrCSVHeader, name)
		}
	}
	var drafts []Draft
	var bad []RowError
	for row := 1; ; row++ {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, nil, fmt.Errorf("%w: %v", ErrCSVSyntax, err)
		}
		if row > maxRows {
			return nil, nil, ErrTooManyRows
		}
		if len(rec) != width {
			bad = append(bad, RowError{Row: row, Err: fmt.Sprintf("row has %d fields, the header has %d", len(rec), width)})
			drafts = append(drafts, Draft{})
			continue
		}
		get := func(k int) string {
			if idx[k] < 0 {
				return ""
			}
			return rec[idx[k]]
		}
		drafts = append(drafts, Draft{Kind: get(0), Supplier: get(1), DocumentNumber: get(2), EInvoiceID: get(3), IssueDate: get(4),
			DueDate: get(5), Currency: get(6), Amount: get(7), CreditNoteFor: get(8), Reference1: get(9), Reference2: get(10)})
	}
	return drafts, bad, nil
}

func indexOf(list []string, s string) int {
	for i, x := range list {
		if x == s {
			return i
		}
	}
	return -1
}

// SafeCell neutralises a text cell for spreadsheet export: a cell starting
// with = + - @, tab or carriage return would run as a formula, so it gets a
// leading apostrophe (OWASP's CSV injection advice).
func SafeCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
