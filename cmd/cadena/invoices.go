package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cadena-finance/cadena/internal/invoice"
)

func runInvoices(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("invoices upload", stdout)
	u := uploader{client: uploadClient(), progress: stderr}
	fs.StringVar(&u.api, "api", envOr("CADENA_API_URL", "http://localhost:8080"), "API base URL (CADENA_API_URL)")
	fs.StringVar(&u.token, "token", os.Getenv("CADENA_TOKEN"), "buyer access token (CADENA_TOKEN)")
	fs.StringVar(&u.program, "program", "", "program id (needed when the buyer has several programs)")
	fs.IntVar(&u.batchSize, "batch-size", invoice.MaxBatchRows, "rows per batch, at most 100000")
	rejects := fs.String("rejects", "", "where to write refused rows (default FILE.rejects.csv)")
	fs.BoolVar(&u.atomic, "atomic", false, "publish each batch all or nothing")
	if len(args) > 0 && isHelp(args[0]) {
		return parseFlags(fs, args)
	}
	if len(args) == 0 || args[0] != "upload" {
		return usageErr("invoices: name the verb: cadena invoices upload FILE.csv (cadena invoices --help)")
	}
	// Flags may come before or after the file name.
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	rest := fs.Args()
	if len(rest) == 0 {
		return usageErr("invoices upload: name the CSV file (cadena invoices --help)")
	}
	file := rest[0]
	if err := parseFlags(fs, rest[1:]); err != nil {
		return err
	}
	if u.token == "" {
		return errors.New("invoices upload: set --token or CADENA_TOKEN (a buyer token)")
	}
	if u.batchSize < 1 || u.batchSize > invoice.MaxBatchRows {
		return fmt.Errorf("invoices upload: --batch-size must be between 1 and %d", invoice.MaxBatchRows)
	}
	if *rejects == "" {
		*rejects = strings.TrimSuffix(file, ".csv") + ".rejects.csv"
	}
	sum, err := u.upload(ctx, file, *rejects)
	if err != nil {
		return err
	}
	earlier := ""
	if sum.replayed > 0 {
		earlier = fmt.Sprintf(" (%d published by an earlier upload of this file)", sum.replayed)
	}
	fmt.Fprintf(stdout, "%d rows in %d batches: %d published%s, %d rejected in %v (%d rows/s)\n",
		sum.rows, sum.batches, sum.published, earlier, sum.rejected, sum.elapsed.Round(time.Millisecond), rate(sum.rows, sum.elapsed))
	if sum.rejected > 0 {
		return fmt.Errorf("%d rows rejected: see %s", sum.rejected, *rejects)
	}
	_ = os.Remove(*rejects) // an empty rejects file from an earlier run would mislead
	return nil
}

