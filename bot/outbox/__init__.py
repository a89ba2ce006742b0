"""Pushes leave through the durable outbox: sender.py claims the rows of the channels it serves and delivers
them through the channel adapters, retrying and dead-lettering; rate_limit.py paces each bot and chat.
"""
