"""``make bench``: the whole system measured against same-work baselines (see system.py)."""
