"""Whether a source sentence states the asked aspect: real guideline sentences."""

from __future__ import annotations

import pytest

from medcite.compose.aspects import aspect_bonus

CASES = [
    # (aspect, sentence, states it)
    ("alternative", "In patients with symptomatic MC in whom budesonide therapy is not feasible, the AGA suggests "
                    "treatment with mesalamine over no treatment for the induction of clinical remission.", True),
    ("alternative", "In patients with symptomatic microscopic colitis, the AGA recommends treatment with budesonide "
                    "over no treatment for the induction of clinical remission.", False),
    ("alternative", "Ciprofloxacin is contraindicated for pregnant and lactating women, in which case erythromycin or "
                    "ceftriaxone regimens should be used.", True),
    ("duration", "The Committee suggests at least 24 h of cooling in out-of-hospital cardiac arrest patients.", True),
    ("duration", "Patients with mild-to-moderate CDI should be treated with metronidazole 500 mg orally three times "
                 "per day for 10 days.", True),
    ("duration", "Offer metronidazole to people with mild CDI.", False),
    # how long to wait (SAGES peritoneal dialysis access, ngc:10483; set U, session 15)
    ("duration", "Peritoneal dialysis may be initiated in patients with intraabdominal foreign bodies such as after open "
                 "abdominal aortic aneurysm graft repair, but a four month waiting period is recommended.", True),
    ("duration", "Patients on the waiting list should be reviewed every year.", False),
    # NICE cataracts (ngc:11298; set V, session 15)
    ("monitoring", "Do not offer in-person, first-day review to people after uncomplicated cataract surgery.", True),
    # AAO-HNSF dysphonia (ngc:11373; set W, session 15): a time that has to pass first
    ("threshold", "Clinicians should perform laryngoscopy, or refer to a clinician who can perform laryngoscopy, when "
                  "dysphonia fails to resolve or improve within 4 weeks or irrespective of duration if a serious "
                  "underlying cause is suspected.", True),
    # the asked drug's regimen stated as a trial of it (Cancer Care Ontario, ngc:10883)
    ("starting-dose", "Octreotide dosing for symptom control: A trial of octreotide 100–250 mcg subcutaneously (SC) three "
                      "times a day (TID) for 1–2 weeks followed by introduction of octreotide LAR 20–30 mg intramuscular "
                      "(IM) every 4 weeks.", True),
    # one treatment kept alone stops the other (ACR/SAA/SPARTAN, ngc:11119)
    ("stop", "In adults with stable AS receiving treatment with TNFi and NSAIDs, the guideline authors conditionally "
             "recommend continuing treatment with TNFi alone compared to continuing both treatments", True),
    ("starting-dose", "An initial starting dose of 0.5-1 mg/kg intravenously or orally every 6-12 hours is safe and "
                      "effective.", True),
    ("target", "Serum uric acid must reach levels below 6.0 mg/dL.", True),
    # JNC 8 (ngc:10397): a goal value states the target; a count of drugs or a recommendation's
    # number does not
    ("target", "In the general population aged 60 years or older, … treat to a goal SBP lower than 150 mm Hg and "
               "goal DBP lower than 90 mm Hg.", True),
    ("target", "If goal BP cannot be reached using the drugs in recommendation 6 because of a contraindication or the "
               "need to use more than 3 drugs to reach goal BP, antihypertensive drugs from other classes can be used.",
     False),
    # AAN chorea in Huntington disease (ngc:9331): an active "should prescribe" recommends; a
    # recommendation declined ("insufficient to recommend") does not
    ("first-line", "If Huntington disease (HD) chorea requires treatment, clinicians should prescribe tetrabenazine "
                   "(TBZ) (up to 100 mg/day), amantadine (300–400 mg/day), or riluzole (200 mg/ day) (Level B).", True),
    ("first-line", "Data are insufficient to make recommendations regarding use of clozapine, other neuroleptics, "
                   "or donepezil for HD chorea (Level U).", False),
    # NICE diabetes in pregnancy (ngc:10691): a target not met within a time, and the year the
    # recommendation was written, state no target value
    ("target", "Offer metformin3 to women with gestational diabetes if blood glucose targets are not met using "
               "changes in diet and exercise within 1 to 2 weeks. [new 2015]", False),
    ("target", "Monitor capillary plasma glucose every hour during labour and birth in women with diabetes, and "
               "ensure that it is maintained between 4 and 7 mmol/litre. [2008, amended 2015]", True),
    # Chinese Pharmacological Society vancomycin TDM guideline (ngc:10944)
    ("target", "Recommendation 5: Trough serum vancomycin concentrations should be maintained at 10-20 mg/L in "
               "adult patients with serious MRSA infections.", True),
    ("target", "Recommendation 6: Initial vancomycin TDM should be started on day 3 (48 hours since initiation of "
               "vancomycin therapy).", False),
    # CPIC CYP2C19 and SSRIs (ngc:10897): a starting dose given as a change of the usual one
    ("starting-dose", "If citalopram or escitalopram is warranted, an initial dosage decrease of 50% should be "
                      "considered.", True),
    ("starting-dose", "Plasma concentrations decrease by 50% in poor metabolizers.", False),
    # esophageal varices (ngc:10213): when to repeat the endoscopy
    ("monitoring", "Because many patients do not respond to β-blocker treatment or bleeding prophylaxis, it is "
                   "recommended that EGD be repeated after 2 years (as for those not receiving β-blockers).", True),
    ("monitoring", "Repeat the course if symptoms return.", False),
    # SOGC induction of labour (ngc:10091): the schedule written before the act
    ("monitoring", "Women who chose to delay induction >41+0 weeks should undergo twice-weekly assessment for fetal "
                   "well-being. (I-A)", True),
    ("monitoring", "Give weekly doses of 50 mg.", False),
    # NCS/DGNI large hemispheric infarction (ngc:11092): a floor to keep
    ("target", "The authors recommend maintaining a hemoglobin of 7 g/dL or higher in LHI patients (strong "
               "recommendation, very low quality of evidence).", True),
    ("target", "Keep the patient nil by mouth for 6 hours.", False),
    # Endocrine Society androgen therapy in women (ngc:10719): the value as a range
    ("target", "The Task Force suggests a 3- to 6-month trial of a dose of T for postmenopausal women who request "
               "therapy for properly diagnosed HSDD resulting in a midnormal premenopausal value in a reference assay.",
     True),
    ("target", "Testosterone values are normal in most women with HSDD.", False),
    # Canary Islands lupus guideline (ngc:11372): a taper as a reduction to a dose
    ("titration", "C - The GDG suggests a rapid reduction of glucocorticoid doses (prednisone) in order to reach "
                  "5 mg/day, within six months at the very latest.", True),
    ("titration", "A reduction of flares was seen with hydroxychloroquine.", False),
    # AAOS pediatric diaphyseal femur fractures (ngc:10775): the grade in the wording
    ("first-line", "Moderate evidence supports early spica casting or traction with delayed spica casting for children "
                   "age six months to five years with a diaphyseal femur fracture with less than 2cm of shortening.",
     True),
    # NICE TA369 (ngc:10877): what to add when first-line treatment has not worked
    ("alternative", "Ciclosporin is recommended as an option, within its marketing authorisation, for treating severe "
                    "keratitis in adult patients with dry eye disease (DED) that has not improved despite treatment "
                    "with tear substitutes.", True),
    ("alternative", "Ciclosporin drops improved tear production.", False),
    # BASHH vulval conditions (ngc:10238): clobetasol for lichen sclerosus, stepped down
    ("titration", "Various regimens are used, one of the most common being daily use for one month, alternate days "
                  "for one month, twice weekly for one month with review at 3 months.", True),
    ("titration", "Ointment should be applied once daily for one month.", False),
    ("stop", "Stop metformin if the eGFR is below 30 ml/minute/1.73 m2.", True),
    # USPSTF lung cancer screening (ngc:10192): smoking cessation is not when to stop
    ("stop", "Screening should not be viewed as an alternative to smoking cessation.", False),
    # "what counts as significant proteinuria?" is answered by the definition (SOGC, ngc:10360)
    ("diagnosis", "Significant proteinuria should be defined as ≥0.3 g/d in a complete 24-hour urine collection "
                  "or ≥30 mg/mmol urinary creatinine in a spot (random) urine sample. (II-2B)", True),
]


