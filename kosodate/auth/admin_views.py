"""/admin/users: the users an admin (everyone) or the secretariat (its council's agencies) administers
— search, invite, change, deactivate and reactivate, unlock, reset two-factor sign-in."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..agencies.models import Agency
from ..agencies.services import visible_agencies
from ..core.access import get_for, permission_required
from ..core.args import id_arg
from ..core.refusals import commit_unless_refused
from ..extensions import db
from . import user_changes
from .admin_forms import InviteForm, UserActionForm, UserForm
from .invitations import open_invitation_user_ids
from .models import Role, User
from .sessions import recent_password_required
from .two_factor import two_factor_required
from .user_lists import UserFilter, is_locked, list_users

bp = Blueprint("user_admin", __name__)

STATES = {"active": "利用中", "inactive": "利用停止"}
ACTIONS = {
    "deactivate": user_changes.deactivate,
    "reactivate": user_changes.reactivate,
    "reset-2fa": user_changes.reset_second_factor,
    "invite": user_changes.invite_again,
    "unlock": user_changes.unlock,
}
#: what the user is told when the action is done
DONE = {
    "deactivate": "{name} さんを利用停止にしました。ログイン中のセッションも終了しました。",
    "reactivate": "{name} さんの利用を再開しました。",
    "reset-2fa": "{name} さんの2段階認証をリセットしました。次のログインで登録し直します。",
    "invite": "{name} さんに招待のメールを送り直しました。前のリンクは使えなくなりました。",
    "unlock": "{name} さんのロックを解除しました。",
}
NOT_LOCKED = "{name} さんはロックされていません。"


def _filters() -> UserFilter:
    role = request.args.get("role", "")
    state = request.args.get("state", "")
    return UserFilter(
        text=request.args.get("q", "")[:100],
        role=Role(role) if role in set(Role) else None,
        agency_id=id_arg(request.args, "agency"),
        state=state if state in STATES else "",
    )


@bp.get("/admin/users")
@permission_required("manage", User)
@recent_password_required
def index():
    filters = _filters()
    return render_template(
        "admin/users.html",
        listing=list_users(current_user, filters),
        filters=filters,
        roles=list(Role),
        states=STATES,
        agencies=visible_agencies(current_user),
    )


def _offer(form: UserForm, user: User | None = None) -> dict[int, Agency]:
    """Offer the roles and agencies the actor may give (and the user's own agency, kept as it is
    even when the actor could not choose it now); returns the offered agencies by id."""
    agencies = user_changes.assignable_agencies(current_user)
    if user is not None and user.agency is not None and user.agency not in agencies:
        agencies.append(user.agency)
    several = len({agency.council_id for agency in agencies}) > 1
    form.offer(user_changes.grantable_roles(current_user), agencies, several)
    return {agency.id: agency for agency in agencies}


def _data(form: UserForm, offered: dict[int, Agency]) -> user_changes.UserData:
    return user_changes.UserData(form.name.data.strip(), Role(form.role.data), offered.get(form.agency.data))


@bp.route("/admin/users/new", methods=["GET", "POST"])
@permission_required("manage", User)
@recent_password_required
def invite():
    form = InviteForm(data={"role": Role.AGENCY_MEMBER.value}) if request.method == "GET" else InviteForm()
    offered = _offer(form)
    if form.validate_on_submit():
        invited, result = commit_unless_refused(
            form, lambda: user_changes.invite_user(current_user, form.email.data, _data(form, offered))
        )
        if invited:
            user, _token = result
            flash(
                f"{user.name} さん（{user.email}）に招待のメールを送りました。リンクは72時間有効です。",
                "success",
            )
            return redirect(url_for("user_admin.detail", user_id=user.id))
    status = 400 if request.method == "POST" else 200
    return render_template("admin/user_invite.html", form=form), status


@bp.route("/admin/users/<id:user_id>", methods=["GET", "POST"])
@recent_password_required
def detail(user_id: int):
    """The user's page: the form of name, role and agency, and a button for each action (a POST
    with `action`)."""
    user = get_for(current_user, "manage", User, user_id)
    if request.method == "POST" and "action" in request.form:
        return _act(user)
    form = UserForm()
    if request.method == "GET":
        form = UserForm(data={"name": user.name, "role": user.role.value, "agency": user.agency_id})
    offered = _offer(form, user)
    if form.validate_on_submit():
        saved, changes = commit_unless_refused(
            form, lambda: user_changes.update_user(current_user, user, _data(form, offered))
        )
        if saved:
            flash("変更を保存しました。" if changes else "変更はありませんでした。", "success")
            return redirect(url_for("user_admin.detail", user_id=user.id))
    return render_template(
        "admin/user_detail.html",
        user=user,
        form=form,
        action_form=UserActionForm(formdata=None),
        locked=is_locked(user),
        invited=bool(open_invitation_user_ids([user.id])),
        two_factor_required=two_factor_required(user),
        is_self=user.id == current_user.id,
    ), 400 if request.method == "POST" else 200


def _act(user: User):
    form = UserActionForm()
    if not form.validate_on_submit():
        flash("操作が正しくありません。もう一度操作してください。", "error")
        return redirect(url_for("user_admin.detail", user_id=user.id))
    action, name = form.action.data, user.name
    try:
        done = ACTIONS[action](current_user, user)
        message = NOT_LOCKED if action == "unlock" and not done else DONE[action]
    except user_changes.UserRefused as refused:
        db.session.rollback()
        flash(str(refused), "error")
    else:
        db.session.commit()
        flash(message.format(name=name), "success")
    return redirect(url_for("user_admin.detail", user_id=user.id))
