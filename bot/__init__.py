"""The top of the house: the composition root (app.py), what `qungong run` runs (runtime.py), the
dispatcher that turns each inbound message into a handled step (dispatcher.py), the routing classifier
in use and its switch to a newly active model version (routing.py), and the packages that
meet the outside world: config/, cli/, web/ (the HTTP server, simulator, security), channels/
(Telegram, WeChat) and outbox/ (the sender that pushes). bot/ may import every package; none imports
bot/, and nothing outside bot/ imports telegram, aiogram or wechatpy.
"""
