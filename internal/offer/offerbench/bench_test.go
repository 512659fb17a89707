// Package offerbench measures acceptance end to end against a real `cadena
// serve` process with PostgreSQL and NATS: run it with `make bench-acceptance`.
package offerbench

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/nats-io/nats.go"
	"github.com/shopspring/decimal"

	"github.com/cadena-finance/cadena/internal/app"
	"github.com/cadena-finance/cadena/internal/app/administration"
	"github.com/cadena-finance/cadena/internal/app/invoicing"
	"github.com/cadena-finance/cadena/internal/app/usecases"
	"github.com/cadena-finance/cadena/internal/auth"
	"github.com/cadena-finance/cadena/internal/invoice"
	"github.com/cadena-finance/cadena/internal/offer"
	"github.com/cadena-finance/cadena/internal/party"
	"github.com/cadena-finance/cadena/internal/platform/benchproc"
	"github.com/cadena-finance/cadena/internal/platform/db"
	"github.com/cadena-finance/cadena/internal/platform/natsauth"
	"github.com/cadena-finance/cadena/internal/platform/pgtest"
	"github.com/cadena-finance/cadena/internal/program"
)

func pct(d []time.Duration, p int) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[min(len(s)-1, len(s)*p/100)]
}

// BenchmarkAcceptance seeds CADENA_BENCH_ACCEPTANCES (10,000) invoices across
// 8 programs of one buyer, 4 suppliers and 3 lenders with standing offers, starts `cadena serve`,
// quotes each invoice over HTTP, then accepts the best offer of each with
// CADENA_BENCH_CLIENTS (32) concurrent clients and reports acceptances per
// second. Every lender listens on its own NATS subject with its own
// credentials and the time from acceptance to receipt of
// cadena.financing.accepted is reported. It also times 200 quotes of a
// 100-invoice basket, and runs pgbench (TPC-B-like, scale 10, 8 clients,
// 20 s) on the same server for the ratio. One iteration is the whole
// scenario: run it with -benchtime 1x.
func BenchmarkAcceptance(b *testing.B) {
	bin, _ := filepath.Abs(os.Getenv("CADENA_BIN"))
	if os.Getenv("CADENA_BIN") == "" {
		b.Skip("set CADENA_BIN to a built cadena binary (make bench-acceptance does)")
	}
	n, clients := benchproc.EnvInt("CADENA_BENCH_ACCEPTANCES", 10_000), benchproc.EnvInt("CADENA_BENCH_CLIENTS", 32)
	ctx := context.Background()
	dbURL := pgtest.NewDatabase(b)
	pool, err := db.Open(ctx, dbURL, 4)
	if err != nil {
		b.Fatal(err)
	}
	defer pool.Close()
	nBaskets, basketSize := benchproc.EnvInt("CADENA_BENCH_BASKETS", 1_000), benchproc.EnvInt("CADENA_BENCH_BASKET_SIZE", 5)
	w := seed(b, pool, n, nBaskets, basketSize)

	srv := startServer(b, bin, withPoolSize(dbURL, benchproc.EnvInt("CADENA_BENCH_POOL", 8)))
	op := srv.Token(b, w.operator.TaxID, "operator")

	// Each lender listens with its own credentials on its own subject.
	var latMu sync.Mutex
	var eventLat []time.Duration
	var received atomic.Int64
	for _, l := range w.lenders {
		var c struct {
			Creds       string `json:"creds"`
			URL         string `json:"url"`
			InboxPrefix string `json:"inbox_prefix"`
		}
		srv.postJSON(b, op, "/v1/parties/"+l.ID.String()+"/nats-credentials", nil, &c)
		opt, err := natsauth.ConnectOption([]byte(c.Creds))
		if err != nil {
			b.Fatal(err)
		}
		nc, err := nats.Connect(c.URL, opt, nats.CustomInboxPrefix(c.InboxPrefix))
		if err != nil {
			b.Fatal(err)
		}
		defer nc.Close()
		if _, err := nc.Subscribe(natsauth.LenderSubject(l.ID.String(), "financing.accepted"), func(m *nats.Msg) {
			got := time.Now()
			var e struct {
				Data struct {
					AcceptedAt time.Time `json:"accepted_at"`
				} `json:"data"`
			}
			if json.Unmarshal(m.Data, &e) == nil {
				latMu.Lock()
				eventLat = append(eventLat, got.Sub(e.Data.AcceptedAt))
				latMu.Unlock()
				received.Add(1)
			}
		}); err != nil {
			b.Fatal(err)
		}
		_ = nc.Flush()
	}

	supTok := make([]string, len(w.suppliers))
	for i, s := range w.suppliers {
		supTok[i] = srv.Token(b, s.TaxID, "supplier")
	}
	// Quotes: one per invoice, the best offer kept (setup, timed for context).
	offers := make([]string, n)
	singleLat := make([]time.Duration, n)
	parallel(n, 16, func(i int) {
		t0 := time.Now()
		var q struct{ Offers []struct{ ID string } }
		inv := w.invoices[i]
		srv.postJSON(b, supTok[inv.supplier], "/v1/quotes", map[string]any{"invoice_ids": []string{inv.id}}, &q)
		singleLat[i] = time.Since(t0)
		offers[i] = q.Offers[0].ID
	})
	paced := make([]string, len(w.paced))
	parallel(len(paced), 16, func(i int) {
		var q struct{ Offers []struct{ ID string } }
		srv.postJSON(b, supTok[w.paced[i].supplier], "/v1/quotes", map[string]any{"invoice_ids": []string{w.paced[i].id}}, &q)
		paced[i] = q.Offers[0].ID
	})
	basketOffers := make([]string, len(w.baskets))
	parallel(len(w.baskets), 16, func(i int) {
		var q struct{ Offers []struct{ ID string } }
		srv.postJSON(b, supTok[w.baskets[i].supplier], "/v1/quotes", map[string]any{"invoice_ids": w.baskets[i].ids}, &q)
		basketOffers[i] = q.Offers[0].ID
	})
	// A 100-invoice basket of one supplier (invoices kept apart), quoted 200 times.
	basket := w.extra
	basketLat := make([]time.Duration, 200)
	for i := range basketLat {
		t0 := time.Now()
		var q struct{ Offers []struct{ ID string } }
		srv.postJSONKey(b, supTok[0], "/v1/quotes", map[string]any{"invoice_ids": basket}, &q, "") // a quote needs no Idempotency-Key
		basketLat[i] = time.Since(t0)
		if len(q.Offers) != len(w.lenders) {
			b.Fatalf("basket quote: %d offers", len(q.Offers))
		}
	}

	// Acceptances: every offer once, by CADENA_BENCH_CLIENTS clients.
	accLat := make([]time.Duration, n)
	var ok atomic.Int64
	b.ResetTimer()
	t0 := time.Now()
	parallel(n, clients, func(i int) {
		s := time.Now()
		if srv.accept(b, supTok[w.invoices[i].supplier], offers[i], "acc-"+strconv.Itoa(i)) {
			ok.Add(1)
		}
		accLat[i] = time.Since(s)
	})
	accTime := time.Since(t0)
	b.StopTimer()
	for deadline := time.Now().Add(30 * time.Second); received.Load() < int64(n) && time.Now().Before(deadline); {
		time.Sleep(50 * time.Millisecond)
	}
	var financings int
	_ = pool.QueryRow(ctx, "SELECT count(*) FROM financings").Scan(&financings)
	if int(ok.Load()) != n || financings != n {
		b.Fatalf("%d accepted, %d financings, want %d", ok.Load(), financings, n)
	}
	// The event latency again at a steady 4 clients, below saturation.
	latMu.Lock()
	saturated := eventLat
	eventLat = nil
	latMu.Unlock()
	received.Store(0)
	parallel(len(paced), 4, func(i int) {
		srv.accept(b, supTok[w.paced[i].supplier], paced[i], "paced-"+strconv.Itoa(i))
	})
	for deadline := time.Now().Add(30 * time.Second); received.Load() < int64(len(paced)) && time.Now().Before(deadline); {
		time.Sleep(50 * time.Millisecond)
	}
	latMu.Lock()
	pacedLat := eventLat
	latMu.Unlock()

	// Baskets: every basket offer accepted once, by the same clients; each
	// acceptance finances basketSize invoices in one transaction.
	var basketOK atomic.Int64
	t1 := time.Now()
	parallel(len(basketOffers), clients, func(i int) {
		if srv.accept(b, supTok[w.baskets[i].supplier], basketOffers[i], "basket-"+strconv.Itoa(i)) {
			basketOK.Add(1)
		}
	})
	basketTime := time.Since(t1)
	var basketFin int
	_ = pool.QueryRow(ctx, "SELECT count(*) FROM financings").Scan(&basketFin)
	basketFin -= n + len(paced)
	if int(basketOK.Load()) != len(basketOffers) || basketFin != len(basketOffers)*basketSize {
		b.Fatalf("%d baskets accepted, %d financings, want %d and %d", basketOK.Load(), basketFin, len(basketOffers), len(basketOffers)*basketSize)
	}

	loadDuring := loadavg()
	tps := pgbench(b, ctx)
	accRate := benchproc.Rate(n, accTime)
	b.Logf("acceptances over HTTP: %d in %v with %d clients: %d/s (latency median %v, p99 %v)", n, accTime.Round(time.Millisecond), clients,
		accRate, pct(accLat, 50).Round(time.Microsecond), pct(accLat, 99).Round(time.Microsecond))
	b.Logf("pgbench TPC-B-like (scale 10, 8 clients, 2 threads, 20 s) on the same server: %s tps; ratio acceptances/pgbench: %s",
		tps.StringFixed(0), decimal.NewFromInt(accRate).Div(tps).StringFixed(2))
	b.Logf("1-minute load average at the end of the acceptances: %s (2 cores; other processes on the machine count too)", loadDuring)
	b.Logf("quote, 1 invoice, 3 lenders (16 clients): median %v, p99 %v", pct(singleLat, 50).Round(time.Microsecond), pct(singleLat, 99).Round(time.Microsecond))
	b.Logf("quote, 100-invoice basket, 3 lenders (sequential, 200 runs): median %v, p99 %v", pct(basketLat, 50).Round(time.Microsecond), pct(basketLat, 99).Round(time.Microsecond))
	b.Logf("acceptance -> lender receives cadena.financing.accepted, during the run above (%d events on 3 lenders' own subjects): median %v, p99 %v",
		len(saturated), pct(saturated, 50).Round(time.Microsecond), pct(saturated, 99).Round(time.Microsecond))
	b.Logf("acceptance -> lender receives cadena.financing.accepted, %d acceptances by 4 clients: median %v, p99 %v",
		len(pacedLat), pct(pacedLat, 50).Round(time.Microsecond), pct(pacedLat, 99).Round(time.Microsecond))
	b.Logf("basket acceptances over HTTP: %d offers of %d invoices in %v with %d clients: %d acceptances/s, %d financings/s",
		len(basketOffers), basketSize, basketTime.Round(time.Millisecond), clients, benchproc.Rate(len(basketOffers), basketTime),
		benchproc.Rate(basketFin, basketTime))
}

