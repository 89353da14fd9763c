"""The MSP's book of clients: every engagement of ``ROOT/<client>/<period>/``.

:mod:`.book` finds the engagements and each one's previous quarter,
:mod:`.state` decides which are up to date, :mod:`.runner` runs the rest in
parallel processes with each failure isolated, :mod:`.summary` reads the
results (``assessment.json`` files only) and :mod:`.xlsx` and :mod:`.pdf`
write the portfolio workbook and the management PDF.
"""
