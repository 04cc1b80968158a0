"""Clinical text handling shared by every stage: sentences, abbreviations, doses, drug names,
stopwords. Pure functions; nothing here imports a pipeline stage (compose, retrieve, verify),
so the verifier can judge any composer without importing one."""
