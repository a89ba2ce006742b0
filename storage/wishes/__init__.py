"""Micro-wishes on the database: every transition as one conditional update with its event (use_cases.py),
the redaction of personal details from public text (redact.py), the [wishes] settings (settings.py).
"""
