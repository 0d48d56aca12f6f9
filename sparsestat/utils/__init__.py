"""Helpers shared by the estimators: validation, discovery, progress."""

from sparsestat.utils.discovery import all_estimators

__all__ = ["all_estimators"]
