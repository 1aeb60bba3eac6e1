"""/map for coordinators: a child's social map (domain.md §3, network diagnosis). Pick the family
and the child; the child's latest snapshot lists the people around them by circle; add someone in
four taps (name, relation, circle, nature), move them to another circle or change the tie; start
today's snapshot as a copy of the last one; get the map, or the comparison with the snapshot
before, as a picture.

Every getter and button goes through bot/services/social_maps.py, which checks the rights again;
ids that came with a button are parsed defensively and must belong to the open map.
"""

from __future__ import annotations

from typing import Any

from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from aiogram_dialog import DialogManager, ShowMode
from aiogram_dialog.widgets.input import MessageInput
from aiogram_dialog.widgets.kbd import Button, Row, SwitchTo

from bot.db.models import Relation, TieNature
from bot.dialogs.context import ctx
from bot.dialogs.family_picker import FAMILY_ERRORS, family_search, get_families, picked_family
from bot.dialogs.meetings.board import RELATION_NAMES, relation_name
from bot.dialogs.social_map.states import MapSG
from bot.dialogs.widgets import (
    Dialog,
    Html,
    T,
    Window,
    choices,
    error_text,
    form_text,
    get_input_error,
    input_error_line,
    parse_id,
    shorten,
    show_input_error,
    to_menu,
)
from bot.handlers.social_map import TIE_NATURES, MapPictureRequest, day, start_picture
from bot.i18n import N_
from bot.markup import escape
from bot.services import families, social_maps
from bot.services.access import Action, authorize
from bot.services.errors import DomainError

FAMILY_ID, FAMILY_NAME = "family_id", "family_name"
FROM_CARD = "from_card"  # opened from a family card: its «⬅️ Back» returns there
CHILD, CHILDREN = "child", "children"
MAP_ID, PERSON_ID = "map_id", "person_id"
P_NAME, P_RELATION, P_CIRCLE = "p_name", "p_relation", "p_circle"
NOTICE = "notice"

NATURE_MARKS = {"supportive": "🟢", "neutral": "⚪", "conflictual": "🔴"}
CIRCLE_NAMES = {1: N_("1 — closest"), 2: N_("2 — close"), 3: N_("3 — further")}
ERRORS = {
    **FAMILY_ERRORS,
    "map_not_found": N_("This map was not found."),
    "map_person_not_found": N_("This person is no longer on the map."),
    "map_full": N_("The map already has the most people it can show ({n})."),
    "map_today": N_("Today's snapshot already exists: change it instead."),
    "map_child_surname": N_("Please send only the child's first name, without the surname."),
    "map_child_long": N_("That is a bit long: please send only the child's first name."),
    "map_person_long": N_("That is a bit long: please send a first name or a short label."),
}


def _error_text(error: DomainError) -> str:
    return error_text(ERRORS, error, n=social_maps.MAX_PEOPLE)


def _ignore(manager: DialogManager) -> None:
    manager.show_mode = ShowMode.NO_UPDATE  # a stale or forged button: nothing changes


def nature_name(code: str) -> str:
    return _(TIE_NATURES[code]) if code in TIE_NATURES else code


# --- the family and the child ---------------------------------------------------------------


async def on_start(data: Any, manager: DialogManager) -> None:
    c = ctx(manager)
    await authorize(c.session, c.actor, Action.MEETING_MANAGE)
    # Opened from a family card: that family, straight to its children.
    family_id = data.get(FAMILY_ID) if isinstance(data, dict) else None
    if isinstance(family_id, int):
        family = await families.require_view(c.session, c.actor, family_id)
        manager.dialog_data.update(
            {FAMILY_ID: family.id, FAMILY_NAME: family.name, FROM_CARD: True}
        )


