"""The red/yellow-light sweep (红黄灯督办): sweep.py fires every due light once, store.py reads and writes a
batch, nudges.py tells the people responsible, recipients.py finds them, quiet.py keeps nudges out of
the night, report.py counts lights and explanations per unit for `qungong lights`.
"""
