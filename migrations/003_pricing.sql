-- Reference rates, operator overrides of holiday calendars, and the
-- program's rounding rule for discounts.

CREATE TABLE reference_rates (
    rate_index    text NOT NULL,
    rate_date     date NOT NULL,
    rate          numeric(9, 4) NOT NULL CHECK (rate >= 0 AND rate < 100),  -- percent a year
    published_by  text NOT NULL,
    updated_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (rate_index, rate_date)
);

CREATE TABLE calendar_overrides (
    calendar      text NOT NULL CHECK (calendar IN ('MX', 'CO')),
    day           date NOT NULL,
    name          text NOT NULL DEFAULT '',
    remove        boolean NOT NULL DEFAULT false,  -- true: a rule holiday the banks will open on
    updated_by    text NOT NULL,
    updated_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (calendar, day)
);

ALTER TABLE programs ADD COLUMN rounding text NOT NULL DEFAULT 'half_up'
    CHECK (rounding IN ('half_up', 'half_even', 'down'));
