package natsauth

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/nats-io/jwt/v2"

	"github.com/cadena-finance/cadena/internal/platform/natsx"
)

// Subject layout of the lender-facing part of NATS. docs/nats.md explains it
// for banks; the permissions in LenderCreds are built from these functions
// only, so the two cannot drift apart.
const (
	// lenderPrefix holds everything the platform tells one lender: auction
	// notices for the programs it is enrolled in and its financing events.
	// They are under cadena.> so the CADENA stream keeps them for the
	// lender's durable consumer.
	lenderPrefix = "cadena.lender."
	// bidPrefix is deliberately outside cadena.>: a bid is a request, and a
	// request on a stream subject is answered by JetStream's publish ack,
	// which would race the platform's reply (and let lenders write into the
	// event stream).
	bidPrefix = "cadena-rpc.bid."
	// ConsumerPrefix names each lender's durable pull consumer.
	ConsumerPrefix = "lender_"
	// LenderAPIPrefix is the JetStream API prefix lenders use
	// (jetstream.NewWithAPIPrefix, or domain "CADENA"): the lenders' account
	// imports the CADENA account's API under it, apart from its own $JS.API.
	LenderAPIPrefix = "$JS.CADENA.API"
)

// ErrInvalidLenderID is returned for an id that cannot be one subject token.
var ErrInvalidLenderID = errors.New("natsauth: lender id must be 1-64 letters, digits, '-' or '_'")

// A lender id becomes a subject token and part of a consumer name, so it may
// hold no '.', wildcard or whitespace. Party ids (UUIDs) fit.
var lenderIDPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// ValidLenderID reports whether id can name a lender's subjects.
func ValidLenderID(id string) error {
	if !lenderIDPattern.MatchString(id) {
		return fmt.Errorf("%w: %q", ErrInvalidLenderID, id)
	}
	return nil
}

// LenderSubject is where the platform publishes to one lender, e.g.
// LenderSubject(id, "auction.opened") = cadena.lender.<id>.auction.opened.
func LenderSubject(lenderID, event string) string {
	return lenderPrefix + lenderID + "." + event
}

// LenderFilter matches every subject of one lender: cadena.lender.<id>.>.
func LenderFilter(lenderID string) string { return lenderPrefix + lenderID + ".>" }

// BidSubject is where a lender sends its bids as requests: cadena-rpc.bid.<id>.
func BidSubject(lenderID string) string { return bidPrefix + lenderID }

// BidSubjects is what the platform's bid service subscribes to.
const BidSubjects = bidPrefix + "*"

// LenderOfBid returns the lender a bid subject belongs to. The server only
// lets a lender publish on its own, so the subject authenticates the bidder.
func LenderOfBid(subject string) (string, bool) {
	id, ok := strings.CutPrefix(subject, bidPrefix)
	return id, ok && ValidLenderID(id) == nil
}

// InboxPrefix is the inbox prefix a lender's client must use
// (nats.CustomInboxPrefix); it may subscribe to nothing else for replies.
func InboxPrefix(lenderID string) string { return "_INBOX." + lenderID }

// ConsumerName is the lender's durable pull consumer on the CADENA stream.
func ConsumerName(lenderID string) string { return ConsumerPrefix + lenderID }

// lenderPermissions lists what a lender may publish and subscribe to.
func lenderPermissions(lenderID string) (pub, sub []string) {
	consumer := natsx.EventsStream + "." + ConsumerName(lenderID)
	pub = []string{
		BidSubject(lenderID),
		LenderAPIPrefix + ".CONSUMER.INFO." + consumer,
		LenderAPIPrefix + ".CONSUMER.MSG.NEXT." + consumer,
		"$JS.ACK." + consumer + ".>",
	}
	sub = []string{LenderFilter(lenderID), InboxPrefix(lenderID) + ".>"}
	return pub, sub
}

// pullThreshold bounds a lender's pull request (its expiry); see docs/nats.md.
const pullThreshold = 5 * time.Minute

// Lenders live in their own account because JetStream answers a request on
// whatever reply subject it names, unchecked by permissions, and inside the
// stream's account that answer can itself be a JetStream API call: a pull
// with reply $JS.API.STREAM.DELETE.CADENA deletes the stream. Across an
// import, replies are mapped back into the requester's account, where only
// these subjects lead anywhere.
func lenderExports() []*jwt.Export {
	js := "$JS.API.CONSUMER."
	return []*jwt.Export{
		{Name: "lender notices", Subject: jwt.Subject(lenderPrefix + ">"), Type: jwt.Stream},
		{Name: "lender consumer info", Subject: jwt.Subject(js + "INFO." + natsx.EventsStream + ".*"), Type: jwt.Service},
		// A pull answers with up to a batch of messages, for as long as the
		// pull lasts; messages after the threshold are redelivered later.
		{Name: "lender pulls", Subject: jwt.Subject(js + "MSG.NEXT." + natsx.EventsStream + ".*"), Type: jwt.Service,
			ResponseType: jwt.ResponseTypeStream, ResponseThreshold: pullThreshold},
		{Name: "lender acks", Subject: jwt.Subject("$JS.ACK." + natsx.EventsStream + ".*.>"), Type: jwt.Service},
		{Name: "bids", Subject: jwt.Subject(BidSubjects), Type: jwt.Service},
	}
}

// lenderImports takes every export of the CADENA account into the lenders'
// account, the JetStream API under LenderAPIPrefix (the account's own
// $JS.API would answer "JetStream not enabled" first); user permissions then
// narrow each lender to its own.
func lenderImports(accountPub string) []*jwt.Import {
	var imports []*jwt.Import
	for _, e := range lenderExports() {
		imp := &jwt.Import{Name: e.Name, Subject: e.Subject, Account: accountPub, Type: e.Type}
		if rest, ok := strings.CutPrefix(string(e.Subject), "$JS.API."); ok {
			imp.LocalSubject = jwt.RenamingSubject(LenderAPIPrefix + "." + rest)
		}
		imports = append(imports, imp)
	}
	return imports
}
