"""Official documents: PDF rendering (WeasyPrint), PAdES signing and verification (pyHanko).

The library modules here (`pki`, `rendering`, `qr`, `signing`, `verification`) do not import Django, so they
can run in workers and command-line tools without settings.
"""
