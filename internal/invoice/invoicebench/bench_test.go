// Package invoicebench measures invoice publication end to end against a
// real `cadena serve` process: run it with `make bench-invoices`.
package invoicebench

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/cadena-finance/cadena/internal/app"
	"github.com/cadena-finance/cadena/internal/app/administration"
	"github.com/cadena-finance/cadena/internal/app/usecases"
	"github.com/cadena-finance/cadena/internal/invoice/invoicedb"
	"github.com/cadena-finance/cadena/internal/party"
	"github.com/cadena-finance/cadena/internal/platform/benchproc"
	"github.com/cadena-finance/cadena/internal/platform/db"
	"github.com/cadena-finance/cadena/internal/platform/pgtest"
	"github.com/cadena-finance/cadena/internal/program"
)

// BenchmarkInvoicePublication publishes CADENA_BENCH_ROWS (1,000,000)
// invoices over HTTP in 100,000-row CSV batches to a child `cadena serve`
// on a fresh database, then COPYs the same rows into a bare table shaped
// like invoices (no indexes, no constraints), and reports both rates, their
// ratio, the server's memory, and a supplier's first page with every row in.
// COPYs into tables with some or all of invoices' indexes show, in the same
// run, how much of the bare rate index maintenance alone leaves.
// One iteration is the whole scenario: run it with -benchtime 1x.
func BenchmarkInvoicePublication(b *testing.B) {
	bin, _ := filepath.Abs(os.Getenv("CADENA_BIN"))
	if os.Getenv("CADENA_BIN") == "" {
		b.Skip("set CADENA_BIN to a built cadena binary (make bench-invoices does)")
	}
	total, batch := benchproc.EnvInt("CADENA_BENCH_ROWS", 1_000_000), benchproc.EnvInt("CADENA_BENCH_BATCH", 100_000)
	ctx := context.Background()
	dbURL := pgtest.NewDatabase(b)
	pool, err := db.Open(ctx, dbURL, 4)
	if err != nil {
		b.Fatal(err)
	}
	defer pool.Close()
	w := seed(b, pool, 100)

	srv := startServer(b, bin, dbURL)
	buyerTok := srv.Token(b, w.buyer.TaxID, "buyer")
	supplierTok := srv.Token(b, w.suppliers[0].TaxID, "supplier")
	// Warm up connections and code paths with one small batch.
	warm := makeRows(w, 0, 10)
	srv.post(b, buyerTok, warm.csv, "warm")
	rss := srv.MemKB(b, "VmRSS")

	// Same rows, two shapes: the buyer's CSV and the bare table's CSV.
	var chunks []rows
	for start := 10; start < total+10; start += batch {
		chunks = append(chunks, makeRows(w, start, min(batch, total+10-start)))
	}
	// CADENA_BENCH_PARALLEL uploads run at once (default 1: one after another).
	parallel := benchproc.EnvInt("CADENA_BENCH_PARALLEL", 1)
	next := make(chan int, len(chunks))
	for i := range chunks {
		next <- i
	}
	close(next)
	b.ResetTimer()
	t0 := time.Now()
	var wg sync.WaitGroup
	for range parallel {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				srv.post(b, buyerTok, chunks[i].csv, "bench-"+strconv.Itoa(i))
				fmt.Fprintf(os.Stderr, "batch %d done at %v\n", i+1, time.Since(t0).Round(time.Millisecond))
			}
		}()
	}
	wg.Wait()
	apiTime := time.Since(t0)
	b.StopTimer()
	hwm := srv.MemKB(b, "VmHWM")

	// The baseline: the same rows COPYed into a bare table of the same shape.
	// For context, also into tables with some of invoices' indexes: the
	// primary key and the two fraud guards (no listing can drop below these),
	// those plus the listing indexes, and every index and check.
	copyTime := copyInto(b, pool, "bare_invoices", "LIKE invoices", nil, chunks)
	guards := []string{"invoices_pkey", "invoices_document_unique", "invoices_einvoice_live"}
	guardTime := copyInto(b, pool, "guard_invoices", "LIKE invoices", guards, chunks)
	listTime := copyInto(b, pool, "listed_invoices", "LIKE invoices", append(guards, "invoices_supplier", "invoices_program"), chunks)
	indexedTime := copyInto(b, pool, "indexed_invoices", "LIKE invoices INCLUDING ALL", nil, chunks)

	var stored int
	if err := pool.QueryRow(ctx, "SELECT count(*) FROM invoices WHERE batch_id IS NOT NULL").Scan(&stored); err != nil || stored != total+10 {
		b.Fatalf("%d invoices stored, want %d: %v", stored, total+10, err)
	}
	if _, err := pool.Exec(ctx, "VACUUM ANALYZE invoices"); err != nil {
		b.Fatal(err)
	}
	httpLat := srv.firstPages(b, supplierTok, 200)
	sqlLat := sqlFirstPages(b, pool, w.suppliers[0].ID, 200)
	var plan []string
	rowsPlan, err := pool.Query(ctx, `EXPLAIN (ANALYZE, COSTS OFF) SELECT i.id FROM invoices i JOIN programs p ON p.id = i.program_id
		WHERE i.supplier_id = $1 ORDER BY i.id LIMIT 100`, w.suppliers[0].ID)
	if err == nil {
		for rowsPlan.Next() {
			var line string
			_ = rowsPlan.Scan(&line)
			plan = append(plan, line)
		}
	}

	apiRate, copyRate := benchproc.Rate(total, apiTime), benchproc.Rate(total, copyTime)
	b.Logf("publication over HTTP: %d rows in %d CSV batches of %d, %d upload(s) at a time: %v, %d rows/s", total, len(chunks), batch, parallel,
		apiTime.Round(time.Millisecond), apiRate)
	b.Logf("raw COPY into bare_invoices (LIKE invoices, no indexes): %v, %d rows/s", copyTime.Round(time.Millisecond), copyRate)
	b.Logf("ratio HTTP/COPY: %d.%02d", apiRate/copyRate, apiRate*100/copyRate%100)
	for _, c := range []struct {
		what string
		took time.Duration
	}{
		{"guard_invoices (primary key and the two fraud-guard unique indexes only)", guardTime},
		{"listed_invoices (those plus the supplier and program listing indexes)", listTime},
		{"indexed_invoices (LIKE invoices INCLUDING ALL: every index and check)", indexedTime},
	} {
		r := benchproc.Rate(total, c.took)
		b.Logf("for context, raw COPY into %s: %v, %d rows/s (%d.%02d of bare); ratio HTTP/this COPY %d.%02d", c.what,
			c.took.Round(time.Millisecond), r, r/copyRate, r*100/copyRate%100, apiRate/r, apiRate*100/r%100)
	}
	b.Logf("server memory: RSS after warm-up %d MB, peak (VmHWM) %d MB, growth %d MB", rss>>10, hwm>>10, (hwm-rss)>>10)
	b.Logf("supplier first page (100 of %d invoices) over HTTP: median %v, p99 %v; SQL alone: median %v, p99 %v",
		total/len(w.suppliers), httpLat[len(httpLat)/2], httpLat[len(httpLat)*99/100], sqlLat[len(sqlLat)/2], sqlLat[len(sqlLat)*99/100])
	b.Logf("plan: %s", strings.Join(strings.Fields(strings.Join(plan, " ")), " "))
}

