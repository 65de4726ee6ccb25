"""Benefits (給付): rules for 児童手当, 児童扶養手当, 保育, 妊娠, 介護保険 and 全銀 payment files, and the 介護保険
qualification records (models, services, selectors) that the office answers channel reads for prefill.
"""
