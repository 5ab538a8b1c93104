"""Channel expressions: plain labels, bipolar ``A-B`` derivations and labels containing '-'."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from ionm_tui.engine.channels import derivation_matrix, parse_channel

LABELS = ("Cz", "Fz", "C3'", "CPz", "Cz-Ref", "Fpz", "STIM")


class TestParseChannel:
    def test_plain_label(self) -> None:
        """A stream label is the positive input with no reference."""
        assert parse_channel("Cz", LABELS) == ("Cz", None)

    def test_difference(self) -> None:
        """``A-B`` of two stream labels is (A, B)."""
        assert parse_channel("Cz-Fz", LABELS) == ("Cz", "Fz")

    def test_spaces_around_dash(self) -> None:
        """Spaces around the dash are ignored."""
        assert parse_channel("C3' - Fpz", LABELS) == ("C3'", "Fpz")

    def test_label_containing_dash_taken_whole(self) -> None:
        """A label that itself contains '-' is taken whole when the stream has it."""
        assert parse_channel("Cz-Ref", LABELS) == ("Cz-Ref", None)

    def test_label_containing_dash_as_one_side(self) -> None:
        """A dashed label can be either side of a derivation."""
        assert parse_channel("Cz-Ref-Fz", LABELS) == ("Cz-Ref", "Fz")
        assert parse_channel("Fpz-Cz-Ref", LABELS) == ("Fpz", "Cz-Ref")

    def test_unknown_label_lists_stream_labels(self) -> None:
        """An unknown label raises ValueError naming it and listing the stream's labels."""
        with pytest.raises(ValueError, match=r"'Oz'.*Cz, Fz, C3', CPz, Cz-Ref, Fpz, STIM"):
            parse_channel("Oz", LABELS)

    def test_half_known_difference_rejected(self) -> None:
        """A difference with one unknown side is rejected."""
        with pytest.raises(ValueError, match=r"'Cz-Oz'.*A-B"):
            parse_channel("Cz-Oz", LABELS)

    def test_long_label_list_is_shortened(self) -> None:
        """The label list in the message stops after 40 labels with an ellipsis."""
        labels = tuple(f"E{i}" for i in range(50))
        with pytest.raises(ValueError, match=r"E39 …$") as info:
            parse_channel("X", labels)
        assert "E40" not in str(info.value)


class TestDerivationMatrix:
    def test_plain_labels_select_columns(self) -> None:
        """Plain labels compile to their columns and an identity matrix."""
        cols, m = derivation_matrix(("CPz", "Cz"), LABELS)
        assert_array_equal(cols, [3, 0])
        assert_array_equal(m, np.eye(2))

    def test_shared_inputs_used_once(self) -> None:
        """Derivations sharing a reference read each input column once."""
        cols, m = derivation_matrix(("Cz-Fz", "CPz-Fz", "Cz"), LABELS)
        assert_array_equal(cols, [0, 1, 3])
        assert_array_equal(m, [[1, 0, 1], [-1, -1, 0], [0, 1, 0]])

    def test_matrix_computes_differences(self) -> None:
        """inputs @ matrix gives the derived channels exactly."""
        rng = np.random.default_rng(3)
        x = rng.normal(size=(20, len(LABELS)))
        cols, m = derivation_matrix(("Cz-Fz", "Cz-Ref-Fpz", "STIM"), LABELS)
        derived = x[:, cols] @ m
        assert_allclose(derived[:, 0], x[:, 0] - x[:, 1], rtol=0, atol=1e-15)
        assert_allclose(derived[:, 1], x[:, 4] - x[:, 5], rtol=0, atol=1e-15)
        assert_allclose(derived[:, 2], x[:, 6], rtol=0, atol=0)

    def test_self_difference_is_zero(self) -> None:
        """``A-A`` compiles to a zero column (a derivation that cancels)."""
        cols, m = derivation_matrix(("Cz-Cz",), LABELS)
        assert_array_equal(cols, [0])
        assert_array_equal(m, [[0.0]])

    def test_unknown_expression_raises(self) -> None:
        """An unknown expression anywhere in the list raises ValueError listing the labels."""
        with pytest.raises(ValueError, match="the stream has: Cz"):
            derivation_matrix(("Cz", "Pz-Fz"), LABELS)
