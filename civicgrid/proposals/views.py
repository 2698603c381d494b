"""The web pages of the livelihood proposals: the residents' campaign pages (phone first) and the
staff pages (phases, screening, panel scoring, selection, milestones). They parse, call the
selectors and services and render. A page with a form answers a refused submission (the form's
own checks or the service's refusal, shown on the form) with 400; the one-button actions
redirect back with the refusal as a message."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

# Residents sign in with their phone: their pages send them to that sign-in, not the staff one.
resident_required = login_required(login_url="people:resident_login")

from civicgrid.people.models import Unit

from . import phases, selectors, services
from .filters import ProposalFilterSet
from civicgrid.people.jurisdiction import jurisdiction_for
from civicgrid.core.forms import add_service_errors

from .errors import Forbidden
from .forms import CampaignEditForm, CampaignForm, MilestoneForm, PanelForm, ProposalForm, UpdateForm
from .models import Milestone, PanelMember, ProposalStatus, SelectionRun


def _campaign(campaign_id: int):
    campaign = selectors.campaign(campaign_id)
    if campaign is None:
        raise Http404()
    return campaign


def _proposal(proposal_id: int):
    proposal = selectors.proposal(proposal_id)
    if proposal is None:
        raise Http404()
    return proposal


def _project(project_id: int):
    project = selectors.project(project_id)
    if project is None:
        raise Http404()
    return project


def _refused(request, exc: ValidationError) -> None:
    messages.error(request, " ".join(exc.messages))


def _attempt(request, fn, success: str, **kwargs) -> bool:
    try:
        fn(**kwargs)
    except ValidationError as exc:
        _refused(request, exc)
        return False
    messages.success(request, success)
    return True


def _manager(request, campaign):
    if not services.can_manage(request.user, campaign):
        raise PermissionDenied(_("Only the staff of this campaign's district or street may do this."))


# --- residents ----------------------------------------------------------------------------------
@require_GET
def index(request):
    return render(request, "proposals/index.html", {
        "campaigns": selectors.public_campaigns()[:20],
        "is_campaign_staff": selectors.creatable_areas(jurisdiction_for(request.user)).exists()})


@require_GET
def campaign(request, campaign_id: int):
    campaign = _campaign(campaign_id)
    params = request.GET.copy()
    params.setdefault("ordering", "-supports")
    filterset = ProposalFilterSet(params, queryset=selectors.proposals_of(campaign))
    proposals = list(filterset.qs[:200]) if filterset.is_valid() else []
    return render(request, "proposals/campaign.html", {
        "campaign": campaign,
        "steps": selectors.phase_steps(campaign),
        "filterset": filterset,
        "proposals": proposals,
        "supported": selectors.supported_ids(request.user, campaign),
        "remaining": selectors.remaining_supports(request.user, campaign),
        "projects": list(selectors.projects_of(campaign)),
        "can_manage": request.user.is_authenticated and services.can_manage(request.user, campaign),
        "is_panellist": selectors.is_panellist(request.user, campaign),
    })


@resident_required
def submit(request, campaign_id: int):
    campaign = _campaign(campaign_id)
    form = ProposalForm(request.POST or None, campaign=campaign)
    if request.method == "POST" and form.is_valid():
        try:
            proposal = services.submit_proposal(actor=request.user, campaign=campaign, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Your proposal was submitted. Thank you!"))
            return redirect("proposals:proposal", proposal.pk)
    return render(request, "proposals/submit.html", {
        "campaign": campaign, "form": form,
        "left": max(0, campaign.submission_limit - selectors.my_submissions(request.user, campaign)),
    }, status=400 if form.errors else 200)


@require_GET
def similar(request, campaign_id: int):
    """The live "similar proposals" hint of the submit form (htmx)."""
    campaign = _campaign(campaign_id)
    text = f"{request.GET.get('title', '')} {request.GET.get('description', '')}".strip()[:3000]
    found = selectors.similar_proposals(campaign, text) if len(text) >= 4 else []
    return render(request, "proposals/_similar.html", {
        "campaign": campaign, "found": found,
        "supported": selectors.supported_ids(request.user, campaign),
    })


@require_GET
def proposal(request, proposal_id: int):
    proposal = _proposal(proposal_id)
    campaign = proposal.campaign
    return render(request, "proposals/proposal.html", {
        "proposal": proposal, "campaign": campaign, "author": selectors.author_display(proposal),
        "supported": selectors.supported_ids(request.user, campaign),
        "remaining": selectors.remaining_supports(request.user, campaign),
        "project": getattr(proposal, "project", None) if proposal.status == ProposalStatus.SELECTED else None,
    })


@resident_required
@require_GET
def mine(request):
    return render(request, "proposals/mine.html", {"proposals": selectors.my_proposals(request.user)[:100]})


@resident_required
@require_POST
def support(request, proposal_id: int):
    proposal = _proposal(proposal_id)
    withdraw = request.POST.get("action") == "withdraw"
    try:
        if withdraw:
            services.withdraw_support(actor=request.user, proposal=proposal)
        else:
            services.support(actor=request.user, proposal=proposal)
        error = ""
    except ValidationError as exc:
        error = " ".join(exc.messages)
    if request.headers.get("HX-Request"):
        proposal.refresh_from_db()
        campaign = proposal.campaign
        return render(request, "proposals/_support.html", {
            "p": proposal, "campaign": campaign, "error": error, "oob_remaining": True,
            "supported": selectors.supported_ids(request.user, campaign),
            "remaining": selectors.remaining_supports(request.user, campaign)})
    if error:
        messages.error(request, error)
    else:
        messages.success(request, _("Your support was withdrawn.") if withdraw else _("Thank you for your support."))
    return redirect(request.POST.get("next") or reverse("proposals:proposal", args=[proposal.pk]))


@require_GET
def project(request, project_id: int):
    project = _project(project_id)
    mine = None
    if request.user.is_authenticated:
        mine = project.ratings.filter(user=request.user).first()
    return render(request, "proposals/project.html", {
        "project": project, "campaign": project.campaign, "milestones": list(project.milestones.all()),
        "updates": list(project.updates.all()[:20]), "ratings": list(project.ratings.all()[:20]),
        "my_rating": mine,
        "can_manage": request.user.is_authenticated and services.can_manage_project(request.user, project),
        "milestone_form": MilestoneForm(), "update_form": UpdateForm(),
    })


@resident_required
@require_POST
def rate(request, project_id: int):
    project = _project(project_id)
    try:
        stars = int(request.POST.get("stars", "0"))
    except ValueError:
        stars = 0
    _attempt(request, services.rate_project, _("Thank you for your rating."), actor=request.user, project=project,
             stars=stars, comment=request.POST.get("comment", ""))
    return redirect("proposals:project", project.pk)


# --- staff --------------------------------------------------------------------------------------
def _creatable_areas(request) -> list:
    areas = list(selectors.creatable_areas(jurisdiction_for(request.user)))
    if not areas:
        raise PermissionDenied(_("Only the staff of a district or street may start a campaign."))
    return areas


@login_required
@require_GET
def staff_campaigns(request):
    """The campaigns of the reader's district or street (and the district above a street)."""
    _creatable_areas(request)
    campaigns = list(selectors.campaigns_for(jurisdiction_for(request.user))[:100])
    return render(request, "proposals/staff.html", {
        "rows": [{"c": c, "can_manage": services.can_manage(request.user, c)} for c in campaigns]})


