"""A WeChat Work (企业微信) self-built application, the staff's channel: channel.py (encrypted callbacks in,
passive replies or pushes out), inbound.py (callback XML → Inbound), render.py (Outbound → texts, images and
template cards with buttons), api.py (the API through wechatpy's enterprise client: errors, throttling, one
token refresh), token.py (the access token shared by every process through the database), cards.py (the
template cards sent, so a press is checked and its card updated).

May import: bot.app, bot.channels (delivery, settings), bot.dispatcher, bot.locks, bot.outbox.rate_limit,
bot.web.guard, handlers (messages, buttons, texts), storage (models, upsert), and wechatpy — only here in bot/.
"""
