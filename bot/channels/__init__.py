"""Real chat channels: translators between a platform and Inbound/Outbound, never a second implementation
of a flow. telegram/ (python-telegram-bot or aiogram drivers behind one channel), wechat/ (an official
account through wechatpy) and wecom/ (a WeChat Work application for staff, through wechatpy's enterprise
client); registry.py builds the configured ones, settings.py types [[channels]],
delivery.py is the contract between the outbox sender and any adapter.

Nothing here connects or imports a platform library at import time of this package; each
driver module imports its library and is only loaded when a channel of its kind is built.
"""
