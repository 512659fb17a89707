package iso20022

import (
	"time"

	"github.com/shopspring/decimal"

	"github.com/cadena-finance/cadena/internal/money"
)

// Valid identifiers for fixtures (check digits correct).
const (
	clabeLender    = "012180001234567899"
	clabeSupplierA = "032180000118359719"
	clabeSupplierB = "002010077777777771"
	ibanGB         = "GB82WEST12345698765432"
	ibanDE         = "DE89370400440532013000"
)

var created = time.Date(2026, time.March, 2, 9, 30, 0, 0, time.FixedZone("CST", -6*3600))

// sampleFile has one batch per account kind: CLABE to CLABE in MXN,
// Colombian accounts in COP, IBAN to IBAN in USD with a BIC.
func sampleFile() CreditTransferFile {
	lender := Party{Name: "Fondeo Capital, S.A. de C.V.", TaxID: "FCA010101AB1", Country: "MX"}
	return CreditTransferFile{
		MessageID:       "CADENA-20260302-0001",
		CreatedAt:       created,
		InitiatingParty: Party{Name: "Cadena Plataforma", TaxID: "CPL200101AA1"},
		Batches: []PaymentBatch{
			{
				PaymentInfoID:          "CADENA-20260302-0001-1",
				Debtor:                 lender,
				DebtorAccount:          Account{CLABE: clabeLender},
				RequestedExecutionDate: day(2026, time.March, 3),
				Currency:               money.MXN,
				Payments: []Payment{
					{EndToEndID: "CAD0195f3a2b7c84d1e9a0b1c2d3e4f5a6b", InstructionID: "I-1", Amount: cents(123456789), Creditor: Party{Name: "Tostadora del Bajío, S.A. de C.V.", TaxID: "TBA010203CC5"}, CreditorAccount: Account{CLABE: clabeSupplierA}, RemittanceInfo: "Pronto pago facturas F-1001, F-1002 & <otros>"},
					{EndToEndID: "CAD0195f3a2b7c84d1e9a0b1c2d3e4f5a6c", Amount: cents(1), Creditor: Party{Name: "Empaques Ñandú"}, CreditorAccount: Account{CLABE: clabeSupplierB}},
				},
			},
			{
				PaymentInfoID:          "CADENA-20260302-0001-2",
				Debtor:                 Party{Name: "Banca Andina Fondos S.A.", TaxID: "900123456-7", Country: "CO"},
				DebtorAccount:          Account{CONumber: "004512345678", COBankCode: "1007", Type: TypeSavings},
				RequestedExecutionDate: day(2026, time.March, 4),
				Currency:               money.COP,
				Payments: []Payment{
					{EndToEndID: "CAD0195f3a2b7c84d1e9a0b1c2d3e4f5a6d", Amount: cents(250000000), Creditor: Party{Name: "Café de Altura SAS", TaxID: "800987654-3"}, CreditorAccount: Account{CONumber: "0012-3456-7890", COBankCode: "1051", Type: TypeChecking}},
				},
			},
			{
				PaymentInfoID:          "CADENA-20260302-0001-3",
				Debtor:                 Party{Name: "Global Trade Finance GmbH"},
				DebtorAccount:          Account{IBAN: "de89 3704 0044 0532 0130 00"},
				DebtorAgent:            Agent{BIC: "COBADEFFXXX"},
				RequestedExecutionDate: day(2026, time.March, 5),
				Currency:               money.USD,
				Payments: []Payment{
					{EndToEndID: "CAD0195f3a2b7c84d1e9a0b1c2d3e4f5a6e", Amount: cents(99), Creditor: Party{Name: "Exporter Ltd"}, CreditorAccount: Account{IBAN: ibanGB, CLABE: clabeSupplierA}},
				},
			},
		},
	}
}

// sampleNotification exercises every field the reader returns: a lender's
// MXN account with a booked single-transaction credit and a reversed
// pending debit, and a COP account with a batch-booked credit of two
// transactions, plus an entry in a currency Cadena does not support.
func sampleNotification() Notification {
	mx := time.FixedZone("", -6*3600)
	return Notification{
		MessageID: "BANK-CAMT054-20260303-001",
		CreatedAt: time.Date(2026, time.March, 3, 18, 5, 1, 250_000_000, mx),
		Reports: []Report{
			{
				ID:        "NTF-1",
				CreatedAt: time.Date(2026, time.March, 3, 18, 0, 0, 0, mx),
				Account:   Account{CLABE: clabeLender},
				Entries: []Entry{
					{
						Reference: "1", Amount: cents(123456789), Currency: money.MXN, CreditDebit: Credit,
						Status: StatusBooked, BookingDate: day(2026, time.March, 3), ValueDate: day(2026, time.March, 3),
						BankReference: "SPEI-8842211",
						Transactions: []Transaction{{
							EndToEndID: "CAD0195f3a2b7c84d1e9a0b1c2d3e4f5a6b", InstructionID: "I-1", PaymentInfoID: "CADENA-20260302-0001-1",
							BankReference: "TRK-77", Amount: cents(123456789), Currency: money.MXN, CreditDebit: Credit,
							Debtor: Party{Name: "Comercializadora & Hijos <Norte>", TaxID: "CHN010101AA1"}, DebtorAccount: Account{CLABE: clabeSupplierA},
							Creditor: Party{Name: "Fondeo Capital, S.A. de C.V."}, CreditorAccount: Account{CLABE: clabeLender},
							RemittanceInfo: []string{"Vencimiento F-1001", "Programa 7"},
						}},
					},
					{
						Amount: cents(1), Currency: money.MXN, CreditDebit: Debit, Reversal: true, Status: StatusPending,
						BookingDate: time.Date(2026, time.March, 3, 17, 59, 59, 0, mx),
					},
					{
						Reference: "3", Amount: decimal.RequireFromString("1.23456"), Currency: "EUR", CreditDebit: Credit,
						Status: "XPROPRIETARYSTATUS", Transactions: []Transaction{{Amount: decimal.RequireFromString("1.23456"), Currency: "EUR", CreditDebit: Credit, DebtorAccount: Account{IBAN: ibanDE}}},
					},
				},
			},
			{
				ID:      "NTF-2",
				Account: Account{CONumber: "004512345678", Type: TypeSavings},
				Entries: []Entry{{
					Amount: cents(300000000), Currency: money.COP, CreditDebit: Credit, Status: StatusBooked, ValueDate: day(2026, time.March, 4),
					Transactions: []Transaction{
						{EndToEndID: "CAD0195f3a2b7c84d1e9a0b1c2d3e4f5a6d", Amount: cents(250000000), Currency: money.COP, CreditDebit: Credit, DebtorAccount: Account{OtherID: "98765", OtherScheme: "BBAN"}},
						{EndToEndID: "CAD0195f3a2b7c84d1e9a0b1c2d3e4f5a6f", Amount: cents(50000000), Currency: money.COP, CreditDebit: Credit},
					},
				}},
			},
		},
	}
}