func parallel(n, workers int, fn func(i int)) {
	next := make(chan int, n)
	for i := range n {
		next <- i
	}
	close(next)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				fn(i)
			}
		}()
	}
	wg.Wait()
}

type world struct {
	operator  party.Party
	suppliers []party.Party
	lenders   []party.Party
	invoices  []seeded // for single-invoice quotes
	paced     []seeded // 400 more, accepted at a steady pace for the event latency
	extra     []string // 100 more of supplier 0 in the first program, for the basket
	baskets   []basket // CADENA_BENCH_BASKETS baskets of CADENA_BENCH_BASKET_SIZE invoices, accepted whole
}

// basket is several invoices of one supplier in one program, quoted and
// accepted together: one acceptance, one financing per invoice.
type basket struct {
	supplier int
	ids      []string
}

type seeded struct {
	supplier int
	id       string
}

// seed loads the platform through the application layer: an operator, a
// buyer with CADENA_BENCH_PROGRAMS (8) programs, 4 suppliers and 3 lenders
// enrolled in each (so 24 exposure lines), standing offers, ample limits,
// fixings for the past week, n+500 invoices spread evenly, and nBaskets
// baskets of basketSize invoices spread the same way.
func seed(b *testing.B, pool *pgxpool.Pool, n, nBaskets, basketSize int) world {
	ctx := context.Background()
	a := usecases.New(&app.Base{Pool: pool, PlatformMaxBps: 700})
	var w world
	mk := func(kind party.Kind, rfc string) party.Party {
		p, err := a.Administration.CreateParty(ctx, app.System, party.Draft{Kind: string(kind), LegalName: string(kind) + " " + rfc, Country: "MX", TaxID: rfc})
		if err != nil {
			b.Fatal(err)
		}
		return p
	}
	w.operator = mk(party.Operator, "CAD250101GGA")
	buyer := mk(party.Buyer, "ABA010203BB4")
	for _, rfc := range []string{"TSE150505CC4", "MPA180808DD4", "SAT970701NN3", "EKU9003173C9"} {
		w.suppliers = append(w.suppliers, mk(party.Supplier, rfc))
	}
	for _, rfc := range []string{"BNO900101EEA", "FMX950615FF7", "CFE370814QI0"} {
		w.lenders = append(w.lenders, mk(party.Lender, rfc))
	}
	op := app.Actor{Subject: "bench", PartyID: w.operator.ID, Role: auth.RoleOperator}
	buyerAct := app.Actor{Subject: "bench", PartyID: buyer.ID, Role: auth.RoleBuyer}
	today := time.Now().In(time.FixedZone("CST", -6*3600))
	for d := 0; d < 7; d++ {
		if _, _, err := a.Quoting.PutReferenceRate(ctx, op, "TIIE_FONDEO", today.AddDate(0, 0, -d).Format(time.DateOnly), "7.12"); err != nil {
			b.Fatal(err)
		}
	}
	publish := func(prog uuid.UUID, supplier party.Party, count int) []string {
		var ids []string
		for start := 0; start < count; start += 10_000 {
			drafts := make([]invoice.Draft, min(10_000, count-start))
			for i := range drafts {
				drafts[i] = invoice.Draft{Supplier: supplier.ID.String(), DocumentNumber: "B-" + uuid.NewString()[:18],
					EInvoiceID: strings.ToUpper(uuid.NewString()), IssueDate: today.AddDate(0, 0, -5).Format(time.DateOnly),
					DueDate: today.AddDate(0, 0, 30+i%90).Format(time.DateOnly), Amount: strconv.Itoa(1000+i%5000) + ".00"}
			}
			bt, err := a.Invoicing.PublishBatch(ctx, buyerAct, invoicing.BatchInput{ProgramID: prog, Atomic: true, Format: "json", Drafts: drafts})
			if err != nil || bt.Published != len(drafts) {
				b.Fatalf("seed invoices: %+v %v", bt, err)
			}
			rows, err := pool.Query(ctx, "SELECT id::text FROM invoices WHERE batch_id = $1 ORDER BY batch_row", bt.ID)
			if err != nil {
				b.Fatal(err)
			}
			more, err := pgx.CollectRows(rows, pgx.RowTo[string])
			if err != nil {
				b.Fatal(err)
			}
			ids = append(ids, more...)
		}
		return ids
	}
	programs := benchproc.EnvInt("CADENA_BENCH_PROGRAMS", 8)
	per := (n + 400 + programs*len(w.suppliers) - 1) / (programs * len(w.suppliers))
	for p := range programs {
		prog, err := a.Administration.CreateProgram(ctx, app.System, buyer.ID, program.Draft{Name: "Bench " + strconv.Itoa(p)})
		if err != nil {
			b.Fatal(err)
		}
		for _, s := range w.suppliers {
			if _, err := a.Administration.EnrollSupplier(ctx, app.System, prog.ID, administration.SupplierInvite{TaxID: s.TaxID}); err != nil {
				b.Fatal(err)
			}
		}
		for i, l := range w.lenders {
			if _, err := a.Administration.EnrollLender(ctx, app.System, prog.ID, l.ID, "100000000000.00"); err != nil {
				b.Fatal(err)
			}
			if _, err := a.Quoting.PutStandingOffer(ctx, app.Actor{Subject: "bench", PartyID: l.ID, Role: auth.RoleLender}, prog.ID,
				[]offer.Bucket{{MaxDays: 30, SpreadBps: 300 + 10*i}, {MaxDays: 180, SpreadBps: 250 + 10*i}}, time.Time{}, time.Time{}); err != nil {
				b.Fatal(err)
			}
		}
		for si, s := range w.suppliers {
			for _, id := range publish(prog.ID, s, per) {
				w.invoices = append(w.invoices, seeded{supplier: si, id: id})
			}
		}
		if p == 0 {
			w.extra = publish(prog.ID, w.suppliers[0], 100)
		}
		for si, s := range w.suppliers {
			combos := programs * len(w.suppliers)
			count := (nBaskets + combos - 1) / combos
			ids := publish(prog.ID, s, count*basketSize)
			for k := range count {
				w.baskets = append(w.baskets, basket{supplier: si, ids: ids[k*basketSize : (k+1)*basketSize]})
			}
		}
	}
	rand.New(rand.NewPCG(3, 4)).Shuffle(len(w.baskets), func(i, j int) { w.baskets[i], w.baskets[j] = w.baskets[j], w.baskets[i] })
	w.baskets = w.baskets[:nBaskets]
	// Interleave programs and suppliers so concurrent clients spread over them.
	rand.New(rand.NewPCG(1, 2)).Shuffle(len(w.invoices), func(i, j int) { w.invoices[i], w.invoices[j] = w.invoices[j], w.invoices[i] })
	w.paced = w.invoices[n : n+400]
	w.invoices = w.invoices[:n]
	return w
}

