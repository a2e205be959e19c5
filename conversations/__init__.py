"""The conversational core: questionnaires and the dialogue engine. Pure: no I/O, no SDKs, no storage."""
