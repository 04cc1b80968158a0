"""Understanding a clinical question, once, before anything is retrieved: the condition(s),
drug(s) or intervention, the asked aspect, the setting and the population (with the patient
details typed into the question), in one typed frame that later stages only read."""
