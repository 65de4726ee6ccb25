"""Benefits (給付): pure rule layer for 児童手当, 児童扶養手当, 保育, 妊娠, 介護保険 and 全銀 payment files.

This package holds no Django code yet; the lead wires the app (apps.py, models) around these pure functions.
"""
