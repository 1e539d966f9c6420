"""Coded values and their labels (zh_CN, en).

Codes are what the database stores and what travels in sync; labels are what people read.
Import and the UI accept either the code or a label (see validation.parse_choice).
"""

from __future__ import annotations

Choices = dict[str, tuple[str, str]]

GENDER: Choices = {"M": ("男", "Male"), "F": ("女", "Female")}

MEMBER_STATUS: Choices = {
    "active": ("在会", "Active"),
    "transferred": ("转出", "Transferred out"),
    "left": ("退会", "Left"),
    "deceased": ("去世", "Deceased"),
}

HARDSHIP_CATEGORY: Choices = {
    "illness": ("因病", "Illness"),
    "disability": ("因残", "Disability"),
    "education": ("子女教育", "Children's education"),
    "unemployment": ("失业", "Unemployment"),
    "single_parent": ("单亲", "Single parent"),
    "accident": ("意外致困", "Accident or disaster"),
    "other": ("其他", "Other"),
}

HARDSHIP_LEVEL: Choices = {
    "deep": ("深度困难", "Deep hardship"),
    "relative": ("相对困难", "Relative hardship"),
    "accident": ("意外致困", "Hardship after an accident"),
}

CASE_STATUS: Choices = {
    "open": ("在档", "Open"),
    "exited": ("脱困", "Exited"),
    "cancelled": ("注销", "Cancelled"),
}

LEDGER_KIND: Choices = {
    "home_visit": ("入户走访", "Household visit"),
    "condolence": ("慰问金", "Condolence payment"),
    "medical_mutual_aid": ("医疗互助保障", "Medical mutual-aid insurance"),
    "education_aid": ("金秋助学", "Education aid"),
    "winter": ("送温暖", "Winter warmth"),
    "summer": ("送清凉", "Summer cooling"),
    "legal_aid": ("法律援助", "Legal aid"),
    "other": ("其他", "Other"),
}

VISIT_KIND: Choices = {
    "routine": ("日常走访", "Routine visit"),
    "watch": ("重点监管走访", "Watch-list visit"),
    "dispute": ("劳资纠纷处置", "Labour-dispute handling"),
    "injury": ("工伤探视", "Work-injury visit"),
    "station": ("站点调研", "Station visit"),
}

OPERATING_STATUS: Choices = {"normal": ("正常", "Normal"), "abnormal": ("异常", "Abnormal")}

VISIT_FLAG: Choices = {
    "wage_arrears": ("欠薪", "Wage arrears"),
    "production_cut": ("停产减产", "Production stopped or cut"),
    "relocation": ("搬迁", "Relocation"),
    "layoffs": ("裁员", "Layoffs"),
    "social_insurance_arrears": ("欠缴社保", "Social-insurance arrears"),
    "other": ("其他", "Other"),
}

EVENT_KIND: Choices = {
    "legal": ("法律服务", "Legal service"),
    "training": ("提素", "Training"),
    "inclusive": ("普惠", "Inclusive service"),
    "campaign": ("两送", "Two-deliveries campaign"),
    "education_aid": ("金秋助学", "Education aid"),
    "other": ("其他", "Other"),
}

WATCH_ACTION: Choices = {"listed": ("列入", "Listed"), "unlisted": ("移出", "Removed")}

ROLE: Choices = {
    "clerk": ("专职工作者", "Clerk"),
    "station_admin": ("站点管理员", "Station admin"),
    "district_admin": ("区总工会管理员", "District admin"),
}

HOUSEHOLD_RELATION: Choices = {
    "self": ("本人", "Self"),
    "spouse": ("配偶", "Spouse"),
    "child": ("子女", "Child"),
    "parent": ("父母", "Parent"),
    "sibling": ("兄弟姐妹", "Sibling"),
    "grandchild": ("孙子女", "Grandchild"),
    "other": ("其他", "Other"),
}


def label(choices: Choices, code: str | None, lang: str = "zh") -> str:
    """The label of a code in the given language ("zh" or "en"); the code itself if unknown."""
    if code is None:
        return ""
    pair = choices.get(code)
    if pair is None:
        return code
    return pair[0] if lang.startswith("zh") else pair[1]
