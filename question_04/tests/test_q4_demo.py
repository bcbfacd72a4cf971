from pathlib import Path

from face_shards.demo import main


def test_demo_without_data_exits_3(tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.setenv("IMAGECORE_DATA_DIR", str(tmp_path))
    assert main(["--small"]) == 3
    assert "faces" in capsys.readouterr().err
