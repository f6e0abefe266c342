"""Adverse-event catalogue of the synthetic trial: one row per preferred term.

Frequencies are per patient who receives the whole protocol (2 pre-operative + 4 post-operative
gemcitabine cycles, about a year of penpulimab); the simulation scales them by the exposure a
patient actually had. They are chosen to look like published experience with gemcitabine
1000 mg/m2 days 1 and 8, anti-PD-1 antibodies, lung SBRT and pulmonary metastasectomy, not
taken from any single trial.

Onset windows are relative to a treatment span of the patient:

``gem``  first to last gemcitabine dose    ``pd1``  first to last penpulimab dose
``sbrt`` first SBRT fraction               ``surg`` metastasectomy
``trt``  informed consent to last dose of any study treatment

so an onset is drawn uniformly in ``[span start + lo, span end + hi]`` days.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# System organ classes (MedDRA spelling).
BLOOD = "Blood and lymphatic system disorders"
INVEST = "Investigations"
ENDO = "Endocrine disorders"
SKIN = "Skin and subcutaneous tissue disorders"
RESP = "Respiratory, thoracic and mediastinal disorders"
GI = "Gastrointestinal disorders"
HEPATO = "Hepatobiliary disorders"
GENERAL = "General disorders and administration site conditions"
INJURY = "Injury, poisoning and procedural complications"
INFECT = "Infections and infestations"
METAB = "Metabolism and nutrition disorders"
NERV = "Nervous system disorders"
MUSC = "Musculoskeletal and connective tissue disorders"
PSYCH = "Psychiatric disorders"
CARDIAC = "Cardiac disorders"
NEOPL = "Neoplasms benign, malignant and unspecified (incl cysts and polyps)"

# Attributed cause -> relatedness flags (AERELSB, AERELPD, AERELGM).
CAUSE_FLAGS: dict[str, tuple[str, str, str]] = {
    "GEM": ("N", "N", "Y"),
    "PD1": ("N", "Y", "N"),
    "SBRT": ("Y", "N", "N"),
    "GEM+PD1": ("N", "Y", "Y"),
    "SBRT+PD1": ("Y", "Y", "N"),
    "SURG": ("N", "N", "N"),
    "NONE": ("N", "N", "N"),
}

# Clavien-Dindo grade -> CTCAE grade, so a surgical complication has one consistent severity.
CLAVIEN_TO_CTCAE: dict[str, int] = {
    "I": 1,
    "II": 2,
    "IIIa": 3,
    "IIIb": 3,
    "IVa": 4,
    "IVb": 4,
    "V": 5,
}


@dataclass(frozen=True)
class Term:
    decod: str
    soc: str
    verbatims: tuple[str, ...]
    cause: str  # key of CAUSE_FLAGS
    prob: float  # per fully treated patient
    grades: dict[int, float] = field(default_factory=dict)  # CTCAE grade -> probability
    span: str = "trt"
    lo: int = 0
    hi: int = 0
    duration: tuple[int, int] = (5, 20)  # days, uniform
    p_ongoing: float = 0.0  # chance it never resolves (e.g. hypothyroidism on replacement)
    irae: bool = False
    clavien: dict[str, float] = field(default_factory=dict)  # surgical complications only


# Neutropenia and thrombocytopenia are drawn cycle by cycle in the dosing simulation, because a
# grade >= 3 episode delays the next cycle and reduces the gemcitabine dose. Their ``prob`` is
# per gemcitabine cycle.
# fmt: off
HAEM_PER_CYCLE: tuple[Term, ...] = (
    Term("Neutrophil count decreased", INVEST,
         ("Neutropenia", "Decreased neutrophil count", "ANC decreased", "neutropenia"),
         "GEM", 0.20, {1: 0.25, 2: 0.40, 3: 0.28, 4: 0.07}, duration=(5, 12)),
    Term("Platelet count decreased", INVEST,
         ("Thrombocytopenia", "Low platelets", "Platelets decreased"),
         "GEM", 0.11, {1: 0.50, 2: 0.30, 3: 0.17, 4: 0.03}, duration=(5, 14)),
)

#    preferred term, SOC, verbatim terms, cause, prob, {grade: p}, span, lo, hi, duration days,
#    p_ongoing / irae / clavien
CATALOGUE: tuple[Term, ...] = (
    # Gemcitabine: haematological, hepatic, gastrointestinal and flu-like toxicity.
    Term("Anaemia", BLOOD, ("Anemia", "Anaemia", "Low haemoglobin"),
         "GEM", 0.45, {1: 0.50, 2: 0.40, 3: 0.10}, "gem", 5, 14, (14, 60)),
    Term("White blood cell decreased", INVEST, ("Leukopenia", "WBC decreased"),
         "GEM", 0.30, {1: 0.35, 2: 0.45, 3: 0.20}, "gem", 5, 12, (5, 12)),
    Term("Alanine aminotransferase increased", INVEST,
         ("ALT elevated", "Raised ALT", "Transaminase increased (ALT)"),
         "GEM", 0.30, {1: 0.70, 2: 0.20, 3: 0.10}, "gem", 3, 14, (7, 28)),
    Term("Fatigue", GENERAL, ("Fatigue", "Tiredness", "Asthenia / fatigue"),
         "GEM+PD1", 0.45, {1: 0.65, 2: 0.30, 3: 0.05}, "gem", 1, 14, (7, 60)),
    Term("Nausea", GI, ("Nausea", "Feeling sick", "Nausea after chemotherapy"),
         "GEM", 0.35, {1: 0.70, 2: 0.27, 3: 0.03}, "gem", 0, 5, (2, 7)),
    Term("Vomiting", GI, ("Vomiting", "Emesis"),
         "GEM", 0.12, {1: 0.70, 2: 0.30}, "gem", 0, 5, (1, 3)),
    Term("Pyrexia", GENERAL, ("Fever", "Post-infusion fever", "Pyrexia, flu-like"),
         "GEM", 0.20, {1: 0.80, 2: 0.20}, "gem", 0, 3, (1, 3)),
    Term("Decreased appetite", METAB, ("Anorexia", "Poor appetite"),
         "GEM", 0.25, {1: 0.75, 2: 0.25}, "gem", 2, 14, (7, 30)),
    Term("Diarrhoea", GI, ("Diarrhea", "Loose stools"),
         "GEM+PD1", 0.12, {1: 0.80, 2: 0.20}, "gem", 2, 30, (2, 7)),
    # Penpulimab: immune-related adverse events, typically 6-12 weeks after the first dose.
    Term("Hypothyroidism", ENDO, ("Hypothyroidism", "Raised TSH, low fT4", "Hypothyroid"),
         "PD1", 0.15, {1: 0.40, 2: 0.60}, "pd1", 42, 60, (60, 240), 0.7, irae=True),
    Term("Hyperthyroidism", ENDO, ("Hyperthyroidism", "Thyroiditis, hyperthyroid phase"),
         "PD1", 0.06, {1: 0.70, 2: 0.30}, "pd1", 28, 30, (21, 60), irae=True),
    Term("Rash maculo-papular", SKIN,
         ("Maculopapular rash", 'Rash on trunk and arms, "itchy"', "Skin rash"),
         "PD1", 0.15, {1: 0.60, 2: 0.30, 3: 0.10}, "pd1", 21, 30, (10, 40), irae=True),
    Term("Pruritus", SKIN, ("Itching", "Pruritus"),
         "PD1", 0.10, {1: 0.80, 2: 0.20}, "pd1", 21, 30, (7, 45), irae=True),
    Term("Pneumonitis", RESP,
         ("Immune-related pneumonitis", "Checkpoint inhibitor pneumonitis", "Pneumonitis"),
         "PD1", 0.06, {2: 0.50, 3: 0.40, 4: 0.10}, "pd1", 42, 60, (20, 60), irae=True),
    Term("Immune-mediated hepatitis", HEPATO, ("Immune hepatitis", "Autoimmune hepatitis"),
         "PD1", 0.05, {2: 0.30, 3: 0.60, 4: 0.10}, "pd1", 42, 60, (21, 60), irae=True),
    Term("Colitis", GI, ("Immune-related colitis", "Colitis"),
         "PD1", 0.04, {2: 0.50, 3: 0.50}, "pd1", 42, 60, (14, 40), irae=True),
    # SBRT to the lung.
    Term("Radiation pneumonitis", RESP, ("Radiation pneumonitis", "RT pneumonitis"),
         "SBRT", 0.10, {1: 0.50, 2: 0.40, 3: 0.10}, "sbrt", 42, 180, (30, 90)),
    Term("Cough", RESP, ("Cough", "Dry cough"),
         "SBRT", 0.20, {1: 0.80, 2: 0.20}, "sbrt", 3, 45, (7, 45)),
    Term("Chest wall pain", MUSC, ("Chest wall pain", "Rib pain near treated nodule"),
         "SBRT", 0.08, {1: 0.70, 2: 0.30}, "sbrt", 30, 200, (14, 90)),
    Term("Oesophagitis", GI, ("Esophagitis", "Odynophagia / oesophagitis"),
         "SBRT", 0.05, {1: 0.70, 2: 0.30}, "sbrt", 5, 20, (7, 21)),
    # Metastasectomy complications, graded by Clavien-Dindo (CTCAE grade follows from it).
    Term("Procedural pain", INJURY, ("Post-operative pain", "Wound pain"),
         "SURG", 0.35, span="surg", lo=0, hi=2, duration=(5, 21),
         clavien={"I": 0.85, "II": 0.15}),
    Term("Air leak", INJURY, ("Prolonged air leak > 5 days", "Air leak from chest drain"),
         "SURG", 0.18, span="surg", lo=0, hi=3, duration=(5, 14),
         clavien={"I": 0.55, "II": 0.30, "IIIa": 0.15}),
    Term("Pneumothorax", RESP, ("Pneumothorax after drain removal", "Residual pneumothorax"),
         "SURG", 0.08, span="surg", lo=1, hi=7, duration=(3, 14),
         clavien={"I": 0.50, "II": 0.20, "IIIa": 0.30}),
    Term("Pleural effusion", RESP, ("Pleural effusion", "Post-op effusion"),
         "SURG", 0.10, span="surg", lo=2, hi=14, duration=(7, 30),
         clavien={"I": 0.50, "II": 0.30, "IIIa": 0.20}),
    Term("Atelectasis", RESP, ("Atelectasis", "Lobar collapse"),
         "SURG", 0.08, span="surg", lo=1, hi=5, duration=(3, 10),
         clavien={"I": 0.60, "II": 0.30, "IIIa": 0.10}),
    Term("Wound infection", INFECT, ("Wound infection", "Port-site infection"),
         "SURG", 0.05, span="surg", lo=4, hi=14, duration=(7, 21),
         clavien={"II": 0.85, "IIIb": 0.15}),
    Term("Atrial fibrillation", CARDIAC, ("New-onset atrial fibrillation", "AF post-op"),
         "SURG", 0.03, span="surg", lo=1, hi=4, duration=(1, 5),
         clavien={"II": 1.0}),
    # Background events a trial always collects, not attributed to study treatment.
    Term("Headache", NERV, ("Headache",),
         "NONE", 0.10, {1: 0.85, 2: 0.15}, "trt", 0, 30, (1, 5)),
    Term("Upper respiratory tract infection", INFECT, ("Common cold", "URTI"),
         "NONE", 0.12, {1: 0.60, 2: 0.40}, "trt", 0, 30, (5, 12)),
    Term("Insomnia", PSYCH, ("Insomnia", "Difficulty sleeping"),
         "NONE", 0.08, {1: 0.90, 2: 0.10}, "trt", 0, 30, (7, 60)),
    Term("Back pain", MUSC, ("Back pain", "Low back pain"),
         "NONE", 0.08, {1: 0.70, 2: 0.30}, "trt", 0, 30, (5, 30)),
    Term("Constipation", GI, ("Constipation", "Constipation (ondansetron)"),
         "NONE", 0.20, {1: 0.85, 2: 0.15}, "trt", 0, 30, (3, 10)),
)

# Events written by hand for a specific patient story.
GRADE5_PNEUMONITIS = Term(
    "Pneumonitis", RESP, ("Fatal immune-related pneumonitis",), "SBRT+PD1", 1.0, {5: 1.0},
    irae=True,
)
LONG_DELAY_IRAE: tuple[Term, ...] = (
    Term("Pneumonitis", RESP, ("Grade 3 pneumonitis before surgery",), "SBRT+PD1", 1.0,
         {3: 1.0}, duration=(30, 50), irae=True),
    Term("Immune-mediated hepatitis", HEPATO, ("Immune hepatitis, steroids started",), "PD1",
         1.0, {3: 1.0}, duration=(28, 45), irae=True),
)
SECOND_MALIGNANCY = Term(
    "Myelodysplastic syndrome", NEOPL, ("Therapy-related MDS",), "NONE", 1.0, {3: 1.0},
    p_ongoing=1.0,
)
# fmt: on

# irAEs that make the investigator stop penpulimab at grade >= 3 (ASCO/ESMO irAE guidance).
PD1_STOP_AT_GRADE3 = {"Pneumonitis", "Immune-mediated hepatitis", "Colitis"}
