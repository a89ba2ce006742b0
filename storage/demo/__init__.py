"""The invented demo district (district.py, data/demo_district.toml) and months of invented history: cases
(history.py, timeline.py), micro-wishes (wishes.py, with wish_people.py, wish_drafts.py, wish_texts.py) and the
love bank's ledger, activities and redemptions (lovebank.py).
"""