// copyInto times a COPY of every chunk into a new table of the given shape
// that also gets copies of the named indexes of invoices, definitions and all.
func copyInto(b *testing.B, pool *pgxpool.Pool, table, shape string, indexes []string, chunks []rows) time.Duration {
	ctx := context.Background()
	if _, err := pool.Exec(ctx, "CREATE TABLE "+table+" ("+shape+")"); err != nil {
		b.Fatal(err)
	}
	for _, name := range indexes {
		var def string
		if err := pool.QueryRow(ctx, "SELECT pg_get_indexdef(to_regclass($1))", name).Scan(&def); err != nil || def == "" {
			b.Fatalf("index %s: %q %v", name, def, err)
		}
		def = strings.Replace(def, " INDEX "+name+" ON public.invoices ", " INDEX "+table+"_"+name+" ON "+table+" ", 1)
		if _, err := pool.Exec(ctx, def); err != nil {
			b.Fatalf("%s: %v", def, err)
		}
	}
	conn, err := pool.Acquire(ctx)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Release()
	t0 := time.Now()
	for _, c := range chunks {
		if _, err := conn.Conn().PgConn().CopyFrom(ctx, bytes.NewReader(c.bare), "COPY "+table+" FROM STDIN WITH (FORMAT csv)"); err != nil {
			b.Error(err)
			return time.Since(t0)
		}
	}
	return time.Since(t0)
}

type world struct {
	buyer     party.Party
	prog      program.Program
	suppliers []party.Party
}

