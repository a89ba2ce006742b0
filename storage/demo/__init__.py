"""The invented demo district (district.py, data/demo_district.toml) and months of invented history: cases
(history.py, timeline.py) and micro-wishes (wishes.py, with wish_people.py, wish_drafts.py, wish_texts.py).
"""
