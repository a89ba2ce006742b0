"""Cases: the lifecycle table (lifecycle.py) and how it applies to a case (transitions.py), the use cases that
store a decision with its event (use_cases.py), where a case goes (routing.py), its lights and written
explanations (supervision.py) on the light clock (workclock.py), the [sla]/[lifecycle] settings, and the
cases whose department a person decided or confirmed, as training rows for the routing model (history.py).
"""
