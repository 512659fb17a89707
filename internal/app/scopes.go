package app

import (
	"github.com/google/uuid"

	"github.com/cadena-finance/cadena/internal/auth"
	"github.com/cadena-finance/cadena/internal/financing/financingdb"
	"github.com/cadena-finance/cadena/internal/invoice/invoicedb"
	"github.com/cadena-finance/cadena/internal/offer/offerdb"
	"github.com/cadena-finance/cadena/internal/program/programdb"
)

func OfferViewer(act Actor) offerdb.Viewer {
	return offerdb.Viewer{PartyID: act.PartyID, Role: string(act.Role)}
}

func InvoiceViewer(act Actor) invoicedb.Viewer {
	return invoicedb.Viewer{PartyID: act.PartyID, Role: string(act.Role)}
}

func ProgramViewer(act Actor) programdb.Viewer {
	return programdb.Viewer{PartyID: act.PartyID, Role: string(act.Role)}
}

func FinancingViewer(act Actor) financingdb.Viewer {
	return financingdb.Viewer{PartyID: act.PartyID, Role: string(act.Role)}
}

// canSeeParty: operators see every party, others only their own.
func CanSeeParty(act Actor, id uuid.UUID) bool {
	return act.Is(auth.RoleOperator) || act.PartyID == id
}
