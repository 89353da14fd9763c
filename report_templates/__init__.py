"""Packaged report templates (jinja2 + CSS), installed as ``healthcheck_templates``."""
