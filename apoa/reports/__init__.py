"""Reports: check-in, check-out, amendments, cancellations, nil reports and receipts."""
