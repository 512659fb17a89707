package web_test

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/cadena-finance/cadena/internal/app"
	"github.com/cadena-finance/cadena/internal/app/demo"
	"github.com/cadena-finance/cadena/internal/app/invoicing"
	"github.com/cadena-finance/cadena/internal/app/usecases"
	"github.com/cadena-finance/cadena/internal/invoice"
	"github.com/cadena-finance/cadena/internal/web"
	"github.com/cadena-finance/cadena/internal/web/webdb"
)

// Every POST without the form's token is refused with 403 and changes nothing.
func TestPostWithoutCSRFIsRefused(t *testing.T) {
	t.Parallel()
	e := start(t)
	inv := e.publish(e.Demo.Suppliers[0].Party.TaxID, "F-CSRF", "1000.00", 60)

	anon := e.client()
	if r := anon.post("/login", url.Values{"email": {e.Demo.Buyer.Email}, "password": {demo.Password}}); r.Status != http.StatusForbidden {
		t.Fatalf("login without token: %d", r.Status)
	}
	buyer := e.client()
	buyer.login(e.Demo.Buyer.Email)
	for name, form := range map[string]url.Values{"missing": {}, "wrong": {"csrf": {web.RandomToken()}}} {
		if r := buyer.post("/invoices/"+inv.ID.String()+"/cancel", form); r.Status != http.StatusForbidden {
			t.Errorf("cancel with %s token: %d", name, r.Status)
		}
	}
	if r := buyer.post("/logout", nil); r.Status != http.StatusForbidden {
		t.Errorf("logout without token: %d", r.Status)
	}
	got, err := e.S.App.Invoicing.GetInvoice(context.Background(), e.buyer(), inv.ID)
	if err != nil || got.Status != invoice.Published {
		t.Fatalf("a refused POST changed the invoice: %v %v", got.Status, err)
	}
	// With the token it works, which shows the refusals were the token's doing.
	tok := buyer.csrf("/invoices/" + inv.ID.String())
	if r := buyer.post("/invoices/"+inv.ID.String()+"/cancel", url.Values{"csrf": {tok}}); r.Status != http.StatusSeeOther {
		t.Fatalf("cancel with token: %d %s", r.Status, r.Body)
	}
	// A POST from a client without a session is refused too, not redirected.
	if r := e.client().post("/invoices/"+inv.ID.String()+"/cancel", url.Values{"csrf": {tok}}); r.Status != http.StatusForbidden {
		t.Fatalf("cancel without session: %d", r.Status)
	}
}

