"""E-mail delivery of notices: the database decides, the broker only wakes workers.

queue (intent committed, task published after commit) -> claim (guarded, with a lease) ->
SMTP outside any transaction -> outcome recorded: sent, failed (permanent), queued again with
backoff (transient), or needs_reconciliation (content handed over, no answer).

queue.py queues and claims, send.py sends and records the outcome, sweep.py recovers what no
worker holds. Import from those modules; this package exports nothing itself."""
