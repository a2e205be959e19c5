"""Every sentence the bot says, in Swedish and English.

Swedish is written in plain language (klarspråk) for a busy business owner reading on a phone: short
sentences, no officialese.

Address (tilltal), one rule for every phrase: the person reading is "du" (du, dig, din, ditt, dina);
the business they answer for is named, "ditt företag", never "ni"/"er". The only "we" of a business
is the button it presses, "Berör oss inte", which speaks for the business. English says "you" anyway.
A test holds every Swedish phrase to this rule. Placeholders use `str.format` names; a test checks that both languages
of a phrase have the same placeholders, so a translation can never crash or drop a value.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from conversations.messages import Language

PHRASES: Final[Mapping[str, Mapping[Language, str]]] = {
    # --- opening and closing -----------------------------------------------------------------------
    "notice": {
        "sv": (
            "Bra att veta: Det du svarar kommunen kan bli en allmän handling som andra kan begära att "
            "få läsa (offentlighetsprincipen). Vi sparar dina svar och kontaktuppgifter för det här "
            "samrådet. Du kan be oss radera dina uppgifter. Skriv stopp om du inte vill få fler meddelanden."
        ),
        "en": (
            "Good to know: what you tell the municipality may become a public document that others can "
            "ask to read (the principle of public access). We keep your answers and contact details for "
            "this consultation. You can ask us to erase your details. Type stop if you want no more messages."
        ),
    },
    # --- anonymous consultations (`anonymous: true`): said instead of the usual sentences --------------
    "notice_anonymous": {
        "sv": (
            "Bra att veta: Samrådet är anonymt. När du har skickat in dina svar sparar vi dem utan ditt "
            "namn och dina kontaktuppgifter, bara med ditt företags område och bransch. Svaren kan bli en "
            "allmän handling (offentlighetsprincipen). Fram till dess använder vi dina kontaktuppgifter "
            "bara för att påminna dig. Skriv stopp om du inte vill få fler meddelanden."
        ),
        "en": (
            "Good to know: this consultation is anonymous. Once you send your answers, we keep them without "
            "your name and contact details, only with your business's area and industry. The answers may "
            "become a public document (the principle of public access). Until then we use your contact "
            "details only to remind you. Type stop if you want no more messages."
        ),
    },
    "notice_anonymous_form": {
        "sv": (
            "Bra att veta: Samrådet är anonymt. När du har skickat in dina svar sparar vi dem utan ditt "
            "namn och dina kontaktuppgifter, bara med ditt företags område och bransch. Svaren kan bli en "
            "allmän handling (offentlighetsprincipen). Fram till dess använder vi dina kontaktuppgifter "
            "bara för att påminna dig."
        ),
        "en": (
            "Good to know: this consultation is anonymous. Once you send your answers, we keep them without "
            "your name and contact details, only with your business's area and industry. The answers may "
            "become a public document (the principle of public access). Until then we use your contact "
            "details only to remind you."
        ),
    },
    "thanks_submitted_anonymous": {
        "sv": "Tack! Dina svar är inskickade och sparas utan ditt namn. Därför går de inte att ändra.",
        "en": "Thank you! Your answers have been sent and are kept without your name, so they cannot be changed.",
    },
    "after_submitted_anonymous": {
        "sv": "Vi har redan fått dina svar. De sparas utan ditt namn och går därför inte att ändra.",
        "en": "We already have your answers. They are kept without your name, so they cannot be changed.",
    },
    # Appended to the notice when the deployment has a privacy page (its URL is passed to the engine).
    "notice_privacy": {
        "sv": "Så hanterar vi dina uppgifter: {url}",
        "en": "How we handle your data: {url}",
    },
    # --- form variants: the same sentences where a web page offers buttons instead of typed words ----
    "notice_form": {
        "sv": (
            "Bra att veta: Det du svarar kommunen kan bli en allmän handling som andra kan begära att "
            "få läsa (offentlighetsprincipen). Vi sparar dina svar och kontaktuppgifter för det här "
            "samrådet. Du kan be oss radera dina uppgifter."
        ),
        "en": (
            "Good to know: what you tell the municipality may become a public document that others can "
            "ask to read (the principle of public access). We keep your answers and contact details for "
            "this consultation. You can ask us to erase your details."
        ),
    },
    "thanks_submitted_form": {
        "sv": "Tack! Dina svar är inskickade. Du kan ändra dem så länge samrådet pågår.",
        "en": "Thank you! Your answers have been sent. You can change them while the consultation is open.",
    },
    "after_submitted_form": {
        "sv": "Vi har redan fått dina svar. Du kan ändra dem med knappen nedan.",
        "en": "We already have your answers. You can change them with the button below.",
    },
    "thanks_declined_form": {
        "sv": "Tack för att du hörde av dig! Vi noterar att det här inte berör ditt företag. "
        "Vill du svara ändå går det bra med knappen nedan.",
        "en": "Thank you for letting us know! We have noted that this does not affect you. "
        "If you want to answer after all, use the button below.",
    },
    "opted_out_form": {
        "sv": "Du har valt att inte få fler meddelanden från oss. Vill du svara ändå går det bra med knappen nedan.",
        "en": "You have chosen not to get any more messages from us. If you want to answer after all, use the "
        "button below.",
    },
    "refuse_multi_empty_form": {
        "sv": "Välj minst ett alternativ.",
        "en": "Choose at least one option.",
    },
    "refuse_already_submitted_form": {
        "sv": "Du har redan skickat in dina svar. Du kan ändra dem med knappen nedan.",
        "en": "You have already sent your answers. You can change them with the button below.",
    },
    "closes_at": {
        "sv": "Svara senast {date}.",
        "en": "Please answer by {date}.",
    },
    "closed": {
        "sv": "Samrådet är avslutat, så det går inte att svara längre. Tack för ditt intresse!",
        "en": "The consultation has closed, so answers can no longer be given. Thank you for your interest!",
    },
    "thanks_submitted": {
        "sv": "Tack! Dina svar är inskickade. Du kan ändra dem så länge samrådet pågår – skriv ändra.",
        "en": "Thank you! Your answers have been sent. You can change them while the consultation is open "
        "– type change.",
    },
    "after_submitted": {
        "sv": "Vi har redan fått dina svar. Skriv ändra om du vill ändra något.",
        "en": "We already have your answers. Type change if you want to change something.",
    },
    "thanks_declined": {
        "sv": "Tack för att du hörde av dig! Vi noterar att det här inte berör ditt företag. "
        "Skriv fortsätt om du vill svara ändå.",
        "en": "Thank you for letting us know! We have noted that this does not affect you. "
        "Type continue if you want to answer after all.",
    },
    "opted_out": {
        "sv": "Okej, vi skickar inga fler meddelanden till dig. Skriv fortsätt om du ändrar dig.",
        "en": "OK, we will not send you any more messages. Type continue if you change your mind.",
    },
    # --- said by the application around a dialogue (routing, links, consultation state) -----------
    "consultation_closed": {
        "sv": "Samrådet ”{title}” är avslutat, så det går inte att svara längre. Tack för ditt intresse!",
        "en": "The consultation “{title}” has closed, so answers can no longer be given. Thank you for your interest!",
    },
    "consultation_not_open": {
        "sv": "Samrådet ”{title}” har inte öppnat än. Välkommen tillbaka när det har öppnat!",
        "en": "The consultation “{title}” has not opened yet. Please come back when it has opened!",
    },
    "nothing_open": {
        "sv": "Just nu finns det inget samråd för dig att svara på. Vi hör av oss när det finns något nytt.",
        "en": "There is no consultation for you to answer right now. We will be in touch when there is.",
    },
    "next_consultation": {
        "sv": "Kommunen vill också höra vad du tycker om ”{title}”. Här kommer det samrådet.",
        "en": "The municipality would also like your views on “{title}”. Here is that consultation.",
    },
    "stop_cancelled": {
        "sv": "Bra, vi fortsätter.",
        "en": "Good, let's carry on.",
    },
    "welcome_back": {
        "sv": "Välkommen tillbaka!",
        "en": "Welcome back!",
    },
    "answers_removed": {
        "sv": "Efter din ändring behövs inte längre svaret på: {questions}. Det har tagits bort.",
        "en": "After your change, the answer to this is no longer needed: {questions}. It has been removed.",
    },
    # --- prompts of the engine itself -------------------------------------------------------------
    "summary_title": {
        "sv": "Här är dina svar:",
        "en": "Here are your answers:",
    },
    "summary_question": {
        "sv": "Vill du skicka in svaren?",
        "en": "Do you want to send your answers?",
    },
    "summary_hint": {
        "sv": "Svara ja för att skicka in, eller skriv ändra och numret på svaret du vill ändra.",
        "en": "Answer yes to send, or type change and the number of the answer you want to change.",
    },
    "summary_not_yet": {
        "sv": "Inga problem. Skriv ändra och numret på svaret du vill ändra, t.ex. ändra 2.",
        "en": "No problem. Type change and the number of the answer you want to change, e.g. change 2.",
    },
    "skipped_value": {
        "sv": "(hoppade över)",
        "en": "(skipped)",
    },
    "scale_value": {
        "sv": "{value} av {max}",
        "en": "{value} out of {max}",
    },
    "stop_question": {
        "sv": "Vill du att vi slutar skicka meddelanden till dig? Det du redan har svarat sparas.",
        "en": "Do you want us to stop sending you messages? What you have already answered is kept.",
    },
    "confirm_hint": {
        "sv": "Svara ja eller nej.",
        "en": "Answer yes or no.",
    },
    # --- button and action labels -------------------------------------------------------------------
    "yes": {"sv": "Ja", "en": "Yes"},
    "no": {"sv": "Nej", "en": "No"},
    "label_submit": {"sv": "Ja, skicka in", "en": "Yes, send"},
    "label_not_yet": {"sv": "Inte än", "en": "Not yet"},
    "label_stop_yes": {"sv": "Ja, sluta", "en": "Yes, stop"},
    "label_stop_no": {"sv": "Nej, fortsätt", "en": "No, carry on"},
    "label_skip": {"sv": "Hoppa över", "en": "Skip"},
    "label_back": {"sv": "Tillbaka", "en": "Back"},
    "label_decline": {"sv": "Berör oss inte", "en": "Doesn't affect us"},
    "label_change": {"sv": "Ändra {number}", "en": "Change {number}"},
    "label_done": {"sv": "Klar", "en": "Done"},
    # --- how to answer each kind (the hint under a question) ----------------------------------------
    "hint_yesno": {
        "sv": "Svara ja eller nej.",
        "en": "Answer yes or no.",
    },
    "hint_choice": {
        "sv": "Svara med en siffra 1–{count} eller skriv alternativet.",
        "en": "Answer with a number 1–{count} or type the option.",
    },
    "hint_multi": {
        "sv": "Välj ett eller flera: skriv siffrorna, t.ex. 1, 3.",
        "en": "Pick one or more: type the numbers, e.g. 1, 3.",
    },
    "hint_scale": {
        "sv": "Svara med en siffra {min}–{max}.",
        "en": "Answer with a number {min}–{max}.",
    },
    "hint_number": {
        "sv": "Svara med ett tal.",
        "en": "Answer with a number.",
    },
    "hint_number_min": {
        "sv": "Svara med ett tal, minst {min}.",
        "en": "Answer with a number, at least {min}.",
    },
    "hint_number_max": {
        "sv": "Svara med ett tal, högst {max}.",
        "en": "Answer with a number, at most {max}.",
    },
    "hint_number_range": {
        "sv": "Svara med ett tal {min}–{max}.",
        "en": "Answer with a number {min}–{max}.",
    },
    "hint_whole_number": {
        "sv": "Svara med ett heltal.",
        "en": "Answer with a whole number.",
    },
    "hint_whole_number_min": {
        "sv": "Svara med ett heltal, minst {min}.",
        "en": "Answer with a whole number, at least {min}.",
    },
    "hint_whole_number_max": {
        "sv": "Svara med ett heltal, högst {max}.",
        "en": "Answer with a whole number, at most {max}.",
    },
    "hint_whole_number_range": {
        "sv": "Svara med ett heltal {min}–{max}.",
        "en": "Answer with a whole number {min}–{max}.",
    },
    "hint_date": {
        "sv": "Skriv ett datum, t.ex. 15 mars eller 2025-03-15.",
        "en": "Type a date, e.g. 15 March or 2025-03-15.",
    },
    "hint_text": {
        "sv": "Skriv ditt svar med egna ord (högst {limit} tecken).",
        "en": "Type your answer in your own words (at most {limit} characters).",
    },
    # --- refusals: one line saying what is expected -----------------------------------------------
    "refuse_ambiguous": {
        "sv": "”{text}” passar flera alternativ: {options}. Skriv lite mer eller svara med siffran.",
        "en": "“{text}” fits several options: {options}. Type a little more or answer with the number.",
    },
    "refuse_unknown_option": {
        "sv": "Jag hittar inget alternativ som heter ”{text}”. Svara med en siffra 1–{count}.",
        "en": "I can't find an option called “{text}”. Answer with a number 1–{count}.",
    },
    "refuse_multi_empty": {
        "sv": "Välj minst ett alternativ. Skriv siffrorna, t.ex. 1, 3.",
        "en": "Pick at least one option. Type the numbers, e.g. 1, 3.",
    },
    "refuse_not_a_number": {
        "sv": "”{text}” är inte ett tal. Skriv bara siffror, t.ex. 12.",
        "en": "“{text}” is not a number. Type digits only, e.g. 12.",
    },
    "refuse_not_whole": {
        "sv": "”{text}” är inte ett heltal. Svara utan decimaler, t.ex. 3.",
        "en": "“{text}” is not a whole number. Answer without decimals, e.g. 3.",
    },
    "refuse_date_invalid": {
        "sv": "Det datumet finns inte. Skriv t.ex. 15 mars eller 2025-03-15.",
        "en": "That date does not exist. Type e.g. 15 March or 2025-03-15.",
    },
    "refuse_text_empty": {
        "sv": "Skriv ditt svar med egna ord.",
        "en": "Type your answer in your own words.",
    },
    "refuse_text_too_long": {
        "sv": "Svaret är för långt ({length} tecken). Korta ner det till högst {limit} tecken.",
        "en": "The answer is too long ({length} characters). Please shorten it to at most {limit}.",
    },
    "refuse_required": {
        "sv": "Den här frågan behöver ett svar, så den går inte att hoppa över.",
        "en": "This question needs an answer, so it can't be skipped.",
    },
    "refuse_stale": {
        "sv": "Den knappen hör till en annan fråga, så inget ändrades. Här är det vi väntar på nu:",
        "en": "That button belongs to another question, so nothing was changed. Here is what we are "
        "waiting for now:",
    },
    "refuse_first_question": {
        "sv": "Det här är första frågan.",
        "en": "This is the first question.",
    },
    "refuse_no_such_question": {
        "sv": "Det finns inget svar nummer ”{argument}” att ändra. Välj ett av svaren i listan.",
        "en": "There is no answer number “{argument}” to change. Pick one of the answers in the list.",
    },
    "refuse_nothing_to_change": {
        "sv": "Du har inte svarat på något än.",
        "en": "You haven't answered anything yet.",
    },
    "refuse_already_submitted": {
        "sv": "Du har redan skickat in dina svar. Skriv ändra om du vill ändra något.",
        "en": "You have already sent your answers. Type change if you want to change something.",
    },
    "refuse_nothing_pending": {
        "sv": "Svara på frågan först, eller skriv hjälp.",
        "en": "Please answer the question first, or type help.",
    },
    # --- help and the list of answers to change -------------------------------------------------
    "help": {
        "sv": (
            "Svara på frågorna genom att skriva eller trycka på ett alternativ. Det här kan du också "
            "skriva:\n"
            "• tillbaka – förra frågan\n"
            "• hoppa över – hoppa över en fråga som inte måste besvaras\n"
            "• ändra 2 – ändra svar nummer 2\n"
            "• berör oss inte – om samrådet inte gäller ditt företag\n"
            "• stopp – inga fler meddelanden\n"
            "• mina uppgifter – det vi har sparat om dig"
        ),
        "en": (
            "Answer the questions by typing or tapping an option. You can also type:\n"
            "• back – the previous question\n"
            "• skip – skip a question that does not need an answer\n"
            "• change 2 – change answer number 2\n"
            "• not affected – if the consultation does not concern you\n"
            "• stop – no more messages\n"
            "• my data – what we keep about you"
        ),
    },
    "change_list": {
        "sv": "Skriv ändra och numret på svaret du vill ändra:",
        "en": "Type change and the number of the answer you want to change:",
    },
    # --- invitations, reminders and notices sent by the outbox (broadcast, reminders, lifecycle) ----
    "date_time": {
        "sv": "{day} {month} {year} kl. {time}",
        "en": "{day} {month} {year} at {time}",
    },
    "invitation": {
        "sv": "Hej! {municipality} vill veta vad du tycker om ”{title}”. Det tar bara några minuter. "
        "Svara senast {date}.",
        "en": "Hello! {municipality} would like to know what you think about “{title}”. It only takes a "
        "few minutes. Please answer by {date}.",
    },
    "invitation_chat_start": {
        "sv": "Svara på det här meddelandet så börjar vi.",
        "en": "Reply to this message to begin.",
    },
    "invitation_subject": {
        "sv": "Samråd: {title}",
        "en": "Consultation: {title}",
    },
    "reminder_not_started": {
        "sv": "Påminnelse: {municipality} vill gärna höra vad du tycker om ”{title}”. Det tar bara några "
        "minuter. Svara senast {date}.",
        "en": "Reminder: {municipality} would like to hear what you think about “{title}”. It only takes a "
        "few minutes. Please answer by {date}.",
    },
    "reminder_partial": {
        "sv": "Påminnelse: Du har börjat svara på ”{title}” ({answered} frågor besvarade) men inte "
        "skickat in svaren än. Svara klart och skicka in senast {date}.",
        "en": "Reminder: You have started answering “{title}” ({answered} questions answered) but have not "
        "sent your answers yet. Please finish and send them by {date}.",
    },
    "reminder_resume": {
        "sv": "Här är frågan du var på:",
        "en": "Here is where you left off:",
    },
    "reminder_subject": {
        "sv": "Påminnelse: {title}",
        "en": "Reminder: {title}",
    },
    "closed_mid_dialogue": {
        "sv": "Samrådet ”{title}” är nu avslutat. Svaren du hann ge är sparade och kommunen tar del av "
        "dem. Tack!",
        "en": "The consultation “{title}” has now closed. The answers you gave are saved and the "
        "municipality will read them. Thank you!",
    },
    # Feedback after a decision ("ni sa, vi gjorde"): the official's own text follows the heading.
    "feedback_subject": {
        "sv": "Återkoppling: {title}",
        "en": "Feedback: {title}",
    },
    "feedback_message": {
        "sv": "Tack för att du deltog i samrådet ”{title}”. Så här har kommunen använt svaren:\n\n{text}",
        "en": "Thank you for taking part in the consultation “{title}”. This is what the municipality did with the "
        "answers:\n\n{text}",
    },
    "email_answer_link": {
        "sv": "Svara här: {link}",
        "en": "Answer here: {link}",
    },
    "email_answer_button": {
        "sv": "Svara på samrådet",
        "en": "Answer the consultation",
    },
    "email_opt_out": {
        "sv": "Vill du inte få fler meddelanden från oss? Avregistrera dig här: {link}",
        "en": "Don't want any more messages from us? Unsubscribe here: {link}",
    },
    "email_signature": {
        "sv": "Med vänlig hälsning\n{municipality}",
        "en": "Kind regards\n{municipality}",
    },
    "unsubscribe_title": {
        "sv": "Avregistrera",
        "en": "Unsubscribe",
    },
    "unsubscribe_question": {
        "sv": "Vill du sluta få meddelanden från {municipality}? Det gäller alla kanaler: e-post och chatt.",
        "en": "Do you want to stop receiving messages from {municipality}? This applies to every channel: "
        "e-mail and chat.",
    },
    "unsubscribe_button": {
        "sv": "Ja, avregistrera mig",
        "en": "Yes, unsubscribe me",
    },
    "unsubscribe_done": {
        "sv": "Klart. Du får inga fler meddelanden från {municipality}. Ändrar du dig kan du skriva "
        "fortsätt till oss.",
        "en": "Done. You will get no more messages from {municipality}. If you change your mind, write "
        "continue to us.",
    },
    "unsubscribe_invalid_contact": {
        "sv": "Länken fungerar inte. Vill du avregistrera dig? Kontakta kommunen: {contact}",
        "en": "This link does not work. Want to unsubscribe? Contact the municipality: {contact}",
    },
    "unsubscribe_invalid": {
        "sv": "Länken fungerar inte. Kontakta kommunen om du vill avregistrera dig.",
        "en": "This link does not work. Contact the municipality if you want to unsubscribe.",
    },
    # --- chat channels -----------------------------------------------------------------------------
    "chat_contact_us": {"sv": "Kontakta kommunen: {contact}", "en": "Contact the municipality: {contact}"},
    "chat_need_link": {
        "sv": "Hej! För att svara behöver du din personliga länk från kommunen. Du hittar den i inbjudan "
        "du har fått. Tryck på länken så börjar samrådet här. Har du ingen länk? Kontakta kommunen.",
        "en": "Hello! To answer, you need your personal link from the municipality. You will find it in "
        "the invitation you received. Tap the link and the consultation starts here. No link? Contact "
        "the municipality.",
    },
    "chat_text_only": {
        "sv": "Jag kan bara läsa text. Skriv ditt svar eller tryck på en knapp.",
        "en": "I can only read text. Type your answer or tap a button.",
    },
    "chat_edited": {
        "sv": "Jag läser inte ändrade meddelanden. Skicka svaret som ett nytt meddelande i stället.",
        "en": "I don't read edited messages. Please send the answer as a new message instead.",
    },
    "chat_stale_button": {
        "sv": "Den knappen gäller inte längre.",
        "en": "That button no longer applies.",
    },
    # --- "mina uppgifter" / "my data": what is stored about the person (bot/services/access.py) -----
    "my_data_title": {"sv": "Det här har vi sparat om dig:", "en": "This is what we keep about you:"},
    "my_data_who": {"sv": "• Du: {who}", "en": "• You: {who}"},
    "my_data_business": {"sv": "• Företag: {name} ({org_number})", "en": "• Business: {name} ({org_number})"},
    "my_data_email": {"sv": "e-post", "en": "e-mail"},
    "my_data_channels": {"sv": "• Kanaler: {channels}", "en": "• Channels: {channels}"},
    "my_data_consultation": {"sv": "• ”{title}”: {count} svar, {status}", "en": "• “{title}”: answers given: {count}, {status}"},
    "my_data_status_invited": {"sv": "inte besvarat", "en": "not answered"},
    "my_data_status_partial": {"sv": "påbörjat", "en": "started"},
    "my_data_status_complete": {"sv": "inskickat", "en": "sent"},
    "my_data_status_declined": {"sv": "berör inte ditt företag", "en": "does not affect you"},
    "my_data_status_opted_out": {"sv": "avslutat med stopp", "en": "stopped"},
    "my_data_queued": {
        "sv": "• Meddelanden som väntar på att skickas till dig: {count}",
        "en": "• Messages waiting to be sent to you: {count}",
    },
    "my_data_opted_out": {
        "sv": "• Du har valt att inte få fler meddelanden.",
        "en": "• You have chosen to get no more messages.",
    },
    "my_data_erase": {
        "sv": "Vill du att vi raderar dina uppgifter? Be kommunen om det.",
        "en": "Do you want us to erase your details? Ask the municipality.",
    },
    "my_data_not_here": {
        "sv": "Det vi har sparat om dig ser du om du skriver mina uppgifter i en chatt med oss. Du kan också be "
        "kommunen om ett utdrag.",
        "en": "You see what we keep about you by typing my data in a chat with us. You can also ask the "
        "municipality for a copy.",
    },
    "my_data_more": {"sv": "Så hanterar vi dina uppgifter: {url}", "en": "How we handle your data: {url}"},
    # --- the Microsoft Teams channel (cards posted through a Workflows webhook: they show, they cannot ask)
    "teams_answer_button": {"sv": "Svara på samrådet", "en": "Answer the consultation"},
    "teams_opt_out_button": {"sv": "Inga fler meddelanden", "en": "No more messages"},
    "teams_answer_on_page": {
        "sv": "Du svarar på webben: tryck på knappen nedan.",
        "en": "You answer on the web: tap the button below.",
    },
    "teams_shortened": {
        "sv": "Texten är förkortad. Läs allt på svarssidan: tryck på knappen nedan.",
        "en": "The text has been shortened. Read all of it on the answer page: tap the button below.",
    },
    "teams_shortened_no_link": {
        "sv": "Texten är förkortad.",
        "en": "The text has been shortened.",
    },
    # Teams outgoing webhook (answers to @mentions in a channel, adapters/teams_outgoing.py)
    "teams_mention_how": {
        "sv": "Svara genom att nämna mig med @ och skriva numret eller svaret.",
        "en": "Answer by mentioning me with @ and typing the number or the answer.",
    },
    "teams_mention_web": {"sv": "Svara på webben i stället", "en": "Answer on the web instead"},
    # --- the Slack channel ------------------------------------------------------------------------
    "slack_pick_options": {"sv": "Välj ett eller flera", "en": "Choose one or more"},
    "slack_pick_date": {"sv": "Välj ett datum", "en": "Pick a date"},
    "slack_started": {
        "sv": "Tack! Samrådet fortsätter i ditt direktmeddelande från appen.",
        "en": "Thank you! The consultation continues in your direct message from the app.",
    },
    "slack_command_usage": {
        "sv": "Skriv /samrad och koden från din inbjudan, så börjar samrådet i ett direktmeddelande.",
        "en": "Type /samrad and the code from your invitation, and the consultation starts in a direct message.",
    },
    # Officials asking for a consultation's figures from a chat (`/samrad status 12` in Slack).
    "staff_status": {
        "sv": "Samråd {id} – {title} ({status}): {audience} inbjudna, {sent} nådda, {started} har börjat, "
              "{answered} har svarat ({rate} %), {declined} avböjde, {opted_out} avregistrerade.",
        "en": "Consultation {id} – {title} ({status}): {audience} invited, {sent} reached, {started} started, "
              "{answered} answered ({rate} %), {declined} declined, {opted_out} opted out.",
    },
    "staff_status_draft": {"sv": "utkast", "en": "draft"},
    "staff_status_open": {"sv": "öppet", "en": "open"},
    "staff_status_closed": {"sv": "stängt", "en": "closed"},
    "staff_status_usage": {
        "sv": "Skriv /samrad status och samrådets nummer, till exempel /samrad status 12.",
        "en": "Type /samrad status and the consultation's number, for example /samrad status 12.",
    },
    "staff_status_unknown": {
        "sv": "Det finns inget samråd med nummer {id}.",
        "en": "There is no consultation number {id}.",
    },
    "staff_status_refused": {
        "sv": "Tyvärr, samrådens siffror visas bara för kommunens handläggare. Har du fått en inbjudan? "
              "Skriv /samrad och koden från den.",
        "en": "Sorry, the consultations' figures are shown only to the municipality's officials. Got an "
              "invitation? Type /samrad and the code from it.",
    },
    "command_help": {"sv": "Hjälp och kommandon", "en": "Help and commands"},
    "command_skip": {"sv": "Hoppa över frågan", "en": "Skip the question"},
    "command_back": {"sv": "Tillbaka till förra frågan", "en": "Back to the previous question"},
    "command_stop": {"sv": "Inga fler meddelanden", "en": "No more messages"},
}

# The version of the notice above (with its privacy link): stored in each dialogue that showed it, so the
# municipality can tell what a person was told. Change it whenever "notice" or "notice_form" changes.
NOTICE_VERSION: Final = "2026-11-1"
# The same for "notice_anonymous" and "notice_anonymous_form", shown instead in anonymous consultations.
ANONYMOUS_NOTICE_VERSION: Final = "2026-11-1-anonymous"

# Swedish and English month names, as written in dates ("15 mars 2025", "15 March 2025").
MONTHS: Final[Mapping[Language, tuple[str, ...]]] = {
    "sv": ("januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti", "september",
           "oktober", "november", "december"),
    "en": ("January", "February", "March", "April", "May", "June", "July", "August", "September",
           "October", "November", "December"),
}


def phrase(key: str, language: Language, **params: object) -> str:
    """The sentence `key` in `language` with its placeholders filled in."""
    text = PHRASES[key][language]
    return text.format(**params) if params else text
