from django.apps import AppConfig


class CaseworkConfig(AppConfig):
    name = "madoguchi.casework"
    label = "casework"
    verbose_name = "申請管理（庁内）"
