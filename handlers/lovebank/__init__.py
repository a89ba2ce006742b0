"""The love bank (爱心银行) in chat: a volunteer's points (我的积分, points.py), redeeming rewards for a code
(redeem.py), volunteer activities — browsing, signing up, the waiting list, checking in (activities.py);
a community posting one (organise.py), its card, hours confirmed and points credited (organiser.py);
the catalogue's keepers adding and restocking rewards (rewards.py) and confirming a code when the
reward is handed over (verify.py); wish teams (teams.py); who may do what (access.py); notices
(notify.py); the menus (menu.py), and what the router reaches (commands.py, buttons.py). The audit
export's rows are export.py. It imports handlers' contract and helpers and storage.lovebank.
"""
