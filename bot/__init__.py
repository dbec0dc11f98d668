"""salesbot: a salesperson's customer book, call log and follow-up planner in Telegram."""
