from aiogram.fsm.state import State, StatesGroup


class LearnSG(StatesGroup):
    main = State()
    subject = State()
    lesson = State()
    materials = State()
    material_text = State()
    material_add = State()
    material_title = State()
    material_remove = State()
    contacts = State()
    rec_mentor = State()
    rec_date = State()
    rec_subject = State()
    rec_hours = State()
    rec_note = State()
