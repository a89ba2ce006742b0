"""The jobs, on APScheduler: plain coroutines that take their dependencies and `now` (jobs.py is the table,
runner.py runs them in `qungong run`, cli.py runs one by hand). lights/ is the red/yellow-light sweep;
reports.py, revisit_jobs.py, wish_jobs.py, lovebank_jobs.py, calendar_check.py and retrain.py (the routing model
learning from the district's decisions) the rest. Every job is idempotent in
the database. scheduler/ may import handlers/ (to push through the flows' notices and texts), storage/
and nlp/; never bot/.
"""
