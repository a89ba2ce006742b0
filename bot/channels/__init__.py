"""Real chat channels (Telegram, WeChat): translators between a platform and Inbound/Outbound.

Nothing here connects or imports a platform library at import time of this package; each
driver module imports its library and is only loaded when a channel of its kind is built.
"""
