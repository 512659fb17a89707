package web_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/cadena-finance/cadena/internal/app"
	seed "github.com/cadena-finance/cadena/internal/app/demo"
	"github.com/cadena-finance/cadena/internal/app/invoicing"
	"github.com/cadena-finance/cadena/internal/auth"
	"github.com/cadena-finance/cadena/internal/invoice"
	"github.com/cadena-finance/cadena/internal/platform/config"
	"github.com/cadena-finance/cadena/internal/platform/pgtest"
	"github.com/cadena-finance/cadena/internal/server"
)

// env is a whole running process (PostgreSQL, embedded NATS, relay, HTTP)
// with the demo loaded: the portal is tested as it is served.
type env struct {
	t     *testing.T
	Base  string
	S     *server.Server
	Demo  seed.Demo
	clock *clock
}

// clock is a settable App.Now, read by the server's goroutines: tests whose
// answer depends on the hour (the funding cut-off) or the day fix it.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }

func (c *clock) Set(t time.Time) { c.mu.Lock(); defer c.mu.Unlock(); c.now = t }

// now is the process's time: the test's clock, else the wall clock.
func (e *env) now() time.Time {
	if e.clock != nil {
		return e.clock.Now()
	}
	return time.Now()
}

// day is a date dueIn days from the process's today, YYYY-MM-DD.
func (e *env) day(dueIn int) string { return e.now().AddDate(0, 0, dueIn).Format(time.DateOnly) }

// start runs the process on the wall clock, or on clk when given (set
// before anything runs, so no goroutine sees the change).
func start(t *testing.T, clk ...*clock) *env {
	t.Helper()
	// The test's settings go into cfg, not the environment, so tests can run
	// in parallel (t.Setenv forbids it); a test may still set others.
	cfg, err := config.Load()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cfg.DatabaseURL, cfg.DataDir = pgtest.NewDatabase(t), dir
	// The key folders under the data folder, as Load derives them.
	cfg.KeyDir, cfg.NATSKeyDir = filepath.Join(dir, "keys"), filepath.Join(dir, "nats-keys")
	cfg.NATSPort = 0 // any free port, chosen by the listener
	ctx := context.Background()
	s, err := server.Open(ctx, cfg, slog.New(slog.NewJSONHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, S: s}
	if len(clk) > 0 {
		e.clock = clk[0]
		s.App.Now = e.clock.Now
	}
	if err := s.StartNATS(ctx); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Serve(ln); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = s.Shutdown(ctx)
	})
	demo, _, err := seed.Seed(ctx, s.App)
	if err != nil {
		t.Fatal(err)
	}
	e.Base, e.Demo = "http://"+s.Addr.String(), demo
	return e
}

func (e *env) buyer() app.Actor {
	return app.Actor{Subject: "test", PartyID: e.Demo.Buyer.Party.ID, Role: auth.RoleBuyer}
}

// cfdi is a fresh CFDI UUID, upper case as the SAT prints it.
func cfdi() string { return strings.ToUpper(uuid.NewString()) }

// day is a date dueIn days from today, YYYY-MM-DD.
// day is a date dueIn days from today in the test programs' time zone
// (Mexico City), which the rules count from: in UTC the date is a day ahead
// from 18:00 or 19:00 there until midnight.
func day(dueIn int) string {
	mx, err := time.LoadLocation("America/Mexico_City")
	if err != nil {
		panic(err)
	}
	return time.Now().In(mx).AddDate(0, 0, dueIn).Format(time.DateOnly)
}

// publish publishes one invoice from the demo buyer to supplier (tax id).
func (e *env) publish(supplier, number, amount string, dueIn int) invoicing.InvoiceView {
	e.t.Helper()
	v, err := e.S.App.Invoicing.PublishInvoice(context.Background(), e.buyer(), uuid.Nil, invoice.Draft{Supplier: supplier, DocumentNumber: number,
		EInvoiceID: cfdi(), IssueDate: e.day(-2), DueDate: e.day(dueIn), Amount: amount})
	if err != nil {
		e.t.Fatal(err)
	}
	return v
}

// client is a cookie-keeping HTTP client that does not follow redirects.
type client struct {
	t    *testing.T
	base string
	http *http.Client
}

func (e *env) client() *client {
	jar, _ := cookiejar.New(nil)
	return &client{t: e.t, base: e.Base, http: &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

type resp struct {
	Status   int
	Body     string
	Location string
	Header   http.Header
}

func (c *client) do(req *http.Request) resp {
	c.t.Helper()
	res, err := c.http.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return resp{Status: res.StatusCode, Body: string(b), Location: res.Header.Get("Location"), Header: res.Header}
}

func (c *client) get(path string) resp {
	req, _ := http.NewRequest(http.MethodGet, c.base+path, nil)
	return c.do(req)
}

func (c *client) post(path string, form url.Values) resp {
	req, _ := http.NewRequest(http.MethodPost, c.base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return c.do(req)
}

var csrfRe = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// csrf reads the token from a page's forms.
func (c *client) csrf(path string) string {
	c.t.Helper()
	r := c.get(path)
	m := csrfRe.FindStringSubmatch(r.Body)
	if m == nil {
		c.t.Fatalf("no CSRF token on %s (%d)", path, r.Status)
	}
	return m[1]
}

func (c *client) login(email string) {
	c.t.Helper()
	tok := c.csrf("/login")
	r := c.post("/login", url.Values{"csrf": {tok}, "email": {email}, "password": {seed.Password}})
	if r.Status != http.StatusSeeOther {
		c.t.Fatalf("login %s: %d %s", email, r.Status, r.Body)
	}
}
