"""A WeChat official account: channel.py (signed, possibly encrypted callbacks in; passive replies,
customer-service and template messages out), inbound.py (callback XML → Inbound), render.py (buttons
become a numbered menu), menus.py (that menu, kept in the database), token.py (the shared stable token).
"""