// withPoolSize sets pgxpool's pool_max_conns on the server's DATABASE_URL.
func withPoolSize(dbURL string, n int) string {
	u, err := url.Parse(dbURL)
	if err != nil {
		return dbURL
	}
	q := u.Query()
	q.Set("pool_max_conns", strconv.Itoa(n))
	u.RawQuery = q.Encode()
	return u.String()
}

// pgbench initialises a scratch database at scale 10 and runs the default
// TPC-B-like script with 8 clients and 2 threads for 20 s, returning its tps.
func pgbench(b *testing.B, ctx context.Context) decimal.Decimal {
	bin := os.Getenv("PGBENCH")
	if bin == "" {
		bin = "/usr/lib/postgresql/15/bin/pgbench"
	}
	admin := pgtest.AdminURL()
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		b.Fatal(err)
	}
	defer func() { _ = conn.Close(ctx) }()
	name := "cadena_pgbench_" + strings.ReplaceAll(uuid.NewString()[:8], "-", "")
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		b.Fatal(err)
	}
	defer conn.Exec(context.Background(), "DROP DATABASE "+name) //nolint:errcheck
	u, _ := url.Parse(admin)
	u.Path = "/" + name
	target := u.String()
	if out, err := exec.Command(bin, "-i", "-s", "10", "-q", target).CombinedOutput(); err != nil {
		b.Fatalf("pgbench -i: %v\n%s", err, out)
	}
	out, err := exec.Command(bin, "-c", "8", "-j", "2", "-T", "20", target).CombinedOutput()
	if err != nil {
		b.Fatalf("pgbench: %v\n%s", err, out)
	}
	m := regexp.MustCompile(`tps = ([0-9.]+) \(without initial connection time\)`).FindSubmatch(out)
	if m == nil {
		b.Fatalf("pgbench output:\n%s", out)
	}
	return decimal.RequireFromString(string(m[1]))
}