async def on_back_to_card(_c: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    await manager.done()


async def on_family(_c: CallbackQuery, _w: Any, manager: DialogManager, item: str) -> None:
    family = await picked_family(manager, item, action=Action.MEETING_MANAGE, open_only=False)
    if family is None:
        return
    manager.dialog_data.update({FAMILY_ID: family.id, FAMILY_NAME: family.name})
    await manager.switch_to(MapSG.child)


async def get_children(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    c = ctx(dialog_manager)
    names = await social_maps.children(
        c.session, c.require_actor(), int(dialog_manager.dialog_data[FAMILY_ID])
    )
    # Only these names may be picked by a tap, whatever the button says.
    dialog_manager.dialog_data[CHILDREN] = names
    return {
        "family": shorten(str(dialog_manager.dialog_data.get(FAMILY_NAME, "")), 48),
        "children": [(shorten(name, 30), str(i)) for i, name in enumerate(names)],
        "known": bool(names),
        "from_card": bool(dialog_manager.dialog_data.get(FROM_CARD)),
    }


async def _open_child(manager: DialogManager, name: str) -> None:
    c = ctx(manager)
    rows = await social_maps.snapshots(
        c.session, c.require_actor(), int(manager.dialog_data[FAMILY_ID]), name
    )
    manager.dialog_data[CHILD] = name
    manager.dialog_data[MAP_ID] = rows[0].id if rows else None
    await manager.switch_to(MapSG.snapshot)


async def on_child(_c: CallbackQuery, _w: Any, manager: DialogManager, item: str) -> None:
    names = manager.dialog_data.get(CHILDREN) or []
    index = parse_id(item)
    if index is None or index >= len(names):
        _ignore(manager)
        return
    await _open_child(manager, str(names[index]))


async def on_child_text(message: Message, _w: Any, manager: DialogManager) -> None:
    text = form_text(
        message,
        manager,
        _("Please send the child's first name as text."),
        limit=social_maps.CHILD_NAME_MAX,
        one_line=True,
    )
    if text is None:
        return
    if len(text.split()) > 1:
        show_input_error(manager, _error_text(DomainError("map_child_surname")))
        return
    await _open_child(manager, text)


# --- the snapshot ---------------------------------------------------------------------------


def _map_id(manager: DialogManager) -> int | None:
    value = manager.dialog_data.get(MAP_ID)
    return int(value) if value is not None else None


async def get_snapshot(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    c = ctx(dialog_manager)
    actor = c.require_actor()
    data = dialog_manager.dialog_data
    child = str(data.get(CHILD, ""))
    rows = await social_maps.snapshots(c.session, actor, int(data[FAMILY_ID]), child)
    map_id = _map_id(dialog_manager)
    base = {
        "child": shorten(child, 40),
        "family": shorten(str(data.get(FAMILY_NAME, "")), 48),
        "notice": str(data.pop(NOTICE, "")),
        "count": len(rows),
        "several": len(rows) > 1,
    }
    if map_id is None:
        return {**base, "has_map": False, "no_map": True, "people": [], "has_people": False}
    shown = await social_maps.snapshot(c.session, actor, map_id, c.now())
    previous = await social_maps.previous_of(c.session, actor, map_id)
    lines: list[str] = []
    for circle in social_maps.CIRCLES:
        ring = [p for p in shown.people if p.circle == circle]
        if not ring:
            continue
        lines.append(f"<b>{_(CIRCLE_NAMES[circle])}</b>")
        lines += [
            "{mark} {name}, {relation}".format(
                mark=NATURE_MARKS.get(p.nature, "•"),
                name=escape(shorten(p.name, 40)),
                relation=relation_name(p.relation, _),
            )
            for p in ring
        ]
    return {
        **base,
        "has_map": True,
        "no_map": False,
        "day": day(shown.taken_on),
        "n": len(shown.people),
        "lines": Html("\n".join(lines)),
        "has_people": bool(shown.people),
        "empty": not shown.people,
        "people": [
            (f"{NATURE_MARKS.get(p.nature, '•')} {shorten(p.name, 24)}", str(p.id))
            for p in shown.people
        ],
        "has_previous": previous is not None,
    }


async def on_new_snapshot(_c: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    c = ctx(manager)
    data = manager.dialog_data
    try:
        created = await social_maps.start_snapshot(
            c.session, c.require_actor(), int(data[FAMILY_ID]), str(data.get(CHILD, "")), c.now()
        )
    except DomainError as error:
        if error.code == "access_denied":
            raise
        data[NOTICE] = _error_text(error)
        return
    data[MAP_ID] = created.id
    data[NOTICE] = (
        _("Today's snapshot is a copy of the last one: change only what moved.")
        if created.copied_from_id
        else _("The map is started: add the people around the child.")
    )


def _picture_request(manager: DialogManager, map_id: int, earlier: int | None) -> Any:
    c = ctx(manager)
    data = manager.middleware_data
    chat = data.get("event_chat")
    actor = c.require_actor()
    return MapPictureRequest(
        bot=c.bot,
        chat_id=chat.id if chat is not None else actor.telegram_id,
        actor=actor,
        locale=c.locale,
        sessionmaker=data["sessionmaker"],
        clock=c.clock,
        i18n=data["i18n"],
        background=data["background"],
        map_id=map_id,
        earlier_id=earlier,
    )


async def on_picture(_c: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    c = ctx(manager)
    map_id = _map_id(manager)
    if map_id is None:
        _ignore(manager)
        return
    await authorize(c.session, c.actor, Action.MEETING_MANAGE)
    await start_picture(_picture_request(manager, map_id, None))
    manager.show_mode = ShowMode.NO_UPDATE  # the window stays for the next tap


async def on_compare(_c: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    c = ctx(manager)
    map_id = _map_id(manager)
    if map_id is None:
        _ignore(manager)
        return
    previous = await social_maps.previous_of(c.session, c.require_actor(), map_id)
    if previous is None:
        _ignore(manager)
        return
    await start_picture(_picture_request(manager, map_id, previous))
    manager.show_mode = ShowMode.NO_UPDATE


async def get_snapshot_list(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    c = ctx(dialog_manager)
    data = dialog_manager.dialog_data
    rows = await social_maps.snapshots(
        c.session, c.require_actor(), int(data[FAMILY_ID]), str(data.get(CHILD, ""))
    )
    return {
        "child": shorten(str(data.get(CHILD, "")), 40),
        "snapshots": [
            (_("{day} · people: {n}").format(day=day(r.taken_on), n=r.people), str(r.id))
            for r in rows
        ],
    }


async def on_pick_snapshot(_c: CallbackQuery, _w: Any, manager: DialogManager, item: str) -> None:
    c = ctx(manager)
    data = manager.dialog_data
    map_id = parse_id(item)
    rows = await social_maps.snapshots(
        c.session, c.require_actor(), int(data[FAMILY_ID]), str(data.get(CHILD, ""))
    )
    if map_id is None or map_id not in {r.id for r in rows}:
        _ignore(manager)
        return
    data[MAP_ID] = map_id
    await manager.switch_to(MapSG.snapshot)


# --- one person -----------------------------------------------------------------------------


async def _current_person(manager: DialogManager) -> social_maps.Tie | None:
    c = ctx(manager)
    map_id = _map_id(manager)
    person_id = manager.dialog_data.get(PERSON_ID)
    if map_id is None or person_id is None:
        return None
    shown = await social_maps.snapshot(c.session, c.require_actor(), map_id, c.now())
    return next((p for p in shown.people if p.id == person_id), None)


async def on_pick_person(_c: CallbackQuery, _w: Any, manager: DialogManager, item: str) -> None:
    person_id = parse_id(item)
    if person_id is None:
        _ignore(manager)
        return
    manager.dialog_data[PERSON_ID] = person_id
    if await _current_person(manager) is None:
        manager.dialog_data.pop(PERSON_ID, None)
        _ignore(manager)
        return
    await manager.switch_to(MapSG.person)


async def get_person(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    person = await _current_person(dialog_manager)
    if person is None:
        return {"found": False, "name": "", "circles": [], "natures": []}
    return {
        "found": True,
        "name": shorten(person.name, 40),
        "relation": relation_name(person.relation, _),
        "circle": _(CIRCLE_NAMES.get(person.circle, "?")),
        "nature": nature_name(person.nature),
        "circles": [
            (("✅ " if c == person.circle else "") + str(c), str(c)) for c in social_maps.CIRCLES
        ],
        "natures": [
            (("✅ " if n.value == person.nature else "") + nature_name(n.value), n.value)
            for n in TieNature
        ],
    }


async def _change(manager: DialogManager, **change: Any) -> None:
    c = ctx(manager)
    map_id, person_id = _map_id(manager), manager.dialog_data.get(PERSON_ID)
    if map_id is None or person_id is None:
        _ignore(manager)
        return
    try:
        changed = await social_maps.change_person(
            c.session, c.require_actor(), map_id, int(person_id), **change
        )
    except DomainError as error:
        if error.code == "access_denied":
            raise
        manager.dialog_data[NOTICE] = _error_text(error)
        await manager.switch_to(MapSG.snapshot)
        return
    if not changed:
        _ignore(manager)


async def on_circle(_c: CallbackQuery, _w: Any, manager: DialogManager, item: str) -> None:
    if item not in {"1", "2", "3"}:
        _ignore(manager)
        return
    await _change(manager, circle=int(item))


async def on_nature(_c: CallbackQuery, _w: Any, manager: DialogManager, item: str) -> None:
    if item not in {n.value for n in TieNature}:
        _ignore(manager)
        return
    await _change(manager, nature=item)


async def on_remove(_c: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    c = ctx(manager)
    map_id, person = _map_id(manager), await _current_person(manager)
    manager.dialog_data.pop(PERSON_ID, None)
    removed = (
        map_id is not None
        and person is not None
        and await social_maps.remove_person(c.session, c.require_actor(), map_id, person.id)
    )
    if removed and person is not None:
        manager.dialog_data[NOTICE] = _("{name} is taken off this map.").format(
            name=shorten(person.name, 40)
        )
    await manager.switch_to(MapSG.snapshot)


# --- adding someone -------------------------------------------------------------------------


async def on_add_name(message: Message, _w: Any, manager: DialogManager) -> None:
    text = form_text(
        message,
        manager,
        _("Please send the person's name as text."),
        limit=social_maps.NAME_MAX,
        one_line=True,
    )
    if text is None:
        return
    manager.dialog_data[P_NAME] = text
    await manager.switch_to(MapSG.add_relation)


async def get_adding(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    return {
        "p_name": dialog_manager.dialog_data.get(P_NAME, ""),
        "relations": [(_(name), relation.value) for relation, name in RELATION_NAMES.items()],
        "circles": [(_(CIRCLE_NAMES[c]), str(c)) for c in social_maps.CIRCLES],
        "natures": [
            (f"{NATURE_MARKS[n.value]} {nature_name(n.value)}", n.value) for n in TieNature
        ],
    }


async def on_add_relation(_c: CallbackQuery, _w: Any, manager: DialogManager, item: str) -> None:
    if item not in {r.value for r in Relation}:
        _ignore(manager)
        return
    manager.dialog_data[P_RELATION] = item
    await manager.switch_to(MapSG.add_circle)


async def on_add_circle(_c: CallbackQuery, _w: Any, manager: DialogManager, item: str) -> None:
    if item not in {"1", "2", "3"}:
        _ignore(manager)
        return
    manager.dialog_data[P_CIRCLE] = int(item)
    await manager.switch_to(MapSG.add_nature)


async def on_add_nature(_c: CallbackQuery, _w: Any, manager: DialogManager, item: str) -> None:
    c = ctx(manager)
    data = manager.dialog_data
    map_id = _map_id(manager)
    if item not in {n.value for n in TieNature} or map_id is None or P_NAME not in data:
        _ignore(manager)  # a second tap after the person was saved
        return
    try:
        person = await social_maps.add_person(
            c.session,
            c.require_actor(),
            map_id,
            name=str(data[P_NAME]),
            relation=str(data.get(P_RELATION, Relation.OTHER.value)),
            circle=int(data.get(P_CIRCLE, 3)),
            nature=item,
            now=c.now(),
        )
    except DomainError as error:
        if error.code == "access_denied":
            raise
        data[NOTICE] = _error_text(error)
    else:
        data[NOTICE] = _("{name} is on the map.").format(name=shorten(person.name, 40))
    for key in (P_NAME, P_RELATION, P_CIRCLE):
        data.pop(key, None)
    await manager.switch_to(MapSG.snapshot)


# --- the dialog -----------------------------------------------------------------------------


def create_map_dialog() -> Dialog:
    cancel_add = SwitchTo(T("✖️ Cancel"), id="add_cancel", state=MapSG.snapshot)
    return Dialog(
        Window(
            input_error_line(),
            T("<b>Social map</b>\nWhose child is it? Choose the family."),
            *family_search(on_family),
            to_menu(),
            state=MapSG.family,
            getter=[get_input_error, get_families],
        ),
        Window(
            input_error_line(),
            T("<b>{family}</b>\nWhich child? Tap the name or send the child's first name."),
            T(
                "Only the first name, as the child likes to be called, or a label such as "
                "«старший».",
                when=lambda d, *_: not d["known"],
            ),
            MessageInput(on_child_text),
            choices("child", "children", on_child, width=3),
            SwitchTo(
                T("⬅️ Other family"),
                id="to_family",
                state=MapSG.family,
                when=lambda d, *_: not d["from_card"],
            ),
            Button(T("⬅️ Back"), id="to_card", on_click=on_back_to_card, when="from_card"),
            state=MapSG.child,
            getter=[get_input_error, get_children],
        ),
        Window(
            T("{notice}\n", when="notice"),
            T("<b>Social map: {child}</b> ({family})", when="no_map"),
            T("No map yet. Start it and add the people the child names.", when="no_map"),
            T("<b>Social map: {child}</b>, {day} · people: {n}", when="has_map"),
            T("{lines}", when="has_people"),
            T(
                "Nobody on this map yet: add the people around the child.",
                when=lambda d, *_: d["has_map"] and d["empty"],
            ),
            T("Tap someone to move them or change the tie.", when="has_people"),
            choices("person", "people", on_pick_person, width=2),
            SwitchTo(T("➕ Person"), id="add", state=MapSG.add_name, when="has_map"),
            Row(
                Button(T("🖼 Picture"), id="picture", on_click=on_picture, when="has_people"),
                Button(
                    T("🔁 Compare with before"),
                    id="compare",
                    on_click=on_compare,
                    when="has_previous",
                ),
            ),
            Button(T("🆕 Start the map"), id="start", on_click=on_new_snapshot, when="no_map"),
            Button(
                T("🆕 New snapshot today (a copy)"),
                id="new",
                on_click=on_new_snapshot,
                when="has_map",
            ),
            SwitchTo(
                T("🗂 All snapshots ({count})"),
                id="all",
                state=MapSG.snapshots,
                when="several",
            ),
            SwitchTo(T("⬅️ Other child"), id="to_child", state=MapSG.child),
            to_menu(),
            state=MapSG.snapshot,
            getter=get_snapshot,
        ),
        Window(
            T("<b>Snapshots of {child}'s map</b>, latest first. Tap one to open it."),
            choices("snap", "snapshots", on_pick_snapshot),
            SwitchTo(T("⬅️ Back"), id="snaps_back", state=MapSG.snapshot),
            state=MapSG.snapshots,
            getter=get_snapshot_list,
        ),
        Window(
            T("<b>{name}</b>, {relation}\nCircle: {circle}\nTie: {nature}", when="found"),
            T("This person is no longer on the map.", when=lambda d, *_: not d["found"]),
            T("Circle:", when="found"),
            choices("circle", "circles", on_circle, width=3),
            T("Tie:", when="found"),
            choices("nature", "natures", on_nature, width=3),
            Button(T("🗑 Take off this map"), id="remove", on_click=on_remove, when="found"),
            SwitchTo(T("⬅️ To the map"), id="person_back", state=MapSG.snapshot),
            state=MapSG.person,
            getter=get_person,
        ),
        Window(
            input_error_line(),
            T(
                "<b>New person on the map</b>\nSend the name as the child calls them: a first "
                "name or a label, for example «бабушка Валя» or «тренер»."
            ),
            MessageInput(on_add_name),
            cancel_add,
            state=MapSG.add_name,
            getter=get_input_error,
        ),
        Window(
            T("Who is «{p_name}» to the child?"),
            choices("relation", "relations", on_add_relation, width=3),
            SwitchTo(T("⬅️ Back"), id="rel_back", state=MapSG.add_name),
            cancel_add,
            state=MapSG.add_relation,
            getter=get_adding,
        ),
        Window(
            T("How close is «{p_name}» to the child? 1 is the closest circle."),
            choices("circle", "circles", on_add_circle, width=1),
            SwitchTo(T("⬅️ Back"), id="circle_back", state=MapSG.add_relation),
            cancel_add,
            state=MapSG.add_circle,
            getter=get_adding,
        ),
        Window(
            T("And the tie with «{p_name}»?"),
            choices("nature", "natures", on_add_nature, width=3),
            SwitchTo(T("⬅️ Back"), id="nature_back", state=MapSG.add_circle),
            cancel_add,
            state=MapSG.add_nature,
            getter=get_adding,
        ),
        on_start=on_start,
    )
