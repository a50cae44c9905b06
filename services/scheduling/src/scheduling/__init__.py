"""Scheduling: books, moves and cancels the meetings of a mediation case."""
