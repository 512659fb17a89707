package settling

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/cadena-finance/cadena/internal/app"
	"github.com/cadena-finance/cadena/internal/auth"
	"github.com/cadena-finance/cadena/internal/bankaccount"
	"github.com/cadena-finance/cadena/internal/financing"
	"github.com/cadena-finance/cadena/internal/financing/financingdb"
	"github.com/cadena-finance/cadena/internal/iso20022"
	"github.com/cadena-finance/cadena/internal/money"
	"github.com/cadena-finance/cadena/internal/party"
	"github.com/cadena-finance/cadena/internal/party/partydb"
	"github.com/cadena-finance/cadena/internal/platform/db"
	"github.com/cadena-finance/cadena/internal/settlement"
	"github.com/cadena-finance/cadena/internal/settlement/settlementdb"
)

// ErrNoPayments: nothing is due from the caller on that day.
var ErrNoPayments = errors.New("no payments due on that day")

// PaymentFile is a built pain.001.
type PaymentFile struct {
	MessageID string
	XML       []byte
	Payments  int
}

// PaymentFile builds the pain.001.001.10 of the caller's payments of one
// kind due on date: a lender's disbursements (net proceeds to suppliers on
// the value date), a buyer's repayments (face to lenders at maturity), an
// operator's of every debtor; a payment instructed before stays in the file
// whatever its financing's state now. Building a disbursement file
// instructs its financings (accepted → funding_instructed, each with its
// event) and records every leg. The file is kept by its message id (a hash
// of the initiator and the end-to-end ids): asking again returns the same
// bytes, and the id changes only when the set of payments does.
func (a *App) PaymentFile(ctx context.Context, act app.Actor, leg settlement.Leg, date time.Time) (PaymentFile, error) {
	debtor := act.PartyID
	switch {
	case act.Is(auth.RoleOperator):
		debtor = uuid.Nil
	case leg == settlement.Disbursement && act.Is(auth.RoleLender), leg == settlement.Repayment && act.Is(auth.RoleBuyer):
	default:
		return PaymentFile{}, app.ErrForbidden
	}
	var out PaymentFile
	err := a.InTx(ctx, func(tx pgx.Tx) error {
		fs, err := financingdb.ForFile(ctx, tx, leg == settlement.Repayment, debtor, date)
		if err != nil {
			return err
		}
		if len(fs) == 0 {
			return ErrNoPayments
		}
		now := a.Clock()
		book := partyBook{q: tx}
		var transfers []iso20022.Transfer
		ids := make([]uuid.UUID, len(fs))
		for i := range fs {
			f := &fs[i]
			ids[i] = f.ID
			p := settlement.Expected(*f, leg)
			t, err := book.transfer(ctx, p, f)
			if err != nil {
				return err
			}
			transfers = append(transfers, t)
			if err := settlementdb.Instruct(ctx, tx, p, now); err != nil {
				return err
			}
			if f.Status == financing.Accepted {
				if err := a.moveFinancing(ctx, tx, f, financing.FundingInstructed, nil, now); err != nil {
					return err
				}
			}
		}
		legs, err := settlementdb.LegsOf(ctx, tx, ids)
		if err != nil {
			return err
		}
		created := time.Time{}
		for _, ls := range legs {
			for _, l := range ls {
				if l.Leg == leg && l.InstructedAt.After(created) {
					created = l.InstructedAt
				}
			}
		}
		initiator, err := book.party(ctx, act.PartyID)
		if err != nil {
			return err
		}
		id := messageID(leg, date, act.PartyID, transfers)
		doc, err := iso20022.BuildPain001(iso20022.CreditTransferFile{MessageID: id, CreatedAt: created.UTC().Truncate(time.Second),
			InitiatingParty: initiator, Batches: iso20022.GroupPayments(id, transfers)})
		if err != nil { // e.g. a name a bank file cannot carry: the detail names the field, never an account number
			return fmt.Errorf("%w: %w", settlement.ErrFileRefused, err)
		}
		kept, err := settlementdb.SaveFile(ctx, tx, settlementdb.File{MessageID: id, Leg: leg, ExecutionDate: date, Initiator: act.PartyID,
			Payments: len(transfers), Document: doc, CreatedAt: now})
		out = PaymentFile{MessageID: kept.MessageID, XML: kept.Document, Payments: kept.Payments}
		return err
	})
	return out, err
}

// PaymentFileByID returns a payment file as it was built, whatever its
// financings' states now: operators any, a lender or buyer those it built.
func (a *App) PaymentFileByID(ctx context.Context, act app.Actor, messageID string) (PaymentFile, error) {
	initiator := act.PartyID
	switch {
	case act.Is(auth.RoleOperator):
		initiator = uuid.Nil
	case act.Is(auth.RoleLender, auth.RoleBuyer):
	default:
		return PaymentFile{}, app.ErrForbidden
	}
	f, err := settlementdb.GetFile(ctx, a.Pool, messageID, initiator)
	return PaymentFile{MessageID: f.MessageID, XML: f.Document, Payments: f.Payments}, err
}

