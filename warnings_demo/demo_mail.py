"""The mail the demo's story receives (services/demo_story.py): fictional replies to the first
wave of letters, from fictional people at the `.example` companies of `demo_data`."""

from typing import NotRequired, TypedDict

# In each entry: which letter it answers (`letter`: the n-th letter addressed to the company
# itself, in reference order), when (`day`: business days after sending; `at`: hour and
# minute), how it came (`kind`; for a reply, `match`: to the letter's reply address (the
# default), to the general mailbox naming our message ("thread") or quoting only the
# reference), who wrote (`from`: name and mailbox at the company; `counsel`: the law firm acting
# for it, its lawyer and title, recorded as counsel of record once read), and, for those a
# paralegal has read, the outcome and the answer to each demand. Bodies may use {company},
# {reference}, {letter_date}, {deadline} and {counsel}.
MailEntry = TypedDict(
    "MailEntry",
    {
        "kind": str,  # reply, automatic, bounce, triage or phone
        "letter": int,
        "day": int,
        "at": tuple[int, int],
        "match": NotRequired[str],
        "from": NotRequired[tuple[str, str]],
        "counsel": NotRequired[tuple[str, str, str]],  # firm, lawyer, title
        "subject": NotRequired[str],
        "body": NotRequired[str],
        "outcome": NotRequired[str],
        "note": NotRequired[str],
        "demands": NotRequired[dict[str, tuple[str, str]]],  # demand: (answer, note)
    },
)
STORY_MAIL: list[MailEntry] = [
    {
        "kind": "automatic",
        "letter": 2,
        "day": 0,
        "at": (10, 3),
        "from": ("Legal team", "legal"),
        "subject": "Automatic reply: {subject}",
        "body": "Thank you for your message. The legal team is away at an offsite and will "
        "reply when we are back in the office. For anything urgent, call reception.",
    },
    {"kind": "bounce", "letter": 5, "day": 0, "at": (10, 6)},
    {
        "kind": "reply",
        "letter": 0,
        "day": 2,
        "at": (11, 20),
        "from": ("Alex Morgan", "legal"),
        "body": "Dear Ms Vale,\n\nWe acknowledge receipt of your letter of {letter_date} (your "
        "reference {reference}). We are reviewing the points it raises with our engineering "
        "team and will come back to you in due course.\n\nIn the meantime we have put a legal "
        "hold on the documents and data you describe.\n\nKind regards,\nAlex Morgan\nHead of "
        "Legal, {company}",
        "outcome": "acknowledged",
        "note": "Holding reply. Preservation confirmed in writing; nothing else answered yet.",
        "demands": {"preservation": ("yes", "legal hold confirmed")},
    },
    {
        "kind": "reply",
        "letter": 3,
        "day": 4,
        "at": (16, 5),
        "from": ("Sam Riley", "legal"),
        "body": "Dear Ms Vale,\n\nThank you for your letter {reference}. We have checked the "
        "training data manifests of every model we have developed or operate. None of the "
        "recordings or works listed in your schedule, nor any copy of them, was used to train, "
        "fine-tune or evaluate any of them.\n\nWe confirm that we will not use them without a "
        "licence, and that we keep the manifests we checked.\n\nYours sincerely,\nSam Riley\n"
        "General Counsel, {company}",
        "outcome": "complied",
        "note": "Confirms no use, with an undertaking. Manifests kept.",
        "demands": {
            "disclosure": ("yes", "no use of the scheduled works"),
            "undertaking": ("yes", ""),
            "preservation": ("yes", "manifests kept"),
        },
    },
    {
        "kind": "phone",
        "letter": 7,
        "day": 5,
        "at": (14, 30),
        "from": ("Jordan Blake", "General Counsel"),
        "body": "Call from their General Counsel about {reference}. Says the training data came "
        "from a library provider under a licence that covers our clients' catalogue; will send "
        "a copy of that licence by the end of next week. Would not say which models.",
        "outcome": "claims_licence",
        "note": "Claims a licence through a provider. Ask for the copy if it has not come.",
        "demands": {"disclosure": ("partial", "sources named, models not")},
    },
    {
        "kind": "reply",
        "match": "reference",
        "letter": 9,
        "day": 6,
        "at": (9, 45),
        "from": ("Robin Hale", "legal"),
        "subject": "{reference}: your letter of {letter_date}",
        "body": "Dear Sirs,\n\nWe reject the allegations in your letter {reference}. Our models "
        "were trained on material obtained lawfully under the text and data mining exception, "
        "and we do not accept that your clients' reservation was expressed in an appropriate "
        "manner at the time.\n\nWe decline to give the undertakings you ask for.\n\nRobin Hale\n"
        "Legal Counsel, {company}",
        "outcome": "disputes",
        "note": "Relies on the TDM exception; challenges the reservation. For Legal.",
        "demands": {
            "undertaking": ("no", ""),
            "disclosure": ("no", ""),
            "deletion": ("no", ""),
        },
    },
    {
        "kind": "reply",
        "match": "thread",
        "letter": 12,
        "day": 8,
        "at": (13, 10),
        "from": ("Casey Lund", "partnerships"),
        "body": "Hello,\n\nThanks for your letter. Whatever the history, we would rather work "
        "with Northlight than against it: we would welcome a conversation about licensing the "
        "catalogue for training. Who should we speak to?\n\nBest,\nCasey Lund\nHead of "
        "Partnerships, {company}",
        "outcome": "requests_talks",
        "note": "Wants to license. Passed to the licensing team.",
        "demands": {"licence_interest": ("yes", "asks for a contact")},
    },
    {
        "kind": "reply",
        "letter": 10,
        "day": 9,
        "at": (17, 40),
        "counsel": ("Marlowe & Finch LLP", "Claire Finch", "Partner"),
        "body": "Dear Ms Vale,\n\nWe act for {company} in connection with your letter of "
        "{letter_date} (your reference {reference}). Please direct all further correspondence "
        "in this matter to us and not to our client.\n\nOur client is considering your letter "
        "and will respond in due course. Nothing in this e-mail is an admission, and all of our "
        "client's rights are reserved.\n\nYours faithfully,\n{counsel}",
    },
    {
        "kind": "reply",
        "match": "reference",
        "letter": 15,
        "day": 17,
        "at": (10, 15),
        "from": ("Drew Patel", "legal"),
        "subject": "Re: {reference}",
        "body": "Dear Ms Vale,\n\nApologies for the late reply to your letter {reference}; it "
        "reached us while our legal team was changing hands. We need until the end of the "
        "month to complete our review and will write again then.\n\nDrew Patel\n{company}",
    },
    {
        "kind": "reply",
        "letter": 20,
        "day": 19,
        "at": (15, 30),
        "from": ("Kim Sato", "cto"),
        "body": "Hi,\n\nOur model was trained on a mix of public-domain recordings and "
        "material we commissioned. I am told your schedule includes recordings we never had, "
        "but I will ask our counsel to answer you properly.\n\nKim Sato\nCTO, {company}",
    },
    {
        "kind": "triage",
        "letter": 24,
        "day": 18,
        "at": (11, 0),
        "from": ("Noa Weiss", "hello"),
        "subject": "Your letter",
        "body": "Hi there,\n\nOur legal inbox forwarded me a letter from your firm. I run the "
        "company and we are only four people, so I am not sure who should deal with this. Can "
        "we talk?\n\nNoa Weiss\nFounder, {company}",
    },
]
