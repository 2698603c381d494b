"""Every new database starts with a few common answers (常用答复); a jurisdiction edits them or adds
its own in the admin. Answers tied to a category are skipped when the catalogue lacks it, so a
category-specific text never turns into a general one."""

from django.db import migrations

DEFAULTS = [
    # (title, category code or None, body)
    ("已处理完毕（通用）", None,
     "您好，您反映的问题已由我单位工作人员现场核实并处理完毕。如仍有问题，欢迎再次通过12345热线或居民端反映。感谢您对我们工作的支持！"),
    ("已解释说明（政策咨询）", None,
     "您好，关于您咨询的问题，我单位已电话联系您并就相关政策规定进行了解释说明，您表示理解。感谢您的来电。"),
    ("已列入计划（暂无法立即解决）", None,
     "您好，您反映的问题已经现场核实。因涉及资金和施工安排，暂无法立即解决，现已列入本年度工作计划，预计完成后将及时告知您。感谢您的理解与支持。"),
    ("已协调相关方解决", None,
     "您好，接到您的诉求后，我单位已联系物业公司及相关单位现场协调，问题已解决。后续我们将加强巡查，防止问题反复。"),
    ("道路破损已修复", "0102",
     "您好，您反映的路面破损问题，市政养护人员已于近日完成修补，现已恢复通行。感谢您的监督。"),
    ("环境污染已查处", "04",
     "您好，执法人员已到现场检查，对相关单位的违规行为依法责令整改，并将持续跟踪复查。感谢您的反映。"),
]


def load(apps, schema_editor):
    Category = apps.get_model("workorders", "Category")
    ResponseTemplate = apps.get_model("workorders", "ResponseTemplate")
    for position, (title, code, body) in enumerate(DEFAULTS):
        category = None
        if code is not None:
            category = Category.objects.filter(code=code).first()
            if category is None:
                continue
        ResponseTemplate.objects.get_or_create(
            title=title, defaults={"body": body, "category": category, "position": position * 10}
        )


def unload(apps, schema_editor):
    ResponseTemplate = apps.get_model("workorders", "ResponseTemplate")
    ResponseTemplate.objects.filter(title__in=[t for t, _, _ in DEFAULTS]).delete()


class Migration(migrations.Migration):
    dependencies = [("workorders", "0004_response_template")]

    operations = [migrations.RunPython(load, unload)]