type server struct{ *benchproc.Server }

func (s *server) do(b *testing.B, tok, path string, body any, key string) (int, []byte) {
	var rd io.Reader
	if body != nil {
		raw, _ := json.Marshal(body)
		rd = bytes.NewReader(raw)
	}
	req, _ := http.NewRequest("POST", s.URL+path, rd)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	res, err := s.HTTP.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	raw, _ := io.ReadAll(res.Body)
	res.Body.Close()
	return res.StatusCode, raw
}

func (s *server) postJSON(b *testing.B, tok, path string, body, out any) {
	s.postJSONKey(b, tok, path, body, out, uuid.NewString())
}

func (s *server) postJSONKey(b *testing.B, tok, path string, body, out any, key string) {
	status, raw := s.do(b, tok, path, body, key)
	if status != 201 {
		b.Fatalf("%s: %d %s", path, status, raw)
	}
	if err := json.Unmarshal(raw, out); err != nil {
		b.Fatal(err)
	}
}

func (s *server) accept(b *testing.B, tok, offerID, key string) bool {
	status, raw := s.do(b, tok, "/v1/offers/"+offerID+"/accept", nil, key)
	if status != 201 {
		b.Errorf("accept %s: %d %s", offerID, status, raw)
	}
	return status == 201
}

// loadavg is the machine's 1-minute load average, as text: a busy machine
// (other test suites on the same two cores) shows in every figure.
func loadavg() string {
	raw, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	return strings.Fields(string(raw))[0]
}

func startServer(b *testing.B, bin, dbURL string) *server {
	return &server{benchproc.Start(b, bin, dbURL, &http.Client{Timeout: time.Minute, Transport: &http.Transport{MaxIdleConns: 256, MaxIdleConnsPerHost: 256}})}
}
