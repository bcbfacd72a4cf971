import importlib


def test_package_imports() -> None:
    mod = importlib.import_module("classifier_report")
    assert mod.__version__
