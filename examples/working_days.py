"""When is a stage 1 response due? Working-day arithmetic with reasons for each skipped day.

python examples/working_days.py
"""

from datetime import date, timedelta

from complaintflow import WorkingDayCalendar

calendar = WorkingDayCalendar.england_and_wales()
received = date(2023, 5, 5)  # the Friday before the coronation bank holiday
due = calendar.add_working_days(received, 10)
print(f"Received {received:%A %d %B %Y}; stage 1 response due {due:%A %d %B %Y}.")
for day, reason in calendar.non_working_days(received + timedelta(days=1), due):
    print(f"  not counted: {day:%a %d %b} ({reason})")
extended = calendar.add_working_days(received, 20)
print(f"If extended to 20 working days (reg 14): {extended:%A %d %B %Y}.")
