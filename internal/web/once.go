package web

import (
	"context"
	"errors"

	"github.com/google/uuid"

	"github.com/cadena-finance/cadena/internal/app"
	"github.com/cadena-finance/cadena/internal/app/acceptance"
	"github.com/cadena-finance/cadena/internal/app/invoicing"
	"github.com/cadena-finance/cadena/internal/auth"
	"github.com/cadena-finance/cadena/internal/financing"
	"github.com/cadena-finance/cadena/internal/invoice"
	"github.com/cadena-finance/cadena/internal/platform/idempotency"
	"github.com/cadena-finance/cadena/internal/validation"
)

// The forms whose one-time key runs them once (platform/idempotency).
const (
	formPublish = "/upload/publish"
	formAccept  = "/offers/accept"
)

// checkFormKey refuses a missing or oversized form key.
func checkFormKey(key, again string) error {
	if key == "" || len(key) > 100 {
		return validation.Errors{{Field: "key", Code: "invalid", Message: "the form key is missing; " + again}}
	}
	return nil
}

// formOnce runs fn once under the form key; a duplicate gets the first
// run's result (an id). A first attempt that failed (and released the key)
// answers the retry message.
func (p *portal) formOnce(ctx context.Context, act app.Actor, form, key, again string, fn func() (string, error)) (id uuid.UUID, replayed bool, err error) {
	res, replayed, err := p.keys.Once(ctx, idempotency.FormRequest(act.PartyID, form, key), fn)
	switch {
	case errors.Is(err, idempotency.ErrReleased):
		// The first attempt failed and released the key: nothing was done.
		return uuid.Nil, true, validation.Errors{{Field: "key", Code: "retry", Message: "the first attempt failed; " + again}}
	case err != nil || !replayed:
		return uuid.Nil, replayed, err
	}
	id, err = uuid.Parse(res)
	return id, true, err
}

// publishOnce is invoicing.PublishBatch behind the preview's one-time form key: a
// second submission with the same key (a double click, a reload) publishes
// nothing and returns the first one's batch.
func (p *portal) publishOnce(ctx context.Context, act app.Actor, key string, in invoicing.BatchInput) (invoice.Batch, error) {
	if !act.Is(auth.RoleBuyer) {
		return invoice.Batch{}, app.ErrForbidden
	}
	const again = "upload the file again"
	if err := checkFormKey(key, again); err != nil {
		return invoice.Batch{}, err
	}
	var b invoice.Batch
	id, replayed, err := p.formOnce(ctx, act, formPublish, key, again, func() (string, error) {
		var err error
		b, err = p.app.Invoicing.PublishBatch(ctx, act, in)
		return b.ID.String(), err
	})
	if err != nil || !replayed {
		return b, err
	}
	b, _, err = p.app.Invoicing.GetBatch(ctx, act, id, "", 0, 0)
	return b, err
}

// acceptOnce is acceptance.AcceptOffer (the use case of POST /v1/offers/{id}/accept)
// behind the quotes page's one-time form key, as an Idempotency-Key: a
// double click or a reload accepts once, and every submission under the key
// gets the same financings, those of the offer the first one accepted.
func (p *portal) acceptOnce(ctx context.Context, act app.Actor, key string, offerID uuid.UUID) ([]financing.Financing, error) {
	if !act.Is(acceptance.OfferAcceptors()...) {
		return nil, app.ErrForbidden // before the claim: a refused role leaves no row
	}
	const again = "ask for the offers again"
	if err := checkFormKey(key, again); err != nil {
		return nil, err
	}
	var fs []financing.Financing
	id, replayed, err := p.formOnce(ctx, act, formAccept, key, again, func() (string, error) {
		var err error
		fs, err = p.app.Acceptance.AcceptOffer(ctx, act, offerID)
		return offerID.String(), err
	})
	if err != nil || !replayed {
		return fs, err
	}
	page, err := p.app.Settling.ListFinancings(ctx, act, id, uuid.Nil, 1000)
	return page.Items, err
}