@login_required
def new_campaign(request):
    areas = _creatable_areas(request)
    form = CampaignForm(request.POST or None, areas=areas,
                        initial={"area": areas[0].code if len(areas) == 1 else None})
    if request.method == "POST" and form.is_valid():
        try:
            campaign = services.create_campaign(actor=request.user, **form.cleaned_data)
        except Forbidden as exc:
            raise PermissionDenied(" ".join(exc.messages)) from None
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The campaign was created. Open its first phase when it is ready."))
            return redirect("proposals:manage", campaign.pk)
    return render(request, "proposals/new_campaign.html", {"form": form}, status=400 if form.errors else 200)


@login_required
def edit_campaign(request, campaign_id: int):
    campaign = _campaign(campaign_id)
    _manager(request, campaign)
    form = CampaignEditForm(request.POST or None, initial=CampaignEditForm.initial_for(campaign),
                            frozen=services.frozen_fields(campaign))
    if request.method == "POST" and form.is_valid():
        try:
            changed = services.update_campaign(actor=request.user, campaign=campaign,
                                               reason=form.cleaned_data["reason"], **form.changes())
        except Forbidden as exc:
            raise PermissionDenied(" ".join(exc.messages)) from None
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The campaign was updated.") if changed else _("Nothing was changed."))
            return redirect("proposals:manage", campaign.pk)
    return render(request, "proposals/edit_campaign.html", {"campaign": campaign, "form": form},
                  status=400 if form.errors else 200)


