package natsauth

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/cadena-finance/cadena/internal/platform/natstest"
	"github.com/cadena-finance/cadena/internal/platform/natsx"
	"github.com/cadena-finance/cadena/internal/platform/waittest"
)

// Lender ids as the platform uses them: party UUIDs.
const (
	lenderA = "0190a1b2-0000-7000-8000-00000000000a"
	lenderB = "0190a1b2-0000-7000-8000-00000000000b"
)

// env is an operator-mode server with the CADENA stream, the platform's
// connection and both lenders' consumers.
type env struct {
	srv   *server.Server
	trust *Trust
	nc    *nats.Conn
	js    jetstream.JetStream
}

func start(t *testing.T) *env {
	t.Helper()
	tr, err := LoadOrCreate(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	opts := &server.Options{}
	tr.ServerOptions(opts)
	e := &env{srv: natstest.StartWith(t, opts), trust: tr}
	creds, err := tr.PlatformCreds()
	if err != nil {
		t.Fatal(err)
	}
	opt, err := ConnectOption(creds)
	if err != nil {
		t.Fatal(err)
	}
	if e.nc, err = natsx.Connect(e.srv.ClientURL(), "platform", "", opt); err != nil {
		t.Fatalf("platform connects: %v", err)
	}
	t.Cleanup(e.nc.Close)
	if e.js, err = jetstream.New(e.nc); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := natsx.EnsureStreams(ctx, e.js); err != nil {
		t.Fatalf("platform declares streams: %v", err)
	}
	for _, id := range []string{lenderA, lenderB} {
		if _, err := EnsureLenderConsumer(ctx, e.js, id); err != nil {
			t.Fatal(err)
		}
	}
	return e
}

// lender is one bank's connection, made the way docs/nats.md tells banks to:
// a creds file and the custom inbox prefix. Async errors land in errs.
type lender struct {
	nc   *nats.Conn
	errs chan error
}

func (e *env) connectLender(t *testing.T, id string, ttl time.Duration) (*lender, error) {
	t.Helper()
	creds, err := e.trust.LenderCreds(id, ttl)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "lender.creds")
	if err := os.WriteFile(path, creds, 0o600); err != nil {
		t.Fatal(err)
	}
	l := &lender{errs: make(chan error, 16)}
	l.nc, err = nats.Connect(e.srv.ClientURL(), nats.UserCredentials(path), nats.CustomInboxPrefix(InboxPrefix(id)),
		nats.PermissionErrOnSubscribe(true), nats.MaxReconnects(0),
		nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) {
			select {
			case l.errs <- err:
			default:
			}
		}))
	if err != nil {
		return nil, err
	}
	t.Cleanup(l.nc.Close)
	return l, nil
}

func (e *env) lender(t *testing.T, id string) *lender {
	t.Helper()
	l, err := e.connectLender(t, id, time.Hour)
	if err != nil {
		t.Fatalf("lender %s connects: %v", id, err)
	}
	return l
}

// refused waits for the server's permissions violation for subject (or a
// subject that starts with it, as consumer creation appends the filter).
func (l *lender) refused(t *testing.T, subject string) {
	t.Helper()
	timeout := time.After(waittest.Deadline)
	for {
		select {
		case err := <-l.errs:
			if errors.Is(err, nats.ErrPermissionViolation) && strings.Contains(err.Error(), `"`+subject) {
				return
			}
		case <-timeout:
			t.Fatalf("no permissions violation for %s", subject)
		}
	}
}