// uploadClient gives up on a server that does not answer the connection
// within seconds; a batch itself may take minutes.
func uploadClient() *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.DialContext = (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext
	return &http.Client{Timeout: 10 * time.Minute, Transport: t}
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// rate is rows per second in integer arithmetic.
func rate(rows int, d time.Duration) int64 {
	if d <= 0 {
		return 0
	}
	return int64(rows) * int64(time.Second) / int64(d)
}

type uploader struct {
	api, token, program string
	batchSize           int
	atomic              bool
	client              *http.Client
	progress            io.Writer
}

type summary struct {
	rows, batches, published, rejected int
	replayed                           int // published by an earlier run: the server replayed its result
	elapsed                            time.Duration
}

// upload splits the file into batches of batchSize rows, each with the
// header, and posts them in order. The Idempotency-Key of a batch is the
// file's hash, the batch size and the batch's index, so running the same
// file again replays the stored results instead of publishing twice.
func (u *uploader) upload(ctx context.Context, file, rejectsPath string) (summary, error) {
	var sum summary
	data, err := os.ReadFile(file)
	if err != nil {
		return sum, err
	}
	h := sha256.Sum256(data)
	keyBase := "cadena-upload-" + hex.EncodeToString(h[:12]) + "-" + strconv.Itoa(u.batchSize) + "-"
	data = bytes.TrimPrefix(data, []byte("\uFEFF"))
	r := csv.NewReader(bytes.NewReader(data))
	r.Comma = invoice.DetectComma(data)
	r.FieldsPerRecord = -1 // ragged rows are the server's to report, row by row
	header, err := r.Read()
	if err != nil {
		return sum, fmt.Errorf("%s: no header row: %w", file, err)
	}
	// Data rows, for the progress bar: lines less the header. Quoted newlines
	// only overcount, and the bar is drawn at 100% once every row is sent.
	total := bytes.Count(data, []byte{'\n'}) - 1
	if len(data) > 0 && data[len(data)-1] != '\n' {
		total++
	}
	docCol := slices.IndexFunc(header, func(h string) bool { return strings.EqualFold(strings.TrimSpace(h), "document_number") })
	out, err := os.Create(rejectsPath)
	if err != nil {
		return sum, err
	}
	defer func() { _ = out.Close() }() // on error; the success path closes it and reports that
	rw := csv.NewWriter(out)
	_ = rw.Write([]string{"row", "document_number", "field", "code", "message"})
	start := time.Now()
	for done := false; !done; sum.batches++ {
		var buf bytes.Buffer
		w := csv.NewWriter(&buf)
		w.Comma = r.Comma
		_ = w.Write(header)
		n := 0
		var docs []string // each row's document number, for the rejects file
		for n < u.batchSize {
			rec, err := r.Read()
			if err == io.EOF {
				done = true
				break
			}
			if err != nil {
				return sum, fmt.Errorf("%s: %w", file, err)
			}
			_ = w.Write(rec)
			doc := ""
			if docCol >= 0 && docCol < len(rec) {
				doc = rec[docCol]
			}
			docs = append(docs, doc)
			n++
		}
		w.Flush()
		if n == 0 {
			break
		}
		b, err := u.postBatch(ctx, buf.Bytes(), keyBase+strconv.Itoa(sum.batches))
		if errors.Is(err, errUnreachable) {
			return sum, err
		}
		if err != nil {
			return sum, fmt.Errorf("batch %d (rows %d-%d): %w", sum.batches+1, sum.rows+1, sum.rows+n, err)
		}
		if b.RejectedRows > 0 {
			if err := u.writeRejects(ctx, rw, b.ID, sum.rows, docs); err != nil {
				return sum, err
			}
		}
		sum.rows += n
		if b.replayed {
			sum.replayed += b.PublishedRows
		} else {
			sum.published += b.PublishedRows
		}
		sum.rejected += b.RejectedRows
		sum.elapsed = time.Since(start)
		u.bar(sum, total)
	}
	u.bar(sum, sum.rows) // every row sent: 100%
	fmt.Fprintln(u.progress)
	rw.Flush()
	if err := rw.Error(); err != nil {
		return sum, err
	}
	return sum, out.Close() // a rejects file that did not reach the disk must fail the upload
}

// bar redraws a one-line progress bar with the rate so far.
func (u *uploader) bar(s summary, total int) {
	const width = 30
	total = max(total, s.rows)
	filled := s.rows * width / max(total, 1)
	fmt.Fprintf(u.progress, "\r[%s%s] %3d%% %d/%d rows  %d rows/s  %d rejected", strings.Repeat("#", filled), strings.Repeat(".", width-filled),
		s.rows*100/max(total, 1), s.rows, total, rate(s.rows, s.elapsed), s.rejected)
}

type batchResult struct {
	ID            string `json:"id"`
	PublishedRows int    `json:"published_rows"`
	RejectedRows  int    `json:"rejected_rows"`
	replayed      bool   // the stored result of an earlier upload (Idempotent-Replayed)
}

// errUnreachable marks an API that refused or never answered the connection.
var errUnreachable = errors.New("cannot reach the Cadena API")

// postBatch sends one batch, retrying what a retry can fix: network errors,
// 5xx, and 409 while the same key is still being processed.
func (u *uploader) postBatch(ctx context.Context, body []byte, key string) (batchResult, error) {
	q := url.Values{}
	if u.program != "" {
		q.Set("program_id", u.program)
	}
	if u.atomic {
		q.Set("atomic", "true")
	}
	var b batchResult
	wait := time.Second
	for attempt := 1; ; attempt++ {
		req, err := http.NewRequestWithContext(ctx, "POST", strings.TrimSuffix(u.api, "/")+"/v1/invoice-batches?"+q.Encode(), bytes.NewReader(body))
		if err != nil {
			return b, err
		}
		req.Header.Set("Content-Type", "text/csv; charset=utf-8")
		req.Header.Set("Authorization", "Bearer "+u.token)
		req.Header.Set("Idempotency-Key", key)
		status, raw, replayed, err := u.do(req)
		var op *net.OpError
		switch {
		case errors.As(err, &op) && op.Op == "dial":
			return b, fmt.Errorf("%w at %s: %v (set --api or CADENA_API_URL)", errUnreachable, u.api, op.Err)
		case err == nil && status == http.StatusCreated:
			b.replayed = replayed
			return b, json.Unmarshal(raw, &b)
		case err == nil && status != http.StatusConflict && status < 500:
			return b, problemError(status, raw)
		case attempt == 6:
			if err == nil {
				err = problemError(status, raw)
			}
			return b, fmt.Errorf("giving up after %d attempts: %w", attempt, err)
		}
		select {
		case <-ctx.Done():
			return b, ctx.Err()
		case <-time.After(wait):
		}
		wait *= 2
	}
}

func (u *uploader) do(req *http.Request) (status int, body []byte, replayed bool, err error) {
	res, err := u.client.Do(req)
	if err != nil {
		return 0, nil, false, err
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	return res.StatusCode, raw, res.Header.Get("Idempotent-Replayed") == "true", err
}

// problemError is a problem+json answer in one line: the code, then the
// detail, or the title when the detail only repeats it.
func problemError(status int, raw []byte) error {
	var p struct{ Code, Title, Detail string }
	if json.Unmarshal(raw, &p) != nil || p.Code == "" {
		return fmt.Errorf("HTTP %d", status)
	}
	msg := p.Detail
	if msg == "" || strings.Contains(strings.ToLower(p.Title), strings.ToLower(strings.TrimRight(msg, "."))) {
		msg = p.Title
	}
	return fmt.Errorf("HTTP %d %s: %s", status, p.Code, msg)
}

// writeRejects pages through a batch's refused rows and writes each error
// with its row number in the whole file (1 = the first row after the header).
func (u *uploader) writeRejects(ctx context.Context, w *csv.Writer, batchID string, offset int, docs []string) error {
	cursor := ""
	for {
		req, err := http.NewRequestWithContext(ctx, "GET", strings.TrimSuffix(u.api, "/")+"/v1/invoice-batches/"+url.PathEscape(batchID)+
			"?result=rejected&limit=5000&cursor="+cursor, nil)
		if err != nil {
			return err
		}
		req.Header.Set("Authorization", "Bearer "+u.token)
		status, raw, _, err := u.do(req)
		if err != nil {
			return err
		}
		if status != http.StatusOK {
			return problemError(status, raw)
		}
		var page struct {
			Items []struct {
				Row    int `json:"row"`
				Errors []struct{ Field, Code, Message string }
			} `json:"items"`
			NextCursor string `json:"next_cursor"`
		}
		if err := json.Unmarshal(raw, &page); err != nil {
			return err
		}
		for _, it := range page.Items {
			doc := ""
			if it.Row >= 1 && it.Row <= len(docs) {
				doc = invoice.SafeCell(docs[it.Row-1])
			}
			for _, e := range it.Errors {
				_ = w.Write([]string{strconv.Itoa(offset + it.Row), doc, e.Field, e.Code, invoice.SafeCell(e.Message)})
			}
		}
		if page.NextCursor == "" {
			return nil
		}
		cursor = page.NextCursor
	}
}
