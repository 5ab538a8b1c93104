"""The six procedures of docs/montages.md: channels, rates, test ids and their derivations."""

from __future__ import annotations

from dataclasses import dataclass

SIDES = ("L", "R")
MUSCLES = ("APB", "ADM", "DEL", "VL", "TA", "GAS", "AH", "EAS", "OOC", "OOR", "VC")
SCALP = (
    "Fz",
    "FPz",
    "Cz",
    "CPz",
    "C3p",
    "C4p",
    "F3",
    "F4",
    "P3",
    "P4",
    "O1",
    "O2",
    "T3",
    "T4",
    "A1",
    "A2",
)
LEFT_HEMISPHERE = ("F3", "P3", "O1", "T3", "C3p")
RIGHT_HEMISPHERE = ("F4", "P4", "O2", "T4", "C4p")


@dataclass(frozen=True, slots=True)
class TestDef:
    """One test row of the contract.

    Attributes:
        id: the stable test id, e.g. ``"ssep-ll-l"``.
        modality: ``ssep``, ``tcmep``, ``emg``, ``temg``, ``eeg``, ``nerve``, ``baep``, ``dwave``.
        marker: the stimulus code selecting it, or ``""`` for free-running tests.
        channels: channel expressions (a label or ``"A-B"``), the first one trended.
    """

    __test__ = False  # not a pytest class

    id: str
    modality: str
    marker: str
    channels: tuple[str, ...]

    def labels(self) -> tuple[str, ...]:
        """Every electrode label the test's derivations use, in order, without repeats."""
        out: list[str] = []
        for expr in self.channels:
            for label in expr.split("-"):
                if label not in out:
                    out.append(label)
        return tuple(out)


@dataclass(frozen=True, slots=True)
class Procedure:
    """One procedure (a profile id) of the contract.

    Attributes:
        id: profile id, e.g. ``"spine-deformity"``.
        name: human name.
        sfreq_hz: sampling rate of the data stream, Hz.
        labels: channel labels in stream order.
        tests: the contract's tests, restricted to derivations whose electrodes exist.
    """

    id: str
    name: str
    sfreq_hz: float
    labels: tuple[str, ...]
    tests: tuple[TestDef, ...]

    def test(self, test_id: str) -> TestDef:
        """The test with this id (KeyError if the procedure has none)."""
        for t in self.tests:
            if t.id == test_id:
                return t
        raise KeyError(test_id)

    @property
    def test_ids(self) -> tuple[str, ...]:
        """Every test id, in contract order."""
        return tuple(t.id for t in self.tests)

    def tests_using(self, labels: tuple[str, ...] | list[str]) -> tuple[str, ...]:
        """Ids of the tests any of whose derivations involve one of ``labels``."""
        wanted = set(labels)
        return tuple(t.id for t in self.tests if wanted & set(t.labels()))


def muscle_of(label: str) -> tuple[str, str] | None:
    """Split a muscle channel label into (muscle, side); side is ``""`` for EAS; None otherwise."""
    if label == "EAS":
        return ("EAS", "")
    muscle, _, side = label.partition("_")
    if muscle in MUSCLES and side in SIDES:
        return (muscle, side)
    return None


def channel_class(label: str) -> str:
    """What an electrode records: ``scalp``, ``spinal``, ``peripheral``, ``epidural`` or
    ``muscle``; it sets the background noise and the stimulus-artefact size."""
    if label in SCALP:
        return "scalp"
    if label == "C5S":
        return "spinal"
    if label in ("DW1", "DW2"):
        return "epidural"
    if muscle_of(label) is not None:
        return "muscle"
    return "peripheral"  # EpL, EpR, PFL, PFR


def lsl_type(label: str) -> str:
    """Per-channel ``desc/channels/channel/type``: EEG for scalp, EMG for muscles, else ENG."""
    cls = channel_class(label)
    return {"scalp": "EEG", "muscle": "EMG"}.get(cls, "ENG")


def _ssep(side: str, upper: bool) -> TestDef:
    s = side.lower()
    other = "R" if side == "L" else "L"
    if upper:
        cortex = "C4p" if side == "L" else "C3p"
        chans = (f"{cortex}-Fz", "C5S-FPz", f"Ep{side}-Ep{other}")
        return TestDef(f"ssep-ul-{s}", "ssep", f"SSEP_UL_{side}", chans)
    chans = ("CPz-FPz", "C5S-FPz", f"PF{side}-PF{other}")
    return TestDef(f"ssep-ll-{s}", "ssep", f"SSEP_LL_{side}", chans)


def _muscle_tests(prefix: str, modality: str, marker: str, muscles: tuple[str, ...]) -> list:
    out = []
    for side in SIDES:
        for m in muscles:
            code = marker.replace("{S}", side)
            out.append(
                TestDef(f"{prefix}-{m.lower()}-{side.lower()}", modality, code, (f"{m}_{side}",))
            )
    return out


