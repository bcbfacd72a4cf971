import importlib


def test_package_imports() -> None:
    mod = importlib.import_module("face_classifier")
    assert mod.__version__
