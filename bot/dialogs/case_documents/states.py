from aiogram.fsm.state import State, StatesGroup

FAMILY_ID = "family_id"  # start data and dialog_data: set by our code, checked on every render
DOCUMENT_ID = "document_id"


class DocumentsSG(StatesGroup):
    """The documents of a family's case (photos or files sent in the chat, kept as file ids).
    Start data: {"family_id": int}; the dialog checks access itself."""

    list = State()
    document = State()  # one document; opening it sends the file to the chat
    remove = State()  # "remove it?"
    kind = State()  # a new one: which document
    dated = State()  # its date
    file = State()  # the photo or the PDF
