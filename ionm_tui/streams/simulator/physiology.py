"""The numbers behind the simulated responses: latencies, sizes and thresholds."""

from __future__ import annotations

# Synthetic SSEP peaks (latency_ms, sigma_ms, amplitude_uv), from the latencies in DOMAIN.md and
# the usual adult values: Erb's N9, cervical N13, popliteal N8, cervical N30, cortical P37/N45.
N9 = [(7.6, 0.45, 0.8), (9.0, 0.55, -4.0), (10.6, 0.9, 1.4)]
N9_FAR = [(9.0, 0.8, 0.4)]
N13 = [(11.4, 0.6, 0.4), (13.0, 0.9, -2.0), (15.2, 1.6, 0.7)]
N8 = [(6.8, 0.45, 0.7), (8.0, 0.55, -3.0), (9.4, 0.9, 1.0)]
N8_FAR = [(8.0, 0.8, 0.3)]
N30 = [(27.5, 1.0, 0.2), (30.0, 1.5, -0.9), (33.5, 2.0, 0.35)]
P37 = [(33.0, 1.8, -0.3), (37.5, 2.4, 1.6), (45.0, 3.2, -1.3), (55.0, 4.5, 0.6)]
N37_FRONTAL = [(37.5, 2.6, -0.5), (46.0, 3.5, 0.3)]
# D-wave: epidural, triphasic, a few ms; caudal electrode later and a little smaller.
D_ROSTRAL = [(2.3, 0.22, 4.0), (2.9, 0.28, -28.0), (3.6, 0.45, 9.0)]
D_CAUDAL = [(3.2, 0.25, 3.0), (3.9, 0.32, -22.0), (4.7, 0.5, 7.0)]
# BAEP (sub-µV): wave I negative at the ipsilateral ear, III and V positive at the vertex.
BAEP_I = ([(1.6, 0.17, -0.28)], [(1.6, 0.2, 0.04)])  # (ipsilateral ear, Cz)
BAEP_III = [(2.75, 0.2, 0.1), (3.7, 0.22, 0.3)]
BAEP_V = [(4.8, 0.22, 0.15), (5.6, 0.28, 0.45), (6.7, 0.6, -0.35)]
# TcMEP muscles: (onset latency ms from the first pulse, typical peak-to-peak µV, threshold V).
MEP = {
    "APB": (21.0, 1200.0, 170.0),
    "ADM": (21.5, 900.0, 175.0),
    "DEL": (14.0, 600.0, 190.0),
    "VL": (24.0, 500.0, 240.0),
    "TA": (30.0, 800.0, 230.0),
    "GAS": (33.0, 500.0, 250.0),
    "AH": (40.0, 600.0, 240.0),
    "OOC": (11.0, 250.0, 150.0),
    "OOR": (12.0, 400.0, 150.0),
}
TEMG_LATENCY_MS = {"VL": 11.0, "TA": 14.0, "GAS": 16.0, "AH": 18.0, "EAS": 13.0}
NERVE = {
    "VAGUS_L": (8.0, 900.0),
    "VAGUS_R": (4.5, 1000.0),
    "RLN_L": (3.5, 1100.0),
    "RLN_R": (3.2, 1100.0),
}
INTACT_SCREW_MA = 25.0  # an intact screw's myotome threshold: above the usual 20 mA ramp
# Stimulus artefact peak (µV) per channel class, and its recovery time constant (ms).
ARTEFACT = {
    "ssep": (0.25, {"scalp": 30, "spinal": 60, "peripheral": 250, "epidural": 40, "muscle": 100}),
    "transcranial": (
        0.5,
        {"scalp": 3000, "spinal": 800, "peripheral": 200, "epidural": 1500, "muscle": 500},
    ),
    "temg": (0.3, {"scalp": 20, "spinal": 80, "peripheral": 200, "epidural": 60, "muscle": 300}),
    "nerve": (0.3, {"scalp": 30, "spinal": 30, "peripheral": 30, "epidural": 30, "muscle": 150}),
}