func TestSessionCookieAndLogout(t *testing.T) {
	t.Parallel()
	e := start(t)
	c := e.client()
	tok := c.csrf("/login")
	r := c.post("/login", url.Values{"csrf": {tok}, "email": {e.Demo.Suppliers[0].Email}, "password": {demo.Password}})
	var sess *http.Cookie
	for _, ck := range (&http.Response{Header: r.Header}).Cookies() {
		if ck.Name == "cadena_session" {
			sess = ck
		}
	}
	if sess == nil || !sess.HttpOnly || sess.SameSite != http.SameSiteStrictMode || sess.Secure {
		t.Fatalf("session cookie over plain HTTP: %+v", sess)
	}
	if r.Location != "/invoices" {
		t.Fatalf("supplier lands on %q", r.Location)
	}
	if r := c.get("/invoices"); r.Status != http.StatusOK || r.Header.Get("Cache-Control") != "no-store" ||
		!strings.Contains(r.Header.Get("Content-Security-Policy"), "frame-ancestors 'none'") {
		t.Fatalf("invoices: %d %v", r.Status, r.Header)
	}
	// Behind a TLS-terminating proxy the cookie is Secure.
	tls := e.client()
	tok = tls.csrf("/login")
	req, _ := http.NewRequest(http.MethodPost, e.Base+"/login", strings.NewReader(url.Values{"csrf": {tok}, "email": {e.Demo.Suppliers[0].Email},
		"password": {demo.Password}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Forwarded-Proto", "https")
	if r := tls.do(req); !strings.Contains(strings.Join(r.Header.Values("Set-Cookie"), ";"), "Secure") {
		t.Fatalf("no Secure flag behind https proxy: %v", r.Header.Values("Set-Cookie"))
	}

	// Logout deletes the session: the old cookie replayed gets the login page.
	tok = c.csrf("/invoices")
	if r := c.post("/logout", url.Values{"csrf": {tok}}); r.Status != http.StatusSeeOther {
		t.Fatalf("logout: %d", r.Status)
	}
	replay := e.client()
	u, _ := url.Parse(e.Base)
	replay.http.Jar.SetCookies(u, []*http.Cookie{sess})
	if r := replay.get("/invoices"); r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Location, "/login") {
		t.Fatalf("replayed cookie after logout: %d %s", r.Status, r.Location)
	}
}

func TestWrongPasswordAndRoleGuard(t *testing.T) {
	t.Parallel()
	e := start(t)
	c := e.client()
	tok := c.csrf("/login")
	r := c.post("/login", url.Values{"csrf": {tok}, "email": {e.Demo.Suppliers[0].Email}, "password": {"not-the-password"}})
	if r.Status != http.StatusUnauthorized || !strings.Contains(r.Body, "El correo o la contraseña no son correctos") ||
		!strings.Contains(r.Body, `href="#f-email"`) {
		t.Fatalf("wrong password: %d", r.Status)
	}
	c.login(e.Demo.Suppliers[0].Email)
	if r := c.get("/parties"); r.Status != http.StatusForbidden {
		t.Fatalf("supplier on operator page: %d", r.Status)
	}
	if r := c.get("/upload"); r.Status != http.StatusForbidden {
		t.Fatalf("supplier on buyer page: %d", r.Status)
	}
	// Unknown portal paths get the portal's 404 page; unknown API paths keep problem+json.
	if r := c.get("/no-such-page"); r.Status != http.StatusNotFound || !strings.Contains(r.Body, "No encontramos esa página") {
		t.Fatalf("portal 404: %d", r.Status)
	}
	if r := c.get("/v1/no-such-route"); r.Header.Get("Content-Type") != "application/problem+json" {
		t.Fatalf("API 404: %d %s", r.Status, r.Header.Get("Content-Type"))
	}
	// An open redirect through ?next= is refused.
	c2 := e.client()
	tok = c2.csrf("/login")
	r = c2.post("/login", url.Values{"csrf": {tok}, "email": {e.Demo.Suppliers[0].Email}, "password": {demo.Password}, "next": {"//evil.example/"}})
	if r.Location != "/invoices" {
		t.Fatalf("next=//evil: redirected to %q", r.Location)
	}
}

// Sessions end after the idle limit and after the absolute limit.
func TestSessionTimeouts(t *testing.T) {
	t.Parallel()
	e := start(t)
	ctx := context.Background()
	now := time.Now()
	clock := web.NewSessions(usecases.New(&app.Base{Pool: e.S.Pool, Now: func() time.Time { return now }}), webdb.New(e.S.Pool))
	id, _, err := clock.Start(ctx, e.Demo.Suppliers[0].Email, demo.Password, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, step := range []time.Duration{29 * time.Minute, 29 * time.Minute, 29 * time.Minute} {
		now = now.Add(step)
		if _, err := clock.Get(ctx, id); err != nil {
			t.Fatalf("active session ended after %v: %v", step, err)
		}
	}
	now = now.Add(web.SessionIdle)
	if _, err := clock.Get(ctx, id); err != web.ErrNoSession {
		t.Fatalf("idle session still live: %v", err)
	}
	id, _, _ = clock.Start(ctx, e.Demo.Suppliers[0].Email, demo.Password, "")
	for i := 0; i < 17; i++ { // 8 h 30 min of steady use
		now = now.Add(30*time.Minute - time.Second)
		_, err = clock.Get(ctx, id)
	}
	if err != web.ErrNoSession {
		t.Fatalf("session outlived the absolute limit: %v", err)
	}
}

func multipartBody(t *testing.T, fields map[string]string, file string) (*bytes.Buffer, string) {
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	for k, v := range fields {
		_ = w.WriteField(k, v)
	}
	if file != "" {
		fw, _ := w.CreateFormFile("file", "facturas.csv")
		_, _ = fw.Write([]byte(file))
	}
	_ = w.Close()
	return &b, w.FormDataContentType()
}

// The preview publishes nothing; Publish twice with the same key publishes once.
func TestUploadPreviewThenPublishOnce(t *testing.T) {
	t.Parallel()
	e := start(t)
	c := e.client()
	c.login(e.Demo.Buyer.Email)
	sup := e.Demo.Suppliers[0].Party.TaxID
	csv := "supplier,document_number,einvoice_id,issue_date,due_date,amount\n" +
		sup + ",F-1," + cfdi() + "," + day(-1) + "," + day(60) + ",1000.00\n" +
		sup + ",F-2," + cfdi() + "," + day(-1) + "," + day(-5) + ",2000.00\n"
	tok := c.csrf("/upload")
	body, ct := multipartBody(t, map[string]string{"csrf": tok}, csv)
	req, _ := http.NewRequest(http.MethodPost, e.Base+"/upload", body)
	req.Header.Set("Content-Type", ct)
	r := c.do(req)
	if r.Status != http.StatusOK || !strings.Contains(r.Body, "El vencimiento ya pasó") {
		t.Fatalf("preview: %d %s", r.Status, r.Body)
	}
	if page, _ := e.S.App.Invoicing.ListInvoices(context.Background(), e.buyer(), invoicing.InvoiceFilter{}, uuid.Nil, 10); len(page.Items) != 0 {
		t.Fatalf("the preview published %d invoices", len(page.Items))
	}
	key := regexp.MustCompile(`name="key" value="([^"]+)"`).FindStringSubmatch(r.Body)[1]
	prog := regexp.MustCompile(`name="program" value="([^"]+)"`).FindStringSubmatch(r.Body)[1]
	var batches []string
	for i := 0; i < 2; i++ {
		body, ct := multipartBody(t, map[string]string{"csrf": tok, "key": key, "program": prog, "csv": csv}, "")
		req, _ := http.NewRequest(http.MethodPost, e.Base+"/upload/publish", body)
		req.Header.Set("Content-Type", ct)
		r := c.do(req)
		if r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Location, "/batches/") {
			t.Fatalf("publish %d: %d %s", i, r.Status, r.Body)
		}
		batches = append(batches, r.Location)
	}
	if batches[0] != batches[1] {
		t.Fatalf("a double submit made two batches: %v", batches)
	}
	page, _ := e.S.App.Invoicing.ListInvoices(context.Background(), e.buyer(), invoicing.InvoiceFilter{}, uuid.Nil, 10)
	if len(page.Items) != 1 || page.Items[0].DocumentNumber != "F-1" {
		t.Fatalf("published: %+v", page.Items)
	}
	if r := c.get(batches[0]); r.Status != http.StatusOK || !strings.Contains(r.Body, "El vencimiento ya pasó") {
		t.Fatalf("batch page: %d", r.Status)
	}
}

// Every signed-in page of every role renders (200) in both languages.
func TestEveryPageRenders(t *testing.T) {
	t.Parallel()
	e := start(t)
	inv := e.publish(e.Demo.Suppliers[0].Party.TaxID, "F-ALL", "1234567.89", 45)
	pages := map[string][]string{
		e.Demo.Suppliers[0].Email: {"/invoices", "/invoices?status=published", "/invoices/" + inv.ID.String()},
		e.Demo.Buyer.Email: {"/dashboard", "/invoices", "/invoices/" + inv.ID.String(), "/upload", "/programs",
			"/programs/" + e.Demo.Program.ID.String()},
		e.Demo.Lenders[0].Email: {"/programs", "/programs/" + e.Demo.Program.ID.String(), "/invoices", "/invoices/" + inv.ID.String()},
		e.Demo.Operator.Email: {"/parties", "/parties?kind=supplier", "/parties/new", "/parties/" + e.Demo.Buyer.Party.ID.String(),
			"/programs", "/programs/" + e.Demo.Program.ID.String(), "/invoices", "/rates", "/rates?index=TIIE_28", "/holidays",
			"/holidays?calendar=CO&year=2027", "/dashboard"},
	}
	e.everyPageInBothLanguages(t, pages, func(email, p, _ string, r resp) {
		if strings.Contains(r.Body, "1234567.89") && !strings.Contains(r.Body, "1,234,567.89 MXN") {
			t.Errorf("%s %s: amount not formatted", email, p)
		}
	})
}

// everyPageInBothLanguages logs each email in, and in Spanish then English
// fetches its pages: each must answer 200 in that language, then pass check.
func (e *env) everyPageInBothLanguages(t *testing.T, pages map[string][]string, check func(email, path, lang string, r resp)) {
	t.Helper()
	for email, paths := range pages {
		c := e.client()
		c.login(email)
		for _, lang := range []string{"es", "en"} {
			tok := c.csrf("/invoices")
			if r := c.post("/lang", url.Values{"csrf": {tok}, "lang": {lang}, "next": {"/"}}); r.Status != http.StatusSeeOther {
				t.Fatalf("lang: %d", r.Status)
			}
			for _, p := range paths {
				r := c.get(p)
				if r.Status != http.StatusOK || !strings.Contains(r.Body, `<html lang="`+lang+`">`) {
					t.Errorf("%s %s (%s): %d", email, p, lang, r.Status)
				}
				check(email, p, lang, r)
			}
		}
	}
}
