"""Figures over the shop's history: pure functions, no database."""
