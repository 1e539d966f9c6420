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


# --------------------------------------------------------------------------- the 档案表's lists
# The hardship file's (困难职工档案表) fields where the union's system offers a fixed list.
# Their codes are the list's own wording, as the national system and the offices'
# sheets write it (so files imported before the lists were enforced already hold codes);
# other wordings offices use are read as the listed one (``CASE_SYNONYMS``).

POLITICAL_STATUS: Choices = {  # 政治面貌 (GB/T 4762, as offices use it)
    "中共党员": ("中共党员", "CPC member"),
    "中共预备党员": ("中共预备党员", "CPC probationary member"),
    "共青团员": ("共青团员", "Communist Youth League member"),
    "民主党派成员": ("民主党派成员", "Member of a democratic party"),
    "无党派人士": ("无党派人士", "Non-party personage"),
    "群众": ("群众", "Ordinary citizen"),
}

DISABILITY_CATEGORY: Choices = {  # 残疾类别 (GB/T 26341)
    "视力残疾": ("视力残疾", "Visual"),
    "听力残疾": ("听力残疾", "Hearing"),
    "言语残疾": ("言语残疾", "Speech"),
    "肢体残疾": ("肢体残疾", "Physical"),
    "智力残疾": ("智力残疾", "Intellectual"),
    "精神残疾": ("精神残疾", "Mental"),
    "多重残疾": ("多重残疾", "Multiple"),
}

MODEL_WORKER_TYPE: Choices = {  # 劳模类型
    "全国劳模": ("全国劳模", "National model worker"),
    "省部级劳模": ("省部级劳模", "Provincial or ministerial model worker"),
    "市级劳模": ("市级劳模", "City model worker"),
    "区级劳模": ("区级劳模", "District model worker"),
    "非劳模": ("非劳模", "Not a model worker"),
}

HOUSING_TYPE: Choices = {  # 住房类型
    "自有住房": ("自有住房", "Own home"),
    "租赁住房": ("租赁住房", "Rented"),
    "公租房或廉租房": ("公租房或廉租房", "Public or low-rent housing"),
    "借住": ("借住", "Lodging with others"),
    "单位宿舍": ("单位宿舍", "Employer's dormitory"),
    "无固定住所": ("无固定住所", "No fixed home"),
    "其他": ("其他", "Other"),
}

EMPLOYER_NATURE: Choices = {  # 单位性质
    "机关": ("机关", "Government body"),
    "事业单位": ("事业单位", "Public institution"),
    "国有企业": ("国有企业", "State-owned enterprise"),
    "集体企业": ("集体企业", "Collective enterprise"),
    "私营企业": ("私营企业", "Private enterprise"),
    "外商投资企业": ("外商投资企业", "Foreign-invested enterprise"),
    "港澳台投资企业": ("港澳台投资企业", "Hong Kong, Macao or Taiwan-invested enterprise"),
    "个体工商户": ("个体工商户", "Individual business"),
    "社会组织": ("社会组织", "Social organisation"),
    "其他": ("其他", "Other"),
}

ENTERPRISE_STATUS: Choices = {  # 企业状况
    "正常": ("正常", "Operating normally"),
    "停产半停产": ("停产半停产", "Production stopped or half-stopped"),
    "破产": ("破产", "Bankrupt"),
    "关闭": ("关闭", "Closed"),
    "改制": ("改制", "Restructured"),
    "其他": ("其他", "Other"),
}

MEDICAL_INSURANCE: Choices = {  # 医保状况
    "职工基本医疗保险": ("职工基本医疗保险", "Employees' basic medical insurance"),
    "城乡居民基本医疗保险": ("城乡居民基本医疗保险", "Residents' basic medical insurance"),
    "未参保": ("未参保", "Not insured"),
    "其他": ("其他", "Other"),
}

# field of the hardship file -> its list
CASE_CHOICES: dict[str, Choices] = {
    "political_status": POLITICAL_STATUS,
    "disability_category": DISABILITY_CATEGORY,
    "model_worker_type": MODEL_WORKER_TYPE,
    "housing_type": HOUSING_TYPE,
    "employer_nature": EMPLOYER_NATURE,
    "enterprise_status": ENTERPRISE_STATUS,
    "medical_insurance": MEDICAL_INSURANCE,
}

# other wordings offices write for a listed value (compared without spaces)
CASE_SYNONYMS: dict[str, dict[str, str]] = {
    "political_status": {"党员": "中共党员", "共产党员": "中共党员", "中共正式党员": "中共党员",
                         "预备党员": "中共预备党员", "团员": "共青团员",
                         "民主党派": "民主党派成员", "无党派": "无党派人士",
                         "普通群众": "群众"},
    "disability_category": {"视力": "视力残疾", "听力": "听力残疾", "言语": "言语残疾",
                            "肢体": "肢体残疾", "智力": "智力残疾", "精神": "精神残疾",
                            "多重": "多重残疾"},
    "model_worker_type": {"全国劳动模范": "全国劳模", "省部级劳动模范": "省部级劳模",
                          "省级劳模": "省部级劳模", "省级劳动模范": "省部级劳模",
                          "市级劳动模范": "市级劳模", "地市级劳模": "市级劳模",
                          "区级劳动模范": "区级劳模", "否": "非劳模", "不是": "非劳模"},
    "housing_type": {"自有": "自有住房", "自购房": "自有住房", "自建房": "自有住房",
                     "租房": "租赁住房", "租住": "租赁住房", "租赁": "租赁住房",
                     "租住私房": "租赁住房", "公租房": "公租房或廉租房",
                     "廉租房": "公租房或廉租房", "借住亲友住房": "借住", "宿舍": "单位宿舍"},
    "employer_nature": {"民营企业": "私营企业", "民企": "私营企业", "国企": "国有企业",
                        "外资企业": "外商投资企业", "外企": "外商投资企业",
                        "港澳台企业": "港澳台投资企业", "个体": "个体工商户",
                        "政府机关": "机关", "机关单位": "机关"},
    "enterprise_status": {"正常经营": "正常", "停产": "停产半停产", "半停产": "停产半停产",
                          "停业": "停产半停产", "已破产": "破产", "倒闭": "关闭",
                          "已关闭": "关闭"},
    "medical_insurance": {"城镇职工医保": "职工基本医疗保险", "职工医保": "职工基本医疗保险",
                          "城镇职工基本医疗保险": "职工基本医疗保险",
                          "居民医保": "城乡居民基本医疗保险",
                          "城乡居民医保": "城乡居民基本医疗保险",
                          "城镇居民医保": "城乡居民基本医疗保险",
                          "新农合": "城乡居民基本医疗保险", "无": "未参保",
                          "没有参保": "未参保"},
}
