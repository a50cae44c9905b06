"""Insights: what the municipality learns from its mediations, without learning about anyone."""