def _eeg_tests() -> list[TestDef]:
    pairs = {"L": ("F3-P3", "P3-O1", "F3-T3", "T3-O1"), "R": ("F4-P4", "P4-O2", "F4-T4", "T4-O2")}
    return [
        TestDef("eeg-" + p.replace("-", "").lower(), "eeg", "", (p,))
        for side in SIDES
        for p in pairs[side]
    ]


def _procedure(pid: str, name: str, fs: float, labels: str, tests: list[TestDef]) -> Procedure:
    chans = tuple(labels.split())
    kept = []
    for t in tests:
        # The contract's IMSCT montage lacks the Erb's and popliteal electrodes its SSEP rows
        # name ("as in spine-deformity"); keep only derivations the montage can form.
        exprs = tuple(e for e in t.channels if all(x in chans for x in e.split("-")))
        kept.append(TestDef(t.id, t.modality, t.marker, exprs))
    return Procedure(pid, name, fs, chans, tuple(kept))


_UL = [_ssep("L", True), _ssep("R", True)]
_LL = [_ssep("L", False), _ssep("R", False)]
_SPINE_MUSCLES = ("APB", "DEL", "TA", "AH")
_LUMBAR_MUSCLES = ("VL", "TA", "GAS")

PROCEDURES: dict[str, Procedure] = {
    p.id: p
    for p in (
        _procedure(
            "spine-deformity",
            "Posterior spinal fusion / scoliosis",
            5000.0,
            "C3p C4p Cz CPz Fz FPz C5S EpL EpR PFL PFR APB_L APB_R DEL_L DEL_R VL_L VL_R "
            "TA_L TA_R AH_L AH_R",
            [
                *_UL,
                *_LL,
                *_muscle_tests("mep", "tcmep", "TCMEP_{S}", _SPINE_MUSCLES),
                *_muscle_tests("emg", "emg", "", _SPINE_MUSCLES),
            ],
        ),
        _procedure(
            "lumbar-instrumentation",
            "Lumbar fusion with pedicle screws",
            5000.0,
            "CPz FPz Cz Fz C5S PFL PFR VL_L VL_R TA_L TA_R GAS_L GAS_R EAS",
            [
                *_LL,
                *_muscle_tests("emg", "emg", "", _LUMBAR_MUSCLES),
                TestDef("emg-eas", "emg", "", ("EAS",)),
                *_muscle_tests("temg", "temg", "TEMG", _LUMBAR_MUSCLES),
            ],
        ),
        _procedure(
            "carotid-endarterectomy",
            "Carotid endarterectomy",
            5000.0,
            "F3 F4 P3 P4 O1 O2 T3 T4 Cz C3p C4p Fz FPz C5S EpL EpR",
            [*_eeg_tests(), *_UL],
        ),
        _procedure(
            "thyroidectomy",
            "Thyroidectomy with recurrent laryngeal nerve monitoring",
            5000.0,
            "VC_L VC_R",
            [
                TestDef("vagus-l", "nerve", "VAGUS_L", ("VC_L",)),
                TestDef("vagus-r", "nerve", "VAGUS_R", ("VC_R",)),
                TestDef("rln-l", "nerve", "RLN_L", ("VC_L",)),
                TestDef("rln-r", "nerve", "RLN_R", ("VC_R",)),
                TestDef("emg-vc-l", "emg", "", ("VC_L",)),
                TestDef("emg-vc-r", "emg", "", ("VC_R",)),
            ],
        ),
        _procedure(
            "cpa-acoustic-neuroma",
            "Cerebellopontine angle / acoustic neuroma, left",
            10000.0,
            "Cz A1 A2 OOC_L OOR_L OOR_R",
            [
                TestDef("baep-l", "baep", "BAEP_L", ("Cz-A1",)),
                TestDef("baep-r", "baep", "BAEP_R", ("Cz-A2",)),
                TestDef("emg-ooc-l", "emg", "", ("OOC_L",)),
                TestDef("emg-oor-l", "emg", "", ("OOR_L",)),
                TestDef("emg-oor-r", "emg", "", ("OOR_R",)),
                TestDef("fmep-ooc-l", "tcmep", "FMEP_L", ("OOC_L",)),
                TestDef("fmep-oor-l", "tcmep", "FMEP_L", ("OOR_L",)),
            ],
        ),
        _procedure(
            "intramedullary-tumour",
            "Intramedullary spinal cord tumour",
            10000.0,
            "C3p C4p CPz Fz FPz C5S DW1 DW2 APB_L APB_R TA_L TA_R AH_L AH_R",
            [
                TestDef("dwave", "dwave", "DWAVE", ("DW2", "DW1")),
                *_muscle_tests("mep", "tcmep", "TCMEP_{S}", ("APB", "TA", "AH")),
                *_UL,
                *_LL,
            ],
        ),
    )
}
