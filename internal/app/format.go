package app

import (
	"time"

	"github.com/shopspring/decimal"

	"github.com/cadena-finance/cadena/internal/calendar"
	"github.com/cadena-finance/cadena/internal/money"
)

func FormatAmount(d decimal.Decimal, c money.Currency) string { return money.Format(d, c) }

func Civil(t time.Time) string { return calendar.Day(t).Format(time.DateOnly) }