func seed(b *testing.B, pool *pgxpool.Pool, nSuppliers int) world {
	ctx := context.Background()
	a := usecases.New(&app.Base{Pool: pool, PlatformMaxBps: 700})
	var w world
	var err error
	if w.buyer, err = a.Administration.CreateParty(ctx, app.System, party.Draft{Kind: "buyer", LegalName: "Comprador Bench", Country: "MX", TaxID: "ABA010203BB4"}); err != nil {
		b.Fatal(err)
	}
	if w.prog, err = a.Administration.CreateProgram(ctx, app.System, w.buyer.ID, program.Draft{Name: "Bench"}); err != nil {
		b.Fatal(err)
	}
	for i := 0; i < nSuppliers; i++ {
		rfc := fmt.Sprintf("S%c%c150505C%d%d", 'A'+i/10, 'A'+i%10, i%10, i%7)
		en, err := a.Administration.EnrollSupplier(ctx, app.System, w.prog.ID, administration.SupplierInvite{TaxID: rfc, LegalName: "Proveedor " + rfc})
		if err != nil {
			b.Fatal(err)
		}
		w.suppliers = append(w.suppliers, en.Supplier)
	}
	return w
}

type rows struct{ csv, bare []byte }

// makeRows renders n invoices from row start, spread over the suppliers, as
// the buyer's upload and as bare_invoices rows with every column filled.
func makeRows(w world, start, n int) rows {
	var up, bare bytes.Buffer
	up.WriteString("supplier,document_number,einvoice_id,issue_date,due_date,amount\n")
	issue, due := time.Now().AddDate(0, 0, -3).Format(time.DateOnly), time.Now().AddDate(0, 0, 90).Format(time.DateOnly)
	now := time.Now().UTC().Format(time.RFC3339Nano)
	batchID := uuid.New()
	for i := start; i < start+n; i++ {
		s := w.suppliers[i%len(w.suppliers)]
		ein := strings.ToUpper(uuid.NewString())
		amount := strconv.Itoa(1000+i%500000) + "." + strconv.Itoa(10+i%90)
		doc := "F" + strconv.Itoa(i)
		fmt.Fprintf(&up, "%s,%s,%s,%s,%s,%s\n", s.TaxID, doc, ein, issue, due, amount)
		id, _ := uuid.NewV7()
		fmt.Fprintf(&bare, "%s,%s,%s,%s,invoice,%s,%s,%s,%s,MXN,%s,0,,published,\"\",\"\",%s,%d,bench,%s,%s\n", id, w.prog.ID, w.buyer.ID, s.ID,
			doc, ein, issue, due, amount, batchID, i-start+1, now, now)
	}
	return rows{csv: up.Bytes(), bare: bare.Bytes()}
}

type server struct{ *benchproc.Server }

func (s *server) post(b *testing.B, tok string, body []byte, key string) {
	req, _ := http.NewRequest("POST", s.URL+"/v1/invoice-batches", bytes.NewReader(body))
	req.Header.Set("Content-Type", "text/csv")
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Idempotency-Key", key)
	res, err := s.HTTP.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	raw, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 201 || !bytes.Contains(raw, []byte(`"rejected_rows":0`)) {
		b.Fatalf("batch %s: %d %s", key, res.StatusCode, raw)
	}
}

func (s *server) firstPages(b *testing.B, tok string, n int) []time.Duration {
	lat := make([]time.Duration, n)
	for i := range lat {
		req, _ := http.NewRequest("GET", s.URL+"/v1/invoices?limit=100", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		t0 := time.Now()
		res, err := s.HTTP.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
		lat[i] = time.Since(t0)
		if res.StatusCode != 200 {
			b.Fatalf("list: %d", res.StatusCode)
		}
	}
	slices.Sort(lat)
	return lat
}

func sqlFirstPages(b *testing.B, pool *pgxpool.Pool, supplier uuid.UUID, n int) []time.Duration {
	lat := make([]time.Duration, n)
	for i := range lat {
		t0 := time.Now()
		page, err := invoicedb.List(context.Background(), pool, invoicedb.Filter{Viewer: invoicedb.Viewer{PartyID: supplier, Role: "supplier"}, Limit: 100})
		lat[i] = time.Since(t0)
		if err != nil || len(page) != 100 {
			b.Fatalf("list: %d %v", len(page), err)
		}
	}
	slices.Sort(lat)
	return lat
}

func startServer(b *testing.B, bin, dbURL string) *server {
	return &server{benchproc.Start(b, bin, dbURL, &http.Client{Timeout: 5 * time.Minute})}
}
