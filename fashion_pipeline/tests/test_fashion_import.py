import importlib


def test_package_imports() -> None:
    mod = importlib.import_module("fashion_pipeline")
    assert mod.__version__
