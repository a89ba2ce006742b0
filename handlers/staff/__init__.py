"""What staff do in chat: bind with an invite (binding.py), their menu and task lists (menu.py), a case's
card (card.py), the actions on it (operations.py is the table, actions.py runs them, phone.py records a
phone revisit), who may see which case (access.py), and the written explanation a red light asks for
(explain.py).
"""
