"""What must hold whatever people do: access by role, forged buttons, hostile and odd input, no
dead ends, no message lost, Bot API faults, an unavailable database, crashes in handlers, no
personal data in logs, commands lists and quick taps."""