@login_required
def manage(request, campaign_id: int):
    campaign = _campaign(campaign_id)
    _manager(request, campaign)
    run = selectors.latest_run(campaign)
    proposals = list(selectors.proposals_of(campaign, include_merged=True).order_by("status", "-support_count", "id"))
    by_id = {p.pk: p for p in proposals}
    chosen = [by_id[i] for i in (run.chosen if run else []) if i in by_id]
    return render(request, "proposals/manage.html", {
        "campaign": campaign, "steps": selectors.phase_steps(campaign),
        "moves": phases.moves_from(campaign.state),
        "proposals": proposals, "open_proposals": [p for p in proposals if p.status in ("submitted", "eligible")],
        "run": run, "chosen": chosen,
        "ranked": [by_id[i] for i in (run.ranking if run else []) if i in by_id],
        "used_pct": round(100 * run.total_cost / campaign.budget, 1) if run and campaign.budget else 0,
        "units": selectors.units_for(campaign)[:300],
        "projects": list(selectors.projects_of(campaign)),
        "phase_changes": list(campaign.phase_changes.select_related("actor")),
        "panel": list(selectors.panel_of(campaign)), "panel_open": services.panel_open(campaign),
        "panel_form": PanelForm(),
    })


@login_required
@require_POST
def add_panel_member(request, campaign_id: int):
    campaign = _campaign(campaign_id)
    _manager(request, campaign)
    back = reverse("proposals:manage", args=[campaign.pk]) + "#panel"
    form = PanelForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return redirect(back)
    person = selectors.find_person(campaign, form.cleaned_data["who"])
    if person is None:
        messages.error(request, selectors.NOT_IN_AREA)
        return redirect(back)
    _attempt(request, services.add_panel_member,
             _("%(name)s joined the panel.") % {"name": person.display_name},
             actor=request.user, campaign=campaign, user=person, kind=form.cleaned_data["kind"])
    return redirect(back)


@login_required
@require_POST
def remove_panel_member(request, campaign_id: int, member_id: int):
    campaign = _campaign(campaign_id)
    _manager(request, campaign)
    member = PanelMember.objects.select_related("user", "campaign").filter(pk=member_id, campaign=campaign).first()
    if member is None:
        raise Http404()
    _attempt(request, services.remove_panel_member,
             _("%(name)s left the panel.") % {"name": member.user.display_name},
             actor=request.user, member=member, reason=request.POST.get("reason", ""))
    return redirect(reverse("proposals:manage", args=[campaign.pk]) + "#panel")


@login_required
@require_POST
def change_phase(request, campaign_id: int):
    campaign = _campaign(campaign_id)
    _manager(request, campaign)
    _attempt(request, services.change_phase, _("The phase was changed."), actor=request.user, campaign=campaign,
             action=request.POST.get("action", ""), reason=request.POST.get("reason", ""))
    return redirect("proposals:manage", campaign.pk)


@login_required
@require_POST
def screen(request, proposal_id: int):
    proposal = _proposal(proposal_id)
    _manager(request, proposal.campaign)
    _attempt(request, services.screen_proposal, _("Screening saved."), actor=request.user, proposal=proposal,
             eligible=request.POST.get("eligible") == "1", reason=request.POST.get("reason", ""))
    return redirect(reverse("proposals:manage", args=[proposal.campaign_id]) + "#screening")


@login_required
@require_POST
def merge(request, proposal_id: int):
    source = _proposal(proposal_id)
    _manager(request, source.campaign)
    target = selectors.proposal(int(request.POST.get("into") or 0))
    if target is None:
        messages.error(request, _("Choose another proposal of the same campaign."))
    else:
        _attempt(request, services.merge_proposals, _("The proposals were merged."), actor=request.user,
                 source=source, target=target, reason=request.POST.get("reason", ""))
    return redirect(reverse("proposals:manage", args=[source.campaign_id]) + "#screening")


