-- Reserved for the invoices migration (issue 3).
SELECT 1;
