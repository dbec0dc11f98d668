"""The buttons bot/ itself draws, in views and proactive messages; their handlers are in handlers/ and import these.

A follow-up's Done, Snooze and Tomorrow carry the version they were drawn for. An agenda item's button (VIEW)
carries the list's origin and page, so a press on an item closed meanwhile redraws that page as it is now;
Done and Snooze with an origin are from lists drawn before items were opened one at a time, still in chats.
"""

from __future__ import annotations

from bot.runtime.callbacks import ID, PAGE, Callback, Choice, Int, Optional
from storage.models import Tier

# the agenda lists, by the one-letter code their buttons carry: today, overdue, upcoming
TODAY, OVERDUE, UPCOMING = "t", "o", "u"
ORIGINS = (TODAY, OVERDUE, UPCOMING)
ORIGIN = Choice(*ORIGINS)

DONE = Callback("fu:d", follow_up=ID, version=ID, origin=Optional(ORIGIN))
SNOOZE = Callback("fu:s", follow_up=ID, version=ID, origin=Optional(ORIGIN))
TOMORROW = Callback("fu:t", follow_up=ID, version=ID, origin=Optional(ORIGIN))
VIEW = Callback("fu:v", follow_up=ID, origin=Optional(ORIGIN), page=Optional(PAGE))
CARD = Callback("card", customer=ID)
LOG = Callback("log", customer=ID)
AGENDA_PAGE = Callback("ag", origin=ORIGIN, page=PAGE)
OVERDUE_LIST = Callback("agenda:overdue")  # under a catch-up reminder

# the customer card's buttons; each area answers its own (activity: sale, history; followups: follow-up)
SALE = Callback("sale", customer=ID)
EDIT = Callback("edit", customer=ID)
TIER = Callback("tier", customer=ID)
HISTORY = Callback("hist", customer=ID, page=PAGE)
DELETE = Callback("del", customer=ID)
# under a logged interaction, the interaction a follow-up would come from
ASK_FOLLOW_UP = Callback("fup", customer=ID, interaction=Optional(ID))
ARCHIVE = Callback("arch", customer=ID)
UNARCHIVE = Callback("unarch", customer=ID)
OPTIN_LINK = Callback("optlink", customer=ID)  # a new opt-in link and QR code for the customer
BACK = Callback("back", customer=ID)  # from a sub-menu to the card, in the same message
SURVEY = Callback("sv:ask", customer=ID)  # the card's Survey: asks before sending (handlers/care/surveys.py)
SURVEY_ENTRY = Callback("hv", entry=ID)  # a survey's answer in History, opened in full
# the tier the customer's RFM segment suggests, on the card; changes it only if that is still the suggestion
ACCEPT_TIER = Callback("rfm:tier", customer=ID, tier=Choice(*Tier))
REASSIGN = Callback("tm:ra", customer=ID)  # managers and admins: pick the customer's new owner (handlers/managers)

# under a customer's message relayed to their rep: answer them through the bot
RELAY_REPLY = Callback("relay", customer=ID)

# under every message a customer gets; a chat is one customer's, so the buttons name nobody
OPT_OUT = Callback("cu:stop")
TO_REP = Callback("cu:rep")
COMPLAIN = Callback("cu:cpl")
# the customer's answer to "are you satisfied with how your complaint was handled?" (y / n)
SATISFIED = Callback("cu:sat", complaint=ID, answer=Choice("y", "n"))

# a complaint, for whoever handles it: open it (from /complaints or History), acknowledge, resolve; a list page
COMPLAINT = Callback("cpl:v", complaint=ID)
ACKNOWLEDGE = Callback("cpl:ack", complaint=ID)
RESOLVE = Callback("cpl:res", complaint=ID)
COMPLAINTS_PAGE = Callback("cpl:p", page=PAGE)
# a score under a survey question (bot/outbound/survey.py); a score outside 1–5 is not even read
SURVEY_SCORE = Callback("sv:a", survey=ID, score=Choice(1, 2, 3, 4, 5))

# under the rep's list of tomorrow's greetings: keep the bot from greeting that customer on that day (YYYYMMDD)
GREETING_DAY = Int(digits=8)
GREETING_SKIP = Callback("gskip", customer=ID, day=GREETING_DAY)
