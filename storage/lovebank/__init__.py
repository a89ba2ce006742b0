"""The love bank (爱心银行) on the database: the append-only points ledger and the balances kept with it
(ledger.py), volunteer activities with sign-ups, waiting lists, check-in and confirmed hours
(activities.py), the rewards catalogue (rewards.py), redemptions with one-time codes that expire
(redemptions.py), fulfilled wishes credited to their claimant or team (wish_credit.py), the report
figures (stats.py), one-time codes (codes.py) and the [lovebank] settings (settings.py).

It imports storage's models and helpers only; storage.wishes calls wish_credit within the
transaction that confirms a wish.
"""
