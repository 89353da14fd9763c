"""Renderers: JSON, XLSX and PDF, each from an :class:`~healthcheck.model.Assessment`.

Reports never read raw datasets; whatever they show is in the assessment.
"""