// messageID is "C", the leg letter, the date and 16 hex digits of a hash
// of the initiating party and the end-to-end ids: unique per file (the
// same payments in an operator's file and a lender's are two documents),
// 27 characters, so batch ids ("-N") stay within Max35Text.
func messageID(leg settlement.Leg, date time.Time, initiator uuid.UUID, ts []iso20022.Transfer) string {
	ids := make([]string, len(ts))
	for i, t := range ts {
		ids[i] = t.EndToEndID
	}
	slices.Sort(ids)
	sum := sha256.Sum256([]byte(initiator.String() + ":" + strings.Join(ids, ",")))
	return "C" + strings.ToUpper(string(leg)[:1]) + date.Format("20060102") + "-" + hex.EncodeToString(sum[:8])
}

// partyBook reads parties and their accounts once per file.
type partyBook struct {
	q        db.Querier
	parties  map[uuid.UUID]party.Party
	accounts map[uuid.UUID][]party.BankAccount
}

func (b *partyBook) load(ctx context.Context, id uuid.UUID) (party.Party, []party.BankAccount, error) {
	if b.parties == nil {
		b.parties, b.accounts = map[uuid.UUID]party.Party{}, map[uuid.UUID][]party.BankAccount{}
	}
	if p, ok := b.parties[id]; ok {
		return p, b.accounts[id], nil
	}
	p, err := partydb.Get(ctx, b.q, id)
	if err != nil {
		return p, nil, err
	}
	accts, err := partydb.ListAccounts(ctx, b.q, id)
	b.parties[id], b.accounts[id] = p, accts
	return p, accts, err
}

func (b *partyBook) party(ctx context.Context, id uuid.UUID) (iso20022.Party, error) {
	p, _, err := b.load(ctx, id)
	return isoParty(p), err
}

func isoParty(p party.Party) iso20022.Party {
	return iso20022.Party{Name: p.LegalName, TaxID: p.TaxID, Country: p.Country}
}

// accounts are the party's accounts in c, oldest first: the oldest is
// the one payments use.
func (b *partyBook) accountsIn(ctx context.Context, id uuid.UUID, c money.Currency) ([]iso20022.Account, error) {
	_, accts, err := b.load(ctx, id)
	var out []iso20022.Account
	for _, a := range accts {
		if a.Currency == c {
			out = append(out, isoAccount(a))
		}
	}
	return out, err
}

func isoAccount(a party.BankAccount) iso20022.Account {
	return iso20022.AccountFrom(bankaccount.Account{Scheme: bankaccount.Scheme(a.Scheme), BankCode: a.BankCode, Number: a.Number,
		AccountType: a.AccountType, IBAN: a.IBAN})
}

// transfer is payment p as a pain.001 transfer between the parties' accounts.
func (b *partyBook) transfer(ctx context.Context, p settlement.Payment, f *financing.Financing) (iso20022.Transfer, error) {
	debtor, err := b.party(ctx, p.Debtor)
	if err != nil {
		return iso20022.Transfer{}, err
	}
	creditor, err := b.party(ctx, p.Creditor)
	if err != nil {
		return iso20022.Transfer{}, err
	}
	da, err := b.accountsIn(ctx, p.Debtor, p.Currency)
	if err != nil {
		return iso20022.Transfer{}, err
	}
	ca, err := b.accountsIn(ctx, p.Creditor, p.Currency)
	if err != nil {
		return iso20022.Transfer{}, err
	}
	if len(da) == 0 || len(ca) == 0 {
		return iso20022.Transfer{}, noBankAccount(p, len(da) == 0)
	}
	return iso20022.Transfer{Debtor: debtor, DebtorAccount: da[0], Currency: p.Currency, ExecutionDate: p.ExecutionDate,
		Payment: iso20022.Payment{EndToEndID: p.EndToEndID, Amount: p.Amount, Creditor: creditor, CreditorAccount: ca[0],
			RemittanceInfo: "Cadena " + string(p.Leg) + " " + f.InvoiceID.String()}}, nil
}

// noBankAccount wraps settlement.ErrNoBankAccount naming the party.
func noBankAccount(p settlement.Payment, debtor bool) error {
	who, id := "creditor", p.Creditor
	if debtor {
		who, id = "debtor", p.Debtor
	}
	return &noAccountError{who: who, id: id, currency: p.Currency}
}

type noAccountError struct {
	who      string
	id       uuid.UUID
	currency money.Currency
}

func (e *noAccountError) Error() string {
	return "the " + e.who + " " + e.id.String() + " has no " + string(e.currency) + " bank account"
}

func (e *noAccountError) Unwrap() error { return settlement.ErrNoBankAccount }
