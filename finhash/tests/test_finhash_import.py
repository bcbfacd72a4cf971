import importlib


def test_package_imports() -> None:
    mod = importlib.import_module("finhash")
    assert mod.__version__