@pytest.mark.parametrize(("aspect", "sentence", "states"), CASES)
def test_aspect_cues(aspect: str, sentence: str, states: bool) -> None:
    assert (aspect_bonus(aspect, sentence) > 0) is states


def test_a_course_of_so_many_days_states_the_duration_as_plainly_as_for_so_many_days() -> None:
    # NICE pneumonia (ngc:10899): "a 5-day course" answers "for how long?" as fully as "for 5 days"
    plain = aspect_bonus("duration", "Offer a 5-day course of a single antibiotic to patients with low-severity "
                                     "community-acquired pneumonia.")
    assert plain == aspect_bonus("duration", "Offer a single antibiotic for 5 days to patients with low-severity "
                                             "community-acquired pneumonia.") == 1.0


def test_what_to_give_states_a_first_line_choice_more_plainly_than_what_not_to() -> None:
    give = aspect_bonus("first-line", "Offer a 5-day course of a single antibiotic to patients with low-severity "
                                      "community-acquired pneumonia.")
    prefer = aspect_bonus("first-line", "Consider amoxicillin in preference to a macrolide or a tetracycline for "
                                        "patients with low-severity community-acquired pneumonia.")
    avoid = aspect_bonus("first-line", "Do not routinely offer a glucocorticosteroid to patients with "
                                       "community-acquired pneumonia.")
    assert give == prefer == 1.0 and 0 < avoid < give
    assert aspect_bonus("first-line", "Offer microbiological tests to patients with high-severity pneumonia.") < 1.0