func TestLenderSubscribesOnlyToItsOwnSubjects(t *testing.T) {
	t.Parallel()
	e := start(t)
	a := e.lender(t, lenderA)

	own, err := a.nc.SubscribeSync(LenderFilter(lenderA))
	if err != nil {
		t.Fatal(err)
	}
	other, err := a.nc.SubscribeSync(LenderFilter(lenderB))
	if err != nil {
		t.Fatal(err)
	}
	a.refused(t, LenderFilter(lenderB))
	if _, err := other.NextMsg(waittest.Deadline); !errors.Is(err, nats.ErrPermissionViolation) {
		t.Fatalf("subscription to B's subjects: %v, want a permissions violation", err)
	}
	// Neither a wider wildcard nor the platform's event subjects are open to A.
	for _, subj := range []string{"cadena.lender.*.auction.opened", "cadena.>", "cadena.invoice.published", "_INBOX.>"} {
		if _, err := a.nc.SubscribeSync(subj); err != nil {
			t.Fatal(err)
		}
		a.refused(t, subj)
	}

	if err := e.nc.Publish(LenderSubject(lenderB, "auction.opened"), []byte("for B")); err != nil {
		t.Fatal(err)
	}
	if err := e.nc.Publish(LenderSubject(lenderA, "auction.opened"), []byte("for A")); err != nil {
		t.Fatal(err)
	}
	m, err := own.NextMsg(waittest.Deadline)
	if err != nil || string(m.Data) != "for A" || m.Subject != LenderSubject(lenderA, "auction.opened") {
		t.Fatalf("A got %v, %v; want its own notice", m, err)
	}
	if m, err := own.NextMsg(200 * time.Millisecond); err == nil {
		t.Fatalf("A received %s on %s", m.Data, m.Subject)
	}
}

