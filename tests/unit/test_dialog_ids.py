from aiogram_dialog.api.entities.stack import Stack, new_id

from bot.dialogs import make_intent_ids_unique


def test_dialog_ids_opened_in_one_second_do_not_collide() -> None:
    make_intent_ids_unique()
    ids = {new_id() for _ in range(10_000)}
    assert len(ids) == 10_000
    stack = Stack()
    contexts = {stack.push(state=None, data=None).id for _ in range(50)}  # type: ignore[arg-type]
    assert len(contexts) == 50
    assert max(len(i) for i in ids) <= 7  # keeps callback data well under 64 bytes
