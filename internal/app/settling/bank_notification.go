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

	"github.com/cadena-finance/cadena/internal/app"
	"github.com/cadena-finance/cadena/internal/auth"
	"github.com/cadena-finance/cadena/internal/financing/financingdb"
	"github.com/cadena-finance/cadena/internal/iso20022"
	"github.com/cadena-finance/cadena/internal/program/programdb"
	"github.com/cadena-finance/cadena/internal/settlement"
	"github.com/cadena-finance/cadena/internal/settlement/settlementdb"
)

// BankNotification is a camt.054 written for financings' payments, with
// what each entry says.
type BankNotification struct {
	MessageID string
	XML       []byte
	Entries   []NotifiedPayment
}

// NotifiedPayment is one entry of a BankNotification, with what an upload
// now would make of it (settlement.Match, as UploadStatement judges it).
type NotifiedPayment struct {
	settlement.Payment
	CreditDebit iso20022.CreditDebit
	BookedOn    time.Time
	Outcome     settlement.Outcome
	Reason      string
}

// WriteBankNotification writes the camt.054.001.08 the lender's bank would
// send once the legs of the financings ids have moved, as a bank would,
// for demos, tests and rehearsing an integration: one Ntfctn per lender
// account, one booked entry per leg, the disbursement debited (lender →
// supplier, net proceeds) and the repayment credited (buyer → lender,
// face), each with its EndToEndId, parties and accounts as the pain.001
// names them. An entry is booked on the leg's date (value date, maturity),
// or on today in the program's zone while that date is still to come; on,
// when set, is the booking date of every entry. Bank references and the
// message id are derived from the payments, so writing again gives a file
// whose upload comes out duplicate. Operators only: it reads every party's
// accounts.
func (a *App) WriteBankNotification(ctx context.Context, act app.Actor, ids []uuid.UUID, legs []settlement.Leg, on time.Time) (BankNotification, error) {
	if !act.Is(auth.RoleOperator) {
		return BankNotification{}, app.ErrForbidden
	}
	book := partyBook{q: a.Pool}
	zones := map[uuid.UUID]string{} // program → time zone
	var out BankNotification
	var reports []iso20022.Report
	for _, id := range ids {
		f, err := financingdb.Get(ctx, a.Pool, app.FinancingViewer(act), id)
		if err != nil {
			return out, fmt.Errorf("financing %s: %w", id, err)
		}
		if _, ok := zones[f.ProgramID]; !ok {
			p, err := programdb.Get(ctx, a.Pool, app.ProgramViewer(act), f.ProgramID)
			if err != nil {
				return out, fmt.Errorf("program of financing %s: %w", id, err)
			}
			zones[f.ProgramID] = p.TimeZone
		}
		status := f.Status
		for _, leg := range legs {
			p := settlement.Expected(f, leg)
			t, err := book.transfer(ctx, p, &f)
			if err != nil {
				return out, fmt.Errorf("financing %s: %w", id, err)
			}
			n := NotifiedPayment{Payment: p, CreditDebit: iso20022.Credit, BookedOn: on}
			lenderAccount := t.Payment.CreditorAccount
			if leg == settlement.Disbursement {
				n.CreditDebit, lenderAccount = iso20022.Debit, t.DebtorAccount
			}
			if n.BookedOn.IsZero() {
				n.BookedOn = p.ExecutionDate
				if today := today(a.Clock(), zones[f.ProgramID]); today.Before(n.BookedOn) {
					n.BookedOn = today
				}
			}
			ref := "B" + p.EndToEndID[1:] // the bank's own reference, derived so a rerun is a duplicate
			// What an upload would make of the entry, legs taken in order.
			stored, err := settlementdb.Leg(ctx, a.Pool, f.ID, leg)
			if err != nil {
				return out, err
			}
			accts := settlement.Accounts{Debtor: []iso20022.Account{t.DebtorAccount}, Creditor: []iso20022.Account{t.Payment.CreditorAccount}}
			n.Outcome, n.Reason = settlement.Match(settlement.Item{EndToEndID: p.EndToEndID, BankReference: ref, Amount: p.Amount,
				Currency: p.Currency, CreditDebit: n.CreditDebit, Status: iso20022.StatusBooked, BookingDate: n.BookedOn,
				Account: lenderAccount}, p, stored, status, accts)
			if n.Outcome == settlement.Matched {
				status = settlement.Target(leg)
			}
			entry := iso20022.Entry{Reference: ref, Amount: p.Amount, Currency: p.Currency, CreditDebit: n.CreditDebit,
				Status: iso20022.StatusBooked, BookingDate: n.BookedOn, ValueDate: n.BookedOn, BankReference: ref,
				Transactions: []iso20022.Transaction{{EndToEndID: p.EndToEndID, Amount: p.Amount, Currency: p.Currency,
					CreditDebit: n.CreditDebit, Debtor: t.Debtor, DebtorAccount: t.DebtorAccount, Creditor: t.Payment.Creditor,
					CreditorAccount: t.Payment.CreditorAccount, RemittanceInfo: []string{t.Payment.RemittanceInfo}}}}
			reports = addEntry(reports, lenderAccount, entry)
			out.Entries = append(out.Entries, n)
		}
	}
	if len(out.Entries) == 0 {
		return out, errors.New("name at least one financing and one leg")
	}
	out.MessageID = notificationID(out.Entries)
	for i := range reports {
		reports[i].ID = fmt.Sprintf("%s-%d", out.MessageID, i+1)
	}
	var err error
	out.XML, err = iso20022.BuildCamt054(iso20022.Notification{MessageID: out.MessageID,
		CreatedAt: a.Clock().UTC().Truncate(time.Second), Reports: reports})
	return out, err
}

// addEntry puts e in the report of account, opening one for a new account.
func addEntry(reports []iso20022.Report, account iso20022.Account, e iso20022.Entry) []iso20022.Report {
	for i := range reports {
		if settlement.SameAccount(reports[i].Account, account) {
			reports[i].Entries = append(reports[i].Entries, e)
			return reports
		}
	}
	return append(reports, iso20022.Report{Account: account, Entries: []iso20022.Entry{e}})
}

// notificationID is "N", the latest booking date and 16 hex digits of a
// hash of the entries (leg and booking date): the same payments give the
// same id, so uploading them again is a duplicate.
func notificationID(ns []NotifiedPayment) string {
	keys := make([]string, len(ns))
	var last time.Time
	for i, n := range ns {
		keys[i] = n.EndToEndID + "@" + n.BookedOn.Format(time.DateOnly)
		if n.BookedOn.After(last) {
			last = n.BookedOn
		}
	}
	slices.Sort(keys)
	sum := sha256.Sum256([]byte(strings.Join(keys, ",")))
	return "N" + last.Format("20060102") + "-" + hex.EncodeToString(sum[:8])
}
