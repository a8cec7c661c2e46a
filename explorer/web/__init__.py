"""Thin Flask layer: parse the request, call the core, render."""
