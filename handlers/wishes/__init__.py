"""Micro-wishes (微心愿) in chat, drawn in wishes.md: the menu and lists (menu.py), posting one (post.py),
the card as each viewer may see it (view.py), review, claim, fulfil and confirm (ops.py), who may do
what (access.py) and who is told (notify.py).
"""
