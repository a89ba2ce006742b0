"""What residents do in chat: report a problem (report.py, with the flow drawn in report.md; submitting in
report_submit.py; a similar open case to follow in similar.py), follow their cases and answer staff
(my_cases.py), and rate the result (revisit.py).
"""
