"""Working time: the calendars that escalation clocks, reminders and service levels run on (issue: working time). `clock` is the arithmetic; the models and their editing follow."""
