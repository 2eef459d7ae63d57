"""Pools the kit has never met (work in progress)."""
