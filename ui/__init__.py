"""The desk application (PySide6). Thin: every rule lives in ``station``.

Importing this package does not import Qt; ``ui.launcher`` decides whether Qt is needed.
"""
