"""A Telegram bot: channel.py (updates in, replies and pushes out), common.py (update JSON ↔ Inbound, replies
→ Bot API calls), driver.py (what a driver must do) with ptb.py and aiogram.py (the two libraries).
"""