def test_how_long_a_course_is_stated() -> None:
    # CHEST chronic wet cough (ngc:11255)
    assert aspect_bonus("duration", "… when the wet cough persists after 2 weeks of appropriate antibiotics, the Expert "
                                    "Panel recommends treatment with an additional 2 weeks of the appropriate "
                                    "antibiotic(s) (Grade 1C).") == 1.0
    assert aspect_bonus("duration", "In patients with DVT of the leg or PE and no cancer, as long-term (ﬁrst 3 months) "
                                    "anticoagulant therapy, the panel suggests …") > 0
    # the long term of side effects is no course (ngc:10684)
    assert aspect_bonus("duration", "Also, radiation doses around 30 Gy are currently most commonly used in an effort "
                                    "to decrease acute and long-term side effects.") == 0


def test_an_intake_raised_to_a_level_is_no_titration() -> None:
    # AACE healthy eating (ngc:10476): a diet, not a dose to titrate
    assert aspect_bonus("titration", "Sodium intake should be reduced to <2,300 mg/day, and potassium intake should be "
                                     "increased to >4,700 mg/day with implementation of a DASH-type meal plan.") == 0
    assert aspect_bonus("titration", "The dose may be increased to 40 mg once daily after 4 weeks.") == 1.0
    assert aspect_bonus("titration", "Increase to 20 mg daily after 1 week if clinically necessary.") == 1.0


def test_a_course_capped_at_a_length_is_a_duration() -> None:
    # EAST penetrating abdominal trauma (ngc:9613)
    assert aspect_bonus("duration", "Prophylactic antibiotics should be continued for not more than 24 hours in the "
                                    "presence of a hollow viscus injury in the acutely injured patient.") == 1.0


def test_removing_a_device_answers_when_to_stop() -> None:
    # SOGC IUD insertion (ngc:10294)
    assert aspect_bonus("stop", "In treating mild to moderate PID, it is not necessary to remove the IUD during "
                                "treatment unless the patient requests removal.") > 0
    assert aspect_bonus("stop", "Surgical removal of the polyp is recommended.") == 0


def test_a_recommendation_declined_is_none() -> None:
    from medcite.compose.judge import recommends

    nabilone = ("Clinicians may prescribe nabilone for modest decreases in HD chorea (Level C), but information is "
                "insufficient to recommend long-term use, particularly given abuse potential concerns (Level U).")
    assert not recommends(nabilone)
    assert aspect_bonus("first-line", nabilone) < aspect_bonus(
        "first-line", "Clinicians should prescribe tetrabenazine (TBZ) (up to 100 mg/day) for HD chorea (Level B).")
    assert recommends("Tetrabenazine is recommended for HD chorea.")
    assert not recommends("The task force provides no recommendation for using specific modes of ventilation.")
    # "no" declines only a recommendation it names
    assert recommends("In patients with no prior treatment, recommended doses are 10 mg daily.")


def test_what_is_measured_how_often_states_monitoring_more_plainly_than_what_is_not_routinely() -> None:
    # NICE IV fluids in children (ngc:10872)
    often = "Measure blood glucose when starting IV fluids, and then at least every 24 hours."
    not_routinely = ("Be aware that plasma electrolyte concentrations and blood glucose are not routinely measured "
                     "before elective surgery unless there is a need to do so.")
    assert aspect_bonus("monitoring", often) == 1.0
    assert 0 < aspect_bonus("monitoring", not_routinely) < aspect_bonus("monitoring", often)


def test_what_is_given_first_states_a_starting_dose_more_plainly_than_what_is_continued() -> None:
    # ESE hyponatraemia (ngc:10787)
    first = "The GDG recommends prompt intravenous (i.v.) infusion of 150 ml 3% hypertonic over 20 min (1D)."
    then = ("The GDG recommends continuing an i.v. infusion of 3% hypertonic saline or equivalent aiming for an "
            "additional 1 mmol/l per h increase in serum sodium concentration (1D).")
    assert aspect_bonus("starting-dose", first) > aspect_bonus("starting-dose", then)


def test_a_drug_of_several_words_is_named_by_its_rarest_word() -> None:
    from types import SimpleNamespace

    from medcite.compose.build import _says_drug
    from medcite.retrieve.analyze import analyze
    from medcite.understand.concepts import Concept

    saline = frozenset(analyze("hypertonic saline"))
    ctx = SimpleNamespace(found=[Concept("hyperton", (frozenset({"hyperton"}),), 15.9),
                                 Concept("salin", (frozenset({"salin"}),), 13.0)])
    assert _says_drug(ctx, saline, frozenset(analyze("prompt infusion of 150 ml 3% hypertonic over 20 min")))
    assert not _says_drug(ctx, saline, frozenset(analyze("normal saline 1 litre over 1 hour")))


def test_a_sentence_about_a_test_answers_no_treatment_question() -> None:
    from medcite.compose.aspects import recommends_testing_for

    # UMHS C. difficile guideline (ngc:11246)
    assert recommends_testing_for("first-line", "Single-step polymerase chain reaction (PCR) testing (not part of the "
                                  "UMHS algorithm) occurs as part of the new Biofire test panel for gastrointestinal "
                                  "pathogens and should not be used if CDI is suspected.")
    assert not recommends_testing_for("first-line", "Oral vancomycin is recommended for mild to moderate CDI.")
