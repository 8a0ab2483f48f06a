"""Assertions shared by the exercise-checker tests."""


def assert_rejected(capsys, result, *fragments):
    """The checker said × with a ヒント: hint, no traceback, and each fragment.

    Returns the printed text for further checks.
    """
    out = capsys.readouterr().out
    assert result.passed is False, out
    assert out.startswith("×"), out
    assert "ヒント:" in out, out
    assert "Traceback" not in out
    for fragment in fragments:
        assert fragment in out, out
    return out


def assert_not_implemented(capsys, result):
    """The checker said △ (not implemented yet), with no traceback.

    Returns the captured (out, err) for further checks.
    """
    captured = capsys.readouterr()
    assert result.passed is False, captured.out
    assert captured.out.startswith("△"), captured.out
    assert "まだ実装されていません" in captured.out
    assert "Traceback" not in captured.out + captured.err
    return captured
