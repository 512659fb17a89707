package financing

import (
	"testing"

	"github.com/shopspring/decimal"
)

func TestStatusMachineAndExposure(t *testing.T) {
	allowed := map[[2]Status]bool{
		{Accepted, FundingInstructed}: true, {Accepted, FundingFailed}: true, {FundingInstructed, Funded}: true,
		{FundingInstructed, FundingFailed}: true, {Funded, Due}: true, {Funded, Repaid}: true, {Due, Repaid}: true,
		{Due, Overdue}: true, {Overdue, Repaid}: true,
	}
	all := []Status{Accepted, FundingInstructed, Funded, Due, Repaid, FundingFailed, Overdue}
	for _, from := range all {
		for _, to := range all {
			if got := from.To(to) == nil; got != allowed[[2]Status{from, to}] {
				t.Errorf("%s → %s allowed %v", from, to, got)
			}
		}
	}
	face := decimal.RequireFromString("50000.00")
	for _, c := range []struct {
		from, to Status
		want     string
	}{
		{Accepted, FundingInstructed, "0"}, {Accepted, FundingFailed, "-50000"}, {Due, Repaid, "-50000"}, {Due, Overdue, "0"},
	} {
		if got := c.from.ExposureDelta(c.to, face); !got.Equal(decimal.RequireFromString(c.want)) {
			t.Errorf("%s → %s: %s", c.from, c.to, got)
		}
	}
}
