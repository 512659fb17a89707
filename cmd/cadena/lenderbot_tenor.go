package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"

	"github.com/cadena-finance/cadena/internal/offer"
)

// errRetry marks a failure worth another try (network, 5xx): the event is
// redelivered rather than recorded as processed.
var errRetry = errors.New("temporary")

// parseSpreads reads --spreads, "max-days:bps" pairs separated by commas, and
// holds them to the rules of a standing offer's buckets (ascending, 1..366
// days, no negative spread), so the bot and the platform agree on them.
func parseSpreads(s string) ([]offer.Bucket, error) {
	var buckets []offer.Bucket
	for _, pair := range strings.Split(s, ",") {
		days, bps, ok := strings.Cut(strings.TrimSpace(pair), ":")
		d, err1 := strconv.Atoi(days)
		b, err2 := strconv.Atoi(bps)
		if !ok || err1 != nil || err2 != nil {
			return nil, fmt.Errorf("lender-bot: --spreads %q: %q is not max-days:bps (e.g. --spreads 30:320,60:300,90:290,180:280)", s, pair)
		}
		buckets = append(buckets, offer.Bucket{MaxDays: d, SpreadBps: b})
	}
	// The cap is checked per auction, against the cap the event carries.
	if _, err := offer.NewStanding(uuid.Nil, uuid.Nil, buckets, time.Time{}, time.Time{}, math.MaxInt, time.Now()); err != nil {
		return nil, fmt.Errorf("lender-bot: --spreads %q: %v", s, err)
	}
	return buckets, nil
}

// tenorSource reads an auction's invoices over HTTP with the lender's API
// client, for older cadena.auction.opened events that carry no invoices.
type tenorSource struct {
	api, clientID, secret string
	hc                    *http.Client
	token                 string
	expires               time.Time
}

// basketInvoice is what the tenor rule needs of an invoice.
type basketInvoice struct {
	payable decimal.Decimal
	days    int // from the value date
}

// eventBasket reads the invoices the event carries, with the days to maturity
// as the platform prices them.
func eventBasket(invs []openedInvoice) ([]basketInvoice, error) {
	out := make([]basketInvoice, len(invs))
	for i, inv := range invs {
		payable, err := decimal.NewFromString(inv.Payable)
		if err != nil {
			return nil, fmt.Errorf("invoice %s: payable: %w", inv.InvoiceID, err)
		}
		out[i] = basketInvoice{payable: payable, days: inv.Days}
	}
	return out, nil
}

// basket returns the auction's invoices as the lender may see them, with the
// calendar days from the value date to each due date (no business-day move:
// the bot has no calendar).
func (t *tenorSource) basket(ctx context.Context, auctionID string, value time.Time) ([]basketInvoice, error) {
	var au struct {
		InvoiceIDs []string `json:"invoice_ids"`
	}
	if err := t.get(ctx, "/v1/auctions/"+url.PathEscape(auctionID), &au); err != nil {
		return nil, err
	}
	out := make([]basketInvoice, len(au.InvoiceIDs))
	for i, id := range au.InvoiceIDs {
		var r struct {
			Invoice struct {
				DueDate *string `json:"due_date"`
				Payable string  `json:"payable_amount"`
			} `json:"invoice"`
		}
		if err := t.get(ctx, "/v1/invoices/"+url.PathEscape(id), &r); err != nil {
			return nil, err
		}
		if r.Invoice.DueDate == nil {
			return nil, fmt.Errorf("invoice %s has no due date", id)
		}
		due, err1 := time.Parse(time.DateOnly, *r.Invoice.DueDate)
		payable, err2 := decimal.NewFromString(r.Invoice.Payable)
		if err := errors.Join(err1, err2); err != nil {
			return nil, fmt.Errorf("invoice %s: %w", id, err)
		}
		out[i] = basketInvoice{payable: payable, days: int(due.Sub(value).Hours() / 24)}
	}
	return out, nil
}

func (t *tenorSource) get(ctx context.Context, path string, out any) error {
	if t.token == "" || time.Until(t.expires) < time.Minute {
		body, _ := json.Marshal(map[string]string{"grant_type": "client_credentials", "client_id": t.clientID, "client_secret": t.secret})
		var tok struct {
			AccessToken string `json:"access_token"`
			ExpiresIn   int    `json:"expires_in"`
		}
		if err := t.do(ctx, http.MethodPost, "/v1/auth/token", bytes.NewReader(body), &tok); err != nil {
			return err
		}
		t.token, t.expires = tok.AccessToken, time.Now().Add(time.Duration(tok.ExpiresIn)*time.Second)
	}
	return t.do(ctx, http.MethodGet, path, nil, out)
}

func (t *tenorSource) do(ctx context.Context, method, path string, body io.Reader, out any) error {
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimRight(t.api, "/")+path, body)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	if t.token != "" && method == http.MethodGet {
		req.Header.Set("Authorization", "Bearer "+t.token)
	}
	res, err := t.hc.Do(req)
	if err != nil {
		return fmt.Errorf("%w: %s %s: %v", errRetry, method, path, err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	switch {
	case res.StatusCode >= 500 || res.StatusCode == http.StatusTooManyRequests:
		return fmt.Errorf("%w: %s %s: %d", errRetry, method, path, res.StatusCode)
	case res.StatusCode == http.StatusUnauthorized:
		t.token = "" // a new one next time
		return fmt.Errorf("%w: %s %s: 401", errRetry, method, path)
	case res.StatusCode >= 300:
		return fmt.Errorf("%s %s: %d %.200s", method, path, res.StatusCode, raw)
	}
	return json.Unmarshal(raw, out)
}

// basketTenor is the days a basket is priced at: the average of its invoices'
// days from the value date, weighted by payable amount and rounded up. The
// discount is the sum of payable × rate × days, so the weighted average
// prices the basket as its invoices would be priced one by one; the longest
// tenor is returned too, since every invoice must fit a bucket.
func basketTenor(invs []basketInvoice) (avg, longest int) {
	sum, weighted := decimal.Zero, decimal.Zero
	for _, inv := range invs {
		longest = max(longest, inv.days)
		sum = sum.Add(inv.payable)
		weighted = weighted.Add(inv.payable.Mul(decimal.NewFromInt(int64(inv.days))))
	}
	if !sum.IsPositive() {
		return longest, longest
	}
	return int(weighted.Div(sum).Ceil().IntPart()), longest
}