@login_required
@require_POST
def run_selection(request, campaign_id: int):
    campaign = _campaign(campaign_id)
    _manager(request, campaign)
    _attempt(request, services.run_selection, _("The selection was computed."), actor=request.user,
             campaign=campaign)
    return redirect(reverse("proposals:manage", args=[campaign.pk]) + "#selection")


@login_required
@require_POST
def confirm_selection(request, campaign_id: int):
    campaign = _campaign(campaign_id)
    _manager(request, campaign)
    run = SelectionRun.objects.filter(campaign=campaign, pk=int(request.POST.get("run") or 0)).first()
    if run is None:
        messages.error(request, _("Only the latest selection run can be confirmed; run it again."))
        return redirect("proposals:manage", campaign.pk)
    codes = {pid: request.POST.get(f"unit_{pid}", "") for pid in run.chosen}
    found = Unit.objects.in_bulk([c for c in codes.values() if c], field_name="code")
    units = {pid: found.get(code) for pid, code in codes.items()}
    _attempt(request, services.confirm_selection, _("The selection was confirmed; the projects were created."),
             actor=request.user, run=run, units=units)
    return redirect(reverse("proposals:manage", args=[campaign.pk]) + "#selection")


@login_required
def score(request, campaign_id: int):
    campaign = _campaign(campaign_id)
    if not selectors.is_panellist(request.user, campaign):
        raise PermissionDenied(_("Only the members of this campaign's panel may score."))
    criteria = selectors.criteria_of(campaign)
    if request.method == "POST":
        proposal = selectors.proposal(int(request.POST.get("proposal") or 0))
        if proposal is None or proposal.campaign_id != campaign.pk:
            raise Http404()
        values = {}
        for c in criteria:
            raw = request.POST.get(f"c{c.pk}", "")
            values[c.pk] = int(raw) if raw.isdigit() else -1
        _attempt(request, services.score_proposal, _("Your scores were saved."), actor=request.user,
                 proposal=proposal, values=values)
        return redirect(reverse("proposals:score", args=[campaign.pk]) + f"#p{proposal.pk}")
    mine = selectors.my_scores(request.user, campaign)
    shortlisted = list(selectors.proposals_of(campaign).filter(status=ProposalStatus.ELIGIBLE).order_by("id"))
    rows = []
    for p in shortlisted:
        values = [(c, mine.get(p.pk, {}).get(c.pk)) for c in criteria]
        # 已评分 once every criterion has the panellist's score: what they still owe stands out.
        rows.append({"p": p, "values": values, "scored": bool(values) and all(v is not None for _c, v in values)})
    return render(request, "proposals/score.html", {
        "campaign": campaign, "criteria": criteria, "rows": rows,
        "scored_count": sum(r["scored"] for r in rows), "to_score": [r["p"] for r in rows if not r["scored"]]})


@login_required
@require_POST
def add_milestone(request, project_id: int):
    project = _project(project_id)
    form = MilestoneForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    else:
        _attempt(request, services.add_milestone, _("Milestone added."), actor=request.user, project=project,
                 **form.cleaned_data)
    return redirect("proposals:project", project.pk)


@login_required
@require_POST
def milestone_progress(request, milestone_id: int):
    milestone = Milestone.objects.select_related("project__campaign").filter(pk=milestone_id).first()
    if milestone is None:
        raise Http404()
    raw = request.POST.get("progress", "")
    _attempt(request, services.set_milestone_progress, _("Progress saved."), actor=request.user,
             milestone=milestone, progress=int(raw) if raw.isdigit() else -1)
    return redirect("proposals:project", milestone.project_id)


@login_required
@require_POST
def post_update(request, project_id: int):
    project = _project(project_id)
    form = UpdateForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    else:
        _attempt(request, services.post_update, _("Update posted."), actor=request.user, project=project,
                 **form.cleaned_data)
    return redirect("proposals:project", project.pk)


@login_required
@require_POST
def finish(request, project_id: int):
    project = _project(project_id)
    _attempt(request, services.finish_project, _("The project is finished."), actor=request.user, project=project)
    return redirect("proposals:project", project.pk)
