"""Micro-wishes on the database: every transition as one conditional update with its event (use_cases.py;
confirming one credits the love bank, storage.lovebank, in the same transaction), the redaction of
personal details from public text (redact.py), the [wishes] settings (settings.py).
"""
