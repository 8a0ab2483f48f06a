"""Assertions shared by the exercise-checker tests."""


def assert_rejected(capsys, result, *fragments):
    """The checker said ❌ with a 💡 hint, no traceback, and each fragment.

    Returns the printed text for further checks.
    """
    out = capsys.readouterr().out
    assert result.passed is False, out
    assert out.startswith("❌"), out
    assert "💡" in out, out
    assert "Traceback" not in out
    for fragment in fragments:
        assert fragment in out, out
    return out
