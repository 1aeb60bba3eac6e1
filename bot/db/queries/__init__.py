"""Read models: the coordinators' figures (/stats, /charts, /report) as named queries. Each takes
the session and plain parameters (UTC bounds or days of a period, a scope's mentor or category)
and returns rows or plain values; the services keep the rules (scope, periods, arithmetic)."""
