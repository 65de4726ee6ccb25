"""Packaged catalogue data (JSON); a package so that setuptools ships the *.json files with the wheel."""