func TestLenderBidsOnlyAsItself(t *testing.T) {
	t.Parallel()
	e := start(t)
	// The platform's bid service: the subject names the bidder.
	_, err := e.nc.Subscribe(BidSubjects, func(m *nats.Msg) {
		id, ok := LenderOfBid(m.Subject)
		if !ok {
			return
		}
		_ = m.Respond([]byte("bid received from " + id + ": " + string(m.Data)))
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.nc.Flush(); err != nil {
		t.Fatal(err)
	}
	a := e.lender(t, lenderA)

	r, err := a.nc.Request(BidSubject(lenderA), []byte("5.10%"), waittest.Deadline)
	if err != nil {
		t.Fatalf("A bids: %v", err)
	}
	if want := "bid received from " + lenderA + ": 5.10%"; string(r.Data) != want {
		t.Fatalf("reply %q, want %q", r.Data, want)
	}

	bidsAsB, err := e.nc.SubscribeSync(BidSubject(lenderB))
	if err != nil {
		t.Fatal(err)
	}
	if err := e.nc.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := a.nc.Publish(BidSubject(lenderB), []byte("as B")); err != nil {
		t.Fatal(err)
	}
	a.refused(t, BidSubject(lenderB))
	if _, err := a.nc.Request(BidSubject(lenderB), []byte("as B"), 300*time.Millisecond); err == nil {
		t.Fatal("A's request as B was answered")
	}
	if m, err := bidsAsB.NextMsg(200 * time.Millisecond); err == nil {
		t.Fatalf("a bid reached B's subject: %q", m.Data)
	}
	// A may not publish into the event stream or to another lender either.
	for _, subj := range []string{LenderSubject(lenderB, "auction.opened"), "cadena.invoice.published", "$JS.API.STREAM.DELETE.CADENA"} {
		if err := a.nc.Publish(subj, nil); err != nil {
			t.Fatal(err)
		}
		a.refused(t, subj)
	}
}

// Bids must stay out of the event stream: JetStream would answer a request
// on a stream subject with its publish ack, racing the platform's reply.
func TestBidSubjectsStayOutOfTheEventStream(t *testing.T) {
	t.Parallel()
	e := start(t)
	info, err := e.js.Stream(context.Background(), natsx.EventsStream)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range info.CachedInfo().Config.Subjects {
		if server.SubjectsCollide(s, BidSubjects) {
			t.Fatalf("stream subject %s captures bids %s", s, BidSubjects)
		}
		if !server.SubjectsCollide(s, LenderFilter(lenderA)) {
			t.Fatalf("stream subjects %s miss lender subjects", s)
		}
	}
}

func TestLenderPullsOnlyItsOwnConsumer(t *testing.T) {
	t.Parallel()
	e := start(t)
	ctx := context.Background()
	for _, id := range []string{lenderA, lenderB} {
		if _, err := e.js.Publish(ctx, LenderSubject(id, "financing.funded"), []byte("for "+id)); err != nil {
			t.Fatal(err)
		}
	}
	a := e.lender(t, lenderA)
	js, err := jetstream.NewWithAPIPrefix(a.nc, LenderAPIPrefix)
	if err != nil {
		t.Fatal(err)
	}

	cons, err := js.Consumer(ctx, natsx.EventsStream, ConsumerName(lenderA))
	if err != nil {
		t.Fatalf("A looks up its consumer: %v", err)
	}
	// One message: a larger batch would wait out the whole expiry. That A
	// has nothing else pending is checked after the ack.
	batch, err := cons.Fetch(1, jetstream.FetchMaxWait(waittest.Deadline))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for m := range batch.Messages() {
		got = append(got, string(m.Data()))
		if err := m.DoubleAck(ctx); err != nil {
			t.Fatalf("A acks: %v", err)
		}
	}
	if batch.Error() != nil || len(got) != 1 || got[0] != "for "+lenderA {
		t.Fatalf("A pulled %q (%v), want only its own event", got, batch.Error())
	}
	// The ack stuck: the durable consumer has nothing pending for A.
	ci, err := cons.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if ci.NumAckPending != 0 || ci.NumPending != 0 || ci.AckFloor.Stream == 0 {
		t.Fatalf("after ack: pending %d, ack pending %d, ack floor %d", ci.NumPending, ci.NumAckPending, ci.AckFloor.Stream)
	}

	// The long-running form banks use: a continuous pull with heartbeats.
	got2 := make(chan string, 1)
	cc, err := cons.Consume(func(m jetstream.Msg) {
		_ = m.Ack()
		got2 <- string(m.Data())
	}, jetstream.PullHeartbeat(time.Second), jetstream.PullExpiry(3*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.js.Publish(ctx, LenderSubject(lenderA, "auction.opened"), []byte("next for A")); err != nil {
		t.Fatal(err)
	}
	if m := waittest.Receive(t, "the continuous pull's message", got2); m != "next for A" {
		t.Fatalf("consumed %q", m)
	}
	cc.Stop()

	// A cannot ack for B.
	forged := "$JS.ACK.CADENA." + ConsumerName(lenderB) + ".1.2.1.0.0"
	if err := a.nc.Publish(forged, nil); err != nil {
		t.Fatal(err)
	}
	a.refused(t, forged)

	short := func() (context.Context, context.CancelFunc) { return context.WithTimeout(ctx, 500*time.Millisecond) }
	bctx, cancel := short()
	defer cancel()
	if _, err := js.Consumer(bctx, natsx.EventsStream, ConsumerName(lenderB)); err == nil {
		t.Fatal("A read B's consumer")
	}
	a.refused(t, LenderAPIPrefix+".CONSUMER.INFO.CADENA."+ConsumerName(lenderB))

	cctx, cancel2 := short()
	defer cancel2()
	if _, err := js.CreateOrUpdateConsumer(cctx, natsx.EventsStream, jetstream.ConsumerConfig{Durable: "spy", FilterSubject: "cadena.>"}); err == nil {
		t.Fatal("A created a consumer")
	}
	a.refused(t, LenderAPIPrefix+".CONSUMER.CREATE.CADENA.spy")

	// Every other API call is refused, under the lenders' prefix or the plain one.
	for _, prefix := range []string{LenderAPIPrefix, "$JS.API"} {
		for _, call := range []struct{ subj, body string }{
			{".CONSUMER.MSG.NEXT.CADENA." + ConsumerName(lenderB), `{"batch":1,"no_wait":true}`},
			{".CONSUMER.INFO.CADENA." + ConsumerName(lenderB), ""},
			{".CONSUMER.DELETE.CADENA." + ConsumerName(lenderB), ""},
			{".STREAM.MSG.GET.CADENA", `{"seq":2}`},
			{".DIRECT.GET.CADENA", `{"seq":2}`},
			{".STREAM.INFO.CADENA", ""},
			{".STREAM.PURGE.CADENA", ""},
			{".STREAM.DELETE.CADENA", ""},
		} {
			if err := a.nc.PublishRequest(prefix+call.subj, a.nc.NewRespInbox(), []byte(call.body)); err != nil {
				t.Fatal(err)
			}
			a.refused(t, prefix+call.subj)
		}
	}
	// Nor does the plain prefix reach A's own consumer: lenders have no JetStream of their own.
	if m, err := a.nc.Request("$JS.API.CONSUMER.MSG.NEXT.CADENA."+ConsumerName(lenderA), []byte(`{"batch":1,"no_wait":true}`), 300*time.Millisecond); err == nil {
		t.Fatalf("plain API prefix answered: %q", m.Data)
	}
	// B's event is still waiting for B.
	bi, err := e.js.Consumer(ctx, natsx.EventsStream, ConsumerName(lenderB))
	if err != nil {
		t.Fatal(err)
	}
	if bi.CachedInfo().NumPending != 1 {
		t.Fatalf("B's consumer has %d pending, want 1", bi.CachedInfo().NumPending)
	}
}

func TestAnonymousConnectionsAreRefused(t *testing.T) {
	t.Parallel()
	e := start(t)
	nc, err := nats.Connect(e.srv.ClientURL(), nats.MaxReconnects(0))
	if err == nil {
		nc.Close()
		t.Fatal("anonymous connection accepted")
	}
	if !errors.Is(err, nats.ErrAuthorization) {
		t.Fatalf("anonymous connection: %v, want an authorization violation", err)
	}
	// Credentials signed by another operator's keys are refused too.
	other, err := LoadOrCreate(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	creds, _ := other.LenderCreds(lenderA, time.Hour)
	opt, _ := ConnectOption(creds)
	if nc, err := nats.Connect(e.srv.ClientURL(), opt, nats.MaxReconnects(0)); err == nil {
		nc.Close()
		t.Fatal("foreign credentials accepted")
	}
}

func TestExpiredLenderCredsAreRefused(t *testing.T) {
	t.Parallel()
	e := start(t)
	e.trust.now = func() time.Time { return time.Now().Add(-2 * time.Hour) }
	_, err := e.connectLender(t, lenderA, time.Hour)
	e.trust.now = time.Now
	if err == nil {
		t.Fatal("expired credentials accepted")
	}
	if !errors.Is(err, nats.ErrAuthExpired) && !errors.Is(err, nats.ErrAuthorization) {
		t.Fatalf("expired credentials: %v", err)
	}
	if _, err := e.trust.LenderCreds(lenderA, 0); err == nil {
		t.Fatal("lender credentials without expiry issued")
	}
}

// The server closes a lender's connection when its credentials expire.
func TestLenderIsDisconnectedAtExpiry(t *testing.T) {
	t.Parallel()
	e := start(t)
	// Long enough to connect on a busy machine (the expiry is in whole
	// seconds), short enough to wait for.
	a, err := e.connectLender(t, lenderA, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	waittest.Until(t, "the disconnection at the credentials' expiry", func() bool { return !a.nc.IsConnected() })
}

func TestPlatformHasTheWholeAccount(t *testing.T) {
	t.Parallel()
	e := start(t) // start already declared the stream and consumers with it
	ctx := context.Background()
	for _, subj := range []string{"cadena.invoice.published", LenderSubject(lenderB, "auction.opened"), "cadena.anything.at.all"} {
		if _, err := e.js.Publish(ctx, subj, []byte("{}")); err != nil {
			t.Fatalf("platform publishes %s: %v", subj, err)
		}
	}
	if _, err := e.js.CreateOrUpdateConsumer(ctx, natsx.EventsStream, jetstream.ConsumerConfig{Durable: "reader", AckPolicy: jetstream.AckExplicitPolicy}); err != nil {
		t.Fatalf("platform creates a consumer: %v", err)
	}
	if _, err := e.js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{Name: "SCRATCH", Subjects: []string{"scratch.>"}}); err != nil {
		t.Fatalf("platform creates a stream: %v", err)
	}
	// EnsureLenderConsumer is idempotent.
	c, err := EnsureLenderConsumer(ctx, e.js, lenderA)
	if err != nil {
		t.Fatal(err)
	}
	cfg := c.CachedInfo().Config
	if cfg.FilterSubject != "cadena.lender."+lenderA+".>" || cfg.AckPolicy != jetstream.AckExplicitPolicy || cfg.Durable != "lender_"+lenderA {
		t.Fatalf("consumer config %+v", cfg)
	}
	if _, err := EnsureLenderConsumer(ctx, e.js, "a.b"); !errors.Is(err, ErrInvalidLenderID) {
		t.Fatalf("consumer for a.b: %v", err)
	}
}

// Keys survive a restart: credentials issued before it still work after, and
// the seed files are private.
func TestLoadOrCreateKeepsKeys(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	first, err := LoadOrCreate(dir)
	if err != nil {
		t.Fatal(err)
	}
	creds, err := first.LenderCreds(lenderA, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	again, err := LoadOrCreate(dir)
	if err != nil {
		t.Fatal(err)
	}
	if again.AccountPublicKey() != first.AccountPublicKey() {
		t.Fatal("account key changed on reload")
	}
	opts := &server.Options{}
	again.ServerOptions(opts)
	s := natstest.StartWith(t, opts)
	opt, _ := ConnectOption(creds)
	nc, err := nats.Connect(s.ClientURL(), opt)
	if err != nil {
		t.Fatalf("credentials from before the reload: %v", err)
	}
	nc.Close()

	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 6 {
		t.Fatalf("%d files in the key folder, want 6", len(entries))
	}
	for _, en := range entries {
		fi, err := en.Info()
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Fatalf("%s has mode %v", en.Name(), fi.Mode().Perm())
		}
	}
	if err := os.WriteFile(filepath.Join(dir, operatorFile), []byte("not a seed\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadOrCreate(dir); err == nil {
		t.Fatal("a corrupt seed was accepted")
	}
}

// An external server configured only with ServerConfig's fragment trusts the
// platform and the lenders, as `cadena nats-config` promises.
func TestServerConfigTrustsPlatformAndLenders(t *testing.T) {
	t.Parallel()
	tr, err := LoadOrCreate(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	conf := filepath.Join(t.TempDir(), "nats-server.conf")
	frag := filepath.Join(filepath.Dir(conf), "cadena.conf")
	if err := os.WriteFile(frag, []byte(tr.ServerConfig()), 0o600); err != nil {
		t.Fatal(err)
	}
	main := "listen: 127.0.0.1:-1\njetstream { store_dir: " + `"` + t.TempDir() + `"` + " }\ninclude ./cadena.conf\n"
	if err := os.WriteFile(conf, []byte(main), 0o600); err != nil {
		t.Fatal(err)
	}
	opts, err := server.ProcessConfigFile(conf)
	if err != nil {
		t.Fatalf("config fragment: %v\n%s", err, tr.ServerConfig())
	}
	s := natstest.StartWith(t, opts)

	creds, _ := tr.PlatformCreds()
	opt, _ := ConnectOption(creds)
	nc, err := nats.Connect(s.ClientURL(), opt)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, _ := jetstream.New(nc)
	if err := natsx.EnsureStreams(context.Background(), js); err != nil {
		t.Fatalf("platform on the external server: %v", err)
	}
	lc, _ := tr.LenderCreds(lenderA, time.Hour)
	lopt, _ := ConnectOption(lc)
	ln, err := nats.Connect(s.ClientURL(), lopt, nats.CustomInboxPrefix(InboxPrefix(lenderA)))
	if err != nil {
		t.Fatalf("lender on the external server: %v", err)
	}
	ln.Close()
	if nc, err := nats.Connect(s.ClientURL(), nats.MaxReconnects(0)); err == nil {
		nc.Close()
		t.Fatal("external server accepts anonymous connections")
	}
}

func TestLenderIDs(t *testing.T) {
	t.Parallel()
	for _, id := range []string{lenderA, "BANCO_1", "x"} {
		if err := ValidLenderID(id); err != nil {
			t.Errorf("%q: %v", id, err)
		}
	}
	for _, id := range []string{"", "a.b", "*", ">", "a b", "a\tb", strings.Repeat("x", 65), "ñ"} {
		if _, err := (&Trust{}).LenderCreds(id, time.Hour); !errors.Is(err, ErrInvalidLenderID) {
			t.Errorf("%q accepted: %v", id, err)
		}
	}
	if id, ok := LenderOfBid(BidSubject(lenderA)); !ok || id != lenderA {
		t.Errorf("LenderOfBid = %q, %v", id, ok)
	}
	if _, ok := LenderOfBid("cadena-rpc.bid.a.b"); ok {
		t.Error("a two-token id was taken for a lender")
	}
}

// The server does not check reply subjects against permissions, and inside
// the stream's account an answer sent to $JS.API.STREAM.DELETE.CADENA is an
// API call that deletes the stream. Lenders live in their own account, so
// every answer to them is mapped back there, where it reaches neither the
// stream, its API nor another lender's consumer.
func TestRedirectedRepliesStayInTheLendersAccount(t *testing.T) {
	t.Parallel()
	e := start(t)
	ctx := context.Background()
	for _, id := range []string{lenderA, lenderB} {
		if _, err := e.js.Publish(ctx, LenderSubject(id, "auction.opened"), []byte(`{}`), jetstream.WithMsgID("evt-"+id)); err != nil {
			t.Fatal(err)
		}
	}
	// B has received its notice and not acked it yet: the ack subject is known.
	b := e.lender(t, lenderB)
	bjs, _ := jetstream.NewWithAPIPrefix(b.nc, LenderAPIPrefix)
	bcons, err := bjs.Consumer(ctx, natsx.EventsStream, ConsumerName(lenderB))
	if err != nil {
		t.Fatal(err)
	}
	bbatch, err := bcons.Fetch(1, jetstream.FetchMaxWait(waittest.Deadline))
	if err != nil {
		t.Fatal(err)
	}
	var bAck string
	for m := range bbatch.Messages() {
		bAck = m.Reply()
	}
	if bAck == "" {
		t.Fatal("B got no notice")
	}

	live, err := b.nc.SubscribeSync(LenderFilter(lenderB))
	if err != nil {
		t.Fatal(err)
	}
	if err := b.nc.Flush(); err != nil {
		t.Fatal(err)
	}

	a := e.lender(t, lenderA)
	ajs, _ := jetstream.NewWithAPIPrefix(a.nc, LenderAPIPrefix)
	acons, err := ajs.Consumer(ctx, natsx.EventsStream, ConsumerName(lenderA))
	if err != nil {
		t.Fatal(err)
	}
	abatch, err := acons.Fetch(1, jetstream.FetchMaxWait(waittest.Deadline))
	if err != nil {
		t.Fatal(err)
	}
	var aAck string
	for m := range abatch.Messages() {
		aAck = m.Reply()
	}
	consumer := "CADENA." + ConsumerName(lenderA)
	next, info := LenderAPIPrefix+".CONSUMER.MSG.NEXT."+consumer, LenderAPIPrefix+".CONSUMER.INFO."+consumer
	empty := `{"batch":1,"no_wait":true}`
	for _, reply := range []string{
		"$JS.API.STREAM.DELETE.CADENA", "$JS.API.STREAM.PURGE.CADENA",
		"$JS.API.CONSUMER.DELETE.CADENA." + ConsumerName(lenderB), bAck,
		LenderSubject(lenderB, "auction.closed"), "cadena.invoice.published",
	} {
		for _, req := range []struct{ subj, body string }{{next, empty}, {info, ""}, {aAck, ""}} {
			if err := a.nc.PublishRequest(req.subj, reply, []byte(req.body)); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := a.nc.Flush(); err != nil {
		t.Fatal(err)
	}
	// No sleep: A's own calls on the same paths, answered, mean the server
	// has handled the redirected ones sent before them on A's connection.
	if _, err := acons.Info(ctx); err != nil {
		t.Fatal(err)
	}
	nb, err := acons.FetchNoWait(1)
	if err != nil {
		t.Fatal(err)
	}
	for range nb.Messages() {
	}

	s, err := e.js.Stream(ctx, natsx.EventsStream)
	if err != nil {
		t.Fatalf("stream after redirected replies: %v", err)
	}
	if n := s.CachedInfo().State.Msgs; n != 2 {
		t.Fatalf("stream holds %d messages, want the 2 events", n)
	}
	bi, err := e.js.Consumer(ctx, natsx.EventsStream, ConsumerName(lenderB))
	if err != nil {
		t.Fatalf("B's consumer: %v", err)
	}
	if bi.CachedInfo().NumAckPending != 1 {
		t.Fatalf("B's notice was acked by someone else: ack pending %d", bi.CachedInfo().NumAckPending)
	}
	// What A can push onto B's live subject is never an event: events carry
	// the Nats-Msg-Id the relay sets, redirected answers do not.
	for {
		m, err := live.NextMsg(100 * time.Millisecond)
		if err != nil {
			break
		}
		if id := m.Header.Get(jetstream.MsgIDHeader); id != "" {
			t.Fatalf("redirected answer on %s carries message id %q", m.Subject, id)
		}
	}
}
