"""Pilar package."""
