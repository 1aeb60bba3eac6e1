"""What each person does with the bot, end to end through the harness and the fake Telegram:
onboarding and invitations, families, visits, concerns, meetings, homework and programmes,
questionnaires, SRS, social maps, case plans, reminders, digests, stats, reports and exports."""
